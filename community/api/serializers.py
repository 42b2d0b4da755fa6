"""Serializers of the community API. They validate and present; community.services writes.

Phone numbers are write-only in full and read back masked. Every action on an order carries the
`version` it was based on: an older one answers 409.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from community.choices import OrganLevel, ReportBasis, ReporterKind, ServiceKind
from community.models import CommunityReport, ReportingMember, ReportingOrganisation, ServiceOrder
from community.selectors import is_late
from core.validators import mask_phone
from regions.choices import Level
from regions.models import Region
from regions.scoping import restrict


class CommunityField(serializers.PrimaryKeyRelatedField):
    """An urban community's 12-digit code where the caller holds `permission`."""

    default_error_messages = {
        "does_not_exist": _("社区“{pk_value}”不存在，或不在您可以登记的范围内。"),
        "incorrect_type": _("应为区划代码（字符串）。"),
    }

    def __init__(self, *, permission: str, **kwargs):
        self.permission = permission
        kwargs.setdefault("queryset", Region.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        regions = Region.objects.filter(level=Level.VILLAGE, is_community=True)
        return restrict(regions, request.user, self.permission) if request else regions.none()

    def to_representation(self, value):
        return value.pk if hasattr(value, "pk") else value


class ServiceOrderSerializer(serializers.ModelSerializer):
    region = CommunityField(
        permission="community.add_serviceorder", help_text=_("社区的 12 位区划代码；登记后不能修改。")
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    phone = serializers.CharField(
        write_only=True, max_length=20, help_text=_("完整号码，只写；读取时见 phone_masked。")
    )
    phone_masked = serializers.SerializerMethodField()
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    service_kind_display = serializers.CharField(source="get_service_kind_display", read_only=True)
    assigned_member_name = serializers.SerializerMethodField()
    assigned_organisation_name = serializers.SerializerMethodField()
    not_taken_in_time = serializers.SerializerMethodField(help_text=_("点单（或重新办理）后超过规定时间仍无人接单"))
    version = serializers.IntegerField(read_only=True, help_text=_("当前版本号；每个操作都要带上，已过期则 409。"))

    class Meta:
        model = ServiceOrder
        fields = (
            "id",
            "region",
            "region_name",
            "channel",
            "category",
            "category_display",
            "need",
            "details",
            "place",
            "contact_name",
            "phone",
            "phone_masked",
            "service_kind",
            "service_kind_display",
            "status",
            "status_display",
            "not_taken_in_time",
            "assigned_member",
            "assigned_member_name",
            "assigned_organisation",
            "assigned_organisation_name",
            "dispatch_note",
            "result",
            "cancel_reason",
            "placed_at",
            "waiting_since",
            "dispatched_at",
            "taken_at",
            "completed_at",
            "rated_at",
            "cancelled_at",
            "reopen_count",
            "score",
            "version",
        )
        read_only_fields = tuple(
            f for f in fields if f not in ("region", "category", "need", "details", "place", "contact_name", "phone")
        )

    @extend_schema_field(OpenApiTypes.STR)
    def get_phone_masked(self, obj) -> str:
        return mask_phone(obj.phone)

    @extend_schema_field(OpenApiTypes.STR)
    def get_assigned_member_name(self, obj) -> str:
        return obj.assigned_member.name if obj.assigned_member_id else ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_assigned_organisation_name(self, obj) -> str:
        return obj.assigned_organisation.name if obj.assigned_organisation_id else ""

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_not_taken_in_time(self, obj) -> bool:
        return is_late(obj)


class OrderVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text=_("读取订单时的版本号；已过期则 409。")
    )


class OrderDispatchSerializer(OrderVersionSerializer):
    member = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text=_("接单党员的编号（二选一）")
    )
    organisation = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text=_("接单党组织的编号（二选一）")
    )
    service_kind = serializers.ChoiceField(choices=ServiceKind.choices, default=ServiceKind.VOLUNTEER)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate(self, attrs):
        if ("member" in attrs) == ("organisation" in attrs):
            raise serializers.ValidationError({"assignee": [_("请给出 member 或 organisation 之一。")]})
        return attrs


