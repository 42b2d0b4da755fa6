"""The petitions API: scoped viewsets over the same FilterSet as the pages; writes through the
services; each step of the workflow is an action with the version check (stale → 409, a step
the status machine forbids → 409). Confidential cases are absent for the officials they name."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.exceptions import conflict_response
from core.api.pagination import BoundedPagination
from core.api.search import LIST_ACTIONS, BodySearchMixin, SelectorFilterBackend, keyword_field, search_schema
from core.exceptions import TransitionNotAllowed
from core.filters import StrictBooleanFilter
from core.models import WorkCalendarDay
from petitions import selectors, services
from petitions.api.serializers import (
    DownVisitSerializer,
    ExtensionSerializer,
    OwnerAssignSerializer,
    OwnerRemoveSerializer,
    PetitionSerializer,
    PetitionUpdateSerializer,
    ProgressSerializer,
    ReceptionDaySerializer,
    TransitionSerializer,
    WorkCalendarDaySerializer,
)
from petitions.filters import PetitionFilterSet
from petitions.models import DownVisit, Petition, ReceptionDay
from regions.scoping import ScopedViewSetMixin, can, is_owner, scope_prefixes

_ERRORS = {
    400: OpenApiResponse(description="字段或业务规则错误（按字段列出中文说明）"),
    403: OpenApiResponse(description="没有此项权限"),
    404: OpenApiResponse(description="不存在或不在管辖范围内"),
    409: OpenApiResponse(description="记录已被他人修改（version 已过期），或当前状态不允许该操作"),
    415: OpenApiResponse(description="不支持的请求格式"),
}


class PetitionPermission(permissions.IsAuthenticated):
    """Reads: any signed-in user (the scope narrows). Create: `add` somewhere. Actions: the
    owner of the case, or the permission on the case."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if view.action == "create":
            return scope_prefixes(request.user, "petitions.add_petition") != []
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        if view.action in ("assign_owner", "remove_owner"):
            return can(request.user, "petitions.assign_petition", obj)
        if view.action == "partial_update":
            return is_owner(request.user, obj) or can(request.user, "change", obj)
        return is_owner(request.user, obj) or can(request.user, "transition", obj)


