"""The refresh tasks run in a real Celery worker against Redis (the production path)."""

import os

import pytest

from reports.choices import RunStatus
from reports.models import RefreshRun
from reports.tasks import refresh_summaries_full, refresh_summaries_incremental
from tests.reports.conftest import add_appeal, build_dataset, direct_counts, summary_rows

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


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
