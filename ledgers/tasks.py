"""Background work of the ledgers. Tasks are thin: they take ids and call a service."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_batch_run(batch_id: int) -> dict | None:
    """Write an import batch the user confirmed. Safe to run twice: finished batches are left
    alone and rows already written are never written again (see `import_batch_execute`)."""
    from ledgers.services.imports import import_batch_execute

    batch = import_batch_execute(batch_id=batch_id)
    if batch is None:
        return None
    return {"batch": batch.pk, "status": batch.status, "written": batch.written_rows, "skipped": batch.skipped_rows}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_batches_resume() -> list[int]:
    """Beat, every ten minutes: queue again the batches a lost message or a dead worker left
    behind (see `import_batches_resume` in ledgers.services.imports). Idempotent."""
    from ledgers.services.imports import import_batches_resume as resume

    return resume()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_batches_purge_stale() -> int:
    """Beat, daily: delete the batches checked but never run, older than JICENG_IMPORT_UNRUN_DAYS
    (see `import_batches_purge_stale` in ledgers.services.imports). Idempotent."""
    from ledgers.services.imports import import_batches_purge_stale as purge

    return purge()
