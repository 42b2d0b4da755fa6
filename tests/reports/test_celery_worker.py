"""The refresh tasks run in a real Celery worker against Redis (the production path)."""

import os

import pytest

from reports.choices import RunStatus
from reports.models import RefreshRun
from reports.tasks import refresh_summaries_full, refresh_summaries_incremental
from tests.reports.conftest import add_appeal, build_dataset, direct_counts, summary_rows

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_refresh_runs_in_the_worker_and_then_folds_changes(celery_worker_process, tree):
    # given a data set committed to the database the worker uses
    dataset = build_dataset(tree, seed=21, appeals=8, households=3, matters=3)
    # when a full refresh is queued
    result = refresh_summaries_full.delay().get(timeout=120)
    # then the worker ran it, logged it, and the summaries equal a direct count
    assert result["status"] == RunStatus.SUCCEEDED
    run = RefreshRun.objects.get(pk=result["run"])
    assert (run.kind, run.status) == ("full", RunStatus.SUCCEEDED)
    assert summary_rows() == direct_counts()
    # and after a change, the incremental task folds it
    add_appeal(dataset.rng, dataset.actor, tree.village)
    result = refresh_summaries_incremental.delay().get(timeout=120)
    assert (result["kind"], result["status"]) == ("incremental", RunStatus.SUCCEEDED)
    assert result["changes"] > 0
    assert summary_rows() == direct_counts()
    assert os.getpid() != celery_worker_process.process.pid


def test_refresh_now_waits_in_the_queue_while_another_refresh_runs(celery_worker_process, tree):
    import time

    from tests.reports.test_concurrency import HeldLock

    build_dataset(tree, seed=22, appeals=5, households=2, matters=2)
    run = RefreshRun.objects.create(kind="full", status=RunStatus.QUEUED)
    # given another refresh holds the lock when "refresh now"'s run reaches the worker
    with HeldLock():
        result = refresh_summaries_full.delay(run_id=run.pk)
        time.sleep(3.5)  # the worker tries, finds the lock taken, and retries every second
        # then the run is still waiting in the queue, not dropped as skipped
        run.refresh_from_db()
        assert run.status == RunStatus.QUEUED
        assert result.state == "RETRY"
    # and once the other refresh is done, the same run goes through
    assert result.get(timeout=60)["status"] == RunStatus.SUCCEEDED
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert summary_rows() == direct_counts()
