"""A worker killed in the middle of an import (PostgreSQL + Redis): no row lost, none doubled.

"Only the valid rows" writes each row in its own transaction, marking the row written in the
same transaction as its record. The test stops the worker's run at row K (it holds that row's
lock), after rows 1..K-1 are committed, and kills either the whole worker (the task comes back
from Redis after the visibility timeout, to a new worker) or only the pool process running the
task (the worker rejects the message and takes it again at once: reject_on_worker_lost).
"""

import time
from collections import Counter

import pytest

from audit.choices import Action
from audit.models import AuditEvent
from ledgers.models import (
    ImportBatch,
    ImportKind,
    ImportMode,
    ImportRow,
    ImportRowStatus,
    ImportStatus,
    LivelihoodAppeal,
)
from ledgers.services import import_batch_prepare
from ledgers.tasks import import_batch_run
from tests.ledgers.test_import import APPEAL_HEADERS, appeal_row, upload
from tests.reliability.conftest import VISIBILITY_TIMEOUT, backend_gone, lock_waiter, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROWS = 30
STOP_AT = 12  # the row the first run is killed on (1-based, in row order)


@pytest.mark.parametrize("kill", ["whole worker", "pool process"])
def test_an_import_killed_half_way_writes_every_row_exactly_once(
    kill, ledger_kinds, users, tree, start_worker, queue_name, side_connection
):
    # given a checked file of ROWS appeals and the user's choice "only the valid rows"
    titles = [f"诉求{i:02d}" for i in range(ROWS)]
    batch = import_batch_prepare(
        actor=users.township_staff,
        kind=ImportKind.APPEALS,
        upload=upload(APPEAL_HEADERS, [appeal_row(title=title) for title in titles]),
    )
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.QUEUED, mode=ImportMode.VALID_ONLY)
    rows = list(ImportRow.objects.filter(batch=batch).order_by("row_number"))
    # and row STOP_AT locked by another session, so the run stops there with the rows before it written
    blocker = side_connection()
    with blocker.cursor() as cursor:
        cursor.execute("SELECT id FROM ledgers_importrow WHERE id = %s FOR UPDATE", [rows[STOP_AT - 1].pk])
    observer = side_connection()
    observer.autocommit = True

    # when a worker runs the import and is killed at row STOP_AT
    worker = start_worker("prefork" if kill == "pool process" else "solo")
    import_batch_run.apply_async(args=[batch.pk], queue=queue_name)
    pid, query, _table = wait_for(lambda: lock_waiter(observer), timeout=60, message="the import never got there")
    taken_at = time.monotonic()
    assert "ledgers_importrow" in query and "FOR UPDATE" in query
    written_before = dict(
        ImportRow.objects.filter(batch=batch, status=ImportRowStatus.WRITTEN).values_list("row_number", "object_id")
    )
    assert len(written_before) == STOP_AT - 1
    if kill == "pool process":
        worker.kill_pool_child()
    else:
        worker.kill()
    blocker.rollback()
    wait_for(lambda: backend_gone(observer, pid), timeout=30, message="the killed run's session lingers")
    if kill == "whole worker":
        # Redis gives the unacknowledged task to another worker once the visibility timeout is over
        time.sleep(max(0.0, taken_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
        start_worker("solo")
    batch = wait_for(
        lambda: ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.DONE).first(),
        timeout=90,
        interval=0.2,
        message="the import was not redelivered and finished",
    )

    # then every row was written exactly once: no row lost, none doubled
    assert (batch.written_rows, batch.skipped_rows) == (ROWS, 0)
    rows = list(ImportRow.objects.filter(batch=batch).order_by("row_number"))
    assert Counter(row.status for row in rows) == {ImportRowStatus.WRITTEN: ROWS}
    assert len({row.object_id for row in rows}) == ROWS
    assert Counter(LivelihoodAppeal.objects.values_list("title", flat=True)) == Counter(titles)
    assert sorted(LivelihoodAppeal.objects.values_list("pk", flat=True)) == sorted(row.object_id for row in rows)
    # and the rows written before the crash kept their records; the import was audited once
    assert {row.row_number: row.object_id for row in rows if row.row_number in written_before} == written_before
    assert AuditEvent.objects.filter(action=Action.IMPORT).count() == 1
