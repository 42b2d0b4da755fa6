"""The community API: scoped viewsets over the pages' FilterSets; every write goes through
community.services.

Reads out of scope answer 404. Creating needs the role's permission somewhere (else 403). An action
on a visible order answers 403 when the caller may not act on it (dispatch and cancel: the branch;
take, complete, hand back and rating links: the branch or the member it was dispatched to). A
transition the status machine forbids, or a stale `version`, answers 409. No DELETE.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from community.api.serializers import (
    CommunityReportSerializer,
    OrderDispatchSerializer,
    OrderRatingLinkSerializer,
    OrderReasonSerializer,
    OrderResultSerializer,
    OrderVersionSerializer,
    ReportWithdrawSerializer,
    ServiceOrderSerializer,
)
from community.filters import CommunityReportFilterSet, ServiceOrderFilterSet
from community.models import CommunityReport, ReportingMember, ReportingOrganisation, ServiceOrder
from community.selectors import order_list, report_list
from community.services import (
    may_work_on,
    order_cancel,
    order_complete,
    order_dispatch,
    order_place,
    order_rating_link_create,
    order_return,
    order_take,
    report_register_new,
    report_withdraw,
)
from core.api.exceptions import conflict_response
from core.api.pagination import BoundedPagination
from core.exceptions import ServiceError, TransitionNotAllowed
from regions.scoping import ScopedViewSetMixin, can, restrict, scope_prefixes

_ERRORS = {
    400: OpenApiResponse(description="字段或业务规则错误（按字段列出中文说明）"),
    403: OpenApiResponse(description="没有此项权限"),
    404: OpenApiResponse(description="不存在或不在管辖范围内"),
    409: OpenApiResponse(description="当前状态不允许此操作，或记录已被他人修改（version 已过期）"),
    415: OpenApiResponse(description="请求体的格式无法解析（请使用 JSON 或表单）"),
}
# Which right each action needs on the object: the branch's ("transition"), or that of whoever
# works on the order (the branch, or the member it was dispatched to).
BRANCH_ACTIONS = {"dispatch_order", "cancel", "withdraw"}
WORKER_ACTIONS = {"take", "complete", "hand_back", "rating_link"}


class CommunityWritePermission(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if view.action == "create":
            model = view.queryset.model
            return scope_prefixes(request.user, f"community.add_{model._meta.model_name}") != []
        return True

    def has_object_permission(self, request, view, obj):
        if view.action in BRANCH_ACTIONS:
            return can(request.user, "transition", obj)
        if view.action in WORKER_ACTIONS:
            return may_work_on(request.user, obj)
        return True


class CommunityViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [CommunityWritePermission]
    filter_backends = [DjangoFilterBackend]
    pagination_class = BoundedPagination

    def handle_exception(self, exc):
        # A transition the status machine forbids is a conflict with the record's state: 409.
        if isinstance(exc, TransitionNotAllowed):
            return conflict_response(exc)
        return super().handle_exception(exc)

    def respond(self, instance, status_code=status.HTTP_200_OK):
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(instance).data, status=status_code)

    def action_input(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


# --- 服务订单 ----------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="服务订单列表（三单制）",
        description="管辖范围内的居民点单，以及派给本人（报到党员）的订单。筛选参数与列表页相同。",
    ),
    retrieve=extend_schema(summary="服务订单详情", responses={200: ServiceOrderSerializer, 404: _ERRORS[404]}),
    create=extend_schema(
        summary="代居民点单",
        description="社区党组织为来电或来访的居民登记服务需求。居民本人在社区公开页面点单，无需登录。",
        responses={201: ServiceOrderSerializer, 400: _ERRORS[400], 403: _ERRORS[403], 415: _ERRORS[415]},
    ),
)
class ServiceOrderViewSet(CommunityViewSet):
    """服务订单. Filters: `q`, `category`, `status`, `service_kind`, `channel`, `region` (subtree),
    `overdue` (not taken in time), `placed_after`, `placed_before`, `ordering`."""

    queryset = ServiceOrder.objects.select_related("region", "assigned_member", "assigned_organisation")
    selector = order_list  # the pages' read path: scope (and the member's own orders), then joins
    serializer_class = ServiceOrderSerializer
    filterset_class = ServiceOrderFilterSet

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "region"}
        order = order_place(actor=request.user, region=serializer.validated_data["region"], data=data)
        return self.respond(order, status.HTTP_201_CREATED)

    def _assignee(self, data, order):
        """The member or organisation named, among those the caller may see; the service checks that
        they are on the order's community roster."""
        user = self.request.user
        if "member" in data:
            member = restrict(ReportingMember.objects.all(), user).filter(pk=data["member"]).first()
            if member is None:
                raise ServiceError({"member": [_("报到党员不存在或不在您的管辖范围内。")]})
            return {"member": member}
        organisation = restrict(ReportingOrganisation.objects.all(), user).filter(pk=data["organisation"]).first()
        if organisation is None:
            raise ServiceError({"organisation": [_("报到党组织不存在或不在您的管辖范围内。")]})
        return {"organisation": organisation}

    @extend_schema(
        summary="支部下单", request=OrderDispatchSerializer, responses={200: ServiceOrderSerializer, **_ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_order(self, request, pk=None):
        order = self.get_object()
        data = self.action_input(OrderDispatchSerializer)
        order = order_dispatch(
            actor=request.user,
            order=order,
            service_kind=data["service_kind"],
            note=data.get("note", ""),
            expected_version=data["version"],
            **self._assignee(data, order),
        )
        return self.respond(order)

    @extend_schema(
        summary="党员接单", request=OrderVersionSerializer, responses={200: ServiceOrderSerializer, **_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        order = self.get_object()
        data = self.action_input(OrderVersionSerializer)
        return self.respond(order_take(actor=request.user, order=order, expected_version=data["version"]))

    @extend_schema(
        summary="服务完成（须填服务情况）",
        request=OrderResultSerializer,
        responses={200: ServiceOrderSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        order = self.get_object()
        data = self.action_input(OrderResultSerializer)
        order = order_complete(actor=request.user, order=order, result=data["result"], expected_version=data["version"])
        return self.respond(order)

    @extend_schema(
        summary="退回支部重新派单", request=OrderReasonSerializer, responses={200: ServiceOrderSerializer, **_ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="hand-back")
    def hand_back(self, request, pk=None):
        order = self.get_object()
        data = self.action_input(OrderReasonSerializer)
        order = order_return(actor=request.user, order=order, reason=data["reason"], expected_version=data["version"])
        return self.respond(order)

    @extend_schema(
        summary="取消订单", request=OrderReasonSerializer, responses={200: ServiceOrderSerializer, **_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        data = self.action_input(OrderReasonSerializer)
        order = order_cancel(actor=request.user, order=order, reason=data["reason"], expected_version=data["version"])
        return self.respond(order)

    @extend_schema(
        summary="生成居民评价链接和二维码",
        description="为已完成的订单生成一个单次有效、有期限的签名评价链接。",
        request=None,
        responses={
            201: OrderRatingLinkSerializer,
            400: _ERRORS[400],
            403: _ERRORS[403],
            404: _ERRORS[404],
            415: _ERRORS[415],
        },
    )
    @action(detail=True, methods=["post"], url_path="rating-link")
    def rating_link(self, request, pk=None):
        from community.views.orders import rating_link_context

        order = self.get_object()
        invitation, token = order_rating_link_create(actor=request.user, order=order)
        context = rating_link_context(request, invitation, token)
        payload = {"url": context["rating_link"], "expires_at": invitation.expires_at, "qr_svg": context["qr_svg"]}
        return Response(OrderRatingLinkSerializer(payload).data, status=status.HTTP_201_CREATED)


# --- 双报到 ------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="双报到列表", description="机关党组织和在职党员向社区报到的记录；status=active 为社区花名册。"
    ),
    retrieve=extend_schema(summary="双报到详情", responses={200: CommunityReportSerializer, 404: _ERRORS[404]}),
    create=extend_schema(
        summary="登记报到（新党组织或新党员）",
        description="同一党组织或党员每类报到社区只能有一条有效报到，重复登记返回 400。",
        responses={201: CommunityReportSerializer, 400: _ERRORS[400], 403: _ERRORS[403], 415: _ERRORS[415]},
    ),
)
class CommunityReportViewSet(CommunityViewSet):
    """双报到. Filters: `q`, `kind`, `basis`, `status`, `region` (community subtree), `reported_after`,
    `reported_before`, `ordering`."""

    queryset = CommunityReport.objects.select_related("community", "organisation", "member")
    selector = report_list  # the pages' read path: scope, then joins
    serializer_class = CommunityReportSerializer
    filterset_class = CommunityReportFilterSet

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report = report_register_new(
            actor=request.user,
            community=data["community"],
            kind=data["kind"],
            reporter_data=serializer.reporter_data(),
            basis=data.get("basis"),
            reported_on=data.get("reported_on"),
            note=data.get("note", ""),
        )
        return self.respond(report, status.HTTP_201_CREATED)

    @extend_schema(
        summary="撤回报到", request=ReportWithdrawSerializer, responses={200: CommunityReportSerializer, **_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        report = self.get_object()
        data = self.action_input(ReportWithdrawSerializer)
        report = report_withdraw(
            actor=request.user,
            report=report,
            reason=data["reason"],
            withdrawn_on=data.get("withdrawn_on"),
            expected_version=data["version"],
        )
        return self.respond(report)
