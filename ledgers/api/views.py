"""The ledger API: scoped viewsets over the same FilterSets as the pages; every write goes
through the services (create, update, and each transition as an explicit action).

Reads out of scope answer 404. Writes need the role's permission: none anywhere → 403; a
visible record the caller may not change → 403. A stale `version` → 409. There is no DELETE:
ledger entries are kept (households exit, matters close).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.pagination import BoundedPagination
from core.api.search import LIST_ACTIONS, BodySearchMixin, SelectorFilterBackend, keyword_field, search_schema
from ledgers.api.serializers import (
    AppealTransitionSerializer,
    HardshipHouseholdSerializer,
    HouseholdExitSerializer,
    LivelihoodAppealSerializer,
    MatterTransitionSerializer,
    RatingLinkSerializer,
    StabilityMatterSerializer,
    VersionSerializer,
    VillageProfileSerializer,
    VoidSerializer,
)
from ledgers.filters import (
    HardshipHouseholdFilterSet,
    LivelihoodAppealFilterSet,
    StabilityMatterFilterSet,
    VillageProfileFilterSet,
)
from ledgers.models import HardshipHousehold, LivelihoodAppeal, StabilityMatter, VillageProfile
from ledgers.selectors import appeal_list, household_list, matter_list, profile_list
from ledgers.services import (
    APPEAL_EDITABLE_FIELDS,
    HOUSEHOLD_EDITABLE_FIELDS,
    MATTER_EDITABLE_FIELDS,
    PROFILE_FIELDS,
    appeal_create,
    appeal_transition,
    appeal_update,
    appeal_void,
    household_create,
    household_exit,
    household_reactivate,
    household_update,
    household_void,
    matter_create,
    matter_escalate,
    matter_transition,
    matter_update,
    matter_void,
    profile_create,
    profile_update,
    rating_invitation_create,
)
from regions.scoping import ScopedViewSetMixin, can, scope_prefixes

# Which permission each write action needs ("add" anywhere for create; otherwise on the object).
WRITE_ACTIONS = {
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "transition": "transition",
    "exit": "transition",
    "reactivate": "transition",
    "escalate": "transition",
    "rating_link": "transition",
    "void": "change",
}

_ERRORS = {
    400: OpenApiResponse(description="字段或业务规则错误（按字段列出中文说明）"),
    403: OpenApiResponse(description="没有此项权限"),
    404: OpenApiResponse(description="不存在或不在管辖范围内"),
    409: OpenApiResponse(description="记录已被他人修改（version 已过期）"),
}


class LedgerWritePermission(permissions.IsAuthenticated):
    """Reads: any signed-in user (the scope narrows what they see). Writes: the role's
    permission for the action, somewhere (create) and on the object itself (the rest)."""

    def _permission(self, view, action_name):
        model = view.queryset.model
        return f"ledgers.{WRITE_ACTIONS[action_name]}_{model._meta.model_name}"

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS or view.action not in WRITE_ACTIONS:
            return True
        return scope_prefixes(request.user, self._permission(view, view.action)) != []

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS or view.action not in WRITE_ACTIONS:
            return True
        return can(request.user, WRITE_ACTIONS[view.action], obj)


class LedgerViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Shared by the four ledger endpoints: scope, FilterSet (its `ordering` is the sort), writes
    through services, the updated record in every write response."""

    permission_classes = [LedgerWritePermission]
    filter_backends = [SelectorFilterBackend]
    pagination_class = BoundedPagination  # counts up to 10,000 rows: a province has hundreds of thousands
    editable_fields: tuple = ()
    # Reads go through the ledger's selector (ScopedViewSetMixin.selector), as the pages' and the
    # exports' do; the API adds what its serializers show beyond the pages.
    api_prefetch: tuple = ("created_by",)

    def filter_params(self):
        """The filters: the query string (core.api.search.BodySearchMixin takes a search's from its body)."""
        return self.request.query_params

    def get_queryset(self):
        # The filters narrow a list or a search only: a write and its answer read the record itself
        # (a filter the record no longer matches after the write must not turn its answer into a 500).
        filters = self.filter_params() if self.action in LIST_ACTIONS else None
        self.filterset, rows = type(self).selector(user=self.request.user, filters=filters)
        return rows.prefetch_related(*self.api_prefetch)

    def respond(self, instance, status_code=status.HTTP_200_OK):
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(instance).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_service_create(serializer)
        return self.respond(instance, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        instance = self.perform_service_update(serializer, instance)
        return self.respond(instance)

    def action_input(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class VoidActionMixin:
    """POST .../{id}/void/ (作废): a record entered by mistake leaves every list and figure, kept
    with the reason; the ledger's `<entity>_void` service does it."""

    def void_entry(self, *, actor, entry, reason, expected_version):
        raise NotImplementedError

    @extend_schema(
        summary="作废（录入错误的记录）",
        description="作废后记录不再出现在列表和统计中（列表可用 voided=true 查看），不能再修改或变更状态，也不会被删除。",
        request=VoidSerializer,
    )
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        entry = self.get_object()
        data = self.action_input(VoidSerializer)
        entry = self.void_entry(
            actor=request.user, entry=entry, reason=data["reason"], expected_version=data.get("version")
        )
        # A voided record has left the default list: answer with it as it now is.
        return Response(self.get_serializer(entry).data)


# --- 民生诉求 ----------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="民生诉求列表", description="管辖范围内的民生诉求，筛选参数与列表页相同。"),
    retrieve=extend_schema(summary="民生诉求详情", responses={200: LivelihoodAppealSerializer, 404: _ERRORS[404]}),
    create=extend_schema(
        summary="登记民生诉求", responses={201: LivelihoodAppealSerializer, 400: _ERRORS[400], 403: _ERRORS[403]}
    ),
    update=extend_schema(summary="修改民生诉求（需 version）", responses={200: LivelihoodAppealSerializer, **_ERRORS}),
    partial_update=extend_schema(
        summary="部分修改民生诉求（需 version）", responses={200: LivelihoodAppealSerializer, **_ERRORS}
    ),
    void=extend_schema(responses={200: LivelihoodAppealSerializer, **_ERRORS}),
)
class LivelihoodAppealViewSet(VoidActionMixin, LedgerViewSet):
    """民生诉求. Filters: `q`, `category`, `status`, `triage`, `region` (subtree), `overdue`,
    `registered_after`, `registered_before`, `promised_before`, `ordering`."""

    queryset = LivelihoodAppeal.objects.all()
    selector = appeal_list
    serializer_class = LivelihoodAppealSerializer
    filterset_class = LivelihoodAppealFilterSet

    def void_entry(self, *, actor, entry, reason, expected_version):
        return appeal_void(actor=actor, appeal=entry, reason=reason, expected_version=expected_version)

    def perform_service_create(self, serializer):
        data = serializer.service_data(APPEAL_EDITABLE_FIELDS)
        return appeal_create(actor=self.request.user, region=serializer.validated_data["region"], data=data)

    def perform_service_update(self, serializer, instance):
        data = serializer.service_data(APPEAL_EDITABLE_FIELDS)
        version = serializer.validated_data["version"]
        return appeal_update(actor=self.request.user, appeal=instance, expected_version=version, data=data)

    @extend_schema(
        summary="变更民生诉求状态",
        description="办理中、已解决（须填办理结果）、已公开。“已评价”和“重新办理”只能由群众评价产生。",
        request=AppealTransitionSerializer,
        responses={200: LivelihoodAppealSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        appeal = self.get_object()
        data = self.action_input(AppealTransitionSerializer)
        appeal = appeal_transition(
            actor=request.user,
            appeal=appeal,
            target=data["target"],
            resolution=data.get("resolution", ""),
            expected_version=data.get("version"),
        )
        return self.respond(appeal)

    @extend_schema(
        summary="生成群众评价链接和二维码",
        description="为已公开的事项生成一个单次有效、有期限的签名评价链接。",
        request=None,
        responses={201: RatingLinkSerializer, 400: _ERRORS[400], 403: _ERRORS[403], 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["post"], url_path="rating-link")
    def rating_link(self, request, pk=None):
        from ledgers.views.public import rating_link_context

        appeal = self.get_object()
        invitation, token = rating_invitation_create(actor=request.user, appeal=appeal)
        context = rating_link_context(request, invitation, token)
        payload = {"url": context["rating_link"], "expires_at": invitation.expires_at, "qr_svg": context["qr_svg"]}
        return Response(RatingLinkSerializer(payload).data, status=status.HTTP_201_CREATED)


# --- 困难群众 ----------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="困难群众列表",
        description=(
            "身份证号只以掩码返回。按身份证号查找请用 POST search/（号码放在请求正文中）："
            "网址中的 id_number，或含身份证号、电话号码的 q，答复 400，号码不会出现在访问日志里。"
        ),
    ),
    search=search_schema(
        name="HardshipHouseholdSearchSerializer",
        label="困难群众",
        item_serializer=HardshipHouseholdSerializer,
        fields={
            "id_number": keyword_field("完整身份证号（户主或家庭成员），精确查找", max_length=30),
            "q": keyword_field("户主姓名、住址，或完整身份证号"),
        },
    ),
    retrieve=extend_schema(summary="困难群众详情", responses={200: HardshipHouseholdSerializer, 404: _ERRORS[404]}),
    create=extend_schema(
        summary="登记困难群众", responses={201: HardshipHouseholdSerializer, 400: _ERRORS[400], 403: _ERRORS[403]}
    ),
    update=extend_schema(summary="修改困难群众（需 version）", responses={200: HardshipHouseholdSerializer, **_ERRORS}),
    partial_update=extend_schema(
        summary="部分修改困难群众（需 version）", responses={200: HardshipHouseholdSerializer, **_ERRORS}
    ),
    void=extend_schema(responses={200: HardshipHouseholdSerializer, **_ERRORS}),
)
class HardshipHouseholdViewSet(BodySearchMixin, VoidActionMixin, LedgerViewSet):
    """困难群众. Filters: `q`, `id_number` (exact), `hardship_type`, `status`, `region`,
    `is_sensitive`, `registered_after`, `registered_before`, `ordering`."""

    # An ID number is searched only through POST `search/` (core.api.search).
    personal_params = ("q", "id_number")
    always_personal = ("id_number",)
    queryset = HardshipHousehold.objects.all()
    selector = household_list
    serializer_class = HardshipHouseholdSerializer
    filterset_class = HardshipHouseholdFilterSet

    def void_entry(self, *, actor, entry, reason, expected_version):
        return household_void(actor=actor, household=entry, reason=reason, expected_version=expected_version)

    def perform_service_create(self, serializer):
        data = serializer.service_data(HOUSEHOLD_EDITABLE_FIELDS)
        return household_create(
            actor=self.request.user,
            region=serializer.validated_data["region"],
            data=data,
            hardship_types=serializer.validated_data["hardship_types"],
        )

    def perform_service_update(self, serializer, instance):
        return household_update(
            actor=self.request.user,
            household=instance,
            expected_version=serializer.validated_data["version"],
            data=serializer.service_data(HOUSEHOLD_EDITABLE_FIELDS),
            hardship_types=serializer.validated_data.get("hardship_types"),
        )

    @extend_schema(
        summary="困难群众退出",
        request=HouseholdExitSerializer,
        responses={200: HardshipHouseholdSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def exit(self, request, pk=None):
        household = self.get_object()
        data = self.action_input(HouseholdExitSerializer)
        household = household_exit(
            actor=request.user,
            household=household,
            exited_on=data["exited_on"],
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return self.respond(household)

    @extend_schema(
        summary="已退出的困难群众重新纳入",
        request=VersionSerializer,
        responses={200: HardshipHouseholdSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        household = self.get_object()
        data = self.action_input(VersionSerializer)
        household = household_reactivate(actor=request.user, household=household, expected_version=data.get("version"))
        return self.respond(household)


# --- 稳定工作 ----------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="稳定事项列表"),
    retrieve=extend_schema(summary="稳定事项详情", responses={200: StabilityMatterSerializer, 404: _ERRORS[404]}),
    create=extend_schema(
        summary="登记稳定事项", responses={201: StabilityMatterSerializer, 400: _ERRORS[400], 403: _ERRORS[403]}
    ),
    update=extend_schema(summary="修改稳定事项（需 version）", responses={200: StabilityMatterSerializer, **_ERRORS}),
    partial_update=extend_schema(
        summary="部分修改稳定事项（需 version）", responses={200: StabilityMatterSerializer, **_ERRORS}
    ),
    void=extend_schema(responses={200: StabilityMatterSerializer, **_ERRORS}),
)
class StabilityMatterViewSet(VoidActionMixin, LedgerViewSet):
    """稳定事项. Filters: `q`, `matter_type`, `risk_level`, `status`, `region`, `overdue`,
    `registered_after`, `registered_before`, `deadline_before`, `ordering`."""

    queryset = StabilityMatter.objects.all()
    selector = matter_list
    serializer_class = StabilityMatterSerializer
    filterset_class = StabilityMatterFilterSet

    def void_entry(self, *, actor, entry, reason, expected_version):
        return matter_void(actor=actor, matter=entry, reason=reason, expected_version=expected_version)

    def perform_service_create(self, serializer):
        data = serializer.service_data(MATTER_EDITABLE_FIELDS)
        return matter_create(actor=self.request.user, region=serializer.validated_data["region"], data=data)

    def perform_service_update(self, serializer, instance):
        return matter_update(
            actor=self.request.user,
            matter=instance,
            expected_version=serializer.validated_data["version"],
            data=serializer.service_data(MATTER_EDITABLE_FIELDS),
        )

    @extend_schema(
        summary="变更稳定事项状态",
        description="调解中、已化解、已终结（化解或终结须选择化解结果）。",
        request=MatterTransitionSerializer,
        responses={200: StabilityMatterSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        matter = self.get_object()
        data = self.action_input(MatterTransitionSerializer)
        matter = matter_transition(
            actor=request.user,
            matter=matter,
            target=data["target"],
            outcome=data.get("outcome", ""),
            note=data.get("note", ""),
            expected_version=data.get("version"),
        )
        return self.respond(matter)

    @extend_schema(
        summary="稳定事项转信访",
        request=VersionSerializer,
        responses={200: StabilityMatterSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        matter = self.get_object()
        data = self.action_input(VersionSerializer)
        matter = matter_escalate(actor=request.user, matter=matter, expected_version=data.get("version"))
        return self.respond(matter)


# --- 四个知晓 ----------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="四个知晓列表"),
    retrieve=extend_schema(summary="四个知晓详情", responses={200: VillageProfileSerializer, 404: _ERRORS[404]}),
    create=extend_schema(
        summary="填写村（社区）的四个知晓",
        description="每个村（社区）一份；已有时请用 PATCH 修改。",
        responses={201: VillageProfileSerializer, 400: _ERRORS[400], 403: _ERRORS[403]},
    ),
    update=extend_schema(summary="修改四个知晓（需 version）", responses={200: VillageProfileSerializer, **_ERRORS}),
    partial_update=extend_schema(
        summary="部分修改四个知晓（需 version）", responses={200: VillageProfileSerializer, **_ERRORS}
    ),
)
class VillageProfileViewSet(LedgerViewSet):
    """四个知晓 of each village. Filters: `q`, `region` (subtree)."""

    queryset = VillageProfile.objects.all()
    selector = profile_list
    api_prefetch = ()
    serializer_class = VillageProfileSerializer
    filterset_class = VillageProfileFilterSet

    def perform_service_create(self, serializer):
        return profile_create(
            actor=self.request.user,
            region=serializer.validated_data["region"],
            data=serializer.service_data(PROFILE_FIELDS),
        )

    def perform_service_update(self, serializer, instance):
        return profile_update(
            actor=self.request.user,
            region=instance.region,
            expected_version=serializer.validated_data["version"],
            data=serializer.service_data(PROFILE_FIELDS),
        )
