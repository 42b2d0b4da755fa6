"""The pairings API: scoped viewsets over the same FilterSets as the pages; every write goes
through the services. Reads out of scope answer 404. Writes need the role's permission (none
anywhere → 403; a visible record the caller may not change → 403); a stale `version` → 409.
A cadre who signs in may record visits on their own pairs. No DELETE: records are kept.
"""

from __future__ import annotations

from django.db.models import Count
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.api.pagination import BoundedPagination
from pairings.api.serializers import (
    CadreSerializer,
    MustVisitEventSerializer,
    OwedVisitSerializer,
    PairEndSerializer,
    PairSerializer,
    UnitSerializer,
    VisitSerializer,
)
from pairings.filters import (
    CadreFilterSet,
    MustVisitEventFilterSet,
    OwedVisitFilterSet,
    PairFilterSet,
    UnitFilterSet,
    VisitFilterSet,
)
from pairings.models import Cadre, MustVisitEvent, OwedVisit, Pair, Unit, Visit
from pairings.selectors import OVERDUE_FIRST
from pairings.services import (
    cadre_create,
    cadre_update,
    can_record_visit,
    must_visit_event_record,
    pair_create,
    pair_end,
    unit_create,
    unit_update,
    visit_record,
)
from regions.scoping import ScopedViewSetMixin, can, scope_prefixes

WRITE_ACTIONS = {"create": "add", "update": "change", "partial_update": "change", "end": "change"}
_ERRORS = {
    400: OpenApiResponse(description="字段或业务规则错误（按字段列出中文说明）"),
    403: OpenApiResponse(description="没有此项权限"),
    404: OpenApiResponse(description="不存在或不在管辖范围内"),
    409: OpenApiResponse(description="记录已被他人修改（version 已过期）"),
}


