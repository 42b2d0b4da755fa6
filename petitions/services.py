"""Writes of the petitions module: every create and every step of the workflow is one service.

Each is atomic, checks permission and scope (`regions.scoping`; a case's owners may act on it
wherever it is; the officials an accusation names never can), checks the declared transition
(`PETITION_TRANSITIONS`), writes the case's timeline and the audit trail, and recomputes the
case's deadlines from its dates (`petitions.deadlines`).
"""

from __future__ import annotations

import datetime
import functools

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields, snapshot
from core.calendar import WorkCalendar
from core.concurrency import save_versioned
from core.crypto import keyed_hash
from core.exceptions import ConcurrentEditError, OutOfScope, ServiceError
from core.validators import normalize_id_number, validate_id_number
from petitions.choices import (
    MAX_EXTENSION_DAYS,
    MAX_REPRESENTATIVES,
    PETITION_TRANSITIONS,
    EventKind,
    Outcome,
    OwnerLevel,
    PetitionStatus,
    PetitionType,
    ReplyOpinion,
    TransferKind,
)
from petitions.deadlines import case_deadlines, current_deadline
from petitions.models import (
    DownVisit,
    NamedOfficial,
    Petition,
    PetitionDeadline,
    Petitioner,
    PetitionEvent,
    PetitionOwner,
    ReceptionDay,
)
from regions.choices import Level, Role
from regions.models import Region
from regions.scoping import ensure, ensure_region, is_excluded, is_owner, user_posts

S = PetitionStatus
LEADER_ROLES = {
    Role.TOWNSHIP_LEADER: OwnerLevel.TOWNSHIP,
    Role.COUNTY_LEADER: OwnerLevel.COUNTY,
    Role.PREFECTURE_LEADER: OwnerLevel.PREFECTURE,
}
PETITION_FIELDS = (
    "channel",
    "received_on",
    "title",
    "content",
    "category",
    "petition_type",
    "conflict_level",
    "is_group",
    "group_size",
    "is_backlog",
    "backlog_campaign",
)


# --- Who may act ----------------------------------------------------------------------------
def leader_level(user, region_code: str | None = None) -> str | None:
    """The highest leader level `user` holds (over `region_code`, when given), or None."""
    order = [OwnerLevel.PREFECTURE, OwnerLevel.COUNTY, OwnerLevel.TOWNSHIP]
    levels = {
        LEADER_ROLES[post.role]
        for post in user_posts(user)
        if post.role in LEADER_ROLES and (region_code is None or region_code.startswith(post.region_id))
    }
    return next((level for level in order if level in levels), None)


def _ensure_act(actor, petition: Petition, action: str) -> None:
    """Owners may act on their case wherever it is; anyone else needs the permission in scope.
    A named official (art. 30 §3) or an official kept off the case (回避) never may."""
    if is_excluded(actor, petition):
        raise OutOfScope()
    if action in ("change", "transition") and is_owner(actor, petition):
        return
    ensure(actor, action, petition)


def _today(on: datetime.date | None, petition: Petition | None = None, *, label=None) -> datetime.date:
    day = on or timezone.localdate()
    if day > timezone.localdate():
        raise ServiceError({"on": [_("日期不能晚于今天。")]})
    if petition is not None and day < petition.received_on:
        raise ServiceError({"on": [_("日期不能早于收到日期。")]})
    return day


def _event(petition, kind, actor, text="", **data) -> PetitionEvent:
    return PetitionEvent.objects.create(petition=petition, kind=kind, actor=actor, text=text, data=data)


