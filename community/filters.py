"""One FilterSet per listable model, shared by the list pages, the exports and the API.

Strict like the ledgers' (core.filters): a malformed value is a field error, never ignored. They
narrow a queryset the selector has already restricted to the user's scope.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from community.choices import (
    ORDER_WAITING_STATUSES,
    OrderCategory,
    OrderChannel,
    OrderStatus,
    ReportBasis,
    ReporterKind,
    ReportStatus,
)
from community.choices import ServiceKind as ServiceKindChoices
from community.models import CommunityReport, ServiceOrder
from community.querysets import take_deadline_cutoff
from core.filters import BoundedDateFilter, DateRangeForm, StrictBooleanFilter
from ledgers.filters import LedgerOrderingFilter, RegionPrefixFilter, SearchFilter, SearchFilterSet


class CommunityOrderingFilter(LedgerOrderingFilter):
    PARAMS = {"region_id": "region", "community_id": "community"}


class CommunityFilterForm(DateRangeForm):
    RANGES = (("placed_after", "placed_before"), ("reported_after", "reported_before"))


class ServiceOrderFilterSet(SearchFilterSet):
    """Service orders: search, category, status, service kind, channel, community (subtree), not
    taken in time, placing date range, ordering."""

    search_fields = ("need", "place", "contact_name")

    q = SearchFilter(method="filter_q", help_text=_("服务需求、地点或联系人"))
    category = django_filters.MultipleChoiceFilter(label=_("需求类别"), choices=OrderCategory.choices)
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=OrderStatus.choices)
    service_kind = django_filters.ChoiceFilter(label=_("服务方式"), choices=ServiceKindChoices.choices)
    channel = django_filters.ChoiceFilter(label=_("点单方式"), choices=OrderChannel.choices)
    region = RegionPrefixFilter(label=_("社区（含下级）"))
    overdue = StrictBooleanFilter(label=_("超时未接单"), method="filter_overdue")
    placed_after = BoundedDateFilter(field_name="placed_at", lookup_expr="date__gte", label=_("点单日期起"))
    placed_before = BoundedDateFilter(field_name="placed_at", lookup_expr="date__lte", label=_("点单日期止"))
    ordering = CommunityOrderingFilter(
        ("placed_at", _("点单时间")),
        ("waiting_since", _("待接单起始时间")),
        "status",
        ("category", _("需求类别")),
        "region_id",
    )

    class Meta:
        model = ServiceOrder
        form = CommunityFilterForm
        fields = [
            "q",
            "category",
            "status",
            "service_kind",
            "channel",
            "region",
            "overdue",
            "placed_after",
            "placed_before",
            "ordering",
        ]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(status__in=ORDER_WAITING_STATUSES, waiting_since__lt=take_deadline_cutoff())
        return queryset.filter(late) if value else queryset.exclude(late)


class CommunityReportFilterSet(SearchFilterSet):
    """双报到 registrations: search (organisation or member name), kind, basis, status, community
    (subtree), reporting date range, ordering."""

    search_fields = ("organisation__name", "organisation__organ_name", "member__name", "member__workplace")

    q = SearchFilter(method="filter_q", help_text=_("党组织、机关或党员姓名"))
    kind = django_filters.ChoiceFilter(label=_("报到类型"), choices=ReporterKind.choices)
    basis = django_filters.ChoiceFilter(label=_("报到依据"), choices=ReportBasis.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ReportStatus.choices)
    region = RegionPrefixFilter(field_name="community__code", label=_("社区（含下级）"))
    reported_after = BoundedDateFilter(field_name="reported_on", lookup_expr="gte", label=_("报到日期起"))
    reported_before = BoundedDateFilter(field_name="reported_on", lookup_expr="lte", label=_("报到日期止"))
    ordering = CommunityOrderingFilter(
        ("reported_on", _("报到日期")),
        ("kind", _("报到类型")),
        "status",
        ("community_id", _("社区")),
    )

    class Meta:
        model = CommunityReport
        form = CommunityFilterForm
        fields = ["q", "kind", "basis", "status", "region", "reported_after", "reported_before", "ordering"]
