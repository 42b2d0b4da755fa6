"""Serializers of the pairings API. They validate and present; the services write.

ID and phone numbers are write-only in full and read back masked. `version` is read with every
versioned record and required on every edit: an edit based on an older version answers 409.
Related records (unit, cadre, household, pair) are chosen among those the caller may see.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.validators import mask_id_number, mask_phone
from pairings.models import (
    Cadre,
    Household,
    LinkCadre,
    LinkProject,
    MustVisitEvent,
    OwedVisit,
    Pair,
    Stay,
    SupportAssignment,
    SupportCadre,
    Training,
    Unit,
    VillageLink,
    Visit,
)
from pairings.selectors import unit_pickable
from regions.models import Region
from regions.scoping import restrict


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related record the caller may see (restrict), else "does not exist"."""

    default_error_messages = {"does_not_exist": _("“{pk_value}”不存在，或不在您的管辖范围内。")}

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return restrict(self.model.objects.all(), request.user) if request else self.model.objects.none()


class PickableUnitField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"does_not_exist": _("单位“{pk_value}”不存在，或不在您可选择的范围内。")}

    def get_queryset(self):
        request = self.context.get("request")
        return unit_pickable(user=request.user) if request else Unit.objects.none()


class RegionCodeField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"does_not_exist": _("区划“{pk_value}”不存在，或不在您的管辖范围内。")}

    def get_queryset(self):
        request = self.context.get("request")
        return restrict(Region.objects.all(), request.user) if request else Region.objects.none()

    def to_representation(self, value):
        return value.pk if hasattr(value, "pk") else value


VERSION_HELP = _("读取记录时的版本号；修改时必填，版本已过期则返回 409。")


class VersionedSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(min_value=1, required=False, help_text=VERSION_HELP)

    def validate(self, attrs):
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError({"version": [_("修改时必须提供读取记录时的版本号（version）。")]})
        return attrs


class UnitSerializer(VersionedSerializer):
    region = RegionCodeField(queryset=Region.objects.none(), help_text=_("所在区划代码"))
    parent = PickableUnitField(queryset=Unit.objects.none(), required=False, allow_null=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "level", "kind", "region", "parent", "is_active", "version", "created_at"]
        read_only_fields = ["created_at"]


class CadreSerializer(VersionedSerializer):
    unit = PickableUnitField(queryset=Unit.objects.none())
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    home_region = RegionCodeField(queryset=Region.objects.none(), help_text=_("所在区划代码"))
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=18)
    phone_masked = serializers.SerializerMethodField()
    id_number_masked = serializers.SerializerMethodField()

    class Meta:
        model = Cadre
        fields = ["id", "name", "unit", "unit_name", "post", "is_party_member", "phone", "id_number", "phone_masked",
                  "id_number_masked", "home_region", "is_active", "is_unit_leader", "version", "created_at"]  # fmt: skip
        read_only_fields = ["created_at"]

    def get_phone_masked(self, cadre) -> str:
        return mask_phone(cadre.phone)

    def get_id_number_masked(self, cadre) -> str:
        return mask_id_number(cadre.id_number) if cadre.id_number else ""


class HouseholdSerializer(serializers.ModelSerializer):
    region = RegionCodeField(queryset=Region.objects.none())
    head_id_masked = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = ["id", "kind", "region", "head_name", "head_id_masked", "member_count", "hardship_household"]
        read_only_fields = fields

    def get_head_id_masked(self, household) -> str:
        return mask_id_number(household.head_id_number) if household.head_id_number else ""


class PairSerializer(serializers.ModelSerializer):
    cadre = ScopedPrimaryKeyField(Cadre)
    household = ScopedPrimaryKeyField(Household)
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    household_name = serializers.CharField(source="household.head_name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = Pair
        fields = ["id", "cadre", "cadre_name", "household", "household_name", "region", "kind", "status",
                  "started_on", "ended_on", "end_reason", "version", "created_at"]  # fmt: skip
        read_only_fields = ["status", "ended_on", "end_reason", "version", "created_at"]


class PairEndSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)
    ended_on = serializers.DateField()
    reason = serializers.CharField(max_length=200)


