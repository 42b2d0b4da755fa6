"""Workers the crash tests can kill, and a second database connection that can hold a lock.

Each worker listens on a queue of its own (so the session's shared worker never takes these
tasks) and runs with a short Redis visibility timeout (JICENG_CELERY_VISIBILITY_TIMEOUT), so a
task whose worker was killed comes back within the test rather than after an hour.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import psycopg2
import pytest
from django.conf import settings

VISIBILITY_TIMEOUT = 5  # seconds; the settings' default is an hour
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


def database_dsn() -> dict:
    db = settings.DATABASES["default"]
    return {
        "dbname": db["NAME"],
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
    }


def worker_env() -> dict:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    env["JICENG_CELERY_VISIBILITY_TIMEOUT"] = str(VISIBILITY_TIMEOUT)
    dsn = database_dsn()
    auth = dsn["user"] + (f":{dsn['password']}" if dsn["password"] else "")
    env["DATABASE_URL"] = f"postgres://{auth}@{dsn['host']}:{dsn['port']}/{dsn['dbname']}"
    return env


class Worker(SimpleNamespace):
    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill_pool_child(self) -> int:
        """SIGKILL the pool process running the task; the worker's main process lives on."""
        (pid,) = self.children()
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a pulled plug would: no cleanup, no goodbye."""
        for pid in self.children():
            os.kill(pid, signal.SIGKILL)
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def ledger_kinds(db):
    """The ledger kinds of the data migration (a transactional test's flush removes them)."""
    import importlib

    from django.apps import apps

    importlib.import_module("ledgers.migrations.0002_ledger_kinds").create_kinds(apps, None)


@pytest.fixture
def queue_name():
    return f"reliability-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def start_worker(queue_name):
    """start_worker(pool="solo"|"prefork") -> a Celery worker on this test's own queue."""
    from config.celery import app

    started: list[Worker] = []
    ARTIFACTS.mkdir(exist_ok=True)

    def start(pool: str = "solo") -> Worker:
        hostname = f"crash-{uuid.uuid4().hex[:8]}@localhost"
        log = open(ARTIFACTS / f"celery-{hostname.split('@')[0]}.log", "w")  # noqa: SIM115 - closed at teardown
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}", "-Q", queue_name]
        command += ["-n", hostname, "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        if pool == "prefork":
            command.append("--concurrency=1")
        process = subprocess.Popen(command, env=worker_env(), stdout=log, stderr=subprocess.STDOUT)
        worker = Worker(process=process, hostname=hostname, log=log)
        started.append(worker)
        deadline = time.monotonic() + 90
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {process.returncode}; see {log.name}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not answer within 90 s; see {log.name}")
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.terminate()
            try:
                worker.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        worker.log.close()


@pytest.fixture
def side_connection():
    """A second PostgreSQL session (autocommit off) for holding locks and reading snapshots."""
    connections = []

    def connect():
        connection = psycopg2.connect(**database_dsn())
        connections.append(connection)
        return connection

    yield connect
    for connection in connections:
        connection.close()


def wait_for(predicate, *, timeout: float, interval: float = 0.1, message: str = ""):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or "condition not reached in time")
        time.sleep(interval)


def lock_waiter(connection):
    """(pid, query, table or None) of a backend of the test database waiting for a lock, if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.pid, a.query, l.relation::regclass::text FROM pg_stat_activity a "
            "LEFT JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted "
            "WHERE a.wait_event_type = 'Lock' AND a.datname = current_database() AND a.pid <> pg_backend_pid() "
            "LIMIT 1"
        )
        return cursor.fetchone()


def backend_gone(connection, pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0
