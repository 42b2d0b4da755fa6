"""困难群众: households in difficulty, members, help given, exit."""

import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields, snapshot
from core.concurrency import save_versioned
from core.crypto import keyed_hash
from core.exceptions import ServiceError
from core.validators import birth_date_of, normalize_id_number, validate_id_number
from ledgers.choices import (
    HOUSEHOLD_TRANSITIONS,
    HouseholdStatus,
)
from ledgers.models import (
    HardshipHousehold,
    HelpRecord,
    HouseholdHardship,
    HouseholdMember,
)
from ledgers.services.base import _check_version, _entry_create, _entry_update
from regions.models import Region
from regions.scoping import ensure

# --- 困难群众 ----------------------------------------------------------------------------------
HOUSEHOLD_EDITABLE_FIELDS = (
    "head_name",
    "head_id_number",
    "phone",
    "address",
    "member_count",
    "needs",
    "registered_on",
    "is_sensitive",
)


def _clean_id_number(data: dict, key: str, hash_key: str) -> None:
    if data.get(key):
        number = normalize_id_number(data[key])
        try:
            validate_id_number(number)
        except Exception as exc:
            raise ServiceError({key: list(getattr(exc, "messages", [str(exc)]))})
        data[key] = number
        data[hash_key] = keyed_hash(number)
    elif key in data:
        data[hash_key] = ""


def _set_hardships(household, types) -> None:
    types = set(types)
    HouseholdHardship.objects.filter(household=household).exclude(type__in=types).delete()
    existing = set(HouseholdHardship.objects.filter(household=household).values_list("type", flat=True))
    HouseholdHardship.objects.bulk_create(
        [HouseholdHardship(household=household, type=t) for t in sorted(types - existing)]
    )


@transaction.atomic
def household_create(*, actor, region: Region, data: dict, hardship_types) -> HardshipHousehold:
    """Register a household in difficulty with one or more hardship types."""
    data = dict(data)
    if not hardship_types:
        raise ServiceError({"hardship_types": [_("请至少选择一种困难类型。")]})
    _clean_id_number(data, "head_id_number", "head_id_hash")
    household = _entry_create(HardshipHousehold, actor=actor, region=region, data=data)
    _set_hardships(household, hardship_types)
    return household


@transaction.atomic
def household_update(*, actor, household: HardshipHousehold, expected_version: int, data: dict, hardship_types=None):
    data = dict(data)
    _clean_id_number(data, "head_id_number", "head_id_hash")
    if hardship_types is not None:
        if not hardship_types:
            raise ServiceError({"hardship_types": [_("请至少选择一种困难类型。")]})
        before = sorted(household.hardships.values_list("type", flat=True))
        if before != sorted(hardship_types):
            _set_hardships(household, hardship_types)
            audit_record(
                actor=actor,
                action=Action.UPDATE,
                obj=household,
                changes={"hardship_types": [before, sorted(hardship_types)]},
            )
    return _entry_update(household, actor=actor, expected_version=expected_version, data=data)


@transaction.atomic
def household_exit(
    *, actor, household: HardshipHousehold, exited_on: datetime.date, reason: str, expected_version: int | None = None
):
    """A household no longer in difficulty leaves the active ledger (kept, with the reason)."""
    ensure(actor, "transition", household)
    locked = HardshipHousehold.objects.select_for_update().get(pk=household.pk)
    _check_version(locked, expected_version)
    HOUSEHOLD_TRANSITIONS.check(locked.status, HouseholdStatus.EXITED)
    if not reason.strip():
        raise ServiceError({"exit_reason": [_("请填写退出原因。")]})
    if exited_on < locked.registered_on:
        raise ServiceError({"exited_on": [_("退出日期不能早于登记日期。")]})
    before = snapshot(locked, ["status", "exited_on", "exit_reason"])
    locked.status, locked.exited_on, locked.exit_reason = HouseholdStatus.EXITED, exited_on, reason.strip()
    save_versioned(locked, expected_version=locked.version, fields=["status", "exited_on", "exit_reason"])
    audit_record(
        actor=actor, action=Action.TRANSITION, obj=locked, changes=diff_fields(before, snapshot(locked, before.keys()))
    )
    return locked


@transaction.atomic
def household_reactivate(*, actor, household: HardshipHousehold, expected_version: int | None = None):
    ensure(actor, "transition", household)
    locked = HardshipHousehold.objects.select_for_update().get(pk=household.pk)
    _check_version(locked, expected_version)
    HOUSEHOLD_TRANSITIONS.check(locked.status, HouseholdStatus.ACTIVE)
    before = snapshot(locked, ["status", "exited_on", "exit_reason"])
    locked.status, locked.exited_on, locked.exit_reason = HouseholdStatus.ACTIVE, None, ""
    save_versioned(locked, expected_version=locked.version, fields=["status", "exited_on", "exit_reason"])
    audit_record(
        actor=actor, action=Action.TRANSITION, obj=locked, changes=diff_fields(before, snapshot(locked, before.keys()))
    )
    return locked


@transaction.atomic
def household_member_add(*, actor, household: HardshipHousehold, data: dict) -> HouseholdMember:
    ensure(actor, "change", household)
    data = dict(data)
    _clean_id_number(data, "id_number", "id_hash")
    if data.get("id_number") and not data.get("birth_date"):
        data["birth_date"] = birth_date_of(data["id_number"])
    member = HouseholdMember(household=household, **data)
    member.full_clean(exclude=["household"])
    member.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=household, changes={"member_added": [None, member.name]})
    return member


@transaction.atomic
def help_record_add(*, actor, household: HardshipHousehold, data: dict) -> HelpRecord:
    """Record help given to a household (date, kind, amount in fen)."""
    ensure(actor, "change", household)
    if data.get("amount_fen", 0) < 0:
        raise ServiceError({"amount_fen": [_("金额不能为负数。")]})
    record = HelpRecord(household=household, created_by=actor, **data)
    record.full_clean(exclude=["household", "created_by"])
    record.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=household,
        changes={"help_added": [None, f"{record.given_on} {record.get_kind_display()} {record.amount_fen}"]},
    )
    return record
