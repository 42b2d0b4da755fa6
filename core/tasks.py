import os

from celery import shared_task


@shared_task(bind=True)
def ping(self) -> dict:
    """Health check: which worker process ran this task."""
    return {"hostname": self.request.hostname, "pid": os.getpid()}
