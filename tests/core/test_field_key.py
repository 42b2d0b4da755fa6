"""The field key can rotate: newest key encrypts, every configured key decrypts, exact-match search
works before, during and after `manage.py rotate_field_key`, which is batched, resumable and audited.
Run on SQLite and PostgreSQL (the command writes with raw SQL)."""

import datetime
import json

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from audit.models import AuditEvent
from core import crypto, keyrotation
from ledgers.choices import AppealCategory
from ledgers.models import HardshipHousehold, HouseholdMember, ImportBatch, ImportKind, ImportRow, ImportRowStatus
from ledgers.selectors import household_list
from ledgers.services import appeal_create, household_create
from ledgers.services.households import household_member_add
from ledgers.services.imports import unseal_values

pytestmark = pytest.mark.django_db

OLD = "old-field-key-0123456789-abcdefghijklmnop"
NEW = "new-field-key-9876543210-zyxwvutsrqponmlk"
OTHER = "some-other-key-never-configured-here-1234"
HEAD_ID = "11010519491231002X"
MEMBER_ID = "510121196407280476"


def _raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _reads_with_only(key: str, token: str) -> bool:
    with override_settings(JICENG_FIELD_KEYS=[key]):
        return crypto.is_current(token)


@pytest.fixture
def rotating(settings):
    """NEW, then OLD, then the development key the test users' second factors were enrolled under
    (derived from SECRET_KEY: the way a demo database moves to a real key)."""
    return [NEW, OLD, settings.SECRET_KEY]


def _found(user, number):
    return list(household_list(user=user, filters={"q": number})[1].values_list("pk", flat=True))


@pytest.fixture
def old_rows(users, tree):
    """A household (head and member ID numbers, phone), an appeal (phone) and an import row (sealed
    cells), all written while only the OLD key was configured."""
    with override_settings(JICENG_FIELD_KEYS=[OLD]):
        household = household_create(
            actor=users.township_staff,
            region=tree.village,
            data={"head_name": "张三", "head_id_number": HEAD_ID, "phone": "13800001234"},
            hardship_types=["poor"],
        )
        member = household_member_add(
            actor=users.township_staff, household=household, data={"name": "张小三", "id_number": MEMBER_ID}
        )
        appeal = appeal_create(
            actor=users.township_staff,
            region=tree.village,
            data={
                "category": AppealCategory.DRINKING_WATER,
                "raiser_name": "王大爷",
                "raiser_phone": "13800005678",
                "title": "三组自来水管破裂",
                "responsible_person": "刘芳",
                "promised_date": datetime.date.today() + datetime.timedelta(days=10),
            },
        )
        batch = ImportBatch.objects.create(
            kind=ImportKind.HOUSEHOLDS, file_name="a.xlsx", created_by=users.township_staff
        )
        row = ImportRow.objects.create(
            batch=batch,
            row_number=2,
            status=ImportRowStatus.VALID,
            values={"户主姓名": "李四", "户主身份证号": {"enc": crypto.encrypt(json.dumps(HEAD_ID))}},
        )
    return household, member, appeal, row


def test_newest_key_encrypts_and_every_key_decrypts():
    with override_settings(JICENG_FIELD_KEYS=[OLD]):
        token = crypto.encrypt("13800001234")
        old_hash = crypto.keyed_hash(HEAD_ID)
    with override_settings(JICENG_FIELD_KEYS=[NEW, OLD]):
        assert crypto.decrypt(token) == "13800001234"
        assert not crypto.is_current(token)
        assert crypto.is_current(crypto.encrypt("x"))
        assert crypto.keyed_hashes(HEAD_ID) == [crypto.keyed_hash(HEAD_ID), old_hash]
        assert crypto.keyed_hash(HEAD_ID) != old_hash
    with override_settings(JICENG_FIELD_KEYS=[NEW]), pytest.raises(ValueError):
        crypto.decrypt(token)


def test_single_key_form_is_the_one_key_list_and_the_development_key_is_documented(settings):
    with override_settings(JICENG_FIELD_KEYS=[], JICENG_FIELD_KEY=OLD):
        single = (crypto.encrypt("a"), crypto.keyed_hash(HEAD_ID), crypto.key_ids())
        assert not crypto.development_key_in_use()
    with override_settings(JICENG_FIELD_KEYS=[OLD], JICENG_FIELD_KEY="ignored-when-the-list-is-set-0000000"):
        assert crypto.decrypt(single[0]) == "a"
        assert (crypto.keyed_hash(HEAD_ID), crypto.key_ids()) == single[1:]
    # Without a key (local use, tests only): derived from SECRET_KEY exactly as JICENG_FIELD_KEY=SECRET_KEY
    # would, so a demo database moves to a real key with JICENG_FIELD_KEYS=<new>,<SECRET_KEY>.
    with override_settings(JICENG_FIELD_KEYS=[], JICENG_FIELD_KEY=""):
        assert crypto.development_key_in_use()
        dev = crypto.keyed_hash(HEAD_ID)
    with override_settings(JICENG_FIELD_KEYS=[settings.SECRET_KEY]):
        assert crypto.keyed_hash(HEAD_ID) == dev


