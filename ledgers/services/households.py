"""困难群众: households in difficulty, members, help given, exit."""

import datetime
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields, snapshot
from core.concurrency import save_versioned
from core.crypto import keyed_hashes
from core.exceptions import ServiceError
from core.validators import birth_date_of
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
from ledgers.services.base import _check_version, _entry_create, _entry_update, _entry_void, ensure_not_voided
from ledgers.services.rules import exit_rules, help_record_rules, household_rules, member_rules
from regions.models import Region
from regions.scoping import ensure, restrict

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


def head_registered_error(*, actor, number: str, exclude_pk=None) -> ValidationError | None:
    """The refusal for a head ID number already in the ledger (exact match through the keyed hash,
    under every configured key, so a household stored before a key rotation is found), or None.

    One household per head. If the user may see that household, the message names it (village,
    head's name, number) and carries its page (`params["url"]`) for the pages and the import's
    report to link; if not, it says only that the number is registered elsewhere (no place, no
    name). The form, the API and the import's dry run all give this message."""
    if not number:
        return None
    existing = HardshipHousehold.objects.live().filter(head_id_hash__in=keyed_hashes(number)).exclude(pk=exclude_pk)
    if not existing.exists():
        return None
    visible = restrict(existing, actor).select_related("region").order_by("pk").first()
    if visible is None:
        return ValidationError(_("该户主身份证号已在其他地方登记，不能重复登记。"), code="duplicate_head")
    return ValidationError(
        _("该户主身份证号已登记：%(village)s“%(name)s”户（编号 %(pk)s），请勿重复登记。"),
        code="duplicate_head",
        params={
            "village": visible.region.name,
            "name": visible.head_name,
            "pk": visible.pk,
            "url": reverse("ledgers:hardshiphousehold_detail", args=[visible.pk]),
        },
    )


def _check_head_not_registered(*, actor, data: dict, exclude_pk=None) -> None:
    error = head_registered_error(actor=actor, number=data.get("head_id_number") or "", exclude_pk=exclude_pk)
    if error is not None:
        raise ServiceError({"head_id_number": [error]})


@contextmanager
def _head_unique(*, actor, data: dict, exclude_pk=None):
    """The write under the database's one-household-per-head index (household_head_id_live): when
    another session registered the same head between our check and our write, the index refuses
    ours, and the user gets the service's message rather than an error page."""
    try:
        with transaction.atomic():
            yield
    except (IntegrityError, ValidationError) as exc:
        # The index itself, or the model's full_clean checking it (a plain ValidationError).
        if isinstance(exc, ServiceError):
            raise
        _check_head_not_registered(actor=actor, data=data, exclude_pk=exclude_pk)
        raise


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
    if not hardship_types:
        raise ServiceError({"hardship_types": [_("请至少选择一种困难类型。")]})
    data = household_rules(data)
    _check_head_not_registered(actor=actor, data=data)
    with _head_unique(actor=actor, data=data):
        household = _entry_create(
            HardshipHousehold,
            actor=actor,
            region=region,
            data=data,
            extra_changes={"hardship_types": [None, sorted(set(hardship_types))]},
        )
    _set_hardships(household, hardship_types)
    return household


@transaction.atomic
def household_update(*, actor, household: HardshipHousehold, expected_version: int, data: dict, hardship_types=None):
    ensure(actor, "change", household)
    _check_version(household, expected_version)
    ensure_not_voided(household)
    data = household_rules(data, current=household)
    _check_head_not_registered(actor=actor, data=data, exclude_pk=household.pk)
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
    with _head_unique(actor=actor, data=data, exclude_pk=household.pk):
        return _entry_update(household, actor=actor, expected_version=expected_version, data=data)


def household_void(*, actor, household: HardshipHousehold, reason: str, expected_version: int | None = None):
    """作废 a household entered by mistake (twice, in the wrong village): it leaves every list and
    figure, kept with the reason. Its head ID number no longer blocks a new registration."""
    return _entry_void(
        HardshipHousehold, actor=actor, entry=household, reason=reason, expected_version=expected_version
    )


@transaction.atomic
def household_exit(
    *, actor, household: HardshipHousehold, exited_on: datetime.date, reason: str, expected_version: int | None = None
):
    """A household no longer in difficulty leaves the active ledger (kept, with the reason)."""
    ensure(actor, "transition", household)
    locked = HardshipHousehold.objects.select_for_update().get(pk=household.pk)
    _check_version(locked, expected_version)
    ensure_not_voided(locked)
    HOUSEHOLD_TRANSITIONS.check(locked.status, HouseholdStatus.EXITED)
    if not reason.strip():
        raise ServiceError({"exit_reason": [_("请填写退出原因。")]})
    exit_rules(exited_on=exited_on, registered_on=locked.registered_on)
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
    ensure_not_voided(locked)
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
    ensure_not_voided(household)
    data = member_rules(data)
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
    ensure_not_voided(household)
    data = help_record_rules(data)
    record = HelpRecord(household=household, created_by=actor, **data)
    record.full_clean(exclude=["household", "created_by"])
    record.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=household,
        # Structured, shown by the history in the reader's language with the amount in yuan.
        changes={
            "help_added": [
                None,
                {"given_on": str(record.given_on), "kind": record.kind, "amount_fen": record.amount_fen},
            ]
        },
    )
    return record
