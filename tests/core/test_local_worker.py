"""`make run` on the embedded default (no Redis): a real Celery worker with beat on the filesystem
broker (settings JICENG_LOCAL_WORKER, scripts/serve.sh) folds a change into the dashboards on the
beat's schedule, with nobody pressing a button.

The end-to-end test runs its own processes on its own SQLite file (the test database is not
visible to another process), with the incremental refresh every 2 s instead of 4 minutes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def local_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        JICENG_LOCAL_WORKER="1",
        JICENG_CELERY_DIR=str(tmp_path / "celery"),
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        DJANGO_SETTINGS_MODULE="config.settings.local",
        **extra,
    )
    for sub in ("queue", "processed", "results", "control"):
        (tmp_path / "celery" / sub).mkdir(parents=True, exist_ok=True)
    return env


def shell(env, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=BASE, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_local_worker_settings_need_no_server(tmp_path):
    out = shell(
        local_env(tmp_path),
        "from config.celery import app; c = app.conf; "
        "print(c.broker_url, c.task_always_eager, c.result_backend.split(':')[0], "
        "c.beat_schedule['reports-refresh-incremental']['schedule'])",
    )
    assert out.splitlines()[-1] == "filesystem:// False file 240.0"


SETUP = """
from regions.models import Region
from reports.services import summary_refresh_full
p = Region.objects.create(code="51", name="四川省", level=1)
f = Region.objects.create(code="5101", name="成都市", level=2, parent=p)
c = Region.objects.create(code="510121", name="金堂县", level=3, parent=f)
t = Region.objects.create(code="510121113", name="竹篙镇", level=4, parent=c)
Region.objects.create(code="510121113001", name="竹篙村", level=5, parent=t)
summary_refresh_full()
"""
ADD_APPEAL = """
import datetime
from accounts.models import User
from ledgers.services import appeal_create
from regions.models import Region
root = User.objects.create_superuser("root", password="Jiceng#2026x")
appeal_create(actor=root, region=Region.objects.get(code="510121113001"), data={
    "category": "roads", "raiser_name": "张三", "title": "村道塌方", "responsible_person": "李四",
    "promised_date": datetime.date.today() + datetime.timedelta(days=5)})
"""
READ = """
from reports.selectors import summary_state
from reports.models import Summary
s = summary_state()
print(Summary.objects.filter(generation=s.visible_generation, region_code="510121", period="",
      metric="appeals_registered").values_list("value", flat=True).first() or 0)
"""


def test_a_change_reaches_the_dashboard_on_schedule_without_a_button(tmp_path):
    env = local_env(tmp_path, JICENG_INCREMENTAL_REFRESH_SECONDS="2")
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE, env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    shell(env, SETUP)
    worker = subprocess.Popen(
        [str(CELERY), "-A", "config", "worker", "--beat", "--concurrency", "1", "--loglevel", "warning",
         "--schedule", str(tmp_path / "beat-schedule")],
        cwd=BASE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        # given the figures computed before the change
        assert shell(env, READ).splitlines()[-1] == "0"
        # when an appeal is registered (no refresh requested by anyone)
        shell(env, ADD_APPEAL)
        # then the beat's incremental refresh shows it on the county's figures
        deadline = time.monotonic() + 120
        seen = "0"
        while time.monotonic() < deadline and seen != "1":
            time.sleep(2)
            seen = shell(env, READ).splitlines()[-1]
        assert seen == "1"
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