def test_rotation_rewrites_every_encrypted_column_and_search_works_before_during_and_after(users, old_rows, rotating):
    household, member, appeal, row = old_rows
    staff = users.township_staff
    table = HardshipHousehold._meta.db_table
    with override_settings(JICENG_FIELD_KEYS=[OLD]):
        assert _found(staff, HEAD_ID) == _found(staff, MEMBER_ID) == [household.pk]

    # Before: the new key is configured, nothing rotated yet. Old rows still read and are still found.
    with override_settings(JICENG_FIELD_KEYS=rotating):
        assert HardshipHousehold.objects.get(pk=household.pk).head_id_number == HEAD_ID
        assert _found(staff, HEAD_ID) == _found(staff, MEMBER_ID) == [household.pk]
        assert _found(staff, "110105 19491231 002x") == [household.pk]

        # During: the run stops after the households, before their members: the head is on the new
        # key, the member still on the old one, and both are found.
        original = keyrotation._rotate_batch

        def interrupted(target, *args, **kwargs):
            if target.model is HouseholdMember:
                raise RuntimeError("worker lost")
            return original(target, *args, **kwargs)

        keyrotation._rotate_batch = interrupted
        try:
            with pytest.raises(RuntimeError):
                call_command("rotate_field_key", "--batch-size", "1", verbosity=0)
        finally:
            keyrotation._rotate_batch = original
        failed = AuditEvent.objects.filter(object_type="core.fieldkey").get()
        assert failed.outcome == "failure"
        assert _reads_with_only(NEW, _raw(table, "head_id_number", household.pk))
        assert not _reads_with_only(NEW, _raw("ledgers_householdmember", "id_number", member.pk))
        assert _found(staff, HEAD_ID) == _found(staff, MEMBER_ID) == [household.pk]

        # After: a rerun finishes; rows already on the new key are skipped.
        call_command("rotate_field_key", "--batch-size", "1", verbosity=0)
        done = AuditEvent.objects.filter(object_type="core.fieldkey", outcome="success").get()
        assert done.changes["rows_unreadable"] == [None, 0]
        # The member and the import row are left; the users, the appeal and the household were done.
        assert done.changes["rows_rewritten"] == [None, 2]
        assert done.changes["rows_already_current"] == [None, done.changes["rows_read"][1] - 2]
        for event in (failed, done):
            text = event.message + json.dumps(event.changes)
            assert HEAD_ID not in text and MEMBER_ID not in text and "13800001234" not in text

        # A third run has nothing left to do.
        call_command("rotate_field_key", verbosity=0)
        assert AuditEvent.objects.filter(object_type="core.fieldkey").first().changes["rows_rewritten"] == [None, 0]

    # The old key can now be removed: every value reads and is found with the new key alone.
    with override_settings(JICENG_FIELD_KEYS=[NEW]):
        assert _found(staff, HEAD_ID) == _found(staff, MEMBER_ID) == [household.pk]
        stored = HardshipHousehold.objects.get(pk=household.pk)
        assert (stored.head_id_number, stored.phone) == (HEAD_ID, "13800001234")
        assert stored.head_id_hash == crypto.keyed_hash(HEAD_ID)
        assert HouseholdMember.objects.get(pk=member.pk).id_hash == crypto.keyed_hash(MEMBER_ID)
        assert type(appeal).objects.get(pk=appeal.pk).raiser_phone == "13800005678"
        assert unseal_values(ImportRow.objects.get(pk=row.pk).values)["户主身份证号"] == HEAD_ID
        enrolled = type(users.township_staff).objects.exclude(totp_secret="").first()
        assert _reads_with_only(NEW, _raw("accounts_user", "totp_secret", enrolled.pk))
        for column in ("head_id_number", "phone"):
            token = _raw(table, column, household.pk)
            assert _reads_with_only(NEW, token) and not _reads_with_only(OLD, token)
        # Nothing else changed: the record's version and the audit of its edits are untouched.
        assert stored.version == household.version


