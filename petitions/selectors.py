"""Reads of the petitions module, always through the user's scope (`regions.scoping.restrict`,
which also hides a case from the officials it names)."""

from __future__ import annotations

import datetime

from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.paginator import bounded_count, count_cap
from ledgers.filters import within_of
from petitions.choices import DEFAULT_CATEGORIES, OFFICE_OWES, OPEN_STATUSES, OwnerLevel, PetitionStatus
from petitions.filters import PetitionFilterSet
from petitions.models import (
    DownVisit,
    Petition,
    PetitionCategory,
    PetitionDeadline,
    Petitioner,
    PetitionEvent,
    PetitionOwner,
    ReceptionDay,
)
from petitions.querysets import DUE_SOON_DAYS
from regions.scoping import restrict

_LIST_RELATED = ("region", "region__parent", "category")


def default_category() -> PetitionCategory:
    category = PetitionCategory.objects.filter(code="other").first()
    if category is None:
        category, _created = PetitionCategory.objects.get_or_create(
            code="other", defaults={"name": "其他", "sort_order": 99}
        )
    return category


def ensure_default_categories() -> None:
    for order, (code, name) in enumerate(DEFAULT_CATEGORIES, start=1):
        PetitionCategory.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


def _owners_prefetch():
    return Prefetch(
        "owners", queryset=PetitionOwner.objects.select_related("leader").order_by("-is_lead", "assigned_at", "id")
    )


def petition_list(*, user, filters=None, request=None):
    """(filterset, rows): scope, then the FilterSet, then the related rows (a bounded number of queries)."""
    # A region filter narrows the scope itself: one prefix condition (see ledgers.filters.within_of).
    within = within_of(filters)
    queryset = restrict(Petition.objects.all(), user, within=within)
    filterset = PetitionFilterSet(filters if filters is not None else {}, queryset=queryset, request=request)
    filterset.within = within
    rows = filterset.qs if filterset.is_valid() else queryset.none()
    return filterset, rows.prefetch_related(*_LIST_RELATED, _owners_prefetch())


def petition_get(*, user, pk) -> Petition:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    if pk is not None and not 1 <= pk <= 2**63 - 1:
        pk = None
    queryset = Petition.objects.select_related(
        "region", "region__parent", "category", "earlier", "backlog_campaign", "extension_approved_by", "created_by"
    ).prefetch_related(
        Prefetch("petitioners", queryset=Petitioner.objects.order_by("id")),
        "named_officials",
        _owners_prefetch(),
        Prefetch("deadlines", queryset=PetitionDeadline.objects.order_by("start", "id")),
        "attachments",
    )
    obj = restrict(queryset, user).filter(pk=pk).first() if pk is not None else None
    if obj is None:
        raise Http404(_("未找到编号为 %(pk)s 的信访件，或它不在您的管辖范围内。") % {"pk": str(pk)[:20]})
    return obj


def my_cases(*, user, today: datetime.date | None = None):
    """我的包案: the open cases `user` owns, overdue first, then due within 3 days, then the rest
    (each group by due date)."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    # The ids first (one leader owns tens of cases): the plan then starts from those cases, not
    # from every open case (with a subquery or a join it scanned those: 24 ms at 100,000 cases).
    owned = list(PetitionOwner.objects.filter(leader_id=user.pk).values_list("petition_id", flat=True))
    return (
        restrict(Petition.objects.filter(pk__in=owned), user)
        .filter(status__in=OPEN_STATUSES)
        .annotate(
            urgency=Case(
                When(status__in=OFFICE_OWES, current_due__lt=today, then=Value(0)),
                When(status__in=OFFICE_OWES, current_due__lte=soon, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("urgency", "current_due", "id")
        .prefetch_related(*_LIST_RELATED, _owners_prefetch())
    )


# Entries the petition services record in the change history that are not model fields.
CHANGE_LABELS = {
    "petitioners": gettext_lazy("信访人"),
    "owners": gettext_lazy("包案领导"),
    "progress": gettext_lazy("办理进展"),
    "attachment": gettext_lazy("附件"),
    "earlier": gettext_lazy("关联前案"),
    "override_reason": gettext_lazy("领导批准受理理由（不再受理情形）"),
}


def history(petition: Petition) -> list[dict]:
    """The case's change history (audit.ChangeRecord), newest first, with field labels. The caller
    has fetched the case through `petition_get`, so whoever sees it may see its history."""
    from ledgers.selectors import entry_history

    return entry_history(petition, labels=CHANGE_LABELS)


def timeline(petition: Petition) -> list[dict]:
    """Every event of the case, oldest first: its own events, reception days and down-visits."""
    items = [
        {"at": e.at, "kind": e.get_kind_display(), "actor": e.actor, "text": e.text, "data": e.data, "code": e.kind}
        for e in PetitionEvent.objects.filter(petition=petition).select_related("actor").order_by("at", "id")
    ]
    for day in ReceptionDay.objects.filter(cases=petition).select_related("leader"):
        items.append(
            {
                "at": datetime.datetime.combine(day.held_on, datetime.time(8), tzinfo=timezone.get_current_timezone()),
                "kind": _("领导接访"),
                "actor": day.leader,
                "text": f"{day.place}",
                "data": {},
                "code": "reception",
            }
        )
    for visit in DownVisit.objects.filter(cases=petition).select_related("leader"):
        items.append(
            {
                "at": datetime.datetime.combine(
                    visit.visited_on, datetime.time(8), tzinfo=timezone.get_current_timezone()
                ),
                "kind": _("带案下访"),
                "actor": visit.leader,
                "text": visit.outcome,
                "data": {},
                "code": "down_visit",
            }
        )
    return sorted(items, key=lambda item: item["at"])


def counts(rows, today: datetime.date | None = None, cap: int | None = None) -> dict:
    """Overdue and due-soon counts of a (scoped, filtered) queryset, each counted only up to
    `cap` (the list cap) like the ledgers' overdue figure: a province-wide list does not count
    every case on each request. `*_truncated` says more than `cap` matched ("超过 10,000")."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    cap = count_cap() if cap is None else cap
    rows = rows.filter(status__in=OFFICE_OWES)
    overdue = bounded_count(rows.filter(current_due__lt=today), cap)
    due_soon = bounded_count(rows.filter(current_due__gte=today, current_due__lte=soon), cap)
    return {
        "overdue": min(overdue, cap),
        "overdue_truncated": overdue > cap,
        "due_soon": min(due_soon, cap),
        "due_soon_truncated": due_soon > cap,
        "cap": f"{cap:,}",
    }


