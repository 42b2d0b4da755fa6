"""Serializers of the ledger API. They validate and present; the services write.

ID and phone numbers are write-only in full and read back masked. `version` is read with every
record and required on every edit: an edit based on an older version answers 409.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ledgers.choices import (
    APPEAL_TRANSITIONS,
    MATTER_TRANSITIONS,
    HardshipType,
    MatterOutcome,
)
from ledgers.models import HardshipHousehold, LivelihoodAppeal, StabilityMatter, VillageProfile
from ledgers.querysets import LivelihoodAppealQuerySet, StabilityMatterQuerySet
from ledgers.services.rules import (
    MAX_FEN,
    MEMBER_COUNT_MAX,
    MEMBER_COUNT_MESSAGE,
    MEMBER_COUNT_MIN,
    MONEY_NEGATIVE,
    MONEY_TOO_LARGE,
)
from regions.choices import Level
from regions.models import Region
from regions.scoping import restrict


class StaffTargetField(serializers.ChoiceField):
    """The statuses staff may choose (the schema's enum). A status only another service may set
    (rated, reopened, escalated) is refused with the status machine's own message."""

    def __init__(self, *, machine, **kwargs):
        self.machine = machine
        super().__init__(choices=[(s.value, s.label) for s in machine.staff_targets], **kwargs)

    def to_internal_value(self, data):
        error = self.machine.reserved_error(str(data))
        if error is not None:
            raise serializers.ValidationError(error.messages, code="transition_not_allowed")
        return super().to_internal_value(data)


class ScopedRegionField(serializers.PrimaryKeyRelatedField):
    """A village (or township) code where the caller may add records of the serializer's model."""

    default_error_messages = {
        "does_not_exist": _("村（社区）“{pk_value}”不存在，或不在您可以登记的范围内。"),
        "incorrect_type": _("应为区划代码（字符串）。"),
    }

    def __init__(self, *, levels=(Level.VILLAGE, Level.TOWNSHIP), **kwargs):
        self.levels = levels
        kwargs.setdefault("queryset", Region.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        model = self.parent.Meta.model
        permission = f"{model._meta.app_label}.add_{model._meta.model_name}"
        regions = Region.objects.filter(level__in=self.levels)
        return restrict(regions, request.user, permission) if request else regions.none()

    def to_representation(self, value):
        return value.pk if hasattr(value, "pk") else value


class LedgerEntrySerializer(serializers.ModelSerializer):
    """Fields every ledger entry shares: where, when, version, who registered it."""

    region = ScopedRegionField(help_text=_("村（社区）的 12 位区划代码（或乡镇 9 位代码）；创建后不能修改。"))
    region_name = serializers.CharField(source="region.name", read_only=True)
    township_name = serializers.SerializerMethodField(help_text=_("所属乡镇（街道）"))
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=_("读取记录时的版本号；修改时必填，版本已过期则返回 409。"),
    )
    created_by = serializers.StringRelatedField(read_only=True)
    registered_on = serializers.DateField(required=False, help_text=_("登记日期；不填为今天"))

    SHARED_FIELDS = (
        "id",
        "region",
        "region_name",
        "township_name",
        "registered_on",
        "version",
        "created_by",
        "created_at",
        "updated_at",
    )

    @extend_schema_field(OpenApiTypes.STR)
    def get_township_name(self, obj) -> str:
        parent = getattr(obj.region, "parent", None)
        return parent.name if parent is not None and obj.region.level == Level.VILLAGE else ""

    def validate(self, attrs):
        # The business rules (dates, phone, money, household size) are the services' to check.
        if self.instance is not None:
            if "version" not in attrs:
                raise serializers.ValidationError({"version": [_("修改时必须提供读取记录时的版本号（version）。")]})
            if "region" in attrs and attrs["region"].pk != self.instance.region_id:
                raise serializers.ValidationError({"region": [_("不能修改所属村（社区）。")]})
        return attrs

    def service_data(self, editable_fields) -> dict:
        """The validated values the service accepts (region and version travel separately)."""
        return {k: v for k, v in self.validated_data.items() if k in editable_fields}


# --- 民生诉求 ----------------------------------------------------------------------------------
class LivelihoodAppealSerializer(LedgerEntrySerializer):
    raiser_phone = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=30,
        help_text=_("完整号码，只写；读取时见 raiser_phone_masked。"),
    )
    raiser_phone_masked = serializers.SerializerMethodField()
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    triage_display = serializers.CharField(source="get_triage_display", read_only=True)
    is_overdue = serializers.SerializerMethodField(help_text=_("仍待办理且已过承诺办结日期"))

    class Meta:
        model = LivelihoodAppeal
        fields = (
            *LedgerEntrySerializer.SHARED_FIELDS,
            "category",
            "category_display",
            "raised_by",
            "raiser_name",
            "raiser_phone",
            "raiser_phone_masked",
            "title",
            "description",
            "triage",
            "triage_display",
            "responsible_person",
            "promised_date",
            "funds_spent_fen",
            "status",
            "status_display",
            "is_overdue",
            "resolution",
            "responded_at",
            "resolved_at",
            "disclosed_at",
            "reopen_count",
        )
        read_only_fields = ("status", "resolution", "responded_at", "resolved_at", "disclosed_at", "reopen_count")
        # The bounds are the services' money rule, stated here for the schema, with its message.
        extra_kwargs = {
            "funds_spent_fen": {
                "min_value": 0,
                "max_value": MAX_FEN,
                "error_messages": {"min_value": MONEY_NEGATIVE, "max_value": MONEY_TOO_LARGE},
                "help_text": _("投入资金，单位：分（整数）"),
            }
        }

    @extend_schema_field(OpenApiTypes.STR)
    def get_raiser_phone_masked(self, obj) -> str:
        return LivelihoodAppeal.personal_data.mask("raiser_phone", obj.raiser_phone)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_overdue(self, obj) -> bool:
        return LivelihoodAppealQuerySet.is_overdue(obj)


