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
from core.api.search import BodyFilterBackend, BodySearchMixin, keyword_field, search_schema
from pairings.api.serializers import (
    CadreSerializer,
    LinkCadreSerializer,
    LinkProjectAdvanceSerializer,
    LinkProjectSerializer,
    MustVisitEventSerializer,
    OwedVisitSerializer,
    PairEndSerializer,
    PairSerializer,
    StaySerializer,
    SupportAssignmentSerializer,
    SupportCadreSerializer,
    TrainingSerializer,
    UnitSerializer,
    VillageLinkSerializer,
    VisitSerializer,
)
from pairings.filters import (
    CadreFilterSet,
    LinkProjectFilterSet,
    MustVisitEventFilterSet,
    OwedVisitFilterSet,
    PairFilterSet,
    StayFilterSet,
    SupportAssignmentFilterSet,
    TrainingFilterSet,
    UnitFilterSet,
    VillageLinkFilterSet,
    VisitFilterSet,
)
from pairings.models import (
    Cadre,
    LinkProject,
    MustVisitEvent,
    OwedVisit,
    Pair,
    Stay,
    SupportAssignment,
    Training,
    Unit,
    VillageLink,
    Visit,
)
from pairings.selectors import BY_START, OVERDUE_FIRST, cadre_list, owed_visit_list, pair_list, unit_list, visit_list
from pairings.services import (
    cadre_create,
    cadre_update,
    can_record_visit,
    link_cadre_add,
    link_project_advance,
    link_project_create,
    link_project_update,
    must_visit_event_record,
    pair_create,
    pair_end,
    stay_create,
    stay_update,
    support_assignment_create,
    support_assignment_update,
    support_cadre_add,
    training_create,
    training_update,
    unit_create,
    unit_update,
    village_link_create,
    village_link_update,
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

    def get_queryset(self):
        """Through the endpoint's selector when it names one (`selector = cadre_list`: the pages'
        read path, scope then joins), in the order the endpoint declares on `queryset`."""
        rows = super().get_queryset()
        ordering = self.queryset.query.order_by
        if type(self).selector is not None and ordering:
            rows = rows.order_by(*ordering)
        return rows

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
    selector = unit_list
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet

    def service_create(self, data):
        data.pop("version", None)
        return unit_create(actor=self.request.user, data=data)

    def service_update(self, unit, version, data):
        return unit_update(actor=self.request.user, unit=unit, expected_version=version, data=data)


@extend_schema_view(
    list=extend_schema(
        summary="帮扶干部列表",
        description=(
            "身份证号、电话只以打码形式返回；完整号码只写不读。按身份证号查找请用 POST search/"
            "（号码放在请求正文中）：网址中含身份证号、电话号码的 q 答复 400。"
        ),
    ),
    search=search_schema(
        name="CadreSearchSerializer",
        label="帮扶干部",
        item_serializer=CadreSerializer,
        fields={"q": keyword_field("姓名、单位、职务，或完整身份证号")},
    ),
    retrieve=extend_schema(summary="帮扶干部详情", responses={200: CadreSerializer, 404: _ERRORS[404]}),
    create=extend_schema(summary="登记帮扶干部", responses={201: CadreSerializer, **_ERRORS}),
    update=extend_schema(summary="修改帮扶干部（需 version）", responses={200: CadreSerializer, **_ERRORS}),
    partial_update=extend_schema(summary="修改帮扶干部（需 version）", responses={200: CadreSerializer, **_ERRORS}),
)
class CadreViewSet(BodySearchMixin, EditableMixin, PairingViewSet):
    """帮扶干部. Filters: `q` (or an exact full ID number), `unit`, `is_party_member`, `is_active`,
    `region`, `ordering`."""

    queryset = Cadre.objects.select_related("unit", "home_region").order_by("home_region_id", "name", "id")
    selector = cadre_list
    serializer_class = CadreSerializer
    filterset_class = CadreFilterSet
    filter_backends = [BodyFilterBackend]  # a search's filters come in its body (core.api.search)

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
    selector = pair_list
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
    selector = visit_list
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
    selector = owed_visit_list
    serializer_class = OwedVisitSerializer
    filterset_class = OwedVisitFilterSet


# --- 对口支援、联村帮户、蹲点 ---------------------------------------------------------------------------


WRITE_ACTIONS.update({"cadres": "change", "advance": "change"})


def _crud_schema(label, serializer):
    return extend_schema_view(
        list=extend_schema(summary=f"{label}列表"),
        retrieve=extend_schema(summary=f"{label}详情", responses={200: serializer, 404: _ERRORS[404]}),
        create=extend_schema(summary=f"登记{label}", responses={201: serializer, **_ERRORS}),
        update=extend_schema(summary=f"修改{label}（需 version）", responses={200: serializer, **_ERRORS}),
        partial_update=extend_schema(summary=f"修改{label}（需 version）", responses={200: serializer, **_ERRORS}),
    )


class _ServiceEditable(EditableMixin, PairingViewSet):
    create_service = None
    update_service = None
    instance_kwarg = ""

    def service_create(self, data):
        data.pop("version", None)
        return type(self).create_service(actor=self.request.user, data=data)

    def service_update(self, instance, version, data):
        return type(self).update_service(
            actor=self.request.user, expected_version=version, data=data, **{self.instance_kwarg: instance}
        )


class _MemberAction:
    """POST `<id>/cadres/`: a cadre sent, with the period (needs change on the parent record)."""

    member_serializer = None
    member_service = None
    parent_kwarg = ""

    def add_member(self, request):
        parent = self.get_object()
        serializer = self.member_serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        type(self).member_service(actor=request.user, data=data, **{self.parent_kwarg: parent})
        return self.respond(parent, status.HTTP_201_CREATED)


@_crud_schema("对口支援", SupportAssignmentSerializer)
class SupportAssignmentViewSet(_MemberAction, _ServiceEditable):
    """对口支援: a supporting unit → a supported county, with the cadres it sent (`cadres`, each
    with its period). Filters: `q`, `unit`, `region`, `started_after`, `started_before`, `ordering`."""

    queryset = SupportAssignment.objects.select_related("unit").prefetch_related("cadres__cadre").order_by(*BY_START)
    serializer_class = SupportAssignmentSerializer
    filterset_class = SupportAssignmentFilterSet
    create_service = support_assignment_create
    update_service = support_assignment_update
    instance_kwarg = "assignment"
    member_serializer = SupportCadreSerializer
    member_service = support_cadre_add
    parent_kwarg = "assignment"

    @extend_schema(summary="登记派出的对口支援干部", request=SupportCadreSerializer,
                   responses={201: SupportAssignmentSerializer, **_ERRORS})  # fmt: skip
    @action(detail=True, methods=["post"])
    def cadres(self, request, pk=None):
        return self.add_member(request)


@_crud_schema("联村帮户", VillageLinkSerializer)
class VillageLinkViewSet(_MemberAction, _ServiceEditable):
    """联村帮户: a unit → a linked village, with the cadres it sent (`cadres`). Filters: `q`,
    `unit`, `region`, `started_after`, `started_before`, `ordering`."""

    queryset = VillageLink.objects.select_related("unit").prefetch_related("cadres__cadre").order_by(*BY_START)
    serializer_class = VillageLinkSerializer
    filterset_class = VillageLinkFilterSet
    create_service = village_link_create
    update_service = village_link_update
    instance_kwarg = "link"
    member_serializer = LinkCadreSerializer
    member_service = link_cadre_add
    parent_kwarg = "link"

    @extend_schema(summary="登记派驻联系村的干部", request=LinkCadreSerializer,
                   responses={201: VillageLinkSerializer, **_ERRORS})  # fmt: skip
    @action(detail=True, methods=["post"])
    def cadres(self, request, pk=None):
        return self.add_member(request)


@_crud_schema("联村项目", LinkProjectSerializer)
class LinkProjectViewSet(_ServiceEditable):
    """联村项目 (资金以分为单位的整数). Status moves only through `advance`: planned → under_way →
    completed. Filters: `q`, `kind`, `status`, `link`, `region`, `ordering`."""

    queryset = LinkProject.objects.order_by("-planned_on", "-id")
    serializer_class = LinkProjectSerializer
    filterset_class = LinkProjectFilterSet
    create_service = link_project_create
    update_service = link_project_update
    instance_kwarg = "project"

    @extend_schema(summary="项目开工或完成（需 version）", request=LinkProjectAdvanceSerializer,
                   responses={200: LinkProjectSerializer, **_ERRORS})  # fmt: skip
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        project = self.get_object()
        serializer = LinkProjectAdvanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = link_project_advance(actor=request.user, project=project, expected_version=data["version"],
                                       status=data["status"], on=data["on"])  # fmt: skip
        return self.respond(project)


@_crud_schema("联村培训", TrainingSerializer)
class TrainingViewSet(_ServiceEditable):
    """联村培训 (培训人次 ≥ 1). Filters: `q`, `link`, `region`, `held_after`, `held_before`, `ordering`."""

    queryset = Training.objects.order_by("-held_on", "-id")
    serializer_class = TrainingSerializer
    filterset_class = TrainingFilterSet
    create_service = training_create
    update_service = training_update
    instance_kwarg = "training"


@_crud_schema("蹲点", StaySerializer)
class StayViewSet(_ServiceEditable):
    """蹲点: a cadre's stay in a village or community; each stay is one person-time. Filters: `q`,
    `cadre`, `region`, `started_after`, `started_before`, `ordering`."""

    queryset = Stay.objects.select_related("cadre").order_by("-started_on", "-id")
    serializer_class = StaySerializer
    filterset_class = StayFilterSet
    create_service = stay_create
    update_service = stay_update
    instance_kwarg = "stay"