def _lock(petition: Petition, expected_version: int | None) -> Petition:
    locked = Petition.objects.select_for_update().get(pk=petition.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEditError()
    return locked


# --- Deadlines ------------------------------------------------------------------------------
def deadlines_refresh(petition: Petition, *, calendar: WorkCalendar | None = None) -> bool:
    """Recompute the case's deadlines from its dates; store each with its rule. True if any changed."""
    computed = case_deadlines(petition, calendar=calendar)
    stored = {d.kind: d for d in PetitionDeadline.objects.filter(petition=petition)}
    changed = False
    for item in computed:
        d = item.deadline
        row = stored.pop(item.kind, None)
        values = {"rule": d.rule, "start": d.start, "due": d.due, "provisional": d.provisional, "met_on": item.met_on}
        if row is None:
            PetitionDeadline.objects.create(petition=petition, kind=item.kind, **values)
            changed = True
        elif any(getattr(row, k) != v for k, v in values.items()):
            PetitionDeadline.objects.filter(pk=row.pk).update(**values)
            changed = True
    if stored:
        PetitionDeadline.objects.filter(pk__in=[row.pk for row in stored.values()]).delete()
        changed = True
    current = current_deadline(petition, computed)
    due, rule, provisional = (current.due, current.rule, current.provisional) if current else (None, "", False)
    if (petition.current_due, petition.current_rule, petition.due_provisional) != (due, rule, provisional):
        petition.current_due, petition.current_rule, petition.due_provisional = due, rule, provisional
        Petition.objects.filter(pk=petition.pk).update(current_due=due, current_rule=rule, due_provisional=provisional)
        changed = True
    return changed


def deadlines_recompute(*, years=None) -> int:
    """After the calendar changed: recompute the deadlines of open cases whose periods touch
    `years` (all open cases when None). Returns how many cases changed."""
    queryset = Petition.objects.open()
    if years:
        years = sorted(years)
        first, last = datetime.date(years[0] - 1, 1, 1), datetime.date(years[-1], 12, 31)
        queryset = queryset.filter(received_on__gte=first, received_on__lte=last) | Petition.objects.open().filter(
            deadlines__due__year__in=years
        )
    calendar = WorkCalendar()
    changed = 0
    for petition in queryset.distinct().iterator(chunk_size=500):
        with transaction.atomic():
            if deadlines_refresh(petition, calendar=calendar):
                changed += 1
    return changed


# --- Petitioners and named officials ---------------------------------------------------------
def _clean_petitioners(rows: list[dict], *, is_group: bool, group_size) -> list[dict]:
    cleaned = []
    for index, row in enumerate(rows, start=1):
        name = (row.get("name") or "").strip()
        if not name:
            continue
        number = normalize_id_number(row.get("id_number") or "")
        if number:
            try:
                validate_id_number(number)
            except Exception as exc:
                messages = getattr(exc, "messages", [str(exc)])
                raise ServiceError(
                    {"petitioners": [_("第 %(n)s 位信访人：%(error)s") % {"n": index, "error": m} for m in messages]}
                )
        cleaned.append(
            {
                "name": name[:50],
                "id_number": number,
                "id_hash": keyed_hash(number),
                "phone": (row.get("phone") or "").strip()[:20],
                "address": (row.get("address") or "").strip()[:200],
                "is_representative": bool(row.get("is_representative")),
            }
        )
    if not cleaned:
        raise ServiceError({"petitioners": [_("请至少填写一位信访人。")]})
    representatives = sum(1 for row in cleaned if row["is_representative"])
    if is_group:
        if not group_size or group_size < 2:
            raise ServiceError({"group_size": [_("集体访请填写人数（至少 2 人）。")]})
        if representatives > MAX_REPRESENTATIVES:
            raise ServiceError(
                {
                    "petitioners": [
                        _("集体访推选的代表不得超过 %(max)s 人（《信访工作条例》第二十条），现有 %(count)s 人。")
                        % {"max": MAX_REPRESENTATIVES, "count": representatives}
                    ]
                }
            )
    elif representatives:
        raise ServiceError({"petitioners": [_("只有集体访才推选代表。")]})
    return cleaned


def _set_petitioners(petition, rows) -> None:
    petition.petitioners.all().delete()
    Petitioner.objects.bulk_create([Petitioner(petition=petition, **row) for row in rows])


def _clean_named(rows, petition_type) -> list[dict]:
    cleaned = []
    for row in rows or []:
        user = row.get("user")
        name = (row.get("name") or (str(user) if user else "")).strip()
        if not name:
            continue
        cleaned.append({"user": user, "name": name[:50], "unit": (row.get("unit") or "").strip()[:100]})
    if cleaned and petition_type != PetitionType.ACCUSATION:
        raise ServiceError({"named_officials": [_("只有检举控告类事项才填写被反映人。")]})
    return cleaned


def _set_named(petition, rows) -> None:
    petition.named_officials.all().delete()
    NamedOfficial.objects.bulk_create([NamedOfficial(petition=petition, **row) for row in rows])
    # A named official who owns the case is taken off it (回避, art. 28).
    named_users = [row["user"].pk for row in rows if row["user"] is not None]
    if named_users:
        PetitionOwner.objects.filter(petition=petition, leader_id__in=named_users).delete()
        _refresh_top_owner_level(petition)


def _refresh_repeat(petition: Petition) -> None:
    """Repeat when a linked earlier case exists or the same petitioner (ID hash) petitioned before."""
    hashes = [h for h in petition.petitioners.values_list("id_hash", flat=True) if h]
    repeat = petition.earlier_id is not None
    if not repeat and hashes:
        before = Petition.objects.filter(petitioners__id_hash__in=hashes).exclude(pk=petition.pk)
        repeat = (
            before.filter(received_on__lt=petition.received_on).exists()
            or before.filter(received_on=petition.received_on, pk__lt=petition.pk).exists()
        )
    if petition.is_repeat != repeat:
        petition.is_repeat, petition.is_first_time = repeat, not repeat
        Petition.objects.filter(pk=petition.pk).update(is_repeat=repeat, is_first_time=not repeat)


def _check_region(region: Region) -> None:
    if region.level not in (Level.VILLAGE, Level.TOWNSHIP):
        raise ServiceError({"region": [_("信访件应登记到所涉及的村（社区）或乡镇（街道）。")]})


def _check_data(data: dict) -> None:
    if data.get("received_on") and data["received_on"] > timezone.localdate():
        raise ServiceError({"received_on": [_("收到日期不能晚于今天。")]})
    if data.get("is_backlog") is False:
        data["backlog_campaign"] = None
    if not data.get("is_group"):
        data["group_size"] = None


# --- Create and edit ------------------------------------------------------------------------
@transaction.atomic
def petition_create(
    *,
    actor,
    region: Region,
    data: dict,
    petitioners: list[dict],
    named_officials: list[dict] | None = None,
    earlier: Petition | None = None,
    stability_matter=None,
    livelihood_appeal=None,
) -> Petition:
    """Register a petition (登记). Its deadlines start from the day it was received."""
    ensure_region(actor, "petitions.add_petition", region.code)
    return _petition_create(
        actor=actor,
        region=region,
        data=data,
        petitioners=petitioners,
        named_officials=named_officials,
        earlier=earlier,
        stability_matter=stability_matter,
        livelihood_appeal=livelihood_appeal,
    )


def _petition_create(
    *,
    actor,
    region,
    data,
    petitioners,
    named_officials=None,
    earlier=None,
    stability_matter=None,
    livelihood_appeal=None,
) -> Petition:
    _check_region(region)
    data = {k: v for k, v in data.items() if k in PETITION_FIELDS}
    _check_data(data)
    rows = _clean_petitioners(petitioners, is_group=data.get("is_group", False), group_size=data.get("group_size"))
    named = _clean_named(named_officials, data.get("petition_type"))
    petition = Petition(
        region=region,
        created_by=actor,
        earlier=earlier,
        stability_matter=stability_matter,
        livelihood_appeal=livelihood_appeal,
        **data,
    )
    petition.full_clean(exclude=["region", "created_by", "earlier", "stability_matter", "livelihood_appeal"])
    petition.save()
    petition.number = f"XF{petition.received_on:%Y}{petition.pk:07d}"
    Petition.objects.filter(pk=petition.pk).update(number=petition.number)
    _set_petitioners(petition, rows)
    _set_named(petition, named)
    _refresh_repeat(petition)
    deadlines_refresh(petition)
    _event(petition, EventKind.CREATED, actor, petition.title)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=petition,
        changes=diff_fields({}, {**data, "petitioners": ", ".join(r["name"] for r in rows)}),
    )
    return petition


