"""走访 and the five must-visits (五必访).

Rules:
- A visit is recorded by the pair's own cadre (signed in) or by staff who may add visits in the
  pair's village; only on an active pair, dated between the pair's start and today.
- Recording a must-visit event on a household makes one owed visit per active paired cadre, due
  the event's day plus the kind's days (JICENG_MUST_VISIT_DUE_DAYS, default 3; death 1). The same
  household, kind and day twice is refused as a duplicate.
- A must-visit visit by that cadre to that household on or after the event's day fulfils it;
  on time when on or before the due day.
- Daily, owed visits past their due day are marked overdue: one UPDATE, idempotent.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields
from core.exceptions import OutOfScope, ServiceError
from pairings.choices import (
    MUST_VISIT_DUE_DAYS_DEFAULT,
    OWED_OPEN_STATUSES,
    MustVisitKind,
    OwedStatus,
    PairStatus,
    VisitKind,
)
from pairings.models import Campaign, Household, MustVisitEvent, OwedVisit, Pair, Visit
from pairings.services.common import full_clean
from regions.scoping import can, ensure, ensure_region

VISIT_FIELDS = (
    "visited_on",
    "kind",
    "found",
    "help_money_fen",
    "help_goods",
    "help_service",
    "follow_up_needed",
    "follow_up",
)
MAX_FEN = 10**13


def warm_winter_season(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The Warm Winter season a day belongs to: 1 July to 30 June around one Spring Festival."""
    year = day.year if day.month >= 7 else day.year - 1
    return datetime.date(year, 7, 1), datetime.date(year + 1, 6, 30)


def must_visit_due_days(kind: str) -> int:
    configured = getattr(settings, "JICENG_MUST_VISIT_DUE_DAYS", {}) or {}
    return int(configured.get(kind, MUST_VISIT_DUE_DAYS_DEFAULT[kind]))


def can_record_visit(user, pair: Pair) -> bool:
    """The pair's own cadre, or staff who may add visits where the pair is."""
    if not getattr(user, "is_authenticated", False):
        return False
    if pair.cadre.user_id is not None and pair.cadre.user_id == user.pk:
        return True
    return can(user, "pairings.add_visit", pair)


@transaction.atomic
def visit_record(*, actor, pair: Pair, data: dict) -> Visit:
    """Record a visit on an active pair; a must-visit visit fulfils the cadre's owed visits to
    that household for events on or before the visit's day."""
    if not can_record_visit(actor, pair):
        raise OutOfScope()
    data = {k: v for k, v in data.items() if k in VISIT_FIELDS}
    locked = Pair.objects.select_for_update().get(pk=pair.pk)
    if locked.status != PairStatus.ACTIVE:
        raise ServiceError(_("该结对已结束，不能再登记走访。"), code="pair_ended")
    visited_on = data.get("visited_on")
    if visited_on is None:
        raise ServiceError({"visited_on": [_("请填写走访日期。")]})
    if visited_on > timezone.localdate():
        raise ServiceError({"visited_on": [_("走访日期不能晚于今天。")]})
    if visited_on < locked.started_on:
        raise ServiceError({"visited_on": [_("走访日期不能早于结对日期。")]})
    money = data.get("help_money_fen") or 0
    if money < 0 or money > MAX_FEN:
        raise ServiceError({"help_money_fen": [_("帮扶资金不能为负数或过大。")]})
    if data.get("follow_up_needed") and not (data.get("follow_up") or "").strip():
        raise ServiceError({"follow_up": [_("需要跟进时请写明跟进事项。")]})
    visit = Visit(
        pair=locked,
        cadre_id=locked.cadre_id,
        household_id=locked.household_id,
        region_id=locked.region_id,
        cadre_user_id=locked.cadre_user_id,
        created_by=actor,
        **data,
    )
    full_clean(visit, exclude=["pair", "cadre", "household", "region", "created_by"])
    if visit.kind == VisitKind.WARM_WINTER:
        start, end = warm_winter_season(visit.visited_on)
        visit.first_of_season = not Visit.objects.filter(
            pair=locked, kind=VisitKind.WARM_WINTER, visited_on__range=(start, end)
        ).exists()
    visit.save()
    fulfilled = 0
    if visit.kind == VisitKind.MUST_VISIT:
        fulfilled = _fulfil_owed(visit)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=locked,
        changes=diff_fields({}, {"visit": visit.pk, "kind": visit.kind, "visited_on": visit.visited_on}),
        message=f"visit recorded; owed visits fulfilled: {fulfilled}" if fulfilled else "visit recorded",
    )
    return visit


