"""Background work of pairings. Tasks are thin: they call a service and are safe to rerun."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def owed_visits_mark_overdue() -> int:
    """Beat, daily: owed must-visits past their due day become overdue. Idempotent."""
    from pairings.services.visits import owed_visits_mark_overdue as mark

    return mark()