@transaction.atomic
def petition_update(
    *,
    actor,
    petition: Petition,
    expected_version: int,
    data: dict,
    petitioners: list[dict] | None = None,
    named_officials: list[dict] | None = None,
) -> Petition:
    """Correct the registration; the deadlines follow a corrected date of receipt."""
    _ensure_act(actor, petition, "change")
    locked = _lock(petition, expected_version)
    data = {k: v for k, v in data.items() if k in PETITION_FIELDS}
    _check_data(data)
    before = snapshot(locked, data.keys())
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["region", "created_by", "earlier", "stability_matter", "livelihood_appeal"])
    changes = diff_fields(before, data)
    if petitioners is not None:
        rows = _clean_petitioners(petitioners, is_group=locked.is_group, group_size=locked.group_size)
        old = [p.name for p in locked.petitioners.all()]
        _set_petitioners(locked, rows)
        if old != [r["name"] for r in rows]:
            changes["petitioners"] = [", ".join(old), ", ".join(r["name"] for r in rows)]
    if named_officials is not None:
        named = _clean_named(named_officials, locked.petition_type)
        _set_named(locked, named)
    elif (
        "petition_type" in data and locked.petition_type != PetitionType.ACCUSATION and locked.named_officials.exists()
    ):
        raise ServiceError({"petition_type": [_("已填写被反映人的事项只能是检举控告类。")]})
    save_versioned(locked, expected_version=locked.version, fields=list(data))
    _refresh_repeat(locked)
    deadlines_refresh(locked)
    if changes:
        _event(locked, EventKind.UPDATED, actor)
        audit_record(actor=actor, action=Action.UPDATE, obj=locked, changes=changes)
    return locked


@transaction.atomic
def petition_link(*, actor, petition: Petition, earlier: Petition | None, expected_version: int | None = None):
    """Link the case to an earlier one on the same matter (the repeat flag follows)."""
    _ensure_act(actor, petition, "change")
    locked = _lock(petition, expected_version)
    if earlier is not None:
        if earlier.pk == locked.pk or earlier.received_on > locked.received_on:
            raise ServiceError({"earlier": [_("只能关联收到日期更早的信访件。")]})
        chain, step = set(), earlier
        while step is not None and step.pk not in chain:
            chain.add(step.pk)
            step = step.earlier
        if locked.pk in chain:
            raise ServiceError({"earlier": [_("不能形成循环关联。")]})
    before = locked.earlier_id
    locked.earlier = earlier
    save_versioned(locked, expected_version=locked.version, fields=["earlier"])
    _refresh_repeat(locked)
    _event(locked, EventKind.LINKED, actor, earlier.number if earlier else "", earlier=earlier.pk if earlier else None)
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, changes={"earlier": [before, locked.earlier_id]})
    return locked


