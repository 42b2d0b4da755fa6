"""Refreshing the summaries. Celery tasks and the "refresh now" button call these.

- `summary_refresh_full`: computes every figure from the source tables into a new generation and
  switches to it in the same transaction; old generations are pruned afterwards. A crash leaves
  the previous generation visible (the transaction rolls back; the run log keeps the error).
- `summary_refresh_incremental`: folds the change log into the active generation in one
  transaction: exactly the figures a full refresh would give (see tests/reports).

Both take the refresh lock first (a session advisory lock on PostgreSQL, a lock row with an
expiry on SQLite): a second refresh while one runs is logged as skipped and changes nothing.
On PostgreSQL the refresh transaction runs at REPEATABLE READ, so the figures and the change-log
rows it consumes come from one snapshot.
"""

from __future__ import annotations

import contextlib
import datetime
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import ServiceError
from regions.scoping import ensure_region
from reports.aggregation import fold_deltas, generation_table, generation_tables, write_full
from reports.choices import RUN_ACTIVE_STATUSES, RunKind, RunStatus
from reports.models import RefreshRun, Summary, SummarySeal, SummaryState
from reports.sql import Dialect, install_triggers, trigger_digest, triggers_current

logger = logging.getLogger(__name__)
ADVISORY_LOCK_KEY = 0x4A43_5250  # "JCRP"


class RefreshBusy(Exception):
    """Another refresh holds the lock and the caller asked to wait for it (a requested run)."""


def summary_state() -> SummaryState:
    state, _created = SummaryState.objects.get_or_create(pk=1)
    return state


def _lock_lifetime() -> datetime.timedelta:
    return datetime.timedelta(seconds=int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800)))


