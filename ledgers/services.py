"""Writes to the ledgers. Every create and state change is one function here; form views, the
API, imports and tasks all call these. Each is atomic, checks permission and jurisdiction,
enforces the status machine, refuses stale edits, and records history in the audit trail.

`data` arguments are already-cleaned field values (from a form or serializer); the services
enforce the rules that involve more than one field or the database.
"""

import datetime
import secrets
from dataclasses import dataclass, field

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields, snapshot
from core.concurrency import save_versioned
from core.crypto import keyed_hash
from core.exceptions import ServiceError
from core.validators import birth_date_of, normalize_id_number, validate_id_number
from ledgers.choices import (
    APPEAL_TRANSITIONS,
    HOUSEHOLD_TRANSITIONS,
    MATTER_TRANSITIONS,
    AppealStatus,
    HouseholdStatus,
    MatterOutcome,
    MatterStatus,
)
from ledgers.models import (
    HardshipHousehold,
    HelpRecord,
    HouseholdHardship,
    HouseholdMember,
    Ledger,
    LedgerKind,
    LivelihoodAppeal,
    MediationStep,
    RatingInvitation,
    StabilityMatter,
    VillageProfile,
)
from regions.choices import Level
from regions.models import Region
from regions.scoping import ensure, ensure_region

RATING_SALT = "ledgers.rating"
RATING_LINK_DAYS = 30


# --- Ledger books -------------------------------------------------------------------------
def ledger_open(*, kind_code: str, region: Region, actor=None) -> Ledger:
    """The ledger of `kind_code` for `region` (a village or a township), opened on first use.

    Safe under concurrency: two first items at once both end up in the one ledger.
    """
    if region.level not in (Level.VILLAGE, Level.TOWNSHIP):
        raise ServiceError(_("台账只能建在村（社区）或乡镇（街道）。"), code="ledger_region_level")
    kind = LedgerKind.objects.filter(code=kind_code, is_active=True).first()
    if kind is None:
        raise ServiceError(_("台账类别不存在或已停用。"), code="ledger_kind")
    ledger = Ledger.objects.filter(kind=kind, region=region).first()
    if ledger is not None:
        return ledger
    try:
        with transaction.atomic():
            return Ledger.objects.create(kind=kind, region=region, opened_by=actor)
    except IntegrityError:
        return Ledger.objects.get(kind=kind, region=region)


def _entry_create(model, *, actor, region: Region, data: dict):
    ensure_region(actor, f"{model._meta.app_label}.add_{model._meta.model_name}", region.code)
    ledger = ledger_open(kind_code=model.ledger_kind_code, region=region, actor=actor)
    data = dict(data)
    data.setdefault("registered_on", timezone.localdate())
    instance = model(ledger=ledger, region=region, created_by=actor, **data)
    instance.full_clean(exclude=["ledger", "region", "created_by"])
    instance.save()
    audit_record(actor=actor, action=Action.CREATE, obj=instance, changes=diff_fields({}, data))
    return instance


def _entry_update(instance, *, actor, expected_version: int, data: dict):
    ensure(actor, "change", instance)
    before = snapshot(instance, data.keys())
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=["ledger", "region", "created_by"])
    changes = diff_fields(before, data)
    if not changes:
        return instance
    save_versioned(instance, expected_version=expected_version, fields=list(data))
    audit_record(actor=actor, action=Action.UPDATE, obj=instance, changes=changes)
    return instance


def _check_version(instance, expected_version):
    if expected_version is not None and instance.version != expected_version:
        from core.exceptions import ConcurrentEditError

        raise ConcurrentEditError()


# --- 民生诉求 ----------------------------------------------------------------------------------
APPEAL_EDITABLE_FIELDS = (
    "category",
    "raised_by",
    "raiser_name",
    "raiser_phone",
    "title",
    "description",
    "triage",
    "responsible_person",
    "responsible_user",
    "promised_date",
    "funds_spent_fen",
    "registered_on",
)