# --- The workflow ---------------------------------------------------------------------------
def _barred_by(petition: Petition) -> Petition | None:
    """Art. 36 §3: the linked earlier case (or one before it) had a re-review answered, and the
    same petitioner (ID hash) petitions again: not to be accepted again."""
    hashes = {h for h in petition.petitioners.values_list("id_hash", flat=True) if h}
    step, seen = petition.earlier, set()
    while step is not None and step.pk not in seen:
        seen.add(step.pk)
        if step.rereview_answered_on and hashes & set(step.petitioners.values_list("id_hash", flat=True)):
            return step
        step = step.earlier
    return None


def _move(actor, petition, target, *, expected_version, action="transition", note="", **changes) -> Petition:
    """The one path of every transition: permission, version, declared transition, fields,
    deadlines, timeline, audit."""
    _ensure_act(actor, petition, action)
    locked = _lock(petition, expected_version)
    PETITION_TRANSITIONS.check(locked.status, target)
    before = snapshot(locked, ["status", *changes])
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.status = target
    save_versioned(locked, expected_version=locked.version, fields=["status", *changes])
    deadlines_refresh(locked)
    after = snapshot(locked, before.keys())
    _event(
        locked,
        EventKind.TRANSITION,
        actor,
        note,
        status=[str(S(before["status"]).label), str(S(target).label)],
    )
    audit_record(actor=actor, action=Action.TRANSITION, obj=locked, changes=diff_fields(before, after))
    return locked


def _required(value, field, message):
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    if not value:
        raise ServiceError({field: [message]})
    return value


@transaction.atomic
def petition_accept(
    *,
    actor,
    petition: Petition,
    expected_version: int | None = None,
    on: datetime.date | None = None,
    handling_unit: str = "",
    override_reason: str = "",
) -> Petition:
    """受理: the 60-day handling period (art. 34) starts. A petition barred by art. 36 §3 (same
    petitioner, linked case re-reviewed) is refused unless a leader overrides it with a reason."""
    day = _today(on, petition)
    barred = _barred_by(petition)
    override_reason = (override_reason or "").strip()
    if barred is not None:
        if not override_reason:
            raise ServiceError(
                _(
                    "该信访人就关联的信访件 %(number)s 已经复核，以同一事实和理由再次提出的，不再受理"
                    "（《信访工作条例》第三十六条第三款）。如确需受理，须由领导填写理由批准。"
                ),
                code="not_accepted_again",
                params={"number": barred.number},
            )
        if leader_level(actor, petition.region_id) is None:
            raise ServiceError(
                {"override_reason": [_("只有对该地区负责的领导干部才能批准受理不再受理的事项。")]},
                code="override_not_leader",
            )
    changes = {"accepted_on": day, "handling_unit": (handling_unit or petition.handling_unit).strip()[:100]}
    if petition.status == S.REGISTERED:
        changes["decided_on"] = day
    if barred is not None:
        changes["override_reason"] = override_reason
    result = _move(actor, petition, S.ACCEPTED, expected_version=expected_version, **changes)
    if barred is not None:
        _event(result, EventKind.OVERRIDE, actor, override_reason, barred_by=barred.number)
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=result,
            message=str(_("领导批准受理不再受理的事项")),
            changes={"override_reason": [None, override_reason]},
        )
    return result


@transaction.atomic
def petition_not_accept(*, actor, petition, reason: str, expected_version=None, on=None) -> Petition:
    """不予受理, with the written reason told to the petitioner."""
    reason = _required(reason, "reason", _("请填写不予受理的理由。"))
    day = _today(on, petition)
    return _move(
        actor, petition, S.NOT_ACCEPTED, expected_version=expected_version, decided_on=day, not_accepted_reason=reason
    )


@transaction.atomic
def petition_transfer(*, actor, petition, kind: str, to_body: str, expected_version=None, on=None) -> Petition:
    """转送 or 交办 to the competent body, named; it may object within 5 working days (art. 23 §3)."""
    if kind not in TransferKind.values:
        raise ServiceError({"kind": [_("请选择转送或交办。")]})
    to_body = _required(to_body, "to_body", _("请填写转送交办的机关、单位。"))
    day = _today(on, petition)
    return _move(
        actor,
        petition,
        S.TRANSFERRED,
        expected_version=expected_version,
        decided_on=day,
        transfer_kind=kind,
        transferred_to=to_body[:100],
        transferred_on=day,
        objected_on=None,
        objection_reason="",
    )


@transaction.atomic
def petition_object(*, actor, petition, reason: str, expected_version=None, on=None) -> Petition:
    """异议: the receiving body says the case is outside its remit; it returns to its sender."""
    reason = _required(reason, "reason", _("请详细说明异议理由。"))
    day = _today(on, petition)
    return _move(
        actor, petition, S.REGISTERED, expected_version=expected_version, objected_on=day, objection_reason=reason
    )


@transaction.atomic
def petition_start_handling(*, actor, petition, expected_version=None, note: str = "") -> Petition:
    return _move(actor, petition, S.IN_HANDLING, expected_version=expected_version, note=note)


