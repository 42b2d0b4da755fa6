"""Leak scan: after entering households, members and appeals with known ID and phone numbers through
the services (and one household through an .xlsx import), and a search and an export by ID number
(the pages' and the API's),
none of those full numbers appears in a database dump, the logs (SQL included), Redis, the audit
trail, the server's access log (every request line), or any rendered page, export or API response.

Runs in both CI runs: pg_dump on PostgreSQL, iterdump on SQLite; Redis only when REDIS_URL is set.
Pages that do not exist (NoReverseMatch or 404) are skipped; the dump, log and audit parts always run.
"""

import base64
import io
import json
import logging
import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import NoReverseMatch, reverse

from audit.models import AuditEvent
from core.crypto import EncryptedTextField
from core.sensitive import personal_data_of
from ledgers.choices import AppealStatus
from ledgers.models import HardshipHousehold
from ledgers.services import appeal_transition
from tests.security.records import HEAD_IDS, ID_NUMBERS, PHONES, create_records, import_household


def _needles() -> dict[str, str]:
    """What must never appear: each full ID number, its first 17 digits, each full phone number."""
    needles = {}
    for number in ID_NUMBERS:
        needles[number] = number
        needles[number[:17]] = number
    for phone in PHONES:
        needles[phone] = phone
    return needles


def _scan(where: str, text: str, found: dict):
    for needle, secret in _needles().items():
        if needle in text:
            found.setdefault(secret, set()).add(where)