@contextlib.contextmanager
def refresh_lock(run: RefreshRun):
    """Yields True when this run holds the refresh lock, False when another refresh holds it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        return
    summary_state()
    now = timezone.now()
    # One UPDATE that only succeeds when the lock is free or expired: no check-then-act.
    free = Q(lock_run_id__isnull=True) | Q(lock_expires_at__lt=now)
    acquired = bool(
        SummaryState.objects.filter(free, pk=1).update(lock_run_id=run.pk, lock_expires_at=now + _lock_lifetime())
    )
    try:
        yield acquired
    finally:
        if acquired:
            SummaryState.objects.filter(pk=1, lock_run_id=run.pk).update(lock_run_id=None, lock_expires_at=None)


def _start(kind: str, actor, run_id: int | None) -> RefreshRun:
    run = RefreshRun.objects.filter(pk=run_id).first() if run_id else None
    if run is None:
        run = RefreshRun(kind=kind, requested_by=actor if getattr(actor, "is_authenticated", False) else None)
    elif run.status not in RUN_ACTIVE_STATUSES:
        # A task delivered twice (broker redelivery): the run is already done; do nothing.
        return run
    run.status = RunStatus.RUNNING
    run.started_at = timezone.now()
    run.save()
    return run


def _finish(run: RefreshRun, status: str, error: str = "") -> RefreshRun:
    run.status = status
    run.error = error[:4000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "rows", "changes", "generation", "kind"])
    return run


def _prepare_transaction(outermost: bool) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # The one-pass roll-up wants memory for its hash aggregates; JIT only slows it down here.
        cursor.execute("SET LOCAL work_mem = %s", [getattr(settings, "REPORTS_REFRESH_WORK_MEM", "256MB")])
        cursor.execute("SET LOCAL jit = off")
        # The commit need not wait for its WAL to reach the disk: what a lost commit would lose with a
        # crash is lost anyway (the summaries and their seal are unlogged, emptied by crash recovery,
        # and recomputed in full), and the change-log rows it deleted come back with it, consistent.
        # A fold's WAL is its change-log deletions (a few MB for 50,000 rows): no flush to wait on.
        cursor.execute("SET LOCAL synchronous_commit = off")


def _full_body(run: RefreshRun, state: SummaryState) -> None:
    dialect = Dialect(connection.vendor)
    digest = trigger_digest(dialect)
    if state.trigger_digest != digest or not triggers_current(connection):
        state.trigger_digest = install_triggers(connection)
    run.generation = run.pk
    run.rows = write_full(connection, run.generation)
    # The seal says the generation's rows are all there (see SummarySeal); one per table state.
    SummarySeal.objects.all().delete()
    SummarySeal.objects.create(generation=run.generation)
    with connection.cursor() as cursor:
        # Every change visible to this snapshot is in the figures just computed.
        cursor.execute("DELETE FROM reports_summarydelta")
        run.changes = max(cursor.rowcount, 0)
    state.active_generation = run.generation


def _incremental_body(run: RefreshRun, state: SummaryState) -> None:
    run.generation = state.active_generation
    run.changes, run.rows = fold_deltas(connection, state.active_generation)


def _refresh(kind: str, *, actor=None, run_id: int | None = None, wait_if_busy: bool = False) -> RefreshRun:
    run = _start(kind, actor, run_id)
    if run.status != RunStatus.RUNNING:
        return run
    with refresh_lock(run) as acquired:
        if not acquired:
            if wait_if_busy:
                # A run somebody asked for is not dropped because the scheduled one is running:
                # it goes back to the queue and the task tries again shortly.
                run.status = RunStatus.QUEUED
                run.started_at = None
                run.save(update_fields=["status", "started_at"])
                raise RefreshBusy(run.pk)
            return _finish(run, RunStatus.SKIPPED)
        outermost = not connection.in_atomic_block
        summary_state()
        try:
            with transaction.atomic():
                _prepare_transaction(outermost)
                state = SummaryState.objects.select_for_update().get(pk=1)
                if kind == RunKind.INCREMENTAL and (
                    state.visible_generation is None
                    or state.trigger_digest != trigger_digest(Dialect(connection.vendor))
                    or not triggers_current(connection)
                ):
                    # Nothing to fold into (none yet, or its rows lost with the unlogged tables in a
                    # database crash), or the change log was not complete: compute it all.
                    run.kind = RunKind.FULL
                if run.kind == RunKind.FULL:
                    _full_body(run, state)
                else:
                    _incremental_body(run, state)
                state.data_as_of = run.started_at
                state.last_run = run
                state.save()
                run.finished_at = timezone.now()
                run.status = RunStatus.SUCCEEDED
                run.save()
        except Exception as exc:
            logger.exception("summary refresh %s failed", run.pk)
            _finish(run, RunStatus.FAILED, f"{type(exc).__name__}: {exc}")
            raise
        if run.kind == RunKind.FULL:
            summary_prune()
            _maintain(full=True, generation=run.generation)
        else:
            _maintain(full=False, generation=run.generation)
    return run


def _maintain(*, full: bool, generation: int | None) -> None:
    """After the refresh committed (PostgreSQL): reclaim the change-log rows it deleted, and after
    a full refresh vacuum and analyze the new generation's table (fresh planner statistics: without
    them PostgreSQL scans the whole province's range of codes for a dashboard, 3 s instead of 0.2 ms
    at seed scale; and the visibility map and hint bits set once here rather than by the first
    fold or dashboards).

    Autovacuum may be off (it is on the benchmark machine): without this the change log only grows
    (423 MB of dead change-log rows made a 34k-row fold read 54k pages). Inside an outer
    transaction (tests) VACUUM is not allowed: statistics only."""
    if connection.vendor != "postgresql":
        return
    table = generation_table(generation) if generation is not None else None
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            if full and table:
                cursor.execute(f"ANALYZE {table}")
            return
        if full and table:
            cursor.execute(f"VACUUM (ANALYZE) {table}, reports_summarydelta")
        else:
            cursor.execute("VACUUM reports_summarydelta")


def summary_refresh_full(*, actor=None, run_id: int | None = None, wait_if_busy: bool = False) -> RefreshRun:
    """Recompute every figure into a new generation and switch to it in one transaction. While
    another refresh runs: logged as skipped, or with `wait_if_busy` put back in the queue
    (RefreshBusy raised)."""
    return _refresh(RunKind.FULL, actor=actor, run_id=run_id, wait_if_busy=wait_if_busy)


def summary_refresh_incremental(*, actor=None, run_id: int | None = None, wait_if_busy: bool = False) -> RefreshRun:
    """Fold the changes logged since the last run into the active generation (a full refresh if
    there is none yet, or if the change-log triggers were missing)."""
    return _refresh(RunKind.INCREMENTAL, actor=actor, run_id=run_id, wait_if_busy=wait_if_busy)


def summary_prune() -> int:
    """Remove the summary rows of generations that are no longer active. On PostgreSQL each
    generation is its own partition: detached (concurrently when not inside a transaction, so
    readers never wait) and dropped, no rows deleted one by one. Returns the tables (PostgreSQL) or
    rows (SQLite) removed."""
    state = SummaryState.objects.filter(pk=1).first()
    if state is None or state.active_generation is None:
        return 0
    if connection.vendor != "postgresql":
        deleted, _detail = Summary.objects.exclude(generation=state.active_generation).delete()
        return deleted
    removed = 0
    concurrently = "" if connection.in_atomic_block else " CONCURRENTLY"
    for generation, table in sorted(generation_tables(connection).items()):
        if generation == state.active_generation:
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {Summary._meta.db_table} DETACH PARTITION {table}{concurrently}")
            cursor.execute(f"DROP TABLE {table}")
        removed += 1
    return removed


def summary_refresh_request(*, actor, kind: str = RunKind.FULL, region_code: str | None = None) -> RefreshRun:
    """The "refresh now" button: queue a refresh (or return the one already queued or running).

    The provincial office (the refresh permission at the province) may ask for a full refresh. A
    leader (the permission in their own region, `region_code`) gets the incremental one: it folds
    every change logged so far, so their region's figures are current within seconds, and it is
    cheap; a leader may ask at most once per REPORTS_REFRESH_THROTTLE_SECONDS. Every request is
    in the audit trail."""
    from audit.choices import Action
    from audit.services import audit_record
    from regions.scoping import can_at_region
    from reports.tasks import refresh_summaries_full, refresh_summaries_incremental

    province = settings.JICENG_PROVINCE_CODE
    code = region_code or province
    ensure_region(actor, "reports.refresh_summary", code)
    if kind not in RunKind.values:
        raise ServiceError(_("刷新类型无效。"), code="bad_kind")
    whole_province = can_at_region(actor, "reports.refresh_summary", province)
    if not whole_province:
        kind = RunKind.INCREMENTAL
    with transaction.atomic():
        # A run queued or running longer than the task time limit died with its worker: not pending.
        pending = (
            RefreshRun.objects.filter(status__in=RUN_ACTIVE_STATUSES, created_at__gte=timezone.now() - _lock_lifetime())
            .order_by("-id")
            .first()
        )
        if pending is not None:
            return pending
        throttle = int(getattr(settings, "REPORTS_REFRESH_THROTTLE_SECONDS", 60))
        if (
            not whole_province
            and RefreshRun.objects.filter(
                requested_by=actor, created_at__gte=timezone.now() - datetime.timedelta(seconds=throttle)
            ).exists()
        ):
            raise ServiceError(_("刚刚已刷新过，请 %(seconds)s 秒后再试。") % {"seconds": throttle}, code="throttled")
        run = RefreshRun.objects.create(kind=kind, requested_by=actor, status=RunStatus.QUEUED)
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            region_code=code,
            object_type="reports.refreshrun",
            message=_("立即刷新统计数据（%(kind)s #%(run)s）") % {"kind": run.get_kind_display(), "run": run.pk},
        )
        task = refresh_summaries_full if kind == RunKind.FULL else refresh_summaries_incremental
        task.delay_on_commit(run_id=run.pk)
    return run
