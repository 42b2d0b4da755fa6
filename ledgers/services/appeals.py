"""民生诉求: appeals, their status machine, and residents' ratings through signed links."""

import datetime
import secrets

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields, snapshot
from core.concurrency import save_versioned
from core.exceptions import ServiceError
from ledgers.choices import (
    APPEAL_TRANSITIONS,
    AppealStatus,
)
from ledgers.models import (
    LivelihoodAppeal,
    RatingInvitation,
)
from ledgers.services.base import (
    BulkResult,
    _check_version,
    _entry_create,
    _entry_update,
    _entry_void,
    bulk_apply,
    ensure_not_voided,
)
from ledgers.services.rules import appeal_rules
from regions.models import Region
from regions.scoping import ensure

RATING_SALT = "ledgers.rating"
RATING_LINK_DAYS = 30


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


@transaction.atomic
def appeal_create(*, actor, region: Region, data: dict) -> LivelihoodAppeal:
    """Register a livelihood appeal in `region`'s livelihood ledger (opened if it is the first)."""
    unknown = set(data) - set(APPEAL_EDITABLE_FIELDS)
    if unknown:
        raise ServiceError(_("不能填写的字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    data = appeal_rules(data)
    return _entry_create(LivelihoodAppeal, actor=actor, region=region, data=data)


@transaction.atomic
def appeal_update(*, actor, appeal: LivelihoodAppeal, expected_version: int, data: dict) -> LivelihoodAppeal:
    """Edit an appeal's details. Refused if someone saved it since `expected_version` was read."""
    unknown = set(data) - set(APPEAL_EDITABLE_FIELDS)
    if unknown:
        raise ServiceError(_("不能修改的字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    data = appeal_rules(data, current=appeal)
    return _entry_update(appeal, actor=actor, expected_version=expected_version, data=data)


def _appeal_move(
    appeal: LivelihoodAppeal, *, actor, target: str, resolution: str = "", reason: str = "", via: str = ""
):
    """Apply one allowed transition and its side effects (timestamps); the caller saves and audits."""
    APPEAL_TRANSITIONS.check(appeal.status, target, via=via)
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
    (`appeal_rate`), not from staff (declared as reserved beside the status machine).
    """
    ensure(actor, "transition", appeal)
    reserved = APPEAL_TRANSITIONS.reserved_error(target)
    if reserved is not None:
        raise reserved
    locked = LivelihoodAppeal.objects.select_for_update().get(pk=appeal.pk)
    _check_version(locked, expected_version)
    ensure_not_voided(locked)
    changes = _appeal_move(locked, actor=actor, target=target, resolution=resolution)
    save_versioned(locked, expected_version=locked.version, fields=list(changes.keys() - {"reason"}))
    audit_record(actor=actor, action=Action.TRANSITION, obj=locked, changes=changes)
    return locked


def appeal_void(*, actor, appeal: LivelihoodAppeal, reason: str, expected_version: int | None = None):
    """作废 an appeal entered by mistake: it leaves every list and figure, kept with the reason."""
    return _entry_void(LivelihoodAppeal, actor=actor, entry=appeal, reason=reason, expected_version=expected_version)


def appeal_bulk_transition(*, actor, appeals, target: str, resolution: str = "") -> BulkResult:
    """Apply one transition to several appeals; each succeeds or fails on its own, with its reason."""
    return bulk_apply(
        appeals, lambda appeal: appeal_transition(actor=actor, appeal=appeal, target=target, resolution=resolution)
    )


def rating_token(invitation: RatingInvitation) -> str:
    return signing.dumps({"n": invitation.nonce}, salt=RATING_SALT, compress=True)


@transaction.atomic
def rating_invitation_create(*, actor, appeal: LivelihoodAppeal, valid_days: int = RATING_LINK_DAYS):
    """A new single-use rating link for a disclosed (or rated) appeal. Returns (invitation, token)."""
    ensure(actor, "transition", appeal)
    ensure_not_voided(appeal)
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

    The rating moves the appeal to "rated"; "not resolved" reopens it for more work. An appeal
    whose status allows neither (staff reopened it for work since the link was made) refuses the
    rating with a clear message, and the link stays unused.
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
    ensure_not_voided(appeal)
    target = AppealStatus.RATED if resolved_confirmed else AppealStatus.REOPENED
    changes = {}
    if appeal.status != target:
        if target not in APPEAL_TRANSITIONS.allowed_targets(appeal.status):
            raise ServiceError(
                _("该事项当前为“%(status)s”，暂不能评价。请向村（社区）了解办理进展。")
                % {"status": appeal.get_status_display()},
                code="not_ratable",
            )
        changes = _appeal_move(appeal, actor=None, target=target, reason=_("群众评价").__str__(), via="rating")
        save_versioned(appeal, expected_version=appeal.version, fields=list(changes.keys() - {"reason"}))
    changes["score"] = [None, score]
    audit_record(actor=None, action=Action.RATE, obj=appeal, changes=changes, message=invitation.comment[:200])
    return invitation
