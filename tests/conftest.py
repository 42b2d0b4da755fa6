"""Shared fixtures: a small real-coded region tree and one user per scope position.

Tree: 四川省 51 → 成都市 5101 → 金堂县 510121 → 竹篙镇 510121113 (villages 001, 002)
                                          → 五凤镇 510121106 (villages 001, 002)
"""

import os
from types import SimpleNamespace

import pytest
from django.db import connection

from accounts.policy import ADMIN_ROLES
from regions.choices import Level, Role
from tests.factories import PASSWORD, PostFactory, RegionFactory, UserFactory, enrol_totp

REQUIRE_SERVICES = os.environ.get("JICENG_REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres / celery_worker run only where those services are configured.

    In CI (JICENG_REQUIRE_SERVICES=1) a missing service is an error, never a silent skip.
    """
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_redis = bool(settings.REDIS_URL)
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            if REQUIRE_SERVICES:
                raise pytest.UsageError("JICENG_REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if "celery_worker" in item.keywords and not has_redis:
            if REQUIRE_SERVICES:
                raise pytest.UsageError("JICENG_REQUIRE_SERVICES=1 but REDIS_URL is not set")
            item.add_marker(pytest.mark.skip(reason="needs Redis and a Celery worker (set REDIS_URL)"))


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (Simplified Chinese). A request made in English
    (LocaleMiddleware) leaves English active on the thread, which would otherwise leak into the
    messages of whatever test runs next."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# Addresses tests send requests from: the test client's and live_server's default, and those the
# rate-limit tests use. Their counts are forgotten before each test (they would otherwise carry
# over from test to test, and, in Redis, from one run to the next).
TEST_CLIENT_ADDRESSES = ("127.0.0.1", "10.9.0.1", "10.9.0.2")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.conf import settings

    from core.ratelimit import rate_limit_reset

    for scope in settings.JICENG_RATE_LIMITS:
        for address in TEST_CLIENT_ADDRESSES:
            rate_limit_reset(scope=scope, address=address)


@pytest.fixture(autouse=True)
def _ledger_kinds_after_flush(request):
    """A transactional test (live_server, transaction=True) starts after another one's flush, which
    empties every table, including the ledger kinds a data migration created: put them back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    importlib.import_module("ledgers.migrations.0002_ledger_kinds").create_kinds(apps, None)


@pytest.fixture
def eager_tasks(request):
    """Run Celery tasks in this process (as on the embedded default) even when REDIS_URL is
    set, except in the test that drives a real worker."""
    from config.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def tree(db):
    province = RegionFactory(code="51", name="四川省", level=Level.PROVINCE, path_name="四川省")
    prefecture = RegionFactory(code="5101", name="成都市", level=Level.PREFECTURE, parent=province)
    county = RegionFactory(code="510121", name="金堂县", level=Level.COUNTY, parent=prefecture)
    town_a = RegionFactory(code="510121113", name="竹篙镇", level=Level.TOWNSHIP, parent=county)
    town_b = RegionFactory(code="510121106", name="五凤镇", level=Level.TOWNSHIP, parent=county)
    villages = {}
    for town, names in ((town_a, ("竹篙村", "老君社区")), (town_b, ("五凤村", "金箱村"))):
        for index, name in enumerate(names, start=1):
            code = f"{town.code}{index:03d}"
            villages[code] = RegionFactory(
                code=code,
                name=name,
                level=Level.VILLAGE,
                parent=town,
                is_community="社区" in name,
                path_name=f"四川省 / 成都市 / 金堂县 / {town.name} / {name}",
            )
    return SimpleNamespace(
        province=province,
        prefecture=prefecture,
        county=county,
        town=town_a,
        sibling_town=town_b,
        village=villages["510121113001"],
        village2=villages["510121113002"],
        sibling_village=villages["510121106001"],
    )


def make_user(username, role, region, **extra):
    user = UserFactory(username=username, **extra)
    if role:
        PostFactory(user=user, region=region, role=role)
    if role in ADMIN_ROLES or extra.get("is_superuser"):
        enrol_totp(user)  # administrators must use a second factor (accounts.middleware)
    return user


@pytest.fixture
def users(tree):
    """One user per scope position of the permission matrix."""
    return SimpleNamespace(
        village_cadre=make_user("cadre", Role.VILLAGE_CADRE, tree.village),
        township_staff=make_user("staff", Role.TOWNSHIP_STAFF, tree.town),
        sibling_staff=make_user("sibling", Role.TOWNSHIP_STAFF, tree.sibling_town),
        township_leader=make_user("townleader", Role.TOWNSHIP_LEADER, tree.town),
        county_leader=make_user("countyleader", Role.COUNTY_LEADER, tree.county),
        prefecture_leader=make_user("prefleader", Role.PREFECTURE_LEADER, tree.prefecture),
        province=make_user("province", Role.PROVINCIAL_OFFICE, tree.province),
        system_admin=make_user("sysadmin", Role.SYSTEM_ADMIN, tree.province),
        security_admin=make_user("secadmin", Role.SECURITY_ADMIN, tree.province),
        auditor=make_user("auditor", Role.AUDITOR, tree.province),
        superuser=make_user("root", None, None, is_superuser=True, is_staff=True),
        no_post=make_user("nopost", None, None),
    )


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client signed in as `user` (None: anonymous)."""
    from django.test import Client

    def build(user):
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return build


@pytest.fixture
def api_for():
    from rest_framework.test import APIClient

    def build(user):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return build


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """Start a real Celery worker (solo pool) against REDIS_URL and the test database."""
    import subprocess
    import sys
    import time
    import uuid
    from pathlib import Path

    from django.conf import settings

    from config.celery import app

    hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        db = settings.DATABASES["default"]
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["SQLITE_PATH"] = settings.DATABASES["default"]["NAME"]
    log_dir = Path(__file__).resolve().parent.parent / "test-artifacts"
    log_dir.mkdir(exist_ok=True)
    log = open(log_dir / "celery-worker.log", "w")  # noqa: SIM115 - open for the whole session
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-n", hostname, "-l", "info"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(destination=[hostname], timeout=1.0)
        if replies:
            break
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited with {process.returncode}; see {log.name}")
    else:
        process.terminate()
        raise RuntimeError("celery worker did not answer within 60 s")
    yield SimpleNamespace(hostname=hostname, process=process, env=env)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
