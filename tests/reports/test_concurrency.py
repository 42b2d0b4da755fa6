"""A refresh running twice at once cannot corrupt anything: the second is skipped (logged)."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from reports.choices import RunStatus
from reports.models import RefreshRun, SummaryDelta, SummaryState
from reports.services import ADVISORY_LOCK_KEY, summary_refresh_full, summary_refresh_incremental
from reports.tasks import refresh_summaries_incremental
from tests.reports.conftest import add_appeal, build_dataset, direct_counts, summary_rows


class HeldLock:
    """Holds the refresh lock the way another running refresh would."""

    def __enter__(self):
        if connection.vendor == "postgresql":
            import psycopg2

            params = connection.get_connection_params()
            self.other = psycopg2.connect(**params)
            self.other.autocommit = True
            self.other.cursor().execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        else:
            SummaryState.objects.get_or_create(pk=1)
            SummaryState.objects.filter(pk=1).update(
                lock_run_id=987654, lock_expires_at=timezone.now() + datetime.timedelta(hours=1)
            )
        return self

    def __exit__(self, *exc):
        if connection.vendor == "postgresql":
            # Unlock before closing: the server ends a closed session asynchronously.
            self.other.cursor().execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
            self.other.close()
        else:
            SummaryState.objects.filter(pk=1).update(lock_run_id=None, lock_expires_at=None)


def test_a_refresh_while_another_runs_is_skipped_and_changes_nothing(tree):
    # given summaries and a change waiting in the change log
    dataset = build_dataset(tree, seed=11, appeals=6, households=2, matters=2)
    first = summary_refresh_full()
    before = summary_rows()
    add_appeal(dataset.rng, dataset.actor, tree.village)
    waiting = SummaryDelta.objects.count()
    assert waiting > 0
    # when a refresh starts while another holds the lock
    with HeldLock():
        full = summary_refresh_full()
        incremental = summary_refresh_incremental()
        # then both are logged as skipped, and nothing changed
        assert (full.status, incremental.status) == (RunStatus.SKIPPED, RunStatus.SKIPPED)
        assert summary_rows() == before
        assert SummaryState.objects.get(pk=1).active_generation == first.generation
        assert SummaryDelta.objects.count() == waiting
    # and once the other refresh is done, the next one runs
    assert summary_refresh_incremental().status == RunStatus.SUCCEEDED
    assert summary_rows() == direct_counts()


def test_a_requested_refresh_waits_for_the_running_one_instead_of_being_dropped(tree):
    from reports import tasks
    from reports.services import RefreshBusy

    # given "refresh now" queued a run while the scheduled refresh holds the lock
    build_dataset(tree, seed=15, appeals=4, households=1, matters=1)
    run = RefreshRun.objects.create(kind="full", status=RunStatus.QUEUED)
    with HeldLock():
        # when the service is asked to wait, the run goes back to the queue (not skipped)
        with pytest.raises(RefreshBusy):
            summary_refresh_full(run_id=run.pk, wait_if_busy=True)
        run.refresh_from_db()
        assert (run.status, run.started_at) == (RunStatus.QUEUED, None)
        # and run eagerly (no queue to wait in: the embedded default) it is skipped at once, logged
        result = tasks.refresh_summaries_full.apply(kwargs={"run_id": run.pk})
        assert result.get()["status"] == RunStatus.SKIPPED
    # a scheduled run (no run id) is skipped at once, as before
    assert tasks.refresh_summaries_incremental.apply().get()["status"] in (RunStatus.SUCCEEDED, RunStatus.SKIPPED)
    # and once the lock is free, a requested run waiting for it succeeds at its next attempt
    waiting = RefreshRun.objects.create(kind="full", status=RunStatus.QUEUED)
    assert tasks.refresh_summaries_full.apply(kwargs={"run_id": waiting.pk}).get()["status"] == RunStatus.SUCCEEDED
    assert summary_rows() == direct_counts()


def test_an_expired_lock_of_a_dead_refresh_does_not_block_forever(tree):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL's advisory lock dies with the session")
    build_dataset(tree, seed=12, appeals=3, households=1, matters=1)
    summary_refresh_full()
    SummaryState.objects.filter(pk=1).update(
        lock_run_id=5, lock_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert summary_refresh_incremental().status == RunStatus.SUCCEEDED


def test_a_task_delivered_twice_runs_once(tree):
    build_dataset(tree, seed=13, appeals=3, households=1, matters=1)
    run = RefreshRun.objects.create(kind="incremental")
    first = refresh_summaries_incremental(run_id=run.pk)
    again = refresh_summaries_incremental(run_id=run.pk)
    assert first == again
    assert first["status"] == RunStatus.SUCCEEDED
    assert RefreshRun.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_full_refreshes_at_the_same_moment_leave_consistent_figures(tree):
    # given a data set
    build_dataset(tree, seed=14, appeals=10, households=3, matters=3)
    barrier = threading.Barrier(2)
    results = []

    def refresh():
        try:
            barrier.wait()
            results.append(summary_refresh_full().status)
        finally:
            connections.close_all()

    # when two full refreshes start at once, in two connections
    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then each either ran or was skipped, at least one ran, and the figures are right
    assert sorted(results) in (
        [RunStatus.SKIPPED, RunStatus.SUCCEEDED],
        [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED],
    )
    assert summary_rows() == direct_counts()
