"""A worker killed in the middle of a full dashboard refresh (PostgreSQL + Redis).

The refresh writes its new generation inside one transaction and switches to it at the end. The
test stops the worker's refresh half-way (it holds a lock on a table the refresh reads after it
has already written part of the new generation), SIGKILLs the worker, and starts another: Redis
hands the unacknowledged task over after the visibility timeout, the run reruns from the start
and ends with exactly the figures of a clean full refresh. Meanwhile a reader polls what the
dashboards read (the active generation's rows, in one snapshot) and only ever sees the complete
old figures or the complete new ones.
"""

import threading
import time

import pytest

from reports.choices import RunKind, RunStatus
from reports.models import RefreshRun, SummaryState
from reports.services import summary_refresh_full
from reports.tasks import refresh_summaries_full
from tests.reliability.conftest import VISIBILITY_TIMEOUT, backend_gone, lock_waiter, wait_for
from tests.reports.conftest import add_appeal, build_dataset, direct_counts, summary_rows

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DASHBOARD_READ = (
    "SELECT s.region_code, s.period, s.metric, s.value FROM reports_summary s "
    "JOIN reports_summarystate st ON st.id = 1 AND s.generation = st.active_generation WHERE s.value <> 0"
)


class DashboardReader(threading.Thread):
    """Reads the active generation's figures over and over, each time in one statement (one snapshot)."""

    def __init__(self, connection):
        super().__init__(daemon=True)
        self.connection = connection
        self.connection.autocommit = True
        self.seen: list[frozenset] = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            with self.connection.cursor() as cursor:
                cursor.execute(DASHBOARD_READ)
                self.seen.append(frozenset(((c, p, m), v) for c, p, m, v in cursor.fetchall()))
            time.sleep(0.02)


@pytest.fixture
def dashboard_reader(side_connection):
    reader = DashboardReader(side_connection())
    yield reader
    reader.stop.set()
    if reader.is_alive():
        reader.join(timeout=10)


def figures(rows: dict) -> frozenset:
    return frozenset(rows.items())


def test_a_refresh_killed_half_way_reruns_and_the_dashboards_never_show_half(
    ledger_kinds, tree, start_worker, queue_name, side_connection, dashboard_reader
):
    # given summaries of yesterday's data, then more work recorded today
    dataset = build_dataset(tree, seed=31, appeals=12, households=4, matters=5)
    summary_refresh_full()
    before = figures(summary_rows())
    assert before == figures(direct_counts())
    for _ in range(6):
        add_appeal(dataset.rng, dataset.actor, tree.village2)
    after = figures(direct_counts())
    assert before != after
    reader = dashboard_reader
    reader.start()
    # and a lock on the matters table, which the refresh reads after it has written the figures of
    # appeals, ratings and households into its new (not yet committed) generation
    blocker = side_connection()
    with blocker.cursor() as cursor:
        cursor.execute("LOCK TABLE ledgers_stabilitymatter IN ACCESS EXCLUSIVE MODE")
    observer = side_connection()
    observer.autocommit = True

    # when a worker takes the queued refresh and is killed while it is half-way
    first = start_worker("solo")
    run = RefreshRun.objects.create(kind=RunKind.FULL, status=RunStatus.QUEUED)
    refresh_summaries_full.apply_async(kwargs={"run_id": run.pk}, queue=queue_name)
    pid, query, table = wait_for(lambda: lock_waiter(observer), timeout=60, message="the refresh never got there")
    taken_at = time.monotonic()
    # (the refresh scans the matters once, grouped by place and by township and month, into its
    # temporary table)
    assert query.startswith("CREATE TEMPORARY TABLE reports_full_scan") and table == "ledgers_stabilitymatter"
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    first.kill()
    blocker.rollback()  # the lock goes; the dead worker's session ends and rolls back
    wait_for(lambda: backend_gone(observer, pid), timeout=30, message="the killed worker's session lingers")
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING  # nothing finished it
    assert SummaryState.objects.get(pk=1).active_generation != run.pk

    # and a new worker starts once Redis may hand the unacknowledged task to someone else
    time.sleep(max(0.0, taken_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
    start_worker("solo")
    wait_for(
        lambda: RefreshRun.objects.filter(pk=run.pk, status=RunStatus.SUCCEEDED).exists(),
        timeout=90,
        interval=0.2,
        message="the refresh was not redelivered and rerun",
    )
    time.sleep(0.2)
    reader.stop.set()
    reader.join(timeout=10)

    # then the same run reran to the end and shows exactly the figures of a clean full refresh
    run.refresh_from_db()
    assert (run.kind, run.status, run.generation) == (RunKind.FULL, RunStatus.SUCCEEDED, run.pk)
    assert SummaryState.objects.get(pk=1).active_generation == run.pk
    assert figures(summary_rows()) == after == figures(direct_counts())
    # and every read in between saw either the whole old generation or the whole new one
    assert set(reader.seen) <= {before, after}
    assert reader.seen[0] == before and reader.seen[-1] == after
    assert len(reader.seen) > 20
