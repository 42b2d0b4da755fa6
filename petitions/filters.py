"""One FilterSet for petition cases, shared by the list page, the export and the API.

Strict like the ledgers': a malformed value is a field error. It narrows a queryset the selector
has already restricted to what the user may see (named officials never see the case at all).
"""

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from core.crypto import keyed_hashes
from core.filters import BoundedDateFilter, DateRangeForm, StableOrderingFilter, StrictBooleanFilter
from core.validators import normalize_id_number
from ledgers.filters import RegionPrefixFilter, SearchFilter, SearchFilterSet, looks_like_id_number
from petitions.choices import OFFICE_OWES, Channel, ConflictLevel, PetitionStatus, PetitionType
from petitions.models import Petition, PetitionCategory, Petitioner, PetitionOwner
from petitions.querysets import DUE_SOON_DAYS


class PetitionFilterForm(DateRangeForm):
    RANGES = (("received_after", "received_before"), ("closed_after", "closed_before"))


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class CategoryFilter(django_filters.ModelMultipleChoiceFilter):
    """Categories by their code (the list an administrator maintains)."""


class PetitionFilterSet(SearchFilterSet):
    """信访件: search (number, title, content, petitioner name, or a full ID number matched
    exactly), status, type, channel, category, level, owner, overdue, due soon, backlog,
    first-time, repeat, region (subtree), date ranges, ordering."""

    search_fields = ("number", "title", "content")

    q = SearchFilter(method="filter_q", help_text=_("编号、事由、内容、信访人姓名，或完整身份证号"))
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=PetitionStatus.choices)
    petition_type = django_filters.MultipleChoiceFilter(label=_("事项性质"), choices=PetitionType.choices)
    channel = django_filters.MultipleChoiceFilter(label=_("信访形式"), choices=Channel.choices)
    category = CategoryFilter(
        label=_("事项类别"), queryset=PetitionCategory.objects.all(), field_name="category__code", to_field_name="code"
    )
    conflict_level = django_filters.MultipleChoiceFilter(label=_("矛盾层级"), choices=ConflictLevel.choices)
    owner = django_filters.NumberFilter(
        label=_("包案领导（账号编号）"), method="filter_owner", min_value=1, max_value=2**63 - 1, decimal_places=0
    )
    mine = StrictBooleanFilter(label=_("我的包案"), method="filter_mine")
    overdue = StrictBooleanFilter(label=_("已超期"), method="filter_overdue")
    due_soon = StrictBooleanFilter(label=_("3日内到期"), method="filter_due_soon")
    is_backlog = StrictBooleanFilter(label=_("信访积案"))
    is_first_time = StrictBooleanFilter(label=_("初信初访"))
    is_repeat = StrictBooleanFilter(label=_("重复信访"))
    is_group = StrictBooleanFilter(label=_("集体访"))
    region = RegionPrefixFilter()
    received_after = BoundedDateFilter(field_name="received_on", lookup_expr="gte", label=_("收到日期起"))
    received_before = BoundedDateFilter(field_name="received_on", lookup_expr="lte", label=_("收到日期止"))
    closed_after = BoundedDateFilter(field_name="closed_on", lookup_expr="gte", label=_("办结日期起"))
    closed_before = BoundedDateFilter(field_name="closed_on", lookup_expr="lte", label=_("办结日期止"))
    ordering = StableOrderingFilter(
        label=_("排序"),
        fields=(
            ("received_on", "received_on"),
            ("current_due", "current_due"),
            ("status", "status"),
            ("region_id", "region"),
            ("number", "number"),
        ),
        field_labels={
            "received_on": _("收到日期"),
            "current_due": _("当前期限"),
            "status": _("状态"),
            "region_id": _("所属区划"),
            "number": _("编号"),
        },
    )

    class Meta:
        model = Petition
        form = PetitionFilterForm
        fields = [
            "q",
            "status",
            "petition_type",
            "channel",
            "category",
            "conflict_level",
            "owner",
            "mine",
            "overdue",
            "due_soon",
            "is_backlog",
            "is_first_time",
            "is_repeat",
            "is_group",
            "region",
            "received_after",
            "received_before",
            "closed_after",
            "closed_before",
            "ordering",
        ]

    def search_q(self, value):
        if looks_like_id_number(value):
            # The digest under every configured key: petitioners stored before a key rotation are found.
            digests = keyed_hashes(normalize_id_number(value))
            return Q(pk__in=Petitioner.objects.filter(id_hash__in=digests).values("petition_id"))
        names = Petitioner.objects.filter(name__icontains=value).values("petition_id")
        return super().search_q(value) | Q(pk__in=names)

    def filter_owner(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(pk__in=PetitionOwner.objects.filter(leader_id=value).values("petition_id"))

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        user = getattr(self.request, "user", None) if self.request is not None else None
        mine = Q(pk__in=PetitionOwner.objects.filter(leader_id=getattr(user, "pk", None)).values("petition_id"))
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(status__in=OFFICE_OWES, current_due__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_due_soon(self, queryset, name, value):
        if value is None:
            return queryset
        today = timezone.localdate()
        soon = Q(
            status__in=OFFICE_OWES,
            current_due__gte=today,
            current_due__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
        )
        return queryset.filter(soon) if value else queryset.exclude(soon)
