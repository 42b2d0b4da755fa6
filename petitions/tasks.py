from celery import shared_task


@shared_task(acks_late=True)
def recompute_deadlines(years=None) -> int:
    """Recompute the stored deadlines after the working-day calendar changed (idempotent)."""
    from petitions.services import deadlines_recompute

    return deadlines_recompute(years=years)
