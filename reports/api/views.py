import math
from collections import defaultdict
from collections.abc import Sequence

from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from core.api.pagination import BoundedPagination
from core.dbrouter import replica_reads
from core.paginator import count_cap
from regions.choices import LEVEL_BY_LENGTH
from regions.scoping import ScopedViewSetMixin
from reports.api.serializers import MetricSerializer, StatFigureSerializer, metric_payload
from reports.filters import SummaryFilterSet
from reports.metrics import all_metrics, figure, get_metric, load_sources, stored_keys_for
from reports.models import Summary
from reports.selectors import region_names, summary_state


class StatPagination(BoundedPagination):
    """The bounded pages, plus when the figures are as of (null while there are none): the view
    adds it from the state it already read."""

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["properties"]["data_as_of"] = {
            "type": "string",
            "format": "date-time",
            "nullable": True,
            "description": "统计数据截至时间；尚未生成或正在重新计算时为 null。",
        }
        result["required"] = [*result.get("required", []), "data_as_of"]
        return result


class StatViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Figures from the summaries, in the caller's jurisdiction: one item per region, period and
    metric. Rates come with their numerator and denominator. Filter by `metric` (comma-separated
    keys from /api/v1/metrics/; default all headline metrics), `region`, `parent` (its direct
    children), `within` (subtree), `level` and `period` (YYYY-MM, or total: the default)."""

    queryset = Summary.objects.all()
    serializer_class = StatFigureSerializer
    filterset_class = SummaryFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = StatPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no database access
            return self.queryset.none()
        self.state = state = summary_state()
        queryset = super().get_queryset()
        if state is None or state.visible_generation is None:
            return queryset.none()
        return queryset.filter(generation=state.visible_generation)

    def list(self, request, *args, **kwargs):
        with replica_reads():  # read-only: the summary reads may go to a replica
            return self._list(request)

    def _list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        requested = [k for k in request.query_params.get("metric", "").split(",") if k.strip()]
        metrics = [get_metric(k.strip()) for k in requested] or [m for m in all_metrics() if not m.breakdown]
        figures = FigureSequence(queryset.filter(metric__in=stored_keys_for(metrics)), metrics)
        page = self.paginate_queryset(figures)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        state = self.state
        visible = state is not None and state.visible_generation is not None and state.data_as_of is not None
        response.data["data_as_of"] = state.data_as_of.isoformat() if visible else None
        return response


class FigureSequence(Sequence):
    """The figures of a filtered summary queryset as a lazy sequence for the paginator: one item
    per (region, period) key and metric, in code, period and metric order. Only the keys are
    counted (up to the list cap) and only the requested page's keys are read, so an unfiltered
    call over the province costs a page, not the whole summary table."""

    def __init__(self, queryset, metrics):
        self.queryset = queryset
        self.metrics = metrics
        self.keys = queryset.order_by("region_code", "period").values_list("region_code", "period").distinct()

    @cached_property
    def _length(self) -> int:
        width = len(self.metrics)
        # Enough keys to tell whether the items pass the cap (the paginator only needs that much).
        keys = self.keys[: math.ceil((count_cap() + 1) / width) + 1].count()
        return keys * width

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop, _step = index.indices(len(self))
        width = len(self.metrics)
        first = start // width
        keys = list(self.keys[first : math.ceil(stop / width)])
        values: dict = defaultdict(dict)
        if keys:
            wanted = set(keys)
            rows = self.queryset.filter(
                region_code__in={code for code, _p in keys}, period__in={period for _c, period in keys}
            ).values_list("region_code", "period", "metric", "value")
            for code, period, metric, value in rows:
                if (code, period) in wanted:
                    values[(code, period)][metric] = value
        names = region_names({code for code, _p in keys})
        items = [
            self._item(code, period, metric, values[(code, period)], names)
            for code, period in keys
            for metric in self.metrics
        ]
        return items[start - first * width : stop - first * width]

    @staticmethod
    def _item(code, period, metric, values, names) -> dict:
        fig = figure(metric, values)
        return {
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
