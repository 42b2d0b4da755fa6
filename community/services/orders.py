"""三单制: a resident's order placed, dispatched, taken, completed and rated through a signed link."""

from __future__ import annotations

import datetime
import secrets

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields, snapshot
from community.choices import (
    ORDER_TRANSITIONS,
    OrderCategory,
    OrderChannel,
    OrderStatus,
    ServiceKind,
)
from community.models import (
    CommunityReport,
    OrderRatingInvitation,
    ReportingMember,
    ReportingOrganisation,
    ServiceOrder,
)
from community.services.base import _check_version, _choice, _only, _text, check_community, clean_phone
from core.concurrency import save_versioned
from core.exceptions import OutOfScope, ServiceError
from regions.models import Region
from regions.scoping import can, ensure, ensure_region

RATING_SALT = "community.order_rating"
RATING_LINK_DAYS = 30


# --- 三单制 ------------------------------------------------------------------------------------
ORDER_FIELDS = ("category", "need", "details", "place", "contact_name", "phone")


def _clean_order(data: dict) -> dict:
    return {
        "category": _choice(data, "category", OrderCategory, label=_("需求类别")),
        "need": _text(data, "need", label=_("服务需求"), max_length=200),
        "details": _text(data, "details", label=_("具体情况"), max_length=2000, required=False),
        "place": _text(data, "place", label=_("服务地点"), max_length=200),
        "contact_name": _text(data, "contact_name", label=_("联系人"), max_length=50),
        "phone": clean_phone(data.get("phone", ""), required=True),
    }


@transaction.atomic
def order_place(*, region: Region, data: dict, actor=None) -> ServiceOrder:
    """居民点单: a resident's order in a community. From the public form (no `actor`), or entered by
    the branch for a resident who called or came in (`actor` needs community.add_serviceorder).
    Every field is checked before anything is written."""
    _only(data, ORDER_FIELDS)
    check_community(region)
    channel = OrderChannel.PUBLIC
    if actor is not None:
        ensure_region(actor, "community.add_serviceorder", region.code)
        channel = OrderChannel.STAFF
    clean = _clean_order(data)
    now = timezone.now()
    order = ServiceOrder.objects.create(
        region=region,
        channel=channel,
        placed_at=now,
        waiting_since=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **clean,
    )
    audit_record(actor=actor, action=Action.CREATE, obj=order, changes=diff_fields({}, {**clean, "channel": channel}))
    return order


def is_assignee(user, order: ServiceOrder) -> bool:
    """The signed-in Party member the order is dispatched to."""
    member = order.assigned_member
    return bool(getattr(user, "is_authenticated", False) and member is not None and member.user_id == user.pk)


def may_work_on(user, order: ServiceOrder) -> bool:
    """The branch (transition permission on the order) or the member it is dispatched to."""
    return is_assignee(user, order) or can(user, "transition", order)


_TRACKED = (
    "status",
    "service_kind",
    "assigned_member",
    "assigned_organisation",
    "dispatch_note",
    "result",
    "cancel_reason",
    "waiting_since",
    "dispatched_at",
    "taken_at",
    "completed_at",
    "rated_at",
    "cancelled_at",
    "reopen_count",
    "score",
)


def _named(values: dict) -> dict:
    """The tracked fields with the assignee by name (the history shows who, not an id)."""
    values = dict(values)
    for name in ("assigned_member", "assigned_organisation"):
        values[name] = str(values[name]) if values[name] is not None else None
    return values


def _locked(order: ServiceOrder, expected_version) -> ServiceOrder:
    locked = ServiceOrder.objects.select_for_update(of=("self",)).select_related("assigned_member").get(pk=order.pk)
    _check_version(locked, expected_version)
    return locked


