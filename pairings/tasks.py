"""Background work of pairings. Tasks are thin: they call a service and are safe to rerun."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def owed_visits_mark_overdue() -> int:
    """Beat, daily: owed must-visits past their due day become overdue. Idempotent."""
    from pairings.services.visits import owed_visits_mark_overdue as mark

    return mark()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_job_run(job_id: int) -> dict | None:
    """Write an import the user confirmed. Safe to run twice: a job is written once (see
    `pairings.services.imports.import_job_execute`)."""
    from pairings.services.imports import import_job_execute

    job = import_job_execute(job_id=job_id)
    if job is None:
        return None
    return {"job": job.pk, "status": job.status, "written": job.written_rows}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_jobs_resume() -> list[int]:
    """Beat, every ten minutes: queue again the import jobs a lost message left queued. Idempotent."""
    from pairings.services.imports import import_jobs_resume as resume

    return resume()