class AppealTransitionSerializer(serializers.Serializer):
    target = StaffTargetField(
        machine=APPEAL_TRANSITIONS,
        help_text=_("目标状态：in_progress 办理中、resolved 已解决、disclosed 已公开"),
    )
    resolution = serializers.CharField(required=False, allow_blank=True, max_length=5000, help_text=_("办结时必填"))
    version = serializers.IntegerField(min_value=1, required=False, help_text=_("可选；给出时必须是最新版本，否则 409"))


class RatingLinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text=_("评价链接（单次有效）"))
    expires_at = serializers.DateTimeField()
    qr_svg = serializers.CharField(help_text=_("二维码（内嵌 SVG）"))


# --- 困难群众 ----------------------------------------------------------------------------------
class HardshipTypesField(serializers.ListField):
    """Read from the prefetched `hardships` rows, sorted; written as a list of type codes."""

    def get_attribute(self, instance):
        return sorted(h.type for h in instance.hardships.all())


class HardshipHouseholdSerializer(LedgerEntrySerializer):
    head_id_number = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=30,
        help_text=_("户主身份证号（完整，只写，按 GB 11643 校验）；读取时见 head_id_number_masked。"),
    )
    head_id_number_masked = serializers.SerializerMethodField()
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=30)
    phone_masked = serializers.SerializerMethodField()
    hardship_types = HardshipTypesField(
        child=serializers.ChoiceField(choices=HardshipType.choices),
        allow_empty=False,
        help_text=_("困难类型，可多选"),
        error_messages={"empty": _("请至少选择一种困难类型。")},
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = HardshipHousehold
        fields = (
            *LedgerEntrySerializer.SHARED_FIELDS,
            "head_name",
            "head_id_number",
            "head_id_number_masked",
            "phone",
            "phone_masked",
            "address",
            "member_count",
            "hardship_types",
            "needs",
            "is_sensitive",
            "status",
            "status_display",
            "exited_on",
            "exit_reason",
        )
        read_only_fields = ("status", "exited_on", "exit_reason")
        # The bounds are the services' household-size rule, stated here for the schema, with its message.
        extra_kwargs = {
            "member_count": {
                "min_value": MEMBER_COUNT_MIN,
                "max_value": MEMBER_COUNT_MAX,
                "error_messages": {
                    key: MEMBER_COUNT_MESSAGE % {"min": MEMBER_COUNT_MIN, "max": MEMBER_COUNT_MAX}
                    for key in ("min_value", "max_value")
                },
            }
        }

    @extend_schema_field(OpenApiTypes.STR)
    def get_head_id_number_masked(self, obj) -> str:
        return HardshipHousehold.personal_data.mask("head_id_number", obj.head_id_number)

    @extend_schema_field(OpenApiTypes.STR)
    def get_phone_masked(self, obj) -> str:
        return HardshipHousehold.personal_data.mask("phone", obj.phone)


class HouseholdExitSerializer(serializers.Serializer):
    exited_on = serializers.DateField(help_text=_("退出日期"))
    reason = serializers.CharField(max_length=200, help_text=_("退出原因"))
    version = serializers.IntegerField(min_value=1, required=False)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text=_("作废原因（必填）"))
    version = serializers.IntegerField(min_value=1, required=False, help_text=_("可选；给出时必须是最新版本，否则 409"))


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False, help_text=_("可选；给出时必须是最新版本，否则 409"))


