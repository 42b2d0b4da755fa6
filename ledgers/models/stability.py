from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ledgers.choices import LedgerKindCode, MatterOutcome, MatterStatus, MatterType, RiskLevel
from ledgers.models.base import LedgerEntry
from ledgers.querysets import StabilityMatterQuerySet
from regions.scoping import ScopeSpec


class StabilityMatter(LedgerEntry):
    """稳定工作: a dispute or a risk to stability, screened by level and type (分层分类), with its
    parties, mediator, mediation steps and outcome. It can be escalated into a petition case."""

    ledger_kind_code = LedgerKindCode.STABILITY

    matter_type = models.CharField(_("矛盾类型"), max_length=20, choices=MatterType.choices, db_index=True)
    title = models.CharField(_("事项"), max_length=200)
    parties = models.TextField(_("当事人"))
    summary = models.TextField(_("基本情况"), blank=True)
    risk_level = models.CharField(
        _("风险等级"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW, db_index=True
    )
    mediator = models.CharField(_("调解人"), max_length=50, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=MatterStatus.choices, default=MatterStatus.REGISTERED)
    outcome = models.CharField(_("化解结果"), max_length=20, choices=MatterOutcome.choices, blank=True)
    outcome_note = models.TextField(_("结果说明"), blank=True)
    deadline = models.DateField(_("化解期限"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("化解时间"), null=True, blank=True)
    # Hook for the petitions app: the case this matter was escalated into.
    escalated_reference = models.CharField(_("转信访编号"), max_length=40, blank=True)

    objects = StabilityMatterQuerySet.as_manager()

    class Meta:
        verbose_name = _("稳定事项")
        verbose_name_plural = _("稳定事项")
        ordering = ["-registered_on", "-id"]
        indexes = [
            models.Index(fields=["region", "status", "risk_level"], name="matter_region_status_risk"),
            # The list page's overdue count (region prefix, open, deadline < today).
            models.Index(
                fields=["region", "deadline"],
                condition=StabilityMatterQuerySet.open_q(),
                name="matter_open_region_deadline",
            ),
            # The dashboards' longest-overdue list of a province or prefecture: open matters in
            # deadline order, read until ten fall in the region.
            models.Index(
                fields=["deadline", "id"],
                condition=StabilityMatterQuerySet.open_q(),
                name="matter_open_deadline",
            ),
        ]
        permissions = [
            ("transition_stabilitymatter", _("变更稳定事项状态")),
            ("import_stabilitymatter", _("导入稳定事项")),
            ("export_stabilitymatter", _("导出稳定事项")),
        ]

    def __str__(self):
        return self.title


class MediationStep(models.Model):
    matter = models.ForeignKey(StabilityMatter, on_delete=models.CASCADE, related_name="steps")
    happened_on = models.DateField(_("日期"))
    action = models.TextField(_("调解经过"))
    by = models.CharField(_("参与人"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    scoping = ScopeSpec(region_field="matter__region")

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["happened_on", "id"]

    def __str__(self):
        return f"{self.happened_on}"
