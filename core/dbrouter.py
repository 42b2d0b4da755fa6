"""Read-only summary and export queries on a PostgreSQL streaming replica.

With DATABASE_REPLICA_URL set, settings define a second alias, "replica". Code that only reads
summaries (the dashboards, their exports, the stats API) runs inside `replica_reads()`; there
`ReplicaRouter` sends the summary models' reads to the replica, all of them together (the state
row, its seal and the rows of the generation it names come from the same server, so a lagging
replica shows an older complete generation, never a mix). Everything else (the user's session,
posts and regions, live ledger rows, every write, the refresh with its row locks) stays on the
primary. Without a replica, or with JICENG_REPLICA_OFF, nothing changes.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.conf import settings

REPLICA = "replica"
ROUTED_MODELS = frozenset({"reports.Summary", "reports.SummaryState", "reports.SummarySeal", "reports.RefreshRun"})
_reading = contextvars.ContextVar("jiceng_replica_reads", default=False)


@contextlib.contextmanager
def replica_reads():
    """Within this block, reads of the summary models go to the replica (when there is one)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def replica_enabled() -> bool:
    return REPLICA in settings.DATABASES and not getattr(settings, "JICENG_REPLICA_OFF", False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading.get() and model._meta.label in ROUTED_MODELS and replica_enabled():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica replays the primary's WAL: never migrated on its own.
        return False if db == REPLICA else None
