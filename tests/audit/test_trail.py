"""The audit trail: append-only for the application, kept at least 184 days, sensitive reads refused
when they cannot be recorded."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.choices import Action, Outcome
from audit.models import AppendOnlyError, AuditEvent
from audit.services import (
    SensitiveReadRefused,
    audit_record,
    audit_retention_purge,
    audit_sensitive_read,
    retention_days,
)
from audit.tasks import audit_retention_purge_task
from core.exceptions import OutOfScope
from ledgers.choices import HardshipType
from ledgers.services import household_create

pytestmark = pytest.mark.django_db
VALID_ID = "11010519491231002X"
TABLE = AuditEvent._meta.db_table


def _event(days_ago: float = 0, **extra) -> AuditEvent:
    values = {"action": Action.LOGIN, "actor_name": "someone", "region_code": "51"}
    values.update(extra)
    return AuditEvent.objects.create(at=timezone.now() - datetime.timedelta(days=days_ago), **values)


@pytest.fixture
def household(users, tree):
    return household_create(
        actor=users.township_staff,
        region=tree.village,
        data={"head_name": "张秀英", "head_id_number": VALID_ID, "phone": "13912345678"},
        hardship_types=[HardshipType.ELDERLY_ALONE],
    )


# --- Append-only ------------------------------------------------------------------------------
def test_saving_an_existing_event_is_refused_and_the_row_is_unchanged():
    event = _event(message="原文")
    event.message = "篡改"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).message == "原文"


def test_deleting_an_event_is_refused_through_every_orm_path():
    event = _event()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_updating_events_is_refused_through_every_orm_path():
    event = _event(message="原文")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(message="篡改")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(message="篡改")
    event.message = "篡改"
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["message"])
    assert AuditEvent.objects.get(pk=event.pk).message == "原文"


def test_the_database_refuses_a_raw_update():
    event = _event(message="原文")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET message = 'x' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).message == "原文"


@pytest.mark.postgres
def test_postgres_refuses_a_raw_delete_without_the_retention_guard():
    event = _event(days_ago=400)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
def test_postgres_refuses_to_delete_a_young_event_even_with_the_retention_guard():
    young = _event(days_ago=183)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jiceng.audit_retention = 'on'")
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [young.pk])
    assert AuditEvent.objects.filter(pk=young.pk).exists()


# --- Retention --------------------------------------------------------------------------------
def test_retention_purge_deletes_only_events_older_than_184_days():
    kept_183 = _event(days_ago=183)
    kept_today = _event(days_ago=0)
    gone = [_event(days_ago=185), _event(days_ago=900)]

    deleted = audit_retention_purge()

    assert deleted == 2
    assert AuditEvent.objects.filter(pk__in=[kept_183.pk, kept_today.pk]).count() == 2
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in gone]).exists()
    purge = AuditEvent.objects.get(action=Action.DELETE, object_type="audit.auditevent")
    assert purge.changes == {"deleted": [None, 2]}
    assert "184 天" in purge.message


def test_retention_purge_in_small_batches_and_rerun_deletes_nothing_more():
    for days in (200, 300, 400, 500, 600):
        _event(days_ago=days)
    young = _event(days_ago=100)

    assert audit_retention_purge(batch_size=2) == 5
    assert audit_retention_purge(batch_size=2) == 0
    assert AuditEvent.objects.filter(pk=young.pk).exists()
    assert AuditEvent.objects.filter(action=Action.DELETE).count() == 1


@pytest.mark.parametrize("days", [183, 0, -1])
def test_retention_shorter_than_184_days_is_refused(settings, days):
    settings.JICENG_AUDIT_RETENTION_DAYS = days
    old = _event(days_ago=190)
    with pytest.raises(ImproperlyConfigured):
        audit_retention_purge()
    assert AuditEvent.objects.filter(pk=old.pk).exists()
    with pytest.raises(SystemCheckError) as excinfo:
        call_command("check")
    assert "audit.E001" in str(excinfo.value)


def test_a_longer_retention_keeps_more(settings):
    settings.JICENG_AUDIT_RETENTION_DAYS = 365
    kept = _event(days_ago=300)
    gone = _event(days_ago=366)
    assert retention_days() == 365
    assert audit_retention_purge() == 1
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert not AuditEvent.objects.filter(pk=gone.pk).exists()


def test_the_retention_task_calls_the_purge():
    _event(days_ago=200)
    kept = _event(days_ago=183)
    result = audit_retention_purge_task.apply()
    assert result.get() == 1
    assert list(AuditEvent.objects.exclude(action=Action.DELETE).values_list("pk", flat=True)) == [kept.pk]


# --- Writing ----------------------------------------------------------------------------------
def test_an_event_tied_to_no_place_belongs_to_the_province(users):
    event = audit_record(actor=users.township_staff, action=Action.LOGIN)
    assert event.region_code == "51"
    assert event.actor_name == "staff"


def test_an_event_about_a_record_carries_its_region(users, household):
    event = AuditEvent.objects.get(action=Action.CREATE, object_id=str(household.pk))
    assert event.region_code == "510121113001"
    assert event.object_type == "ledgers.hardshiphousehold"
    assert VALID_ID not in str(event.changes)


# --- Sensitive reads --------------------------------------------------------------------------
def test_sensitive_read_is_recorded_without_the_value(users, household):
    event = audit_sensitive_read(
        actor=users.superuser,
        obj=household,
        field="head_id_number",
        permission="ledgers.reveal_hardshiphousehold",
        reason="核对低保材料",
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.outcome, stored.actor_id) == (Action.REVEAL, Outcome.SUCCESS, users.superuser.pk)
    assert stored.object_id == str(household.pk)
    assert stored.region_code == "510121113001"
    assert stored.changes == {"field": [None, "head_id_number"]}
    assert stored.message == "查看完整的户主身份证号：核对低保材料"
    assert VALID_ID not in f"{stored.changes}{stored.message}{stored.object_repr}"


def test_sensitive_read_without_the_permission_is_refused_and_recorded(users, household):
    with pytest.raises(OutOfScope):
        audit_sensitive_read(
            actor=users.county_leader,
            obj=household,
            field="head_id_number",
            permission="ledgers.reveal_hardshiphousehold",
        )
    refused = AuditEvent.objects.get(action=Action.REVEAL)
    assert (refused.outcome, refused.actor_id) == (Outcome.FAILURE, users.county_leader.pk)
    assert refused.message == "无权查看完整的户主身份证号"


def test_sensitive_read_is_refused_when_the_trail_cannot_be_written(users, household):
    # Given an audit table the application cannot write to (renamed away inside this test's
    # transaction, which the test rolls back)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_away")
    # When a user asks to see the full ID number
    with pytest.raises(SensitiveReadRefused) as excinfo:
        audit_sensitive_read(actor=users.township_staff, obj=household, field="head_id_number")
    # Then the read is refused with a clear message, and the caller's transaction still works
    assert "完整信息不予显示" in excinfo.value.messages[0]
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE}_away RENAME TO {TABLE}")
    assert not AuditEvent.objects.filter(action=Action.REVEAL).exists()


def test_numbers_typed_into_free_text_are_masked_in_the_trail(users, household):
    event = audit_sensitive_read(
        actor=users.superuser, obj=household, field="head_id_number", reason=f"核对 {VALID_ID}，回电 13912345678"
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.message == "查看完整的户主身份证号：核对 1101**********002X，回电 139****5678"
    record = audit_record(actor=users.superuser, action=Action.EXPORT, message="导出 20261125 批次，共 12 条")
    assert record.message == "导出 20261125 批次，共 12 条"