def leader_workload(*, user, leaders=None, today: datetime.date | None = None) -> list[dict]:
    """The workload of the leaders whose posts lie below `user`'s posts (and `user` themselves):
    open cases, due this week, overdue, resolved this year. Counts go through the scope, so a
    case hidden from `user` is not counted."""
    from petitions.services import LEADER_ROLES
    from regions.models import Post
    from regions.scoping import scope_prefixes

    today = today or timezone.localdate()
    week_end = today + datetime.timedelta(days=6 - today.weekday())
    prefixes = scope_prefixes(user, "petitions.view_petition")
    posts = Post.objects.active().filter(role__in=list(LEADER_ROLES)).select_related("user", "region")
    if prefixes is not None:
        condition = Q(user_id=user.pk)
        for prefix in prefixes:
            condition |= Q(region__code__startswith=prefix)
        posts = posts.filter(condition)
    if leaders is not None:
        posts = posts.filter(user__in=leaders)
    leaders_by_id = {}
    for post in posts.order_by("region_id", "user_id")[:200]:
        leaders_by_id.setdefault(post.user_id, {"leader": post.user, "post": post})
    if not leaders_by_id:
        return []
    visible = restrict(Petition.objects.all(), user)
    year_start = today.replace(month=1, day=1)
    rows = (
        PetitionOwner.objects.filter(leader_id__in=list(leaders_by_id), petition__in=visible.values("pk"))
        .values("leader_id")
        .annotate(
            open=Count("id", filter=Q(petition__status__in=OPEN_STATUSES)),
            due_week=Count(
                "id",
                filter=Q(
                    petition__status__in=OFFICE_OWES,
                    petition__current_due__gte=today,
                    petition__current_due__lte=week_end,
                ),
            ),
            overdue=Count("id", filter=Q(petition__status__in=OFFICE_OWES, petition__current_due__lt=today)),
            resolved_year=Count(
                "id",
                filter=Q(
                    petition__status=PetitionStatus.CLOSED,
                    petition__outcome="resolved",
                    petition__closed_on__gte=year_start,
                ),
            ),
        )
    )
    figures = {row["leader_id"]: row for row in rows}
    result = []
    for leader_id, item in leaders_by_id.items():
        row = figures.get(leader_id, {})
        result.append(
            {
                **item,
                "open": row.get("open", 0),
                "due_week": row.get("due_week", 0),
                "overdue": row.get("overdue", 0),
                "resolved_year": row.get("resolved_year", 0),
            }
        )
    return result


def reception_day_list(*, user):
    return (
        restrict(ReceptionDay.objects.all(), user)
        .select_related("leader", "region")
        .annotate(case_count=Count("cases"))
        .order_by("-held_on", "-id")
    )


def reception_day_get(*, user, pk) -> ReceptionDay:
    obj = restrict(ReceptionDay.objects.select_related("leader", "region"), user).filter(pk=_pk(pk)).first()
    if obj is None:
        raise Http404(_("未找到该接访记录，或它不在您的管辖范围内。"))
    return obj


def down_visit_list(*, user):
    return (
        restrict(DownVisit.objects.all(), user)
        .select_related("leader", "region")
        .prefetch_related("villages")
        .annotate(case_count=Count("cases", distinct=True))
        .order_by("-visited_on", "-id")
    )


def down_visit_get(*, user, pk) -> DownVisit:
    obj = restrict(DownVisit.objects.select_related("leader", "region"), user).filter(pk=_pk(pk)).first()
    if obj is None:
        raise Http404(_("未找到该下访记录，或它不在您的管辖范围内。"))
    return obj


def visible_cases(*, user, of):
    """The cases of a reception day or down-visit that `user` may see (confidential ones hidden)."""
    return restrict(of.cases.all(), user).select_related("region")


def _pk(value):
    try:
        value = int(value)
    except (TypeError, ValueError):
        return None
    return value if 1 <= value <= 2**63 - 1 else None


__all__ = ["OwnerLevel"]