def _fulfil_owed(visit: Visit) -> int:
    """Set-based: every open owed visit of this cadre to this household whose event happened on
    or before the visit's day. Two UPDATEs (on time, late) keep it portable."""
    base = OwedVisit.objects.filter(
        cadre_id=visit.cadre_id,
        household_id=visit.household_id,
        status__in=OWED_OPEN_STATUSES,
        event_on__lte=visit.visited_on,
    )
    common = {"status": OwedStatus.FULFILLED, "visit_id": visit.pk, "fulfilled_on": visit.visited_on}
    on_time = base.filter(due_on__gte=visit.visited_on).update(on_time=True, **common)
    late = base.filter(due_on__lt=visit.visited_on).update(on_time=False, **common)
    return on_time + late


@transaction.atomic
def must_visit_event_record(
    *,
    actor,
    household: Household,
    kind: str,
    occurred_on: datetime.date,
    note: str = "",
    source_hardship=None,
    source_matter=None,
) -> MustVisitEvent:
    """Record one of the five must-visit events; each active paired cadre then owes a visit."""
    ensure_region(actor, "pairings.add_mustvisitevent", household.region_id)
    if kind not in MustVisitKind.values:
        raise ServiceError({"kind": [_("请选择五必访事件类型。")]})
    today = timezone.localdate()
    if occurred_on is None:
        raise ServiceError({"occurred_on": [_("请填写发生日期。")]})
    if occurred_on > today:
        raise ServiceError({"occurred_on": [_("发生日期不能晚于今天。")]})
    if len(note or "") > 300:
        raise ServiceError({"note": [_("情况说明不能超过 300 个字。")]})
    duplicate = _("该户同一天已登记过同类必访事件，请勿重复登记。")
    if MustVisitEvent.objects.filter(household=household, kind=kind, occurred_on=occurred_on).exists():
        raise ServiceError({"kind": [duplicate]}, code="mustvisit_duplicate")
    try:
        with transaction.atomic():
            event = MustVisitEvent.objects.create(
                household=household,
                region_id=household.region_id,
                kind=kind,
                occurred_on=occurred_on,
                note=(note or "").strip(),
                source_hardship=source_hardship,
                source_matter=source_matter,
                recorded_by=actor,
            )
    except IntegrityError:
        raise ServiceError({"kind": [duplicate]}, code="mustvisit_duplicate")
    due_on = occurred_on + datetime.timedelta(days=must_visit_due_days(kind))
    status = OwedStatus.OVERDUE if due_on < today else OwedStatus.OWED
    pairs = Pair.objects.filter(household=household, status=PairStatus.ACTIVE).values_list(
        "pk", "cadre_id", "cadre_user_id"
    )
    OwedVisit.objects.bulk_create(
        [
            OwedVisit(
                event=event,
                pair_id=pair_id,
                cadre_id=cadre_id,
                cadre_user_id=cadre_user_id,
                household_id=household.pk,
                region_id=household.region_id,
                kind=kind,
                event_on=occurred_on,
                due_on=due_on,
                status=status,
            )
            for pair_id, cadre_id, cadre_user_id in pairs
        ]
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=event,
        changes=diff_fields({}, {"household": household.pk, "kind": kind, "occurred_on": occurred_on}),
    )
    return event


@transaction.atomic
def must_visit_event_from_hardship(*, actor, hardship, kind: str, occurred_on, note: str = "") -> MustVisitEvent:
    """The explicit staff action on a hardship household's ledger page: raise a must-visit event
    on its pairing target, linked both ways (event.source_hardship, hardship.must_visit_events)."""
    from pairings.services.pairs import household_for_hardship

    ensure(actor, "change", hardship)
    household = household_for_hardship(actor=actor, hardship=hardship)
    return must_visit_event_record(
        actor=actor, household=household, kind=kind, occurred_on=occurred_on, note=note, source_hardship=hardship
    )


def owed_visits_mark_overdue(*, today: datetime.date | None = None) -> int:
    """Owed visits past their due day become overdue: one set-based UPDATE. Running it again
    the same day changes nothing (only rows still "owed" are touched)."""
    today = today or timezone.localdate()
    return OwedVisit.objects.filter(status=OwedStatus.OWED, due_on__lt=today).update(status=OwedStatus.OVERDUE)


@transaction.atomic
def campaign_create(*, actor, data: dict) -> Campaign:
    """A Warm Winter campaign over a region and a dated window."""
    region = data.get("region")
    if region is None:
        raise ServiceError({"region": [_("请选择范围。")]})
    ensure_region(actor, "pairings.add_campaign", region.code)
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        raise ServiceError({"ends_on": [_("结束日期不能早于开始日期。")]})
    campaign = Campaign(
        name=data.get("name", ""), region=region, starts_on=starts_on, ends_on=ends_on, created_by=actor
    )
    full_clean(campaign, exclude=["created_by"])
    campaign.save()
    audit_record(actor=actor, action=Action.CREATE, obj=campaign, changes=diff_fields({}, data))
    return campaign


def owed_open_q() -> Q:
    return Q(status__in=OWED_OPEN_STATUSES)