@transaction.atomic
def petition_reply(*, actor, petition, opinion: str, text: str, expected_version=None, on=None) -> Petition:
    """The written reply (信访处理意见书, art. 32): supported, explained or not supported."""
    if opinion not in ReplyOpinion.values:
        raise ServiceError({"opinion": [_("请选择处理意见（支持、解释说明或不予支持）。")]})
    text = _required(text, "text", _("请填写处理意见书的内容。"))
    day = _today(on, petition)
    return _move(
        actor,
        petition,
        S.REPLIED,
        expected_version=expected_version,
        replied_on=day,
        reply_opinion=opinion,
        reply_text=text,
    )


@transaction.atomic
def petition_request_review(*, actor, petition, expected_version=None, on=None) -> Petition:
    """复查 requested (within 30 days of the written reply, art. 35)."""
    day = _today(on, petition)
    _window(petition, petition.replied_on, day, _("复查"))
    return _move(actor, petition, S.REVIEW_REQUESTED, expected_version=expected_version, review_requested_on=day)


@transaction.atomic
def petition_answer_review(*, actor, petition, text: str, expected_version=None, on=None) -> Petition:
    text = _required(text, "text", _("请填写复查意见。"))
    day = _today(on, petition)
    return _move(
        actor,
        petition,
        S.REVIEW_ANSWERED,
        expected_version=expected_version,
        review_answered_on=day,
        review_opinion=text,
    )


@transaction.atomic
def petition_request_rereview(*, actor, petition, expected_version=None, on=None) -> Petition:
    day = _today(on, petition)
    _window(petition, petition.review_answered_on, day, _("复核"))
    return _move(actor, petition, S.REREVIEW_REQUESTED, expected_version=expected_version, rereview_requested_on=day)


@transaction.atomic
def petition_answer_rereview(
    *, actor, petition, text: str, hearing_days: int = 0, expected_version=None, on=None
) -> Petition:
    """复核意见; days spent on a hearing (听证) do not count against the 30 days (art. 36 §2)."""
    text = _required(text, "text", _("请填写复核意见。"))
    if hearing_days is None or hearing_days < 0 or hearing_days > 365:
        raise ServiceError({"hearing_days": [_("听证天数应在 0 到 365 之间。")]})
    day = _today(on, petition)
    return _move(
        actor,
        petition,
        S.REREVIEW_ANSWERED,
        expected_version=expected_version,
        rereview_answered_on=day,
        rereview_opinion=text,
        hearing_days=hearing_days,
    )


@transaction.atomic
def petition_close(*, actor, petition, outcome: str, note: str = "", expected_version=None, on=None) -> Petition:
    """办结 with the outcome (化解 / 未化解); a backlog case resolved is disposed (化解销号) that day."""
    if outcome not in Outcome.values:
        raise ServiceError({"outcome": [_("请选择化解结果。")]})
    day = _today(on, petition)
    changes = {"closed_on": day, "outcome": outcome}
    if petition.is_backlog and outcome == Outcome.RESOLVED:
        changes["backlog_disposed_on"] = day
    return _move(actor, petition, S.CLOSED, expected_version=expected_version, note=(note or "").strip(), **changes)


def _window(petition, start, day, what) -> None:
    from petitions.deadlines import RULES, apply_rule

    if start is None:
        return
    name = "art35.review-request.30d" if what == _("复查") else "art36.rereview-request.30d"
    due = apply_rule(name, start, calendar=WorkCalendar()).due
    if day > due:
        raise ServiceError(
            {
                "on": [
                    _("已超过申请%(what)s的期限（%(due)s，%(rule)s）。")
                    % {"what": what, "due": due, "rule": RULES[name].article}
                ]
            }
        )


# Targets the pages and the API offer, each with its service.
TRANSITION_SERVICES = {
    S.ACCEPTED: petition_accept,
    S.NOT_ACCEPTED: petition_not_accept,
    S.TRANSFERRED: petition_transfer,
    S.IN_HANDLING: petition_start_handling,
    S.REPLIED: petition_reply,
    S.REVIEW_REQUESTED: petition_request_review,
    S.REVIEW_ANSWERED: petition_answer_review,
    S.REREVIEW_REQUESTED: petition_request_rereview,
    S.REREVIEW_ANSWERED: petition_answer_rereview,
    S.CLOSED: petition_close,
}


def petition_transition(*, actor, petition: Petition, target: str, expected_version=None, **fields) -> Petition:
    """Dispatch a target status to its service. From 已转送交办, going back to 已登记 is the
    receiving body's objection (异议)."""
    if target == S.REGISTERED and petition.status == S.TRANSFERRED:
        return petition_object(
            actor=actor, petition=petition, expected_version=expected_version, **_only(fields, "reason", "on")
        )
    service = TRANSITION_SERVICES.get(target)
    if service is None:
        PETITION_TRANSITIONS.check(petition.status, target)
        raise ServiceError(_("未知的目标状态。"))
    accepted = {
        petition_accept: ("on", "handling_unit", "override_reason"),
        petition_not_accept: ("reason", "on"),
        petition_transfer: ("kind", "to_body", "on"),
        petition_start_handling: ("note",),
        petition_reply: ("opinion", "text", "on"),
        petition_request_review: ("on",),
        petition_answer_review: ("text", "on"),
        petition_request_rereview: ("on",),
        petition_answer_rereview: ("text", "hearing_days", "on"),
        petition_close: ("outcome", "note", "on"),
    }[service]
    # Check the transition first, so a forbidden one says so rather than asking for a missing field.
    _ensure_act(actor, petition, "transition")
    PETITION_TRANSITIONS.check(petition.status, target)
    return service(actor=actor, petition=petition, expected_version=expected_version, **_only(fields, *accepted))


