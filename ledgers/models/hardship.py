import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField
from core.sensitive import PersonalData
from core.validators import mask_id_number, mask_phone
from ledgers.choices import HardshipType, HelpKind, HouseholdStatus, LedgerKindCode, Relation
from ledgers.models.base import LedgerEntry
from ledgers.querysets import HardshipHouseholdQuerySet
from regions.scoping import ScopeSpec


class HardshipHousehold(LedgerEntry):
    """困难群众: a household in difficulty, its hardship types, needs and the help it received,
    until it exits. ID and phone numbers are stored encrypted, with keyed hashes for lookup."""

    ledger_kind_code = LedgerKindCode.HARDSHIP

    head_name = models.CharField(_("户主姓名"), max_length=50)
    head_id_number = EncryptedTextField(_("户主身份证号"), blank=True, hash_field="head_id_hash")
    head_id_hash = models.CharField(_("身份证号索引"), max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    member_count = models.PositiveSmallIntegerField(_("家庭人口"), default=1)
    needs = models.TextField(_("主要困难与需求"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE, db_index=True
    )
    exited_on = models.DateField(_("退出日期"), null=True, blank=True)
    exit_reason = models.CharField(_("退出原因"), max_length=200, blank=True)
    # Minors or health data in the household: sensitive, shown to fewer people.
    is_sensitive = models.BooleanField(_("含敏感信息"), default=False)

    objects = HardshipHouseholdQuerySet.as_manager()

    personal_data = PersonalData(
        masked={"head_id_number": mask_id_number, "phone": mask_phone},
        hidden={"head_id_hash"},
        reveal={"head_id_number": "ledgers.reveal_hardshiphousehold"},
        personal={"head_name", "address", "needs", "exit_reason"},
    )

    class Meta:
        verbose_name = _("困难群众")
        verbose_name_plural = _("困难群众")
        ordering = ["-registered_on", "-id"]
        indexes = [models.Index(fields=["region", "status"], name="household_region_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="active", exited_on__isnull=True)
                | models.Q(status="exited", exited_on__isnull=False),
                name="household_exit_date_matches_status",
            ),
            # One household per head (the service's rule, ledgers.services.households): among the
            # households not voided, a head ID number's keyed hash appears once. The hash is the
            # newest key's when the row is written; until `rotate_field_key` has run, a number
            # stored under an older key has another digest, which the service still finds (it
            # looks under every key) while this index holds from the rotation's end on.
            models.UniqueConstraint(
                fields=["head_id_hash"],
                condition=models.Q(voided_at__isnull=True) & ~models.Q(head_id_hash=""),
                name="household_head_id_live",
                violation_error_code="duplicate_head",
                violation_error_message=_("该户主身份证号已在其他地方登记，不能重复登记。"),
            ),
        ]
        permissions = [
            ("transition_hardshiphousehold", _("变更困难群众状态")),
            ("import_hardshiphousehold", _("导入困难群众")),
            ("export_hardshiphousehold", _("导出困难群众")),
            ("reveal_hardshiphousehold", _("查看完整身份证号")),
        ]

    def __str__(self):
        return self.head_name


class HouseholdHardship(models.Model):
    """One hardship type of a household (a household can have several)."""

    household = models.ForeignKey(HardshipHousehold, on_delete=models.CASCADE, related_name="hardships")
    type = models.CharField(_("困难类型"), max_length=20, choices=HardshipType.choices)

    scoping = ScopeSpec(region_field="household__region")

    class Meta:
        verbose_name = _("困难类型")
        verbose_name_plural = _("困难类型")
        constraints = [models.UniqueConstraint(fields=["household", "type"], name="household_hardship_unique")]

    def __str__(self):
        return self.get_type_display()


class HouseholdMember(models.Model):
    household = models.ForeignKey(HardshipHousehold, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices, default=Relation.OTHER)
    id_number = EncryptedTextField(_("身份证号"), blank=True, hash_field="id_hash")
    id_hash = models.CharField(_("身份证号索引"), max_length=64, blank=True, db_index=True, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    health_note = EncryptedTextField(_("健康状况"), blank=True)
    hardship_types = models.CharField(_("个人困难类型"), max_length=200, blank=True)

    scoping = ScopeSpec(region_field="household__region")
    personal_data = PersonalData(
        masked={"id_number": mask_id_number},
        hidden={"id_hash", "health_note"},
        personal={"name", "birth_date"},
    )

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household_id", "id"]

    def __str__(self):
        return self.name

    @property
    def is_minor(self) -> bool:
        if not self.birth_date:
            return False
        today = datetime.date.today()
        age = (
            today.year
            - self.birth_date.year
            - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))
        )
        return age < 18


class HelpRecord(models.Model):
    """Help given to a household: when, what kind, how much (integer fen), by whom."""

    household = models.ForeignKey(HardshipHousehold, on_delete=models.CASCADE, related_name="help_records")
    given_on = models.DateField(_("帮扶日期"))
    kind = models.CharField(_("帮扶方式"), max_length=20, choices=HelpKind.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"), default=0)
    description = models.CharField(_("帮扶内容"), max_length=300, blank=True)
    given_by = models.CharField(_("帮扶人"), max_length=50, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    scoping = ScopeSpec(region_field="household__region")

    class Meta:
        verbose_name = _("帮扶记录")
        verbose_name_plural = _("帮扶记录")
        ordering = ["-given_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount_fen__gte=0), name="help_amount_not_negative")]

    def __str__(self):
        return f"{self.given_on} {self.get_kind_display()}"