def _check_appeal_dates(data: dict, current: LivelihoodAppeal | None = None):
    registered = data.get("registered_on") or (current.registered_on if current else timezone.localdate())
    promised = data.get("promised_date") or (current.promised_date if current else None)
    if promised and registered and promised < registered:
        raise ServiceError({"promised_date": [_("承诺办结日期不能早于登记日期。")]})
    if data.get("funds_spent_fen", 0) < 0:
        raise ServiceError({"funds_spent_fen": [_("投入资金不能为负数。")]})


@transaction.atomic
def appeal_create(*, actor, region: Region, data: dict) -> LivelihoodAppeal:
    """Register a livelihood appeal in `region`'s livelihood ledger (opened if it is the first)."""
    unknown = set(data) - set(APPEAL_EDITABLE_FIELDS)
    if unknown:
        raise ServiceError(_("不能填写的字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    _check_appeal_dates(data)
    return _entry_create(LivelihoodAppeal, actor=actor, region=region, data=data)


@transaction.atomic
def appeal_update(*, actor, appeal: LivelihoodAppeal, expected_version: int, data: dict) -> LivelihoodAppeal:
    """Edit an appeal's details. Refused if someone saved it since `expected_version` was read."""
    unknown = set(data) - set(APPEAL_EDITABLE_FIELDS)
    if unknown:
        raise ServiceError(_("不能修改的字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    _check_appeal_dates(data, appeal)
    return _entry_update(appeal, actor=actor, expected_version=expected_version, data=data)


def _appeal_move(appeal: LivelihoodAppeal, *, actor, target: str, resolution: str = "", reason: str = ""):
    """Apply one allowed transition and its side effects (timestamps); the caller saves and audits."""
    APPEAL_TRANSITIONS.check(appeal.status, target)
    now = timezone.now()
    before = snapshot(appeal, ["status", "resolution", "resolved_at", "responded_at", "disclosed_at", "reopen_count"])
    if target == AppealStatus.RESOLVED:
        text = (resolution or appeal.resolution).strip()
        if not text:
            raise ServiceError({"resolution": [_("办结时必须填写办理结果。")]})
        appeal.resolution = text
        appeal.resolved_at = now
    if target in (AppealStatus.IN_PROGRESS, AppealStatus.RESOLVED) and appeal.responded_at is None:
        appeal.responded_at = now
    if target == AppealStatus.DISCLOSED:
        appeal.disclosed_at = now
    if target == AppealStatus.REOPENED:
        appeal.reopen_count += 1
        appeal.resolved_at = None
    appeal.status = target
    after = snapshot(appeal, before.keys())
    changes = diff_fields(before, after)
    if reason:
        changes["reason"] = [None, reason]
    return changes


@transaction.atomic
def appeal_transition(
    *, actor, appeal: LivelihoodAppeal, target: str, expected_version: int | None = None, resolution: str = ""
) -> LivelihoodAppeal:
    """Move an appeal along its status machine (registered → in progress → resolved → disclosed).

    A forbidden transition is a clear error. "Rated" and "reopened" come from residents' ratings
    (`appeal_rate`), not from staff.
    """
    ensure(actor, "transition", appeal)
    if target in (AppealStatus.RATED,):
        raise ServiceError(_("“已评价”只能由群众评价产生。"), code="transition_not_allowed")
    locked = LivelihoodAppeal.objects.select_for_update().get(pk=appeal.pk)
    _check_version(locked, expected_version)
    changes = _appeal_move(locked, actor=actor, target=target, resolution=resolution)
    save_versioned(locked, expected_version=locked.version, fields=list(changes.keys() - {"reason"}))
    audit_record(actor=actor, action=Action.TRANSITION, obj=locked, changes=changes)
    return locked


@dataclass
class BulkResult:
    done: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (object, message)


def appeal_bulk_transition(*, actor, appeals, target: str, resolution: str = "") -> BulkResult:
    """Apply one transition to several appeals; each succeeds or fails on its own, with its reason."""
    result = BulkResult()
    for appeal in appeals:
        try:
            result.done.append(appeal_transition(actor=actor, appeal=appeal, target=target, resolution=resolution))
        except ServiceError as exc:
            result.failed.append((appeal, " ".join(str(m) for m in exc.messages)))
    return result


def rating_token(invitation: RatingInvitation) -> str:
    return signing.dumps({"n": invitation.nonce}, salt=RATING_SALT, compress=True)


@transaction.atomic
def rating_invitation_create(*, actor, appeal: LivelihoodAppeal, valid_days: int = RATING_LINK_DAYS):
    """A new single-use rating link for a disclosed (or rated) appeal. Returns (invitation, token)."""
    ensure(actor, "transition", appeal)
    if appeal.status not in (AppealStatus.DISCLOSED, AppealStatus.RATED):
        raise ServiceError(_("事项公开后才能请群众评价。"), code="not_disclosed")
    invitation = RatingInvitation.objects.create(
        appeal=appeal,
        nonce=secrets.token_urlsafe(24),
        expires_at=timezone.now() + datetime.timedelta(days=valid_days),
        created_by=actor,
    )
    return invitation, rating_token(invitation)


def rating_invitation_from_token(token: str) -> RatingInvitation:
    """The invitation behind a link, or a clear error: tampered, unknown, expired or already used."""
    try:
        payload = signing.loads(token, salt=RATING_SALT)
    except signing.BadSignature:
        raise ServiceError(_("评价链接无效，请向村（社区）索取新的链接。"), code="bad_signature")
    invitation = (
        RatingInvitation.objects.select_related("appeal", "appeal__region").filter(nonce=payload.get("n", "")).first()
    )
    if invitation is None:
        raise ServiceError(_("评价链接无效，请向村（社区）索取新的链接。"), code="unknown_link")
    if invitation.rated_at is not None:
        raise ServiceError(_("该评价链接已使用过，每个链接只能评价一次。"), code="used_link")
    if invitation.expires_at < timezone.now():
        raise ServiceError(_("评价链接已过期，请向村（社区）索取新的链接。"), code="expired_link")
    return invitation


@transaction.atomic
def appeal_rate(*, token: str, score: int, resolved_confirmed: bool, comment: str = "") -> RatingInvitation:
    """A resident rates how an appeal was handled, through a signed single-use link.

    The rating moves the appeal to "rated"; "not resolved" reopens it for more work.
    """
    invitation = rating_invitation_from_token(token)
    invitation = RatingInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.rated_at is not None:  # lost a race with another submission of the same link
        raise ServiceError(_("该评价链接已使用过，每个链接只能评价一次。"), code="used_link")
    if score not in range(1, 6):
        raise ServiceError({"score": [_("请选择满意度。")]})
    invitation.score = score
    invitation.resolved_confirmed = resolved_confirmed
    invitation.comment = comment.strip()[:2000]
    invitation.rated_at = timezone.now()
    invitation.save(update_fields=["score", "resolved_confirmed", "comment", "rated_at"])
    appeal = LivelihoodAppeal.objects.select_for_update().get(pk=invitation.appeal_id)
    target = AppealStatus.RATED if resolved_confirmed else AppealStatus.REOPENED
    changes = {}
    if appeal.status != target and target in APPEAL_TRANSITIONS.allowed_targets(appeal.status):
        changes = _appeal_move(appeal, actor=None, target=target, reason=_("群众评价").__str__())
        save_versioned(appeal, expected_version=appeal.version, fields=list(changes.keys() - {"reason"}))
    changes["score"] = [None, score]
    audit_record(actor=None, action=Action.RATE, obj=appeal, changes=changes, message=invitation.comment[:200])
    return invitation


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


# --- 稳定工作 ----------------------------------------------------------------------------------
MATTER_EDITABLE_FIELDS = (
    "matter_type",
    "title",
    "parties",
    "summary",
    "risk_level",
    "mediator",
    "deadline",
    "registered_on",
)


@transaction.atomic
def matter_create(*, actor, region: Region, data: dict) -> StabilityMatter:
    """Register a dispute or risk, screened by type and risk level."""
    return _entry_create(StabilityMatter, actor=actor, region=region, data=data)


@transaction.atomic
def matter_update(*, actor, matter: StabilityMatter, expected_version: int, data: dict) -> StabilityMatter:
    return _entry_update(matter, actor=actor, expected_version=expected_version, data=data)


@transaction.atomic
def matter_transition(
    *,
    actor,
    matter: StabilityMatter,
    target: str,
    outcome: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> StabilityMatter:
    """Move a matter along its status machine; resolving or closing needs an outcome."""
    ensure(actor, "transition", matter)
    locked = StabilityMatter.objects.select_for_update().get(pk=matter.pk)
    _check_version(locked, expected_version)
    MATTER_TRANSITIONS.check(locked.status, target)
    before = snapshot(locked, ["status", "outcome", "outcome_note", "resolved_at"])
    if target in (MatterStatus.RESOLVED, MatterStatus.CLOSED):
        if outcome not in MatterOutcome.values:
            raise ServiceError({"outcome": [_("请选择化解结果。")]})
        locked.outcome, locked.outcome_note = outcome, note.strip()
        locked.resolved_at = timezone.now() if target == MatterStatus.RESOLVED else locked.resolved_at
    if target == MatterStatus.MEDIATING and locked.status in (MatterStatus.RESOLVED, MatterStatus.CLOSED):
        locked.outcome, locked.resolved_at = "", None
    if target == MatterStatus.ESCALATED:
        locked.outcome = MatterOutcome.ESCALATED
    locked.status = target
    after = snapshot(locked, before.keys())
    save_versioned(locked, expected_version=locked.version, fields=list(before.keys()))
    audit_record(actor=actor, action=Action.TRANSITION, obj=locked, changes=diff_fields(before, after))
    return locked


# The petitions app registers a function (matter, actor) -> reference to open a case from a
# matter; until it does, escalation only marks the matter.
ESCALATION_HANDLERS: list = []


@transaction.atomic
def matter_escalate(*, actor, matter: StabilityMatter, expected_version: int | None = None) -> StabilityMatter:
    """Escalate a matter into a petition case (稳定事项转信访)."""
    matter = matter_transition(
        actor=actor, matter=matter, target=MatterStatus.ESCALATED, expected_version=expected_version
    )
    for handler in ESCALATION_HANDLERS:
        reference = handler(matter=matter, actor=actor)
        if reference:
            matter.escalated_reference = str(reference)[:40]
            StabilityMatter.objects.filter(pk=matter.pk).update(escalated_reference=matter.escalated_reference)
    return matter


@transaction.atomic
def matter_step_add(*, actor, matter: StabilityMatter, data: dict) -> MediationStep:
    ensure(actor, "change", matter)
    step = MediationStep(matter=matter, created_by=actor, **data)
    step.full_clean(exclude=["matter", "created_by"])
    step.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=matter,
        changes={"step_added": [None, f"{step.happened_on} {step.action[:80]}"]},
    )
    return step


# --- 四个知晓 ----------------------------------------------------------------------------------
PROFILE_FIELDS = ("village_conditions", "household_conditions", "expectations", "problems")


@transaction.atomic
def profile_update(*, actor, region: Region, expected_version: int | None, data: dict) -> VillageProfile:
    """Keep a village's four knowings current. The first save creates the profile."""
    ensure_region(actor, "ledgers.change_villageprofile", region.code)
    if region.level != Level.VILLAGE:
        raise ServiceError(_("“四个知晓”按村（社区）填写。"), code="profile_level")
    data = {name: (data.get(name) or "").strip() for name in PROFILE_FIELDS if name in data}
    profile, created = VillageProfile.objects.get_or_create(region=region, defaults={"created_by": actor, **data})
    if created:
        audit_record(actor=actor, action=Action.CREATE, obj=profile, changes=diff_fields({}, data))
        return profile
    if expected_version is None:
        expected_version = profile.version
    return _entry_update(profile, actor=actor, expected_version=expected_version, data=data)


__all__ = [
    name
    for name in dir()
    if name.endswith(
        ("_create", "_update", "_transition", "_open", "_rate", "_add", "_exit", "_reactivate", "_escalate")
    )
]