def _only(fields: dict, *names) -> dict:
    return {name: fields[name] for name in names if fields.get(name) not in (None, "")}


# --- Extension, progress, ownership ------------------------------------------------------------
@transaction.atomic
def petition_extend(
    *, actor, petition: Petition, days: int, reason: str, approved_by, expected_version: int | None = None
) -> Petition:
    """延期 (art. 34): once, by at most 30 days, approved by a leader responsible for the case's
    region (本机关负责人), with the reason told to the petitioner."""
    _ensure_act(actor, petition, "transition")
    locked = _lock(petition, expected_version)
    if locked.status not in (S.ACCEPTED, S.IN_HANDLING):
        raise ServiceError(_("只有已受理、办理中的信访件可以延期。"), code="extension_status")
    if locked.extension_days:
        raise ServiceError(_("办理期限只能延长一次（《信访工作条例》第三十四条），本件已延期。"), code="extension_once")
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ServiceError({"days": [_("延长期限应为 1 到 30 日。")]})
    reason = _required(reason, "reason", _("请填写延期理由。"))
    if approved_by is None or leader_level(approved_by, locked.region_id) is None:
        raise ServiceError({"approved_by": [_("延期须由对该地区负责的领导干部批准。")]})
    if is_excluded(approved_by, locked):
        raise ServiceError({"approved_by": [_("该领导与本件有利害关系，应当回避。")]})
    before = snapshot(locked, ["extension_days", "extension_reason", "extension_approved_by"])
    locked.extension_days, locked.extension_reason, locked.extension_approved_by = days, reason, approved_by
    save_versioned(locked, expected_version=locked.version, fields=list(before))
    deadlines_refresh(locked)
    _event(
        locked, EventKind.EXTENSION, actor, reason, days=days, approved_by=str(approved_by), due=str(locked.current_due)
    )
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, changes=diff_fields(before, snapshot(locked, before)))
    return locked


@transaction.atomic
def petition_progress_add(*, actor, petition: Petition, text: str) -> PetitionEvent:
    """办理进展: a note on the timeline (what was done, whom the leader met)."""
    _ensure_act(actor, petition, "change")
    text = _required(text, "text", _("请填写办理进展。"))
    if petition.status == S.CLOSED:
        raise ServiceError(_("已办结的信访件不能再添加办理进展。"))
    event = _event(petition, EventKind.PROGRESS, actor, text[:2000])
    audit_record(actor=actor, action=Action.UPDATE, obj=petition, changes={"progress": [None, text[:200]]})
    return event


def _refresh_top_owner_level(petition: Petition) -> None:
    levels = set(PetitionOwner.objects.filter(petition=petition).values_list("level", flat=True))
    top = next((lv for lv in (OwnerLevel.PREFECTURE, OwnerLevel.COUNTY, OwnerLevel.TOWNSHIP) if lv in levels), "")
    if petition.top_owner_level != top:
        petition.top_owner_level = top
        Petition.objects.filter(pk=petition.pk).update(top_owner_level=top)


@functools.cache
def _owner_level_label(level: str, language: str) -> str:
    with translation.override(language):
        return str(OwnerLevel(level).label)


def owner_added_data(leader_name: str, level: str, is_lead: bool, unit: str) -> dict:
    """The data of an ownership event (EventKind.OWNER_ADDED, its text is the reason): who, at
    which level (the label in the site's language, like the audit trail's texts, whoever's page
    assigned it), lead or not, the unit. Also written by the seed data (petitions.generators)."""
    label = _owner_level_label(OwnerLevel(level).value, settings.LANGUAGE_CODE)
    return {"leader": leader_name, "level": label, "lead": is_lead, "unit": unit}


