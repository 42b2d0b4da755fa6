"""One FilterSet for summary figures: the API (/api/v1/stats/) and the pages' exports use it."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from regions.choices import CODE_LENGTH, Level
from regions.filters import RegionCodeFilter
from regions.models import Region
from reports.choices import TOTAL_PERIOD
from reports.metrics import load_sources, stored_keys_for
from reports.models import Summary

TOTAL_ALIASES = {"", "total"}
LENGTHS = sorted(CODE_LENGTH.values())


class MetricListField(forms.CharField):
    """Comma-separated metric keys from the registry; an unknown key is a clear error."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return []
        keys = [key.strip() for key in value.split(",") if key.strip()]
        metrics = load_sources().metrics
        unknown = [key for key in keys if key not in metrics]
        if unknown:
            raise ValidationError(
                _("未知的指标：%(keys)s。可用指标见 /api/v1/metrics/。"), params={"keys": ", ".join(unknown)[:200]}
            )
        return list(dict.fromkeys(keys))


class MetricListFilter(django_filters.Filter):
    field_class = MetricListField

    def filter(self, qs, value):
        if not value:
            return qs
        metrics = load_sources().metrics
        return qs.filter(metric__in=stored_keys_for(metrics[key] for key in value))


class PeriodField(forms.CharField):
    def to_python(self, value):
        value = (super().to_python(value) or "").strip()
        if value in TOTAL_ALIASES:
            return TOTAL_PERIOD
        if (
            len(value) == 7
            and value[4] == "-"
            and value[:4].isdigit()
            and value[5:].isdigit()
            and 1 <= int(value[5:]) <= 12
        ):
            return value
        raise ValidationError(_("期间应为 YYYY-MM（某月）或 total（累计）。"), code="bad_period")


class PeriodFilter(django_filters.Filter):
    field_class = PeriodField

    def filter(self, qs, value):
        return qs.filter(period=value)


class SummaryFilterSet(django_filters.FilterSet):
    metric = MetricListFilter(label=_("指标（逗号分隔）"))
    region = RegionCodeFilter(label=_("区划代码"), field_name="region_code")
    parent = RegionCodeFilter(label=_("上级区划代码（列出其直接下级）"), method="filter_parent")
    within = RegionCodeFilter(label=_("所属区划（含下级）"), field_name="region_code", lookup_expr="startswith")
    level = django_filters.TypedChoiceFilter(label=_("层级"), choices=Level.choices, coerce=int, method="filter_level")
    period = PeriodFilter(label=_("期间：YYYY-MM 或 total（默认累计）"))

    class Meta:
        model = Summary
        fields = ["metric", "region", "parent", "within", "level", "period"]

    def filter_parent(self, queryset, name, value):
        # The children's codes from the region tree: an indexed IN list, not a scan of the subtree.
        codes = list(Region.objects.filter(parent_id=value).values_list("code", flat=True))
        return queryset.filter(region_code__in=codes)

    @extend_schema_field(OpenApiTypes.INT)
    def filter_level(self, queryset, name, value):
        return queryset.filter(region_code__in=Region.objects.filter(level=value).values("code"))
