"""One FilterSet per pairings model, shared by the list pages, the exports and the API.

Strict like the ledgers' (a malformed value is a field error, never ignored); each narrows a
queryset the selector has already restricted to the user's scope.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.crypto import keyed_hashes
from core.filters import DateRangeForm, StableOrderingFilter, StrictBooleanFilter
from core.validators import normalize_id_number
from ledgers.filters import RegionPrefixFilter, SearchFilter, SearchFilterSet, looks_like_id_number
from pairings.choices import (
    OWED_OPEN_STATUSES,
    MustVisitKind,
    OwedStatus,
    PairKind,
    PairStatus,
    ProjectKind,
    ProjectStatus,
    TargetKind,
    UnitKind,
    UnitLevel,
    VisitKind,
)
from pairings.models import (
    Cadre,
    Household,
    LinkProject,
    MustVisitEvent,
    OwedVisit,
    Pair,
    Stay,
    SupportAssignment,
    Training,
    Unit,
    VillageLink,
    Visit,
)


class UnitFilterSet(SearchFilterSet):
    """机关单位: name, level, kind, region (subtree), parent unit."""

    search_fields = ("name",)

    q = SearchFilter(method="filter_q", help_text=_("单位名称"))
    level = django_filters.MultipleChoiceFilter(label=_("单位层级"), choices=UnitLevel.choices)
    kind = django_filters.MultipleChoiceFilter(label=_("单位性质"), choices=UnitKind.choices)
    region = RegionPrefixFilter(label=_("所在区划（含下级）"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("上级单位"), min_value=1)
    is_active = StrictBooleanFilter(label=_("有效"))
    ordering = StableOrderingFilter(
        fields=(("name", "name"), ("level", "level"), ("region_id", "region")),
        field_labels={"name": _("单位名称"), "level": _("单位层级"), "region_id": _("所在区划")},
        label=_("排序"),
    )

    class Meta:
        model = Unit
        fields = ["q", "level", "kind", "region", "parent", "is_active", "ordering"]


class CadreFilterSet(SearchFilterSet):
    """帮扶干部: name or unit name (or an exact full ID number), unit, Party member, home region."""

    search_fields = ("name", "unit__name", "post")

    q = SearchFilter(method="filter_q", help_text=_("姓名、单位、职务，或完整身份证号"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("所在单位"), min_value=1)
    is_party_member = StrictBooleanFilter(label=_("中共党员"))
    is_active = StrictBooleanFilter(label=_("在岗"))
    region = RegionPrefixFilter(field_name="home_region__code", label=_("所在区划（含下级）"))
    ordering = StableOrderingFilter(
        fields=(("name", "name"), ("unit__name", "unit"), ("home_region_id", "region")),
        field_labels={"name": _("姓名"), "unit__name": _("所在单位"), "home_region_id": _("所在区划")},
        label=_("排序"),
    )

    class Meta:
        model = Cadre
        fields = ["q", "unit", "is_party_member", "is_active", "region", "ordering"]

    def search_q(self, value):
        if looks_like_id_number(value):
            return Q(id_hash__in=keyed_hashes(normalize_id_number(value)))  # under every key
        return super().search_q(value)


class HouseholdFilterSet(SearchFilterSet):
    """结对对象: name or address (or an exact full ID number), kind, village (subtree), linked to the
    hardship ledger or not."""

    search_fields = ("head_name", "address")

    q = SearchFilter(method="filter_q", help_text=_("户主姓名或名称、住址，或完整身份证号"))
    kind = django_filters.MultipleChoiceFilter(label=_("对象类型"), choices=TargetKind.choices)
    region = RegionPrefixFilter()
    in_ledger = StrictBooleanFilter(
        label=_("困难群众台账户"), field_name="hardship_household", method="filter_in_ledger"
    )
    ordering = StableOrderingFilter(
        fields=(("head_name", "name"), ("region_id", "region")),
        field_labels={"head_name": _("户主姓名或名称"), "region_id": _("村（社区）")},
        label=_("排序"),
    )

    class Meta:
        model = Household
        fields = ["q", "kind", "region", "in_ledger", "ordering"]

    def search_q(self, value):
        if looks_like_id_number(value):
            return Q(head_id_hash__in=keyed_hashes(normalize_id_number(value)))  # under every key
        return super().search_q(value)

    def filter_in_ledger(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(hardship_household__isnull=not value)


class PairFilterForm(DateRangeForm):
    RANGES = (("started_after", "started_before"),)


class PairFilterSet(SearchFilterSet):
    """结对: cadre or household name, kind, status, village (subtree), unit, cadre, household, dates."""

    search_fields = ("cadre__name", "household__head_name")

    q = SearchFilter(method="filter_q", help_text=_("干部姓名或户主姓名"))
    kind = django_filters.ChoiceFilter(label=_("结对类型"), choices=PairKind.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PairStatus.choices)
    region = RegionPrefixFilter()
    unit = django_filters.NumberFilter(field_name="cadre__unit_id", label=_("干部所在单位"), min_value=1)
    cadre = django_filters.NumberFilter(field_name="cadre_id", label=_("帮扶干部"), min_value=1)
    household = django_filters.NumberFilter(field_name="household_id", label=_("结对对象"), min_value=1)
    started_after = django_filters.DateFilter(field_name="started_on", lookup_expr="gte", label=_("结对日期起"))
    started_before = django_filters.DateFilter(field_name="started_on", lookup_expr="lte", label=_("结对日期止"))
    ordering = StableOrderingFilter(
        fields=(("started_on", "started_on"), ("region_id", "region"), ("status", "status")),
        field_labels={"started_on": _("结对日期"), "region_id": _("村（社区）"), "status": _("状态")},
        label=_("排序"),
    )

    class Meta:
        model = Pair
        form = PairFilterForm
        fields = [
            "q", "kind", "status", "region", "unit", "cadre", "household", "started_after", "started_before", "ordering"
        ]  # fmt: skip


class VisitFilterForm(DateRangeForm):
    RANGES = (("visited_after", "visited_before"),)


class VisitFilterSet(SearchFilterSet):
    """走访记录: kind, village (subtree), cadre, household, unit, follow-up needed, dates."""

    search_fields = ("cadre__name", "household__head_name", "found")

    q = SearchFilter(method="filter_q", help_text=_("干部、户主或走访情况"))
    kind = django_filters.MultipleChoiceFilter(label=_("走访类型"), choices=VisitKind.choices)
    region = RegionPrefixFilter()
    unit = django_filters.NumberFilter(field_name="cadre__unit_id", label=_("干部所在单位"), min_value=1)
    cadre = django_filters.NumberFilter(field_name="cadre_id", label=_("帮扶干部"), min_value=1)
    household = django_filters.NumberFilter(field_name="household_id", label=_("结对对象"), min_value=1)
    pair = django_filters.NumberFilter(field_name="pair_id", label=_("结对"), min_value=1)
    follow_up_needed = StrictBooleanFilter(label=_("需要跟进"))
    visited_after = django_filters.DateFilter(field_name="visited_on", lookup_expr="gte", label=_("走访日期起"))
    visited_before = django_filters.DateFilter(field_name="visited_on", lookup_expr="lte", label=_("走访日期止"))
    ordering = StableOrderingFilter(
        fields=(("visited_on", "visited_on"), ("region_id", "region"), ("help_money_fen", "money")),
        field_labels={"visited_on": _("走访日期"), "region_id": _("村（社区）"), "help_money_fen": _("帮扶资金")},
        label=_("排序"),
    )

    class Meta:
        model = Visit
        form = VisitFilterForm
        fields = [
            "q", "kind", "region", "unit", "cadre", "household", "pair", "follow_up_needed",
            "visited_after", "visited_before", "ordering",
        ]  # fmt: skip


class EventFilterForm(DateRangeForm):
    RANGES = (("occurred_after", "occurred_before"),)


class MustVisitEventFilterSet(SearchFilterSet):
    """必访事件: kind, village (subtree), household, dates."""

    search_fields = ("household__head_name", "note")

    q = SearchFilter(method="filter_q", help_text=_("户主姓名或情况说明"))
    kind = django_filters.MultipleChoiceFilter(label=_("事件类型"), choices=MustVisitKind.choices)
    region = RegionPrefixFilter()
    household = django_filters.NumberFilter(field_name="household_id", label=_("结对对象"), min_value=1)
    occurred_after = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte", label=_("发生日期起"))
    occurred_before = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte", label=_("发生日期止"))
    ordering = StableOrderingFilter(
        fields=(("occurred_on", "occurred_on"), ("region_id", "region")),
        field_labels={"occurred_on": _("发生日期"), "region_id": _("村（社区）")},
        label=_("排序"),
    )

    class Meta:
        model = MustVisitEvent
        form = EventFilterForm
        fields = ["q", "kind", "region", "household", "occurred_after", "occurred_before", "ordering"]


class OwedVisitFilterForm(DateRangeForm):
    RANGES = (("due_after", "due_before"),)


class OwedVisitFilterSet(SearchFilterSet):
    """应访记录: status (owed, overdue, fulfilled), open (owed or overdue), on time, kind, village
    (subtree), unit, cadre, due dates. Default order: overdue first, then by due day."""

    search_fields = ("cadre__name", "household__head_name")

    q = SearchFilter(method="filter_q", help_text=_("干部姓名或户主姓名"))
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=OwedStatus.choices)
    open = StrictBooleanFilter(label=_("未走访"), method="filter_open")
    on_time = StrictBooleanFilter(label=_("按时走访"))
    kind = django_filters.MultipleChoiceFilter(label=_("事件类型"), choices=MustVisitKind.choices)
    region = RegionPrefixFilter()
    unit = django_filters.NumberFilter(field_name="cadre__unit_id", label=_("干部所在单位"), min_value=1)
    cadre = django_filters.NumberFilter(field_name="cadre_id", label=_("帮扶干部"), min_value=1)
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label=_("应访日期起"))
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label=_("应访日期止"))
    ordering = StableOrderingFilter(
        fields=(("due_on", "due_on"), ("status", "status"), ("region_id", "region")),
        field_labels={"due_on": _("应访日期"), "status": _("状态"), "region_id": _("村（社区）")},
        label=_("排序"),
    )

    class Meta:
        model = OwedVisit
        form = OwedVisitFilterForm
        fields = ["q", "status", "open", "on_time", "kind", "region", "unit", "cadre", "due_after", "due_before", "ordering"]  # fmt: skip

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        condition = Q(status__in=OWED_OPEN_STATUSES)
        return queryset.filter(condition) if value else queryset.exclude(condition)


# --- 对口支援、联村帮户、蹲点、联村项目、联村培训 ------------------------------------------------------------


class SupportFilterForm(DateRangeForm):
    RANGES = (("started_after", "started_before"), ("held_after", "held_before"))


class _SupportFilterSet(SearchFilterSet):
    """What the five support lists share: the keyword over `search_fields`, the region (subtree),
    and date ranges whose end may not come before their start. Each names its model and its fields
    in a `Meta(_SupportFilterSet.Meta)`."""

    region = RegionPrefixFilter()

    class Meta:
        form = SupportFilterForm


class _PeriodFilterSet(_SupportFilterSet):
    """对口支援、联村帮户、蹲点: each a period, started (and maybe ended) on a day."""

    started_after = django_filters.DateFilter(field_name="started_on", lookup_expr="gte", label=_("开始日期起"))
    started_before = django_filters.DateFilter(field_name="started_on", lookup_expr="lte", label=_("开始日期止"))
    ordering = StableOrderingFilter(
        fields=(("started_on", "started_on"), ("region_id", "region")),
        field_labels={"started_on": _("开始日期"), "region_id": _("区划")},
        label=_("排序"),
    )


class SupportAssignmentFilterSet(_PeriodFilterSet):
    """对口支援: supporting unit, supported county (subtree), start dates."""

    search_fields = ("unit__name", "note")
    q = SearchFilter(method="filter_q", help_text=_("支援单位名称或备注"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("支援单位"), min_value=1)

    class Meta(_SupportFilterSet.Meta):
        model = SupportAssignment
        fields = ["q", "unit", "region", "started_after", "started_before", "ordering"]


class VillageLinkFilterSet(_PeriodFilterSet):
    """联村帮户: linked unit, village (subtree), start dates."""

    search_fields = ("unit__name", "note")
    q = SearchFilter(method="filter_q", help_text=_("联系单位名称或备注"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("联系单位"), min_value=1)

    class Meta(_SupportFilterSet.Meta):
        model = VillageLink
        fields = ["q", "unit", "region", "started_after", "started_before", "ordering"]


class StayFilterSet(_PeriodFilterSet):
    """蹲点: cadre, village or community (subtree), start dates."""

    search_fields = ("cadre__name", "purpose")
    q = SearchFilter(method="filter_q", help_text=_("干部姓名或蹲点目的"))
    cadre = django_filters.NumberFilter(field_name="cadre_id", label=_("干部"), min_value=1)

    class Meta(_SupportFilterSet.Meta):
        model = Stay
        fields = ["q", "cadre", "region", "started_after", "started_before", "ordering"]


class LinkProjectFilterSet(_SupportFilterSet):
    """联村项目: kind, status, link, village (subtree)."""

    search_fields = ("name",)
    q = SearchFilter(method="filter_q", help_text=_("项目名称"))
    kind = django_filters.MultipleChoiceFilter(label=_("项目类型"), choices=ProjectKind.choices)
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=ProjectStatus.choices)
    link = django_filters.NumberFilter(field_name="link_id", label=_("联村帮户"), min_value=1)
    ordering = StableOrderingFilter(
        fields=(("planned_on", "planned_on"), ("funds_fen", "funds")),
        field_labels={"planned_on": _("立项日期"), "funds_fen": _("项目资金")},
        label=_("排序"),
    )

    class Meta(_SupportFilterSet.Meta):
        model = LinkProject
        fields = ["q", "kind", "status", "link", "region", "ordering"]


class TrainingFilterSet(_SupportFilterSet):
    """联村培训: link, village (subtree), dates."""

    search_fields = ("topic",)
    q = SearchFilter(method="filter_q", help_text=_("培训内容"))
    link = django_filters.NumberFilter(field_name="link_id", label=_("联村帮户"), min_value=1)
    held_after = django_filters.DateFilter(field_name="held_on", lookup_expr="gte", label=_("培训日期起"))
    held_before = django_filters.DateFilter(field_name="held_on", lookup_expr="lte", label=_("培训日期止"))
    ordering = StableOrderingFilter(
        fields=(("held_on", "held_on"),), field_labels={"held_on": _("培训日期")}, label=_("排序")
    )

    class Meta(_SupportFilterSet.Meta):
        model = Training
        fields = ["q", "link", "region", "held_after", "held_before", "ordering"]
