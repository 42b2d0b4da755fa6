import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from core.filters import StrictBooleanFilter
from regions.choices import Level
from regions.models import Region

code_validator = RegexValidator(r"^\d{2,12}$", _("区划代码应为 2 到 12 位数字。"))


class RegionCodeFilter(django_filters.CharFilter):
    field_class = forms.CharField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [code_validator])
        super().__init__(*args, **kwargs)


class RegionFilterSet(django_filters.FilterSet):
    """One FilterSet for the region pages and /api/v1/regions/."""

    q = django_filters.CharFilter(label=_("名称或代码"), method="filter_q")
    level = django_filters.TypedChoiceFilter(label=_("层级"), choices=Level.choices, coerce=int)
    parent = RegionCodeFilter(label=_("上级区划代码"), field_name="parent_id")
    within = RegionCodeFilter(label=_("所属区划（含下级）"), field_name="code", lookup_expr="startswith")
    is_tibetan_area = StrictBooleanFilter(label=_("涉藏地区"))
    is_community = StrictBooleanFilter(label=_("城市社区"))

    class Meta:
        model = Region
        fields = ["q", "level", "parent", "within", "is_tibetan_area", "is_community"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if value.isdigit():
            return queryset.filter(code__startswith=value)
        return queryset.filter(name__contains=value)