# --- Sources ----------------------------------------------------------------------------------
def _database_dump() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    db = settings.DATABASES["default"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    matching = Path(f"/usr/lib/postgresql/{major}/bin/pg_dump")
    binary = str(matching) if matching.exists() else shutil.which("pg_dump")
    env = {"PGPASSWORD": db.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [binary, "--format=plain", "--no-owner", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
        + ["-U", db["USER"], db["NAME"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def _redis_contents() -> str:
    """Every key and value in the Redis database the application uses, Celery message bodies decoded."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    parts = []
    for key in client.scan_iter(count=500):
        kind = client.type(key).decode()
        if kind == "string":
            values = [client.get(key)]
        elif kind == "list":
            values = client.lrange(key, 0, -1)
        elif kind == "hash":
            values = [item for pair in client.hgetall(key).items() for item in pair]
        elif kind == "set":
            values = list(client.smembers(key))
        elif kind == "zset":
            values = [member for member, _score in client.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            values = [json.dumps(entry, default=str).encode() for entry in client.xrange(key)]
        else:
            values = []
        parts.append(key.decode(errors="replace"))
        for value in values:
            text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
            parts.append(text)
            parts.extend(_decoded_bodies(text))
    return "\n".join(parts)


def _decoded_bodies(text: str) -> list[str]:
    """Kombu stores task messages as JSON with a base64 body: decode it so arguments are searched too."""
    try:
        message = json.loads(text)
    except ValueError:
        return []
    if isinstance(message, dict) and message.get("properties", {}).get("body_encoding") == "base64":
        try:
            return [base64.b64decode(message["body"]).decode(errors="replace")]
        except (ValueError, KeyError, TypeError):
            return []
    return []


def _response_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:4] == b"PK\x03\x04":  # an .xlsx: search the XML inside, where the cell text is
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(archive.read(name).decode(errors="replace") for name in archive.namelist())
    return content.decode(errors="replace")


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _pages(records, tree) -> list[str]:
    household, appeal = records.households[0], records.appeals[0]
    names = [
        ("ledgers:importbatch_detail", records.import_batch.pk),
        ("ledgers:hardshiphousehold_list",),
        ("ledgers:hardshiphousehold_detail", household.pk),
        ("ledgers:hardshiphousehold_update", household.pk),
        ("ledgers:hardshiphousehold_member_add", household.pk),
        ("ledgers:hardshiphousehold_export",),
        ("ledgers:livelihoodappeal_list",),
        ("ledgers:livelihoodappeal_detail", appeal.pk),
        ("ledgers:livelihoodappeal_update", appeal.pk),
        ("ledgers:livelihoodappeal_export",),
        ("ledgers:public_disclosure", tree.village.code),
        ("ledgers:public_notice", tree.village.code),
        ("audit:event_list",),
        ("audit:event_export",),
    ]
    urls = [_url(*name) for name in names]
    for event in AuditEvent.objects.filter(object_id__in=[str(household.pk), str(appeal.pk)]):
        urls.append(_url("audit:event_detail", event.pk))
    urls += [
        "/api/v1/hardship-households/",
        f"/api/v1/hardship-households/{household.pk}/",
        "/api/v1/livelihood-appeals/",
        f"/api/v1/livelihood-appeals/{appeal.pk}/",
        "/api/v1/audit-events/",
    ]
    return [url for url in urls if url]


def _search_and_export_by_id_number(client, records, found) -> list[str]:
    """The list page's search form POSTs the keyword; the redirect and every link carry it sealed."""
    number = HEAD_IDS[0]
    typed = f"{number[:6]} {number[6:14]} {number[14:]}"
    list_url = reverse("ledgers:hardshiphousehold_list")
    log = []
    response = client.post(list_url, {"q": typed})
    log.append(f"POST {list_url}")
    assert response.status_code == 302
    page = client.get(response["Location"])
    log.append(f"GET {page.wsgi_request.get_full_path()}")
    assert [row.pk for row in page.context["rows"]] == [records.households[0].pk]
    _scan("search page", _response_text(page), found)
    export = client.get(f"{reverse('ledgers:hardshiphousehold_export')}?{page.context['filter_querystring']}")
    log.append(f"GET {export.wsgi_request.get_full_path()}")
    assert export.status_code == 200
    _scan("export by ID number", _response_text(export), found)
    return log


def _api_search_by_id_number(client, records, found) -> list[str]:
    """The API's search takes the number in a POST body; a list URL holding it is refused unechoed."""
    number = HEAD_IDS[0]
    typed = f"{number[:6]} {number[6:14]} {number[14:]}"
    search = "/api/v1/hardship-households/search/"
    log = []
    for body in ({"id_number": typed}, {"q": number}):
        response = client.post(search, body, content_type="application/json")
        log.append(f"POST {response.wsgi_request.get_full_path()}")
        assert [row["id"] for row in response.json()["results"]] == [records.households[0].pk]
        _scan("API search by ID number", _response_text(response), found)
    refused = client.get("/api/v1/hardship-households/", {"id_number": number})
    assert refused.status_code == 400  # the number was in this request's URL: only the client's own
    _scan("API list refusing an ID number", _response_text(refused), found)
    return log


# Transactional, so that pg_dump (another connection) sees the committed rows.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_full_id_or_phone_number_leaks_anywhere(ledger_kinds, users, tree, client_for, caplog):
    # Given SQL statements logged with their parameters, and everything logged captured
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True
    try:
        # When staff enter households, members and appeals with known numbers, and disclose one
        records = create_records(actor=users.township_staff, village=tree.village)
        records.import_batch = import_household(actor=users.township_staff, village_name=tree.village.name)
        appeal = records.appeals[1]
        for target, extra in (
            (AppealStatus.IN_PROGRESS, {}),
            (AppealStatus.RESOLVED, {"resolution": "已更换水管"}),
            (AppealStatus.DISCLOSED, {}),
        ):
            appeal = appeal_transition(actor=users.township_staff, appeal=appeal, target=target, **extra)

        found: dict = {}
        # ... and every user who may look opens every page, export and API response (each request
        # line written to an access log as a server would: method and full path with query string)
        visited, access_log = [], []
        for who in ("township_staff", "county_leader", "province", "auditor", "superuser"):
            client = client_for(getattr(users, who))
            for url in _pages(records, tree):
                response = client.get(url)
                access_log.append(f"GET {response.wsgi_request.get_full_path()}")
                if response.status_code == 404:
                    continue
                visited.append((who, url, response.status_code))
                _scan(f"{who} GET {url}", _response_text(response), found)
        # ... and staff search the households by an ID number typed with spaces and export the result
        access_log += _search_and_export_by_id_number(client_for(users.township_staff), records, found)
        # ... and search them through the API by ID number, as a program would
        access_log += _api_search_by_id_number(client_for(users.township_staff), records, found)
        anonymous = client_for(None)
        for name in ("ledgers:public_disclosure", "ledgers:public_notice"):
            url = _url(name, tree.village.code)
            if url:
                _scan(f"anonymous GET {url}", _response_text(anonymous.get(url)), found)
    finally:
        connection.force_debug_cursor = False

    # Then none of the numbers is anywhere
    _scan("database dump", _database_dump(), found)
    _scan("logs", caplog.text + "\n".join(str(record.args) for record in caplog.records), found)
    _scan("audit trail", "\n".join(str(row) for row in AuditEvent.objects.values()), found)
    _scan("access log", unquote_plus("\n".join(access_log)), found)
    if settings.REDIS_URL:
        _scan("redis", _redis_contents(), found)
    assert found == {}
    # The scan really looked: the data is there (encrypted), the SQL was logged, pages were read.
    assert AuditEvent.objects.count() >= 10
    assert "ledgers_hardshiphousehold" in caplog.text
    assert any(url.startswith("/audit/") for _who, url, _status in visited)
    assert any("q=enc" in line for line in access_log)
    assert "POST /api/v1/hardship-households/search/" in access_log


def test_every_encrypted_column_and_its_hash_is_declared_personal():
    """The leak scan's premise: what is stored encrypted is declared masked or hidden on its model,
    so the audit trail, the history, serializers and exports treat it as personal data."""
    undeclared = []
    for model in apps.get_models():
        spec = personal_data_of(model)
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                names = [field.name] + ([field.hash_field] if field.hash_field else [])
                undeclared += [
                    f"{model._meta.label}.{n}" for n in names if n not in set(spec.masked) | set(spec.hidden)
                ]
    assert undeclared == []
    reveal = personal_data_of(HardshipHousehold).reveal
    assert reveal == {"head_id_number": "ledgers.reveal_hardshiphousehold"}


def test_the_scan_finds_a_number_where_there_is_one():
    found: dict = {}
    _scan("page", f"<td>{ID_NUMBERS[0]}</td><td>{PHONES[0][:3]}****{PHONES[0][-4:]}</td>", found)
    _scan("log", f"id={ID_NUMBERS[1][:17]}?", found)
    _scan("masked", f"{ID_NUMBERS[2][:4]}**********{ID_NUMBERS[2][-4:]}", found)
    assert found == {ID_NUMBERS[0]: {"page"}, ID_NUMBERS[1]: {"log"}}
