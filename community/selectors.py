"""Reads of the community app, always through the user's scope (`regions.scoping.restrict`).

`<entity>_list(*, user, filters=None)` returns `(filterset, queryset)` like the ledgers' selectors:
scope first, then the FilterSet, then the related rows, so a page runs the same number of queries
whatever its size. `<entity>_get(*, user, pk)` returns one record or raises Http404 (missing and
out of scope look the same).

The public selectors (`public_*`) read only what the community's public page may show: no name,
phone or address of anybody.
"""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from community.choices import (
    ORDER_DONE_STATUSES,
    ORDER_OPEN_STATUSES,
    SATISFIED_MIN_SCORE,
    OrderStatus,
    ReporterKind,
)
from community.filters import CommunityReportFilterSet, ServiceOrderFilterSet
from community.models import CommunityReport, OrderRatingInvitation, ReportingMember, ServiceOrder
from community.querysets import take_deadline_cutoff
from ledgers.selectors import entry_history
from regions.choices import Level
from regions.models import Region
from regions.scoping import restrict

BOARD_MAX_ROWS = 200
MY_RECENT_DONE = 10

_ORDER_RELATED = ("region", "region__parent", "assigned_member", "assigned_organisation")
_REPORT_RELATED = ("community", "community__parent", "organisation", "member")


def _get(queryset, *, user, pk, label):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    if pk is not None and not 1 <= pk <= 2**63 - 1:
        pk = None
    obj = restrict(queryset, user).filter(pk=pk).first() if pk is not None else None
    if obj is None:
        raise Http404(
            _("未找到编号为 %(pk)s 的%(label)s，或它不在您的管辖范围内。") % {"pk": str(pk)[:20], "label": label}
        )
    return obj


# --- 服务订单 ----------------------------------------------------------------------------------
def order_list(*, user, filters=None):
    queryset = restrict(ServiceOrder.objects.all(), user)
    filterset = ServiceOrderFilterSet(filters if filters is not None else {}, queryset=queryset)
    rows = filterset.qs if filterset.is_valid() else queryset.none()
    return filterset, rows.select_related(*_ORDER_RELATED)


def order_get(*, user, pk) -> ServiceOrder:
    queryset = ServiceOrder.objects.select_related(*_ORDER_RELATED, "created_by")
    return _get(queryset, user=user, pk=pk, label=_("服务订单"))


def order_history(order: ServiceOrder) -> list[dict]:
    """Every recorded change, newest first, ready to show (the ledgers' history presenter)."""
    return entry_history(order)


def order_ratings(order: ServiceOrder):
    return OrderRatingInvitation.objects.filter(order=order, rated_at__isnull=False).order_by("-rated_at")