class VisitSerializer(serializers.ModelSerializer):
    pair = ScopedPrimaryKeyField(Pair)
    cadre = serializers.IntegerField(source="cadre_id", read_only=True)
    household = serializers.IntegerField(source="household_id", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    help_money_fen = serializers.IntegerField(min_value=0, max_value=10**13, required=False, default=0)

    class Meta:
        model = Visit
        fields = ["id", "pair", "cadre", "household", "region", "visited_on", "kind", "found", "help_money_fen",
                  "help_goods", "help_service", "follow_up_needed", "follow_up", "created_at"]  # fmt: skip
        read_only_fields = ["created_at"]


class MustVisitEventSerializer(serializers.ModelSerializer):
    household = ScopedPrimaryKeyField(Household)
    region = serializers.CharField(source="region_id", read_only=True)
    owed_visits = serializers.IntegerField(source="owed_count", read_only=True, required=False)

    class Meta:
        model = MustVisitEvent
        fields = ["id", "household", "region", "kind", "occurred_on", "note", "source_hardship", "source_matter",
                  "owed_visits", "created_at"]  # fmt: skip
        read_only_fields = ["source_hardship", "source_matter", "created_at"]


class OwedVisitSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = OwedVisit
        fields = ["id", "event", "pair", "cadre", "household", "region", "kind", "event_on", "due_on", "status",
                  "visit", "fulfilled_on", "on_time"]  # fmt: skip
        read_only_fields = fields


# --- 对口支援、联村帮户、蹲点 ---------------------------------------------------------------------------


class MemberSerializer(serializers.ModelSerializer):
    """A cadre sent (to a supported county or a linked village), with the period."""

    cadre = ScopedPrimaryKeyField(Cadre)
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)

    class Meta:
        fields = ["id", "cadre", "cadre_name", "started_on", "ended_on", "version"]
        read_only_fields = ["version"]


class SupportCadreSerializer(MemberSerializer):
    class Meta(MemberSerializer.Meta):
        model = SupportCadre


class LinkCadreSerializer(MemberSerializer):
    class Meta(MemberSerializer.Meta):
        model = LinkCadre


class SupportAssignmentSerializer(VersionedSerializer):
    unit = PickableUnitField(queryset=Unit.objects.none())
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    region = RegionCodeField(queryset=Region.objects.none(), help_text=_("受援县代码"))
    cadres = SupportCadreSerializer(many=True, read_only=True)

    class Meta:
        model = SupportAssignment
        fields = ["id", "unit", "unit_name", "region", "started_on", "ended_on", "note", "cadres", "version",
                  "created_at"]  # fmt: skip
        read_only_fields = ["created_at"]


class VillageLinkSerializer(VersionedSerializer):
    unit = PickableUnitField(queryset=Unit.objects.none())
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    region = RegionCodeField(queryset=Region.objects.none(), help_text=_("联系村代码"))
    cadres = LinkCadreSerializer(many=True, read_only=True)

    class Meta:
        model = VillageLink
        fields = ["id", "unit", "unit_name", "region", "started_on", "ended_on", "note", "cadres", "version",
                  "created_at"]  # fmt: skip
        read_only_fields = ["created_at"]


class LinkProjectSerializer(VersionedSerializer):
    link = ScopedPrimaryKeyField(VillageLink)
    region = serializers.CharField(source="region_id", read_only=True)
    funds_fen = serializers.IntegerField(min_value=0, max_value=10**13, required=False, default=0)

    class Meta:
        model = LinkProject
        fields = ["id", "link", "region", "name", "kind", "funds_fen", "status", "planned_on", "started_on",
                  "completed_on", "version", "created_at"]  # fmt: skip
        read_only_fields = ["status", "started_on", "completed_on", "created_at"]


class LinkProjectAdvanceSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)
    status = serializers.ChoiceField(choices=["under_way", "completed"], help_text=_("实施中或已完成"))
    on = serializers.DateField(help_text=_("开工或完成日期"))


class TrainingSerializer(VersionedSerializer):
    link = ScopedPrimaryKeyField(VillageLink)
    region = serializers.CharField(source="region_id", read_only=True)
    person_times = serializers.IntegerField(min_value=1, max_value=10**6)

    class Meta:
        model = Training
        fields = ["id", "link", "region", "held_on", "topic", "person_times", "version", "created_at"]
        read_only_fields = ["created_at"]


class StaySerializer(VersionedSerializer):
    cadre = ScopedPrimaryKeyField(Cadre)
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    region = RegionCodeField(queryset=Region.objects.none(), help_text=_("村（社区）代码"))

    class Meta:
        model = Stay
        fields = ["id", "cadre", "cadre_name", "region", "started_on", "ended_on", "purpose", "work_done", "version",
                  "created_at"]  # fmt: skip
        read_only_fields = ["created_at"]
