"""`make backup` / `make restore` (scripts/backup.sh, scripts/restore.sh): a backup restored into an
empty database holds every record, row for row; a non-empty target is refused unless FORCE=1."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from tests.security.records import HEAD_IDS, create_records

ROOT = Path(__file__).resolve().parent.parent.parent
# Tables that must hold rows after create_records, so an empty restore cannot pass.
FILLED_TABLES = {
    "ledgers_livelihoodappeal": 2,
    "ledgers_hardshiphousehold": 2,
    "ledgers_householdmember": 2,
    "ledgers_helprecord": 1,
    "audit_auditevent": 8,
}
SEED = """
from regions.choices import Level, Role
from regions.models import Post, Region
from accounts.models import User
from tests.security.records import create_records

province = Region.objects.create(code="51", name="四川省", level=Level.PROVINCE)
prefecture = Region.objects.create(code="5101", name="成都市", level=Level.PREFECTURE, parent=province)
county = Region.objects.create(code="510121", name="金堂县", level=Level.COUNTY, parent=prefecture)
town = Region.objects.create(code="510121113", name="竹篙镇", level=Level.TOWNSHIP, parent=county)
village = Region.objects.create(code="510121113001", name="竹篙村", level=Level.VILLAGE, parent=town)
staff = User.objects.create_user(username="staff", password="Backup#Test2026")
Post.objects.create(user=staff, region=town, role=Role.TOWNSHIP_STAFF)
create_records(actor=staff, village=village)
"""
READ_BACK = """
from ledgers.models import HardshipHousehold
print(sorted(HardshipHousehold.objects.values_list("head_id_number", flat=True)))
"""


def _env(**extra) -> dict:
    # No REDIS_URL: tasks run eagerly in the subprocess, never on a worker of the test session.
    drop = ("DATABASE_URL", "SQLITE_PATH", "FORCE", "REDIS_URL")
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    env["PY"] = sys.executable
    env.update(extra)
    return env


def _run(args, env, check=True):
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def _backup(env) -> Path:
    result = _run(["scripts/backup.sh"], env)
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.exists()
    assert oct(path.stat().st_mode)[-3:] == "600"
    assert not list(path.parent.glob("*.partial"))
    return path


# --- Comparing two databases through DB-API cursors --------------------------------------------
def _snapshot(cursor, tables) -> dict:
    """Per table: row count, and the first and last 5 whole rows in the order of all columns."""
    result = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}" LIMIT 0')
        width = len(cursor.description)
        ascending = ", ".join(str(position) for position in range(1, width + 1))
        descending = ", ".join(f"{position} DESC" for position in range(1, width + 1))
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        count = cursor.fetchone()[0]
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY {ascending} LIMIT 5')
        first = [tuple(map(str, row)) for row in cursor.fetchall()]
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY {descending} LIMIT 5')
        last = [tuple(map(str, row)) for row in cursor.fetchall()]
        result[table] = (count, first, last)
    return result


def _assert_same(source: dict, restored: dict):
    assert sorted(restored) == sorted(source)
    for table, expected in source.items():
        assert restored[table] == expected, table
    for table, minimum in FILLED_TABLES.items():
        assert source[table][0] >= minimum, table


# --- SQLite (the embedded default): runs in every test run ------------------------------------
def _sqlite_tables(path) -> list[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    return [name for (name,) in rows]


def _sqlite_snapshot(path) -> dict:
    connection = sqlite3.connect(path)
    try:
        return _snapshot(connection.cursor(), _sqlite_tables(path))
    finally:
        connection.close()


def test_sqlite_backup_restores_into_an_empty_database_with_every_record(tmp_path):
    # Given a live SQLite database (migrated, with records entered through the services)
    live = tmp_path / "live.sqlite3"
    live_env = _env(SQLITE_PATH=str(live), BACKUP_DIR=str(tmp_path / "backups"))
    _run([sys.executable, "manage.py", "migrate", "-v0"], live_env)
    _run([sys.executable, "manage.py", "shell", "-c", SEED], live_env)

    # When it is backed up and restored into an empty database
    backup = _backup(live_env)
    assert backup.suffix == ".sqlite3"
    restored = tmp_path / "restored" / "jiceng.sqlite3"
    restore_env = _env(SQLITE_PATH=str(restored))
    assert "restored" in _run(["scripts/restore.sh", str(backup)], restore_env).stdout

    # Then every table has the same rows, the append-only trigger came along, and the app reads it
    _assert_same(_sqlite_snapshot(live), _sqlite_snapshot(restored))
    with sqlite3.connect(restored) as connection:
        triggers = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    assert ("audit_auditevent_no_update",) in triggers
    read_back = _run([sys.executable, "manage.py", "shell", "-c", READ_BACK], restore_env).stdout
    assert read_back.strip().splitlines()[-1] == str(sorted(HEAD_IDS))

    # A second restore into the now non-empty database is refused and changes nothing ...
    before = _sqlite_snapshot(restored)
    refused = _run(["scripts/restore.sh", str(backup)], restore_env, check=False)
    assert refused.returncode == 2
    assert "not empty" in refused.stderr
    assert _sqlite_snapshot(restored) == before
    # ... unless forced.
    _run(["scripts/restore.sh", str(backup)], {**restore_env, "FORCE": "1"})
    _assert_same(_sqlite_snapshot(live), _sqlite_snapshot(restored))


def test_restore_refuses_a_missing_or_unknown_file(tmp_path):
    env = _env(SQLITE_PATH=str(tmp_path / "x.sqlite3"))
    missing = _run(["scripts/restore.sh", str(tmp_path / "nothing.sqlite3")], env, check=False)
    assert (missing.returncode, "no such file" in missing.stderr) == (2, True)
    odd = tmp_path / "backup.zip"
    odd.write_bytes(b"PK")
    unknown = _run(["scripts/restore.sh", str(odd)], env, check=False)
    assert (unknown.returncode, "unknown backup kind" in unknown.stderr) == (2, True)
    assert not (tmp_path / "x.sqlite3").exists()


# --- PostgreSQL (production) ------------------------------------------------------------------
def _pg_url(name: str) -> str:
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _pg_admin(sql: str):
    import psycopg2

    connection = psycopg2.connect(_pg_url("postgres"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def _pg_snapshot(name: str) -> tuple[dict, dict]:
    """(the tables' snapshot, the things beside rows: sequences and the audit trigger)."""
    import psycopg2

    connection = psycopg2.connect(_pg_url(name))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            tables = _snapshot(cursor, [table for (table,) in cursor.fetchall()])
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY sequencename")
            extra = {"sequences": cursor.fetchall()}
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname = 'audit_auditevent_append_only'")
            extra["trigger"] = cursor.fetchall()
    finally:
        connection.close()
    return tables, extra


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_backup_restores_into_an_empty_database_with_every_record(ledger_kinds, users, tree, tmp_path):
    # Given records entered through the services and committed
    create_records(actor=users.township_staff, village=tree.village)
    source = settings.DATABASES["default"]["NAME"]
    target = f"{source}_restore"
    _pg_admin(f'DROP DATABASE IF EXISTS "{target}"')
    _pg_admin(f'CREATE DATABASE "{target}"')
    try:
        # When the live database is backed up and restored into an empty database
        backup = _backup(_env(DATABASE_URL=_pg_url(source), BACKUP_DIR=str(tmp_path / "backups")))
        assert backup.suffix == ".pgdump"
        restore_env = _env(DATABASE_URL=_pg_url(target))
        assert "restored" in _run(["scripts/restore.sh", str(backup)], restore_env).stdout

        # Then every table has the same rows, sequences and the append-only trigger came along,
        # and the application reads the encrypted ID numbers back (same key)
        expected_tables, expected_extra = _pg_snapshot(source)
        restored = _pg_snapshot(target)
        _assert_same(expected_tables, restored[0])
        assert expected_extra["trigger"] == [("audit_auditevent_append_only",)]
        assert restored[1] == expected_extra
        read_back = _run([sys.executable, "manage.py", "shell", "-c", READ_BACK], restore_env).stdout
        assert read_back.strip().splitlines()[-1] == str(sorted(HEAD_IDS))

        # A second restore into the now non-empty database is refused and changes nothing ...
        refused = _run(["scripts/restore.sh", str(backup)], restore_env, check=False)
        assert refused.returncode == 2
        assert "not empty" in refused.stderr
        assert _pg_snapshot(target) == restored
        # ... unless forced.
        _run(["scripts/restore.sh", str(backup)], {**restore_env, "FORCE": "1"})
        assert _pg_snapshot(target) == restored
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
