from celery import shared_task

from audit.services import audit_retention_purge


@shared_task(acks_late=True, reject_on_worker_lost=True)
def audit_retention_purge_task() -> int:
    """Daily: remove audit events past the retention period. Idempotent: a rerun deletes nothing
    more, and two runs at once delete each row once."""
    return audit_retention_purge()