def _move(
    order: ServiceOrder, *, actor, target: str, message: str = "", action: str = Action.TRANSITION, **values
) -> ServiceOrder:
    """Apply one allowed transition with its timestamps and values, save it, record it."""
    ORDER_TRANSITIONS.check(order.status, target)
    now = timezone.now()
    before = snapshot(order, _TRACKED)
    order.status = target
    stamp = {
        OrderStatus.DISPATCHED: "dispatched_at",
        OrderStatus.TAKEN: "taken_at",
        OrderStatus.COMPLETED: "completed_at",
        OrderStatus.RATED: "rated_at",
        OrderStatus.CANCELLED: "cancelled_at",
    }.get(target)
    if stamp:
        setattr(order, stamp, now)
    if target == OrderStatus.PLACED:  # back to the branch: nobody holds it; it keeps waiting since placed
        order.assigned_member = order.assigned_organisation = None
        order.dispatched_at = None
    if target == OrderStatus.REOPENED:
        order.reopen_count += 1
        order.waiting_since = now
        order.taken_at = order.completed_at = None
    for name, value in values.items():
        setattr(order, name, value)
    after = snapshot(order, _TRACKED)
    # Saved: every field whose value changed (assignees compared as records); recorded: by name.
    fields = [name for name in _TRACKED if name in diff_fields(before, after)]
    changes = diff_fields(_named(before), _named(after))
    save_versioned(order, expected_version=order.version, fields=fields)
    audit_record(actor=actor, action=action, obj=order, changes=changes, message=message)
    return order


@transaction.atomic
def order_dispatch(
    *,
    actor,
    order: ServiceOrder,
    member: ReportingMember | None = None,
    organisation: ReportingOrganisation | None = None,
    service_kind: str = ServiceKind.VOLUNTEER,
    note: str = "",
    expected_version: int | None = None,
) -> ServiceOrder:
    """支部下单: the branch gives the order to a Party member or organisation on its roster (an active
    registration with the order's community), and says which kind of service it is."""
    ensure(actor, "transition", order)
    locked = _locked(order, expected_version)
    ORDER_TRANSITIONS.check(locked.status, OrderStatus.DISPATCHED)
    if (member is None) == (organisation is None):
        raise ServiceError({"assignee": [_("请选择一名报到党员或一个报到党组织接单。")]})
    if service_kind not in ServiceKind.values:
        raise ServiceError({"service_kind": [_("请选择服务方式。")]})
    on_roster = CommunityReport.objects.active().filter(
        community_id=locked.region_id, member=member, organisation=organisation
    )
    if not on_roster.exists():
        raise ServiceError(
            {"assignee": [_("“%(name)s”没有在本社区有效报到，不能接单。") % {"name": member or organisation}]}
        )
    note = _text({"note": note}, "note", label=_("派单说明"), max_length=200, required=False)
    return _move(
        locked,
        actor=actor,
        target=OrderStatus.DISPATCHED,
        assigned_member=member,
        assigned_organisation=organisation,
        service_kind=service_kind,
        dispatch_note=note,
        taken_at=None,
        completed_at=None,
    )


def _check_worker(actor, order: ServiceOrder) -> None:
    if not may_work_on(actor, order):
        raise OutOfScope()


@transaction.atomic
def order_take(*, actor, order: ServiceOrder, expected_version: int | None = None) -> ServiceOrder:
    """党员接单: the member it was dispatched to takes it (or the branch records that they did)."""
    locked = _locked(order, expected_version)
    _check_worker(actor, locked)
    return _move(locked, actor=actor, target=OrderStatus.TAKEN)


@transaction.atomic
def order_return(*, actor, order: ServiceOrder, reason: str, expected_version: int | None = None) -> ServiceOrder:
    """A dispatched order goes back to the branch (the member cannot do it; the branch recalls it)."""
    locked = _locked(order, expected_version)
    _check_worker(actor, locked)
    reason = _text({"reason": reason}, "reason", label=_("退回原因"), max_length=200)
    return _move(locked, actor=actor, target=OrderStatus.PLACED, message=reason)


@transaction.atomic
def order_complete(*, actor, order: ServiceOrder, result: str, expected_version: int | None = None) -> ServiceOrder:
    """The service was given: what was done is required."""
    locked = _locked(order, expected_version)
    _check_worker(actor, locked)
    ORDER_TRANSITIONS.check(locked.status, OrderStatus.COMPLETED)
    result = _text({"result": result}, "result", label=_("服务情况"), max_length=2000)
    return _move(locked, actor=actor, target=OrderStatus.COMPLETED, result=result)


@transaction.atomic
def order_cancel(*, actor, order: ServiceOrder, reason: str, expected_version: int | None = None) -> ServiceOrder:
    """The branch closes an order that is not a service request (a duplicate, a test, a prank)."""
    ensure(actor, "transition", order)
    locked = _locked(order, expected_version)
    ORDER_TRANSITIONS.check(locked.status, OrderStatus.CANCELLED)
    reason = _text({"reason": reason}, "reason", label=_("取消原因"), max_length=200)
    return _move(locked, actor=actor, target=OrderStatus.CANCELLED, cancel_reason=reason)


