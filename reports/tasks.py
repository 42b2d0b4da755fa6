"""Celery tasks: thin wrappers around the refresh services. Safe to rerun and to deliver twice:
a run already finished is not run again, and the refresh lock makes a concurrent one a no-op."""

import logging

from celery import shared_task

from reports.services import summary_refresh_full, summary_refresh_incremental

logger = logging.getLogger(__name__)


def _result(run) -> dict:
    return {"run": run.pk, "kind": run.kind, "status": run.status, "rows": run.rows, "changes": run.changes}


@shared_task(acks_late=True)
def refresh_summaries_full(run_id: int | None = None) -> dict:
    """Nightly (and "refresh now"): recompute every summary into a new generation."""
    try:
        return _result(summary_refresh_full(run_id=run_id))
    except Exception:  # the run log holds the error; the previous generation stays visible
        logger.exception("full summary refresh failed")
        from reports.models import RefreshRun

        run = RefreshRun.objects.filter(pk=run_id).first() if run_id else RefreshRun.objects.order_by("-id").first()
        return _result(run) if run else {"status": "failed"}


@shared_task(acks_late=True)
def refresh_summaries_incremental(run_id: int | None = None) -> dict:
    """Every few minutes: fold the change log into the active summaries."""
    try:
        return _result(summary_refresh_incremental(run_id=run_id))
    except Exception:
        logger.exception("incremental summary refresh failed")
        from reports.models import RefreshRun

        run = RefreshRun.objects.filter(pk=run_id).first() if run_id else RefreshRun.objects.order_by("-id").first()
        return _result(run) if run else {"status": "failed"}
