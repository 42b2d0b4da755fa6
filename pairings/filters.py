"""One FilterSet per pairings model, shared by the list pages, the exports and the API.

Strict like the ledgers' (a malformed value is a field error, never ignored); each narrows a
queryset the selector has already restricted to the user's scope.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.crypto import keyed_hash
from core.filters import StableOrderingFilter, StrictBooleanFilter
from core.validators import normalize_id_number
from ledgers.filters import RegionPrefixFilter, SearchFilter, SearchFilterSet, looks_like_id_number
from pairings.choices import UnitKind, UnitLevel
from pairings.models import Cadre, Unit


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
            return Q(id_hash=keyed_hash(normalize_id_number(value)))
        return super().search_q(value)


class DateRangeForm(forms.Form):
    RANGES: tuple = ()

    def clean(self):
        cleaned = super().clean()
        for start, end in self.RANGES:
            low, high = cleaned.get(start), cleaned.get(end)
            if low and high and low > high:
                self.add_error(end, _("结束日期不能早于开始日期。"))
        return cleaned