def order_transition_targets(user, order: ServiceOrder) -> list[str]:
    """The transitions `user` may make on `order` now (the pages offer these and no others)."""
    allowed = ORDER_TRANSITIONS.allowed_targets(order.status)
    branch = can(user, "transition", order)
    mine = is_assignee(user, order)
    targets = []
    for target in (OrderStatus.DISPATCHED, OrderStatus.TAKEN, OrderStatus.COMPLETED, OrderStatus.PLACED):
        if target not in allowed:
            continue
        if target == OrderStatus.DISPATCHED and not branch:
            continue
        if target != OrderStatus.DISPATCHED and not (branch or mine):
            continue
        targets.append(target)
    if OrderStatus.CANCELLED in allowed and branch:
        targets.append(OrderStatus.CANCELLED)
    return targets


# --- 群众评价 ----------------------------------------------------------------------------------
def rating_token(invitation: OrderRatingInvitation) -> str:
    return signing.dumps({"n": invitation.nonce}, salt=RATING_SALT, compress=True)


@transaction.atomic
def order_rating_link_create(*, actor, order: ServiceOrder, valid_days: int = RATING_LINK_DAYS):
    """A new single-use rating link for a completed order. Returns (invitation, token). The member
    who did the work may make it too, to show its QR code to the resident on the spot."""
    locked = _locked(order, None)
    _check_worker(actor, locked)
    if locked.status != OrderStatus.COMPLETED:
        raise ServiceError(_("服务完成后才能请居民评价。"), code="not_completed")
    invitation = OrderRatingInvitation.objects.create(
        order=locked,
        nonce=secrets.token_urlsafe(24),
        expires_at=timezone.now() + datetime.timedelta(days=valid_days),
        created_by=actor,
    )
    return invitation, rating_token(invitation)


_BAD_LINK = _("评价链接无效，请向社区索取新的链接。")
_USED_LINK = _("该评价链接已使用过，每个链接只能评价一次。")


def order_rating_invitation_from_token(token: str) -> OrderRatingInvitation:
    """The invitation behind a link, or a clear error: tampered, unknown, expired or already used."""
    try:
        payload = signing.loads(token, salt=RATING_SALT)
    except signing.BadSignature:
        raise ServiceError(_BAD_LINK, code="bad_signature")
    nonce = payload.get("n", "") if isinstance(payload, dict) else ""
    invitation = OrderRatingInvitation.objects.select_related("order", "order__region").filter(nonce=str(nonce)).first()
    if invitation is None:
        raise ServiceError(_BAD_LINK, code="unknown_link")
    if invitation.rated_at is not None:
        raise ServiceError(_USED_LINK, code="used_link")
    if invitation.expires_at < timezone.now():
        raise ServiceError(_("评价链接已过期，请向社区索取新的链接。"), code="expired_link")
    if invitation.order.status != OrderStatus.COMPLETED:
        # Another link of the same completion was used first, or the order moved on.
        raise ServiceError(_("该服务已评价过或已重新办理，此链接不再有效。"), code="used_link")
    return invitation


@transaction.atomic
def order_rate(*, token: str, score: int, done_confirmed: bool, comment: str = "") -> OrderRatingInvitation:
    """The resident rates the service through a signed single-use link: the order becomes "rated",
    or "reopened" (waiting for the branch again) when they say it was not done."""
    invitation = order_rating_invitation_from_token(token)
    invitation = OrderRatingInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.rated_at is not None:  # lost a race with another submission of the same link
        raise ServiceError(_USED_LINK, code="used_link")
    if score not in range(1, 6):
        raise ServiceError({"score": [_("请选择满意程度。")]})
    order = _locked(invitation.order, None)
    if order.status != OrderStatus.COMPLETED:
        raise ServiceError(_("该服务已评价过或已重新办理，此链接不再有效。"), code="used_link")
    invitation.score = score
    invitation.done_confirmed = bool(done_confirmed)
    invitation.comment = (comment or "").strip()[:500]
    invitation.rated_at = timezone.now()
    invitation.save(update_fields=["score", "done_confirmed", "comment", "rated_at"])
    target = OrderStatus.RATED if done_confirmed else OrderStatus.REOPENED
    _move(order, actor=None, target=target, message=invitation.comment[:200], action=Action.RATE, score=score)
    return invitation