def test_rotation_leaves_a_row_it_cannot_read_and_fails_loudly(users, old_rows, rotating):
    household = old_rows[0]
    with override_settings(JICENG_FIELD_KEYS=[OTHER]):
        stranger = crypto.encrypt("13900001111")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledgers_hardshiphousehold SET phone = %s WHERE id = %s", [stranger, household.pk])
    with override_settings(JICENG_FIELD_KEYS=rotating):
        with pytest.raises(CommandError, match="cannot be decrypted"):
            call_command("rotate_field_key", verbosity=0)
        assert _raw("ledgers_hardshiphousehold", "phone", household.pk) == stranger
        event = AuditEvent.objects.get(object_type="core.fieldkey")
        assert event.changes["rows_unreadable"] == [None, 1]


def test_rotation_never_overwrites_a_value_saved_meanwhile(users, old_rows, rotating):
    household = old_rows[0]
    original = keyrotation._row_update
    with override_settings(JICENG_FIELD_KEYS=rotating):
        fresh = crypto.encrypt("13911112222")

        def user_saves_first(target, row):
            update = original(target, row)
            if target.model is HardshipHousehold:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE ledgers_hardshiphousehold SET phone = %s WHERE id = %s", [fresh, household.pk]
                    )
            return update

        keyrotation._row_update = user_saves_first
        try:
            counts = keyrotation.field_key_rotate()
        finally:
            keyrotation._row_update = original
        assert counts.by_model["ledgers.hardshiphousehold"]["changed_meanwhile"] == 1
        assert HardshipHousehold.objects.get(pk=household.pk).phone == "13911112222"
        # The next run checks the row again and moves its head ID number.
        keyrotation.field_key_rotate()
    with override_settings(JICENG_FIELD_KEYS=[NEW]):
        stored = HardshipHousehold.objects.get(pk=household.pk)
        assert (stored.head_id_number, stored.phone) == (HEAD_ID, "13911112222")


def test_dry_run_counts_and_writes_nothing(users, old_rows, rotating):
    household = old_rows[0]
    before = _raw("ledgers_hardshiphousehold", "head_id_number", household.pk)
    with override_settings(JICENG_FIELD_KEYS=rotating):
        call_command("rotate_field_key", "--dry-run", verbosity=0)
    assert _raw("ledgers_hardshiphousehold", "head_id_number", household.pk) == before
    assert not AuditEvent.objects.filter(object_type="core.fieldkey").exists()


def test_every_encrypted_field_is_discovered_by_its_class():
    found = {t.label: sorted(f.name for f, _h in t.fields) for t in keyrotation.encrypted_targets()}
    assert found["ledgers.hardshiphousehold"] == ["head_id_number", "phone"]
    assert found["ledgers.householdmember"] == ["health_note", "id_number"]
    assert found["ledgers.livelihoodappeal"] == ["raiser_phone"]
    assert found["accounts.user"] == ["totp_secret"]
    assert found["ledgers.importrow"] == []
    hashes = {f.name: h.name for t in keyrotation.encrypted_targets() for f, h in t.fields if h is not None}
    assert hashes == {"head_id_number": "head_id_hash", "id_number": "id_hash"}


def test_fernet_tokens_are_what_the_database_holds(users, old_rows):
    """A dump shows tokens, never the number (unchanged by the rotation)."""
    household = old_rows[0]
    token = _raw("ledgers_hardshiphousehold", "head_id_number", household.pk)
    assert HEAD_ID not in token
    assert Fernet  # the format: cryptography's Fernet, read by MultiFernet


def test_before_the_rotation_runs_a_duplicate_head_is_refused_and_numbers_are_found_in_every_app(
    users, tree, old_rows, rotating
):
    """A number stored under the OLD key has another digest under the NEW one: every exact-match
    check and search looks under every configured key (issue 9 item 7), in the ledgers and the
    pairings alike, until rotate_field_key has moved the rows."""
    from core.exceptions import ServiceError
    from pairings.selectors import household_list as pairing_household_list
    from pairings.services.pairs import household_register

    household = old_rows[0]
    with override_settings(JICENG_FIELD_KEYS=[OLD]):
        registered = household_register(
            actor=users.township_staff, region=tree.village, data={"head_name": "牧民户", "head_id_number": MEMBER_ID}
        )
    with override_settings(JICENG_FIELD_KEYS=rotating):
        with pytest.raises(ServiceError) as refused:
            household_create(
                actor=users.township_staff,
                region=tree.village2,
                data={"head_name": "张三", "head_id_number": HEAD_ID},
                hardship_types=["poor"],
            )
        assert f"编号 {household.pk}" in refused.value.message_dict["head_id_number"][0]
        found = pairing_household_list(user=users.township_staff, filters={"q": MEMBER_ID}).qs
        assert [h.pk for h in found] == [registered.pk]
        with pytest.raises(ServiceError):
            household_register(
                actor=users.township_staff,
                region=tree.village,
                data={"head_name": "又一户", "head_id_number": MEMBER_ID},
            )
