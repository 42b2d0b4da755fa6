"""Celery tasks: thin wrappers around the refresh services. Safe to rerun and to deliver twice:
a run already finished is not run again, and the refresh lock makes a concurrent one a no-op.

A run somebody asked for ("refresh now": it has a `run_id`) that finds another refresh running
waits for it: the task is retried every REPORTS_REFRESH_BUSY_RETRY_SECONDS, up to BUSY_RETRIES
times, and only the last attempt gives up as "skipped". Scheduled runs (no `run_id`) are simply
skipped: the next one comes in a few minutes. Run eagerly (the embedded default) there is no queue
to wait in: skipped at once."""

import logging

from celery import shared_task
from django.conf import settings

from reports.services import RefreshBusy, summary_refresh_full, summary_refresh_incremental

logger = logging.getLogger(__name__)
BUSY_RETRIES = 40  # ten minutes at 15 s: longer than a full refresh at seed scale


def _result(run) -> dict:
    return {"run": run.pk, "kind": run.kind, "status": run.status, "rows": run.rows, "changes": run.changes}


def _run(task, service, run_id: int | None, what: str) -> dict:
    wait = run_id is not None and not task.request.is_eager and task.request.retries < BUSY_RETRIES
    try:
        return _result(service(run_id=run_id, wait_if_busy=wait))
    except RefreshBusy as busy:
        countdown = int(getattr(settings, "REPORTS_REFRESH_BUSY_RETRY_SECONDS", 15))
        raise task.retry(exc=busy, countdown=countdown, max_retries=BUSY_RETRIES) from busy
    except Exception:  # the run log holds the error; the previous generation stays visible
        logger.exception("%s summary refresh failed", what)
        from reports.models import RefreshRun

        run = RefreshRun.objects.filter(pk=run_id).first() if run_id else None
        return _result(run) if run else {"status": "failed"}


@shared_task(bind=True, acks_late=True)
def refresh_summaries_full(self, run_id: int | None = None) -> dict:
    """Nightly (and "refresh now"): recompute every summary into a new generation."""
    return _run(self, summary_refresh_full, run_id, "full")


@shared_task(bind=True, acks_late=True)
def refresh_summaries_incremental(self, run_id: int | None = None) -> dict:
    """Every few minutes: fold the change log into the active summaries."""
    return _run(self, summary_refresh_incremental, run_id, "incremental")