# --- 稳定工作 ----------------------------------------------------------------------------------
class StabilityMatterSerializer(LedgerEntrySerializer):
    matter_type_display = serializers.CharField(source="get_matter_type_display", read_only=True)
    risk_level_display = serializers.CharField(source="get_risk_level_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    # Declared so the schema says what the API sends: empty until the matter is resolved or closed
    # (DRF drops allow_blank from read-only model fields).
    outcome = serializers.ChoiceField(choices=MatterOutcome.choices, allow_blank=True, read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    is_overdue = serializers.SerializerMethodField(help_text=_("仍在化解且已过化解期限"))

    class Meta:
        model = StabilityMatter
        fields = (
            *LedgerEntrySerializer.SHARED_FIELDS,
            "matter_type",
            "matter_type_display",
            "title",
            "parties",
            "summary",
            "risk_level",
            "risk_level_display",
            "mediator",
            "deadline",
            "status",
            "status_display",
            "is_overdue",
            "outcome",
            "outcome_display",
            "outcome_note",
            "resolved_at",
            "escalated_reference",
        )
        read_only_fields = ("status", "outcome", "outcome_note", "resolved_at", "escalated_reference")

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_overdue(self, obj) -> bool:
        return StabilityMatterQuerySet.is_overdue(obj)


class MatterTransitionSerializer(serializers.Serializer):
    target = StaffTargetField(
        machine=MATTER_TRANSITIONS,
        help_text=_("目标状态：mediating 调解中、resolved 已化解、closed 已终结（转信访请用 escalate）"),
    )
    outcome = serializers.ChoiceField(
        choices=MatterOutcome.choices, required=False, allow_blank=True, help_text=_("化解或终结时必填")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    version = serializers.IntegerField(min_value=1, required=False)


# --- 四个知晓 ----------------------------------------------------------------------------------
class VillageProfileSerializer(serializers.ModelSerializer):
    region = ScopedRegionField(levels=(Level.VILLAGE,), help_text=_("村（社区）的 12 位区划代码；创建后不能修改。"))
    region_name = serializers.CharField(source="region.name", read_only=True)
    version = serializers.IntegerField(
        min_value=1, required=False, help_text=_("读取记录时的版本号；修改时必填，版本已过期则返回 409。")
    )

    class Meta:
        model = VillageProfile
        fields = (
            "id",
            "region",
            "region_name",
            "village_conditions",
            "household_conditions",
            "expectations",
            "problems",
            "version",
            "created_at",
            "updated_at",
        )

    def validate(self, attrs):
        if self.instance is not None:
            if "version" not in attrs:
                raise serializers.ValidationError({"version": [_("修改时必须提供读取记录时的版本号（version）。")]})
            if "region" in attrs and attrs["region"].pk != self.instance.region_id:
                raise serializers.ValidationError({"region": [_("不能修改所属村（社区）。")]})
        return attrs

    def service_data(self, editable_fields) -> dict:
        return {k: v for k, v in self.validated_data.items() if k in editable_fields}
