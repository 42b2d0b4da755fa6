"""The Celery settings that make background work crash-safe, and every task following them."""

from config.celery import app

OUR_APPS = ("core", "accounts", "regions", "ledgers", "petitions", "pairings", "reports", "audit")


def our_tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.split(".")[0] in OUR_APPS}


def test_tasks_are_acknowledged_late_and_requeued_when_their_worker_dies():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.worker_cancel_long_running_tasks_on_connection_loss is True
    assert conf.result_expires == 24 * 3600


def test_time_limits_stay_below_the_visibility_timeout():
    conf = app.conf
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility == 3600  # the default; JICENG_CELERY_VISIBILITY_TIMEOUT is for the crash tests only
    assert conf.task_soft_time_limit < conf.task_time_limit < visibility
    for name, task in our_tasks().items():
        assert (task.time_limit or conf.task_time_limit) < visibility, name
        assert task.acks_late is True, name
        assert task.reject_on_worker_lost is True, name


def test_every_scheduled_task_exists():
    tasks = our_tasks()
    assert {entry["task"] for entry in app.conf.beat_schedule.values()} <= set(tasks)
    assert app.conf.beat_schedule["ledgers-import-resume"]["task"] == "ledgers.tasks.import_batches_resume"
    assert app.conf.beat_schedule["ledgers-import-purge-stale"]["task"] == "ledgers.tasks.import_batches_purge_stale"
