from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field({"type": "number", "nullable": True})
class FigureValueField(serializers.Field):
    """A figure's value as a JSON number: a whole number for counts and sums (fen), a decimal
    fraction (6 places) for rates; null for a rate whose denominator is 0."""

    def to_representation(self, value):
        if value is None:
            return None
        number = Decimal(value)
        if number == number.to_integral_value():
            return int(number)
        return float(round(number, 6))


class StatFigureSerializer(serializers.Serializer):
    region_code = serializers.CharField(help_text="区划代码")
    region_name = serializers.CharField(help_text="区划名称")
    level = serializers.IntegerField(help_text="层级：1 省，2 市（州），3 县，4 乡镇，5 村（社区）")
    period = serializers.CharField(help_text="YYYY-MM，或空字符串表示累计")
    metric = serializers.CharField(help_text="指标代码，见 /api/v1/metrics/")
    unit = serializers.CharField(help_text="count、fen（分）或 rate")
    value = FigureValueField(allow_null=True, help_text="数值（计数、金额为整数，比率为小数）；比率分母为 0 时为 null")
    numerator = serializers.IntegerField(allow_null=True, help_text="比率的分子")
    denominator = serializers.IntegerField(allow_null=True, help_text="比率的分母")


class MetricSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    definition = serializers.CharField()
    unit = serializers.CharField()
    source = serializers.CharField()
    kind = serializers.ChoiceField(choices=["stored", "sum", "rate"])
    parts = serializers.ListField(child=serializers.CharField())
    numerator = serializers.ListField(child=serializers.CharField())
    denominator = serializers.ListField(child=serializers.CharField())
    monthly = serializers.BooleanField()
    breakdown = serializers.CharField(allow_blank=True)


def metric_payload(metric) -> dict:
    kind = "rate" if metric.is_rate else "sum" if metric.parts else "stored"
    return {
        "key": metric.key,
        "label": str(metric.label),
        "definition": str(metric.definition),
        "unit": str(metric.unit),
        "source": metric.source,
        "kind": kind,
        "parts": list(metric.parts),
        "numerator": list(metric.numerator),
        "denominator": list(metric.denominator),
        "monthly": metric.monthly,
        "breakdown": metric.breakdown,
    }