class OrderResultSerializer(OrderVersionSerializer):
    result = serializers.CharField(max_length=2000, help_text=_("服务情况：做了什么"))


class OrderReasonSerializer(OrderVersionSerializer):
    reason = serializers.CharField(max_length=200)


class OrderRatingLinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text=_("评价链接（单次有效）"))
    expires_at = serializers.DateTimeField()
    qr_svg = serializers.CharField(help_text=_("二维码（内嵌 SVG）"))


# --- 双报到 ------------------------------------------------------------------------------------
class ReportingOrganisationSerializer(serializers.ModelSerializer):
    phone_masked = serializers.SerializerMethodField()

    class Meta:
        model = ReportingOrganisation
        fields = ("id", "name", "organ_name", "organ_level", "party_member_count", "contact_name", "phone_masked")

    @extend_schema_field(OpenApiTypes.STR)
    def get_phone_masked(self, obj) -> str:
        return mask_phone(obj.phone)


class ReportingMemberSerializer(serializers.ModelSerializer):
    phone_masked = serializers.SerializerMethodField()
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = ReportingMember
        fields = ("id", "name", "workplace", "phone_masked", "has_account", "cadre")

    @extend_schema_field(OpenApiTypes.STR)
    def get_phone_masked(self, obj) -> str:
        return mask_phone(obj.phone)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_account(self, obj) -> bool:
        return obj.user_id is not None


class NewReporterSerializer(serializers.Serializer):
    """A new organisation (kind=organisation) or member (kind=member) recorded with the registration."""

    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20, write_only=True)
    workplace = serializers.CharField(required=False, allow_blank=True, max_length=100)
    username = serializers.CharField(required=False, allow_blank=True, max_length=150)
    organ_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    organ_level = serializers.ChoiceField(choices=OrganLevel.choices, required=False)
    party_member_count = serializers.IntegerField(required=False, min_value=0, max_value=100_000)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=50)


MEMBER_KEYS = ("name", "phone", "workplace", "username")
ORGANISATION_KEYS = ("name", "organ_name", "organ_level", "party_member_count", "contact_name", "phone")


class CommunityReportSerializer(serializers.ModelSerializer):
    community = CommunityField(permission="community.add_communityreport", help_text=_("报到社区的 12 位区划代码"))
    community_name = serializers.CharField(source="community.name", read_only=True)
    kind = serializers.ChoiceField(choices=ReporterKind.choices)
    basis = serializers.ChoiceField(
        choices=ReportBasis.choices, required=False, help_text=_("不填：党组织为单位所在地社区，党员为居住地社区")
    )
    reported_on = serializers.DateField(required=False, help_text=_("不填为今天"))
    organisation = ReportingOrganisationSerializer(read_only=True, allow_null=True)
    member = ReportingMemberSerializer(read_only=True, allow_null=True)
    reporter = NewReporterSerializer(write_only=True, help_text=_("新登记的党组织或党员"))
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = CommunityReport
        fields = (
            "id",
            "community",
            "community_name",
            "kind",
            "kind_display",
            "basis",
            "status",
            "status_display",
            "reported_on",
            "withdrawn_on",
            "withdraw_reason",
            "note",
            "organisation",
            "member",
            "reporter",
            "version",
            "created_at",
        )
        read_only_fields = ("status", "withdrawn_on", "withdraw_reason", "version", "created_at")

    def reporter_data(self) -> dict:
        data = self.validated_data["reporter"]
        keys = MEMBER_KEYS if self.validated_data["kind"] == ReporterKind.MEMBER else ORGANISATION_KEYS
        return {k: v for k, v in data.items() if k in keys}


class ReportWithdrawSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text=_("读取记录时的版本号；已过期则 409。")
    )
    reason = serializers.CharField(max_length=200)
    withdrawn_on = serializers.DateField(required=False, help_text=_("不填为今天"))