@transaction.atomic
def petition_owner_add(
    *,
    actor,
    petition: Petition,
    leader,
    unit: str = "",
    is_lead: bool = False,
    reason: str = "",
    expected_version: int | None = None,
) -> PetitionOwner:
    """包案: a leader (township, county or prefecture) owns the case, with the responsible unit.
    Making one the lead owner makes the previous lead an ordinary owner. An ownership change is
    an edit of the case: its version moves on (a stale `expected_version` is refused)."""
    _ensure_act(actor, petition, "petitions.assign_petition")
    if leader is None:
        raise ServiceError({"leader": [_("请选择包案领导。")]})
    given, petition = petition, _lock(petition, expected_version)
    level = leader_level(leader)
    if level is None:
        raise ServiceError({"leader": [_("包案领导须为乡镇、县级或市级领导干部。")]})
    if is_excluded(leader, petition):
        raise ServiceError({"leader": [_("该领导是本件的被反映人，应当回避，不能包案。")]})
    if PetitionOwner.objects.filter(petition=petition, leader=leader).exists():
        raise ServiceError({"leader": [_("该领导已是本件的包案领导。")]})
    if not PetitionOwner.objects.filter(petition=petition).exists():
        is_lead = True
    if is_lead:
        PetitionOwner.objects.filter(petition=petition, is_lead=True).update(is_lead=False)
    owner = PetitionOwner.objects.create(
        petition=petition,
        leader=leader,
        level=level,
        unit=(unit or "").strip()[:100],
        is_lead=is_lead,
        assigned_by=actor,
        reason=(reason or "").strip()[:200],
    )
    _refresh_top_owner_level(petition)
    save_versioned(petition, expected_version=petition.version, fields=[])
    given.version, given.top_owner_level = petition.version, petition.top_owner_level
    _event(petition, EventKind.OWNER_ADDED, actor, reason, **owner_added_data(str(leader), level, is_lead, owner.unit))
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=petition,
        changes={"owners": [None, f"{leader} ({owner.get_level_display()})"]},
    )
    return owner


@transaction.atomic
def petition_owner_remove(
    *, actor, petition: Petition, leader, reason: str, expected_version: int | None = None
) -> None:
    _ensure_act(actor, petition, "petitions.assign_petition")
    reason = _required(reason, "reason", _("请填写撤销包案的原因。"))
    given, petition = petition, _lock(petition, expected_version)
    owner = PetitionOwner.objects.filter(petition=petition, leader=leader).first() if leader else None
    if owner is None:
        raise ServiceError({"leader": [_("该领导不是本件的包案领导。")]})
    owner.delete()
    if owner.is_lead:
        successor = PetitionOwner.objects.filter(petition=petition).order_by("assigned_at", "id").first()
        if successor is not None:
            PetitionOwner.objects.filter(pk=successor.pk).update(is_lead=True)
    _refresh_top_owner_level(petition)
    save_versioned(petition, expected_version=petition.version, fields=[])
    given.version, given.top_owner_level = petition.version, petition.top_owner_level
    _event(petition, EventKind.OWNER_REMOVED, actor, reason, leader=str(leader))
    audit_record(actor=actor, action=Action.UPDATE, obj=petition, changes={"owners": [str(leader), None]})


# --- From the ledgers ---------------------------------------------------------------------------
def petition_from_matter(*, matter, actor) -> str:
    """稳定事项转信访: open a case from an escalated stability matter (registered in the ledgers'
    ESCALATION_HANDLERS); both records link to each other. Returns the case number."""
    existing = Petition.objects.filter(stability_matter=matter).first()
    if existing is not None:
        return existing.number
    from petitions.selectors import default_category

    region = matter.region
    # The ledger service has checked the actor may escalate this matter (its region is in scope);
    # ledger staff who may not register petitions themselves still open the case this way.
    petition = _petition_create(
        actor=actor,
        region=region,
        data={
            "channel": "visit",
            "received_on": timezone.localdate(),
            "title": matter.title[:200],
            "content": "\n".join(t for t in (matter.summary, matter.parties) if t) or matter.title,
            "category": default_category(),
            "petition_type": PetitionType.CLAIM,
            "conflict_level": {"low": "village", "medium": "township", "high": "county"}.get(
                matter.risk_level, "township"
            ),
        },
        petitioners=[{"name": (matter.parties or matter.title).splitlines()[0][:50]}],
        stability_matter=matter,
    )
    return petition.number


@transaction.atomic
def petition_from_appeal(*, actor, appeal) -> Petition:
    """民生诉求转信访: open a case from a livelihood appeal the actor can see, in its village, with
    the raiser as the petitioner; both records link to each other (`Petition.livelihood_appeal`).
    An appeal already transferred returns its case."""
    from ledgers.models import LivelihoodAppeal
    from regions.scoping import restrict

    if not restrict(LivelihoodAppeal.objects.filter(pk=appeal.pk), actor).exists():
        raise OutOfScope()
    ensure_region(actor, "petitions.add_petition", appeal.region_id)
    if appeal.voided_at is not None:
        raise ServiceError({"appeal": [_("已作废的民生诉求不能转信访。")]}, code="voided")
    existing = Petition.objects.filter(livelihood_appeal=appeal).first()
    if existing is not None:
        raise ServiceError(
            {"appeal": [_("该民生诉求已转为信访件 %(number)s。") % {"number": existing.number}]}, code="already"
        )
    from petitions.selectors import default_category

    petition = _petition_create(
        actor=actor,
        region=appeal.region,
        data={
            "channel": "visit",
            "received_on": timezone.localdate(),
            "title": appeal.title[:200],
            "content": appeal.description or appeal.title,
            "category": default_category(),
            "petition_type": PetitionType.CLAIM,
            "conflict_level": "village",
        },
        petitioners=[{"name": (appeal.raiser_name or appeal.title)[:50], "phone": appeal.raiser_phone or ""}],
        livelihood_appeal=appeal,
    )
    _event(petition, EventKind.LINKED, actor, _("由民生诉求 #%(pk)s 转入") % {"pk": appeal.pk}, appeal=appeal.pk)
    audit_record(actor=actor, action=Action.UPDATE, obj=appeal, changes={"petition": [None, petition.number]})
    return petition


