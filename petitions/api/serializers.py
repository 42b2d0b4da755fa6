"""Serializers of the petitions API. They validate and present; the services write.

ID and phone numbers are write-only in full and read back masked. Every transition carries the
`version` it was based on: a stale one answers 409, and so does a transition the status machine
does not allow.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.models import WorkCalendarDay
from core.validators import mask_id_number, mask_phone
from ledgers.api.serializers import ScopedRegionField
from petitions.choices import Outcome, PetitionStatus, ReplyOpinion
from petitions.deadlines import RULES
from petitions.models import (
    DownVisit,
    Petition,
    PetitionCategory,
    PetitionDeadline,
    Petitioner,
    PetitionOwner,
    ReceptionDay,
)
from petitions.services import PETITION_FIELDS
from regions.choices import Level


class PetitionerSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=18)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    id_number_masked = serializers.SerializerMethodField()
    phone_masked = serializers.SerializerMethodField()

    class Meta:
        model = Petitioner
        fields = ("name", "id_number", "phone", "id_number_masked", "phone_masked", "address", "is_representative")

    def get_id_number_masked(self, obj) -> str:
        return mask_id_number(obj.id_number) if obj.id_number else ""

    def get_phone_masked(self, obj) -> str:
        return mask_phone(obj.phone) if obj.phone else ""


class OwnerSerializer(serializers.ModelSerializer):
    leader = serializers.StringRelatedField()
    leader_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = PetitionOwner
        fields = ("leader_id", "leader", "level", "unit", "is_lead", "assigned_at")


class DeadlineSerializer(serializers.ModelSerializer):
    article = serializers.SerializerMethodField()

    class Meta:
        model = PetitionDeadline
        fields = ("kind", "rule", "article", "start", "due", "provisional", "met_on")

    def get_article(self, obj) -> str:
        rule = RULES.get(obj.rule)
        return str(rule.article) if rule else ""


class PetitionSerializer(serializers.ModelSerializer):
    region = ScopedRegionField(levels=(Level.VILLAGE, Level.TOWNSHIP), help_text=_("涉及的村（社区）或乡镇区划代码"))
    region_name = serializers.CharField(source="region.name", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", queryset=PetitionCategory.objects.filter(is_active=True))
    petitioners = PetitionerSerializer(many=True)
    owners = OwnerSerializer(many=True, read_only=True)
    deadlines = DeadlineSerializer(many=True, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    version = serializers.IntegerField(read_only=True)
    # Declared so the schema says what the API sends: empty until the case is replied to or closed.
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    reply_opinion = serializers.ChoiceField(choices=ReplyOpinion.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Petition
        fields = (
            "id",
            "number",
            "version",
            "channel",
            "received_on",
            "region",
            "region_name",
            "title",
            "content",
            "category",
            "petition_type",
            "conflict_level",
            "is_group",
            "group_size",
            "is_first_time",
            "is_repeat",
            "is_backlog",
            "backlog_disposed_on",
            "status",
            "status_display",
            "outcome",
            "accepted_on",
            "replied_on",
            "reply_opinion",
            "closed_on",
            "extension_days",
            "current_due",
            "current_rule",
            "due_provisional",
            "petitioners",
            "owners",
            "deadlines",
        )
        read_only_fields = (
            "number",
            "is_first_time",
            "is_repeat",
            "backlog_disposed_on",
            "status",
            "outcome",
            "accepted_on",
            "replied_on",
            "reply_opinion",
            "closed_on",
            "extension_days",
            "current_due",
            "current_rule",
            "due_provisional",
        )


class TransitionSerializer(serializers.Serializer):
    target = serializers.ChoiceField(
        choices=PetitionStatus.choices, help_text=_("目标状态；已转送交办的退回已登记即异议")
    )
    version = serializers.IntegerField(min_value=1, help_text=_("读取时的版本号，过期返回 409"))
    on = serializers.DateField(required=False, help_text=_("办理日期，不填为今天"))
    reason = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.CharField(required=False, allow_blank=True, help_text=_("forward 转送 / assign 交办"))
    to_body = serializers.CharField(required=False, allow_blank=True, max_length=100)
    handling_unit = serializers.CharField(required=False, allow_blank=True, max_length=100)
    opinion = serializers.CharField(
        required=False, allow_blank=True, help_text=_("supported / explained / not_supported")
    )
    text = serializers.CharField(required=False, allow_blank=True)
    hearing_days = serializers.IntegerField(required=False, min_value=0, max_value=365)
    outcome = serializers.CharField(required=False, allow_blank=True, help_text=_("resolved / unresolved"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ExtensionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    days = serializers.IntegerField(min_value=1, max_value=30)
    reason = serializers.CharField()
    approved_by = serializers.IntegerField(min_value=1, help_text=_("批准延期的领导账号编号"))


class ProgressSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class ReceptionDaySerializer(serializers.ModelSerializer):
    leader = serializers.StringRelatedField()
    case_numbers = serializers.SerializerMethodField()

    class Meta:
        model = ReceptionDay
        fields = ("id", "leader", "region", "held_on", "place", "person_times", "notes", "case_numbers")

    def get_case_numbers(self, obj) -> list[str]:
        from regions.scoping import restrict

        return list(restrict(obj.cases.all(), self.context["request"].user).values_list("number", flat=True))


class DownVisitSerializer(serializers.ModelSerializer):
    leader = serializers.StringRelatedField()
    villages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    case_numbers = serializers.SerializerMethodField()

    class Meta:
        model = DownVisit
        fields = ("id", "leader", "region", "visited_on", "villages", "person_times", "outcome", "case_numbers")

    def get_case_numbers(self, obj) -> list[str]:
        from regions.scoping import restrict

        return list(restrict(obj.cases.all(), self.context["request"].user).values_list("number", flat=True))


class WorkCalendarDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkCalendarDay
        fields = ("date", "is_workday", "provisional", "source", "note")


class NamedOfficialInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=100, required=False, allow_blank=True)
    username = serializers.CharField(
        max_length=150, required=False, allow_blank=True, help_text=_("被反映人的系统账号名（如有）")
    )

    def validate_username(self, value):
        from django.contrib.auth import get_user_model

        if not value:
            return None
        user = get_user_model().objects.filter(username=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError(_("没有名为“%(name)s”的有效账号。") % {"name": value[:150]})
        return user


class PetitionUpdateSerializer(serializers.ModelSerializer):
    """PATCH: correct the registration. `version` is required (stale → 409); only the fields sent
    change; `petitioners` and `named_officials`, when sent, replace the lists (ID numbers are
    write-only: send them again in full, or the row keeps none)."""

    version = serializers.IntegerField(min_value=1, help_text=_("读取时的版本号，过期返回 409"))
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=PetitionCategory.objects.filter(is_active=True), required=False
    )
    petitioners = PetitionerSerializer(many=True, required=False)
    named_officials = NamedOfficialInputSerializer(many=True, required=False)

    class Meta:
        model = Petition
        # The services' editable fields (the backlog campaign is set on the pages only).
        fields = (
            "version",
            *(name for name in PETITION_FIELDS if name != "backlog_campaign"),
            "petitioners",
            "named_officials",
        )
        extra_kwargs = {name: {"required": False} for name in fields if name != "version"}

    def validate_named_officials(self, rows):
        if len(rows) > 3:
            raise serializers.ValidationError(_("被反映人最多填写 3 位。"))
        return [{"user": row.get("username"), "name": row.get("name", ""), "unit": row.get("unit", "")} for row in rows]


class OwnerAssignSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text=_("读取时的版本号，过期返回 409"))
    leader = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text=_("包案领导的账号编号"))
    unit = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text=_("责任单位"))
    is_lead = serializers.BooleanField(required=False, default=False, help_text=_("牵头包案"))
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text=_("说明"))

    def validate_leader(self, value):
        from petitions.forms import leaders_queryset

        leader = leaders_queryset(self.context["request"].user).filter(pk=value).first()
        if leader is None:
            raise serializers.ValidationError(_("该账号不是您管辖范围内的领导干部。"))
        return leader


class OwnerRemoveSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text=_("读取时的版本号，过期返回 409"))
    leader = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text=_("要撤销的包案领导账号编号"))
    reason = serializers.CharField(max_length=200, help_text=_("撤销原因（必填）"))
