from collections import defaultdict

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from regions.choices import LEVEL_BY_LENGTH
from regions.scoping import ScopedViewSetMixin
from reports.api.serializers import MetricSerializer, StatFigureSerializer, metric_payload
from reports.filters import SummaryFilterSet
from reports.metrics import all_metrics, figure, get_metric, load_sources
from reports.models import Summary
from reports.selectors import region_names, summary_state


class StatViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Figures from the summaries, in the caller's jurisdiction: one item per region, period and
    metric. Rates come with their numerator and denominator. Filter by `metric` (comma-separated
    keys from /api/v1/metrics/; default all headline metrics), `region`, `parent` (its direct
    children), `within` (subtree), `level` and `period` (YYYY-MM, or total: the default)."""

    queryset = Summary.objects.all()
    serializer_class = StatFigureSerializer
    filterset_class = SummaryFilterSet
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no database access
            return self.queryset.none()
        state = summary_state()
        queryset = super().get_queryset()
        if state is None or state.visible_generation is None:
            return queryset.none()
        return queryset.filter(generation=state.visible_generation)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        requested = [k for k in request.query_params.get("metric", "").split(",") if k.strip()]
        metrics = [get_metric(k.strip()) for k in requested] or [m for m in all_metrics() if not m.breakdown]
        values: dict = defaultdict(dict)
        for code, period, metric, value in queryset.values_list("region_code", "period", "metric", "value"):
            values[(code, period)][metric] = value
        names = region_names({code for code, _p in values})
        items = []
        for code, period in sorted(values):
            for metric in metrics:
                fig = figure(metric, values[(code, period)])
                items.append(
                    {
                        "region_code": code,
                        "region_name": names.get(code, ""),
                        "level": LEVEL_BY_LENGTH.get(len(code)),
                        "period": period,
                        "metric": metric.key,
                        "unit": str(metric.unit),
                        "value": fig.value,
                        "numerator": fig.numerator,
                        "denominator": fig.denominator,
                    }
                )
        page = self.paginate_queryset(items)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class MetricViewSet(viewsets.ViewSet):
    """The metric registry: every figure's key, label, exact definition, unit and source."""

    lookup_field = "key"
    lookup_value_regex = r"[a-z][a-z0-9_.]*"

    @extend_schema(responses=MetricSerializer(many=True))
    def list(self, request):
        return Response([metric_payload(m) for m in all_metrics()])

    @extend_schema(
        responses=MetricSerializer,
        parameters=[
            OpenApiParameter("key", str, OpenApiParameter.PATH, description="指标代码", pattern=r"^[a-z][a-z0-9_.]*$")
        ],
    )
    def retrieve(self, request, key=None):
        metric = load_sources().metrics.get(key)
        if metric is None:
            raise Http404(_("未知的指标：%(key)s。") % {"key": key[:64]})
        return Response(metric_payload(metric))