# --- Reception days and down-visits --------------------------------------------------------------
def _cases_by_number(actor, numbers) -> list[Petition]:
    from regions.scoping import restrict

    numbers = [n.strip().upper() for n in numbers if n and n.strip()]
    found = {p.number: p for p in restrict(Petition.objects.filter(number__in=numbers), actor)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ServiceError(
            {"cases": [_("未找到信访件：%(numbers)s（或不在您的管辖范围内）。") % {"numbers": "、".join(missing[:10])}]}
        )
    return list(found.values())


def _check_leader(leader, field="leader"):
    if leader is None or leader_level(leader) is None:
        raise ServiceError({field: [_("接访、下访的领导须为乡镇、县级或市级领导干部。")]})


@transaction.atomic
def reception_day_create(
    *, actor, region: Region, held_on, place: str, person_times: int, notes: str = "", case_numbers=(), leader=None
) -> ReceptionDay:
    """领导接访: who received petitioners, when, where, how many person-times, which cases."""
    ensure_region(actor, "petitions.add_receptionday", region.code)
    leader = leader or actor
    _check_leader(leader)
    if held_on > timezone.localdate():
        raise ServiceError({"held_on": [_("日期不能晚于今天。")]})
    place = _required(place, "place", _("请填写接访地点。"))
    cases = _cases_by_number(actor, case_numbers)
    day = ReceptionDay.objects.create(
        leader=leader,
        leader_name=str(leader)[:50],
        region=region,
        held_on=held_on,
        place=place[:100],
        person_times=person_times,
        notes=notes or "",
        created_by=actor,
    )
    day.cases.set(cases)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=day,
        changes=diff_fields(
            {}, {"held_on": held_on, "place": place, "person_times": person_times, "cases": len(cases)}
        ),
    )
    return day


@transaction.atomic
def down_visit_create(
    *,
    actor,
    region: Region,
    visited_on,
    village_codes,
    person_times: int,
    outcome: str = "",
    case_numbers=(),
    leader=None,
) -> DownVisit:
    """带案下访: the leader, the day, the villages visited, the cases carried, the outcome."""
    from regions.scoping import restrict

    ensure_region(actor, "petitions.add_downvisit", region.code)
    leader = leader or actor
    _check_leader(leader)
    if visited_on > timezone.localdate():
        raise ServiceError({"visited_on": [_("日期不能晚于今天。")]})
    codes = [c.strip() for c in village_codes if c and c.strip()]
    villages = list(restrict(Region.objects.filter(code__in=codes, level=Level.VILLAGE), actor))
    if not codes or len(villages) != len(set(codes)):
        raise ServiceError({"villages": [_("请填写您管辖范围内的村（社区）12 位区划代码。")]})
    cases = _cases_by_number(actor, case_numbers)
    visit = DownVisit.objects.create(
        leader=leader,
        leader_name=str(leader)[:50],
        region=region,
        visited_on=visited_on,
        person_times=person_times,
        outcome=outcome or "",
        created_by=actor,
    )
    visit.villages.set(villages)
    visit.cases.set(cases)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=visit,
        changes=diff_fields(
            {}, {"visited_on": visited_on, "villages": len(villages), "cases": len(cases), "person_times": person_times}
        ),
    )
    return visit


# --- Attachments ------------------------------------------------------------------------------
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Accepted documents, told by their first bytes (a renamed program is refused whatever its name).
ATTACHMENT_TYPES = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}


@transaction.atomic
def petition_attachment_add(*, actor, petition: Petition, upload):
    """Attach a PDF, JPEG or PNG of at most 10 MB to the case (audited)."""
    import os

    from petitions.models import PetitionAttachment

    _ensure_act(actor, petition, "change")
    name = os.path.basename(getattr(upload, "name", "") or "")[:120]
    suffix = os.path.splitext(name)[1].lower()
    if suffix not in ATTACHMENT_TYPES:
        raise ServiceError({"file": [_("附件只能是 PDF、JPG 或 PNG 文件。")]})
    if not upload.size:
        raise ServiceError({"file": [_("文件是空的。")]})
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ServiceError({"file": [_("附件不能超过 10 MB。")]})
    magic, content_type = ATTACHMENT_TYPES[suffix]
    head = upload.read(len(magic))
    upload.seek(0)
    if head != magic:
        raise ServiceError({"file": [_("文件内容与扩展名不符（可能是改了扩展名的其他文件），已拒绝。")]})
    attachment = PetitionAttachment.objects.create(
        petition=petition, file=upload, name=name, size=upload.size, content_type=content_type, uploaded_by=actor
    )
    _event(petition, EventKind.UPDATED, actor, _("上传附件：%(name)s") % {"name": name})
    audit_record(actor=actor, action=Action.UPDATE, obj=petition, changes={"attachment": [None, name]})
    return attachment
