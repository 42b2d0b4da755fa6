"""A real Celery worker against Redis runs the project's tasks (CI's production path)."""

import os

import pytest

from core.tasks import ping


@pytest.mark.celery_worker
def test_task_runs_in_a_separate_worker_process(celery_worker_process):
    # given a worker started by the test session against REDIS_URL
    # when a task is queued
    result = ping.delay()
    # then it ran in that worker, not in this process
    payload = result.get(timeout=60)
    assert payload["hostname"] == celery_worker_process.hostname
    assert payload["pid"] != os.getpid()


def test_tasks_run_eagerly_on_the_embedded_default(settings):
    if settings.REDIS_URL:
        pytest.skip("embedded default only")
    assert ping.delay().get()["pid"] == os.getpid()
