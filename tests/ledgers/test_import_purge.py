"""Batches uploaded and checked but never run hold the file's personal data for nothing: a daily
task deletes them, rows and all, after JICENG_IMPORT_UNRUN_DAYS; batches that were run are kept."""

import datetime

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from audit.choices import Action
from audit.models import AuditEvent
from ledgers.models import ImportBatch, ImportKind, ImportMode, ImportRow, ImportStatus
from ledgers.services import import_batch_prepare, import_batch_start
from ledgers.services.imports import import_batches_purge_stale
from ledgers.tasks import import_batches_purge_stale as purge_task
from tests.ledgers.test_import import APPEAL_HEADERS, appeal_row, upload

DAY = datetime.timedelta(days=1)


def uploaded(user, *, age, status=ImportStatus.VALIDATED, rows=2, name="导入.xlsx"):
    """A checked batch of `rows` rows, uploaded `age` ago, then put in `status`."""
    batch = import_batch_prepare(
        actor=user,
        kind=ImportKind.APPEALS,
        upload=upload(APPEAL_HEADERS, [appeal_row(title=f"事项{i}") for i in range(rows)], name=name),
    )
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - age, status=status)
    return batch


def test_a_stale_unrun_batch_is_deleted_with_its_rows_and_audited(users, tree):
    # given a batch checked eight days ago and never run, and another one's rows
    stale = uploaded(users.township_staff, age=8 * DAY, rows=3, name="三组名单.xlsx")
    other = uploaded(users.township_staff, age=DAY)
    assert ImportRow.objects.filter(batch_id=stale.pk).count() == 3
    # when the purge runs
    purged = import_batches_purge_stale()
    # then the batch and its rows are gone, the other is untouched
    assert purged == 1
    assert not ImportBatch.objects.filter(pk=stale.pk).exists()
    assert not ImportRow.objects.filter(batch_id=stale.pk).exists()
    assert ImportRow.objects.filter(batch_id=other.pk).count() == 2
    # and the deletion is in the audit trail, by the system, naming the batch
    event = AuditEvent.objects.get(action=Action.DELETE, object_type="ledgers.importbatch")
    assert (event.actor, event.object_id, event.region_code) == (None, str(stale.pk), "51")
    assert event.message.startswith("删除超过 7 天未导入的批次：民生诉求，文件“三组名单.xlsx”，3 行，")
    assert event.changes == {"status": ["validated", None], "rows": [3, None]}


def test_a_fresh_unrun_batch_is_kept(users, tree):
    batch = uploaded(users.township_staff, age=7 * DAY - datetime.timedelta(minutes=1))
    assert import_batches_purge_stale() == 0
    assert ImportBatch.objects.filter(pk=batch.pk).exists()
    assert ImportRow.objects.filter(batch_id=batch.pk).count() == 2
    assert not AuditEvent.objects.filter(action=Action.DELETE).exists()


@pytest.mark.parametrize("status", [ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.DONE, ImportStatus.FAILED])
def test_a_batch_that_was_run_is_kept_whatever_its_age(users, tree, status):
    batch = uploaded(users.township_staff, age=400 * DAY, status=status)
    assert import_batches_purge_stale() == 0
    assert ImportBatch.objects.get(pk=batch.pk).status == status
    assert ImportRow.objects.filter(batch_id=batch.pk).count() == 2


def test_a_second_run_purges_nothing(users, tree):
    uploaded(users.township_staff, age=10 * DAY)
    uploaded(users.village_cadre, age=30 * DAY)
    assert import_batches_purge_stale() == 2
    assert import_batches_purge_stale() == 0
    assert ImportBatch.objects.count() == 0
    assert AuditEvent.objects.filter(action=Action.DELETE, object_type="ledgers.importbatch").count() == 2


def test_the_age_comes_from_the_setting_and_the_clock_from_now(users, tree, settings):
    settings.JICENG_IMPORT_UNRUN_DAYS = 2
    batch = uploaded(users.township_staff, age=3 * DAY)
    # a clock set back to the upload's first day finds nothing stale yet
    assert import_batches_purge_stale(now=timezone.now() - 2 * DAY) == 0
    assert import_batches_purge_stale() == 1
    assert not ImportBatch.objects.filter(pk=batch.pk).exists()


def test_the_daily_task_calls_the_purge_and_is_scheduled(users, tree):
    from config.celery import app

    uploaded(users.township_staff, age=8 * DAY)
    assert purge_task() == 1
    assert purge_task() == 0
    entry = app.conf.beat_schedule["ledgers-import-purge-stale"]
    assert entry["task"] == "ledgers.tasks.import_batches_purge_stale"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {40})


def test_the_report_page_says_when_an_unrun_batch_will_be_deleted(client_for, users, tree):
    batch = uploaded(users.township_staff, age=DAY)
    html = client_for(users.township_staff).get(reverse("ledgers:importbatch_detail", args=[batch.pk])).content.decode()
    when = timezone.localtime(ImportBatch.objects.get(pk=batch.pk).created_at + 7 * DAY).strftime("%Y-%m-%d %H:%M")
    assert f"未导入的批次连同其中的数据将于 {when} 自动删除。" in html


def test_starting_a_batch_purged_meanwhile_is_404(client_for, users, tree):
    # given the report page opened (the batch read), then the batch purged
    batch = uploaded(users.township_staff, age=8 * DAY)
    url = reverse("ledgers:importbatch_detail", args=[batch.pk])
    assert client_for(users.township_staff).get(url).status_code == 200
    import_batches_purge_stale()
    # when the user's choice reaches the service with the batch read before, then it is gone (404),
    # and the page answers 404 too
    with pytest.raises(Http404):
        import_batch_start(actor=users.township_staff, batch=batch, mode=ImportMode.VALID_ONLY)
    assert client_for(users.township_staff).post(url, {"mode": "valid_only"}).status_code == 404
    assert ImportBatch.objects.count() == 0