@extend_schema_view(
    list=extend_schema(
        summary="信访件列表",
        description=(
            "管辖范围内（及本人包案）的信访件，筛选参数与列表页相同。按信访人身份证号查找请用 POST search/"
            "（号码放在请求正文中）：网址中含身份证号、电话号码的 q 答复 400。"
        ),
    ),
    search=search_schema(
        name="PetitionSearchSerializer",
        label="信访件",
        item_serializer=PetitionSerializer,
        fields={"q": keyword_field("编号、事由、内容、信访人姓名，或完整身份证号")},
    ),
    retrieve=extend_schema(summary="信访件详情", responses={200: PetitionSerializer, 404: _ERRORS[404]}),
    create=extend_schema(
        summary="登记信访件", responses={201: PetitionSerializer, 400: _ERRORS[400], 403: _ERRORS[403]}
    ),
    partial_update=extend_schema(
        summary="修改信访件登记信息（需 version）",
        description="只修改提交的字段；提交 petitioners 或 named_officials 时整体替换该列表。"
        "版本号过期返回 409；状态、期限、包案领导另有专门的操作。",
        request=PetitionUpdateSerializer,
        responses={200: PetitionSerializer, **_ERRORS},
    ),
)
class PetitionViewSet(
    ScopedViewSetMixin,  # first: its docstring is the operations' description in the schema
    BodySearchMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    # PATCH only: a full PUT would have to resend the petitioners' ID numbers, which are never read back.
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Petition.objects.all()  # the model, for the schema and the router; reads: get_queryset
    serializer_class = PetitionSerializer
    filterset_class = PetitionFilterSet
    filter_backends = [SelectorFilterBackend]  # the selector applies the filters (a search's from its body)
    pagination_class = BoundedPagination
    permission_classes = [PetitionPermission]

    def get_queryset(self):
        # The pages' read path (scope, a region filter as the scope's subtree, FilterSet, related rows).
        # The filters narrow a list or a search only: a write and its answer read the case itself
        # (a filter the case no longer matches after the write must not turn its answer into a 500).
        filters = self.filter_params() if self.action in LIST_ACTIONS else None
        self.filterset, rows = selectors.petition_list(user=self.request.user, filters=filters, request=self.request)
        return rows.prefetch_related("petitioners", "deadlines")

    def respond(self, petition, code=status.HTTP_200_OK):
        petition = self.get_queryset().get(pk=petition.pk)
        return Response(self.get_serializer(petition).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        region = data.pop("region")
        people = data.pop("petitioners")
        petition = services.petition_create(actor=request.user, region=region, data=data, petitioners=people)
        return self.respond(petition, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        petition = self.get_object()
        serializer = PetitionUpdateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        petitioners = data.pop("petitioners", None)
        named = data.pop("named_officials", None)
        # Fields not sent keep their values (the service clears a group size without the group flag).
        data.setdefault("is_group", petition.is_group)
        if data["is_group"]:
            data.setdefault("group_size", petition.group_size)
        data.setdefault("is_backlog", petition.is_backlog)
        if petitioners is not None:
            petitioners = [dict(row) for row in petitioners]
        petition = services.petition_update(
            actor=request.user,
            petition=petition,
            expected_version=version,
            data=data,
            petitioners=petitioners,
            named_officials=named,
        )
        return self.respond(petition)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        summary="指定包案领导",
        description="指定乡镇、县级或市级领导干部包案（含责任单位、是否牵头、说明），记入办理记录和审计日志；需 version。",
        request=OwnerAssignSerializer,
        responses={200: PetitionSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="owners")
    def assign_owner(self, request, pk=None):
        petition = self.get_object()
        serializer = OwnerAssignSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        services.petition_owner_add(
            actor=request.user,
            petition=petition,
            leader=data["leader"],
            unit=data.get("unit", ""),
            is_lead=data.get("is_lead", False),
            reason=data.get("reason", ""),
            expected_version=data["version"],
        )
        return self.respond(petition)

    @extend_schema(
        summary="撤销包案领导",
        description="撤销一位包案领导（须填原因），记入办理记录和审计日志；撤销牵头领导时由最早指定的其他领导牵头；需 version。",
        request=OwnerRemoveSerializer,
        responses={200: PetitionSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="owners/remove")
    def remove_owner(self, request, pk=None):
        petition = self.get_object()
        serializer = OwnerRemoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        leader = petition.owners.filter(leader_id=data["leader"]).select_related("leader").first()
        services.petition_owner_remove(
            actor=request.user,
            petition=petition,
            leader=leader.leader if leader else None,
            reason=data["reason"],
            expected_version=data["version"],
        )
        return self.respond(petition)

    @extend_schema(
        summary="办理信访件（状态变更）", request=TransitionSerializer, responses={200: PetitionSerializer, **_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        petition = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            petition = services.petition_transition(
                actor=request.user,
                petition=petition,
                target=data.pop("target"),
                expected_version=data.pop("version"),
                **data,
            )
        except TransitionNotAllowed as exc:
            return conflict_response(exc)
        return self.respond(petition)

    @extend_schema(
        summary="延长办理期限（仅一次，≤30日）",
        request=ExtensionSerializer,
        responses={200: PetitionSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        petition = self.get_object()
        serializer = ExtensionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        approver = get_user_model().objects.filter(pk=data["approved_by"], is_active=True).first()
        petition = services.petition_extend(
            actor=request.user,
            petition=petition,
            days=data["days"],
            reason=data["reason"],
            approved_by=approver,
            expected_version=data["version"],
        )
        return self.respond(petition)

    @extend_schema(summary="记录办理进展", request=ProgressSerializer, responses={200: PetitionSerializer, **_ERRORS})
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        petition = self.get_object()
        serializer = ProgressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.petition_progress_add(actor=request.user, petition=petition, text=serializer.validated_data["text"])
        return self.respond(petition)


class VisitPermission(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        return super().has_permission(request, view)


@extend_schema_view(
    list=extend_schema(summary="领导接访列表"),
    retrieve=extend_schema(summary="领导接访详情", responses={200: ReceptionDaySerializer, 404: _ERRORS[404]}),
)
class ReceptionDayViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ReceptionDay.objects.select_related("leader", "region").order_by("-held_on", "-id")
    serializer_class = ReceptionDaySerializer
    pagination_class = BoundedPagination
    permission_classes = [VisitPermission]


@extend_schema_view(
    list=extend_schema(summary="带案下访列表"),
    retrieve=extend_schema(summary="带案下访详情", responses={200: DownVisitSerializer, 404: _ERRORS[404]}),
)
class DownVisitViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = DownVisit.objects.select_related("leader", "region").order_by("-visited_on", "-id")

    def get_queryset(self):
        return super().get_queryset().prefetch_related("villages")

    serializer_class = DownVisitSerializer
    pagination_class = BoundedPagination
    permission_classes = [VisitPermission]


class WorkCalendarFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="date__year", label=_("年份"), min_value=1900, max_value=2999)
    is_workday = StrictBooleanFilter(label=_("工作日"))

    class Meta:
        model = WorkCalendarDay
        fields = ["year", "is_workday"]


@extend_schema_view(list=extend_schema(summary="工作日历", description="每日是否工作日、来源、是否暂定（只读）。"))
class WorkCalendarViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The working-day calendar, read-only: not personal data, any signed-in user may read it."""

    queryset = WorkCalendarDay.objects.order_by("date")
    serializer_class = WorkCalendarDaySerializer
    filterset_class = WorkCalendarFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = BoundedPagination
    permission_classes = [permissions.IsAuthenticated]