def order_board(*, user, region_code: str = ""):
    """The branch's dispatch board: open orders, new ones (placed, reopened) first, then those
    dispatched and taken; within each, the longest waiting first. At most BOARD_MAX_ROWS rows; the
    caller counts with `bounded_count`."""
    queryset = restrict(ServiceOrder.objects.open(), user, "transition")
    if region_code:
        queryset = queryset.filter(region__code__startswith=region_code)
    rank = Case(
        When(status__in=(OrderStatus.PLACED, OrderStatus.REOPENED), then=Value(0)),
        When(status=OrderStatus.DISPATCHED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        queryset.annotate(board_rank=rank).select_related(*_ORDER_RELATED).order_by("board_rank", "waiting_since", "id")
    )


def is_late(order: ServiceOrder, cutoff=None) -> bool:
    """Still waiting to be taken past the take deadline (the same rule as the query)."""
    from community.choices import ORDER_WAITING_STATUSES

    return order.status in ORDER_WAITING_STATUSES and order.waiting_since < (cutoff or take_deadline_cutoff())


def my_memberships(*, user):
    if not getattr(user, "is_authenticated", False):
        return ReportingMember.objects.none()
    return ReportingMember.objects.filter(user=user).select_related("region")


def my_orders(*, user):
    """A signed-in Party member's orders: those dispatched to them or taken by them (open), and
    their last few completed ones."""
    if not getattr(user, "is_authenticated", False):
        return [], []
    # The scope's owner rule (ScopeSpec.owner_fields) is what lets a member with no post see these.
    mine = restrict(ServiceOrder.objects.filter(assigned_member__user=user), user).select_related(*_ORDER_RELATED)
    open_orders = list(
        mine.filter(status__in=(OrderStatus.DISPATCHED, OrderStatus.TAKEN)).order_by("status", "dispatched_at", "id")
    )
    done = list(mine.filter(status__in=ORDER_DONE_STATUSES).order_by("-completed_at", "-id")[:MY_RECENT_DONE])
    return open_orders, done


def dispatch_choices(order: ServiceOrder):
    """Who may take the order: the members and organisations actively registered with its community."""
    reports = (
        CommunityReport.objects.active().filter(community_id=order.region_id).select_related("member", "organisation")
    )
    members = [r.member for r in reports if r.kind == ReporterKind.MEMBER]
    organisations = [r.organisation for r in reports if r.kind == ReporterKind.ORGANISATION]
    return sorted(members, key=lambda m: (m.name, m.pk)), sorted(organisations, key=lambda o: (o.name, o.pk))


# --- 双报到 ------------------------------------------------------------------------------------
def report_list(*, user, filters=None):
    queryset = restrict(CommunityReport.objects.all(), user)
    filterset = CommunityReportFilterSet(filters if filters is not None else {}, queryset=queryset)
    rows = filterset.qs if filterset.is_valid() else queryset.none()
    return filterset, rows.select_related(*_REPORT_RELATED)


def report_get(*, user, pk) -> CommunityReport:
    return _get(
        CommunityReport.objects.select_related(*_REPORT_RELATED, "created_by"), user=user, pk=pk, label=_("双报到")
    )


def report_history(report: CommunityReport) -> list[dict]:
    return entry_history(report)


def communities_for(*, user, permission: str):
    """The communities where `user` holds `permission` (for the forms' choices)."""
    regions = Region.objects.filter(level=Level.VILLAGE, is_community=True).order_by("code")
    return restrict(regions, user, permission)


def reporters_for(*, user):
    """Organisations and members the user may register (visible to them)."""
    from community.models import ReportingOrganisation

    return (
        restrict(ReportingOrganisation.objects.select_related("region"), user).order_by("region_id", "name"),
        restrict(ReportingMember.objects.select_related("region"), user).order_by("region_id", "name"),
    )


# --- The public page ----------------------------------------------------------------------------
def public_community_get(*, code: str) -> Region:
    region = Region.objects.filter(code=code, level=Level.VILLAGE, is_community=True).select_related("parent").first()
    if region is None:
        raise Http404(_("没有这个社区。"))
    return region


def public_community_summary(*, region: Region) -> dict:
    """What a community's public page shows: how many organisations and members report to it, the
    organisations' names (public bodies), and its orders' counts and satisfaction. No personal data."""
    reports = CommunityReport.objects.active().filter(community=region)
    counts = reports.aggregate(
        organisations=Count("id", filter=Q(kind=ReporterKind.ORGANISATION)),
        members=Count("id", filter=Q(kind=ReporterKind.MEMBER)),
    )
    orders = ServiceOrder.objects.filter(region=region).aggregate(
        placed=Count("id", filter=~Q(status=OrderStatus.CANCELLED)),
        open=Count("id", filter=Q(status__in=ORDER_OPEN_STATUSES)),
        done=Count("id", filter=Q(status__in=ORDER_DONE_STATUSES)),
    )
    ratings = OrderRatingInvitation.objects.filter(order__region=region, rated_at__isnull=False).aggregate(
        rated=Count("id"), satisfied=Count("id", filter=Q(score__gte=SATISFIED_MIN_SCORE))
    )
    organisation_names = list(
        reports.filter(kind=ReporterKind.ORGANISATION)
        .order_by("organisation__name")
        .values_list("organisation__name", flat=True)[:100]
    )
    rate = round(100 * ratings["satisfied"] / ratings["rated"], 1) if ratings["rated"] else None
    return {**counts, **orders, **ratings, "satisfaction_percent": rate, "organisation_names": organisation_names}