class PairingWritePermission(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS or view.action not in WRITE_ACTIONS:
            return True
        model = view.queryset.model
        return scope_prefixes(request.user, f"pairings.{WRITE_ACTIONS[view.action]}_{model._meta.model_name}") != []

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS or view.action not in WRITE_ACTIONS:
            return True
        return can(request.user, WRITE_ACTIONS[view.action], obj)


class PairingViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [PairingWritePermission]
    filter_backends = [DjangoFilterBackend]
    pagination_class = BoundedPagination

    def respond(self, instance, status_code=status.HTTP_200_OK):
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(instance).data, status=status_code)

    def validated(self, instance=None, partial=False):
        serializer = self.get_serializer(instance, data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class EditableMixin(mixins.CreateModelMixin, mixins.UpdateModelMixin):
    def create(self, request, *args, **kwargs):
        return self.respond(self.service_create(self.validated()), status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        data = self.validated(instance, partial=kwargs.pop("partial", False))
        version = data.pop("version")
        return self.respond(self.service_update(instance, version, data))


@extend_schema_view(
    list=extend_schema(summary="机关单位列表"),
    retrieve=extend_schema(summary="机关单位详情", responses={200: UnitSerializer, 404: _ERRORS[404]}),
    create=extend_schema(summary="登记机关单位", responses={201: UnitSerializer, **_ERRORS}),
    update=extend_schema(summary="修改机关单位（需 version）", responses={200: UnitSerializer, **_ERRORS}),
    partial_update=extend_schema(summary="修改机关单位（需 version）", responses={200: UnitSerializer, **_ERRORS}),
)
class UnitViewSet(EditableMixin, PairingViewSet):
    """机关单位. Filters: `q`, `level`, `kind`, `region`, `parent`, `is_active`, `ordering`."""

    queryset = Unit.objects.select_related("region", "parent").order_by("region_id", "name", "id")
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet

    def service_create(self, data):
        data.pop("version", None)
        return unit_create(actor=self.request.user, data=data)

    def service_update(self, unit, version, data):
        return unit_update(actor=self.request.user, unit=unit, expected_version=version, data=data)


@extend_schema_view(
    list=extend_schema(summary="帮扶干部列表", description="身份证号、电话只以打码形式返回；完整号码只写不读。"),
    retrieve=extend_schema(summary="帮扶干部详情", responses={200: CadreSerializer, 404: _ERRORS[404]}),
    create=extend_schema(summary="登记帮扶干部", responses={201: CadreSerializer, **_ERRORS}),
    update=extend_schema(summary="修改帮扶干部（需 version）", responses={200: CadreSerializer, **_ERRORS}),
    partial_update=extend_schema(summary="修改帮扶干部（需 version）", responses={200: CadreSerializer, **_ERRORS}),
)
class CadreViewSet(EditableMixin, PairingViewSet):
    """帮扶干部. Filters: `q` (or an exact full ID number), `unit`, `is_party_member`, `is_active`,
    `region`, `ordering`."""

    queryset = Cadre.objects.select_related("unit", "home_region").order_by("home_region_id", "name", "id")
    serializer_class = CadreSerializer
    filterset_class = CadreFilterSet

    def service_create(self, data):
        data.pop("version", None)
        return cadre_create(actor=self.request.user, data=data)

    def service_update(self, cadre, version, data):
        return cadre_update(actor=self.request.user, cadre=cadre, expected_version=version, data=data)


@extend_schema_view(
    list=extend_schema(summary="结对列表"),
    retrieve=extend_schema(summary="结对详情", responses={200: PairSerializer, 404: _ERRORS[404]}),
    create=extend_schema(
        summary="结对（同一干部与同一户只能有一个进行中的结对）", responses={201: PairSerializer, **_ERRORS}
    ),
)
class PairViewSet(mixins.CreateModelMixin, PairingViewSet):
    """结对. Filters: `q`, `kind`, `status`, `region`, `unit`, `cadre`, `household`,
    `started_after`, `started_before`, `ordering`."""

    queryset = Pair.objects.select_related("cadre", "household").order_by("-started_on", "-id")
    serializer_class = PairSerializer
    filterset_class = PairFilterSet

    def create(self, request, *args, **kwargs):
        data = self.validated()
        pair = pair_create(
            actor=request.user,
            cadre=data["cadre"],
            household=data["household"],
            kind=data.get("kind", "help"),
            started_on=data.get("started_on"),
        )
        return self.respond(pair, status.HTTP_201_CREATED)

    @extend_schema(
        summary="结束结对（需 version）", request=PairEndSerializer, responses={200: PairSerializer, **_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        pair = self.get_object()
        serializer = PairEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        pair = pair_end(
            actor=request.user,
            pair=pair,
            ended_on=data["ended_on"],
            reason=data["reason"],
            expected_version=data["version"],
        )
        return self.respond(pair)


@extend_schema_view(
    list=extend_schema(summary="走访记录列表"),
    retrieve=extend_schema(summary="走访记录详情", responses={200: VisitSerializer, 404: _ERRORS[404]}),
    create=extend_schema(
        summary="登记走访",
        description="结对干部本人或该村所属乡镇工作人员可登记；必访走访会完成该干部对该户的应访。",
        responses={201: VisitSerializer, **_ERRORS},
    ),
)
class VisitViewSet(mixins.CreateModelMixin, PairingViewSet):
    """走访记录. Filters: `q`, `kind`, `region`, `unit`, `cadre`, `household`, `pair`,
    `follow_up_needed`, `visited_after`, `visited_before`, `ordering`."""

    queryset = Visit.objects.select_related("cadre", "household").order_by("-visited_on", "-id")
    serializer_class = VisitSerializer
    filterset_class = VisitFilterSet

    def create(self, request, *args, **kwargs):
        data = self.validated()
        pair = data.pop("pair")
        if not can_record_visit(request.user, pair):
            raise PermissionDenied()
        return self.respond(visit_record(actor=request.user, pair=pair, data=data), status.HTTP_201_CREATED)

    def get_permissions(self):
        # A cadre without posts records visits on their own pairs: checked per pair in create.
        if self.action == "create":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()


@extend_schema_view(
    list=extend_schema(summary="必访事件列表"),
    retrieve=extend_schema(summary="必访事件详情", responses={200: MustVisitEventSerializer, 404: _ERRORS[404]}),
    create=extend_schema(
        summary="登记五必访事件",
        description="为该户每名结对中的干部生成应访；同一户同类事件同一天只能登记一次。",
        responses={201: MustVisitEventSerializer, **_ERRORS},
    ),
)
class MustVisitEventViewSet(mixins.CreateModelMixin, PairingViewSet):
    """必访事件. Filters: `q`, `kind`, `region`, `household`, `occurred_after`, `occurred_before`."""

    queryset = MustVisitEvent.objects.select_related("household").annotate(owed_count=Count("owed_visits"))
    ordering = ("-occurred_on", "-id")

    def get_queryset(self):
        return super().get_queryset().order_by(*self.ordering)

    serializer_class = MustVisitEventSerializer
    filterset_class = MustVisitEventFilterSet

    def create(self, request, *args, **kwargs):
        data = self.validated()
        event = must_visit_event_record(
            actor=request.user,
            household=data["household"],
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            note=data.get("note", ""),
        )
        return self.respond(event, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="应访记录列表", description="逾期在前，再按应访日期。"),
    retrieve=extend_schema(summary="应访记录详情", responses={200: OwedVisitSerializer, 404: _ERRORS[404]}),
)
class OwedVisitViewSet(PairingViewSet):
    """应访记录 (read-only: created by events, fulfilled by visits, marked overdue daily).
    Filters: `q`, `status`, `open`, `on_time`, `kind`, `region`, `unit`, `cadre`, `due_after`,
    `due_before`, `ordering`."""

    queryset = OwedVisit.objects.order_by(OVERDUE_FIRST, "due_on", "id")
    serializer_class = OwedVisitSerializer
    filterset_class = OwedVisitFilterSet
