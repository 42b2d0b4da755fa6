"""Summaries the dashboards read: pre-aggregated figures per region, period and metric.

A full refresh writes a new *generation* of rows and switches `SummaryState.active_generation`
to it in the same transaction, so a crashed or half-finished run never shows. Incremental
refreshes fold the change log (`SummaryDelta`, filled by database triggers on the source
tables) into the active generation, also in one transaction.

On PostgreSQL the summaries and their seal are UNLOGGED tables (migration 0003): they are derived
data, recomputable from the source tables at any time, so writing them to the WAL only cost time
(about 1 GB of WAL per full refresh at seed scale, and the checkpoints that follow it). After a
database crash PostgreSQL empties unlogged tables: the seal goes with the rows, readers then see
no generation (never zeros) and the next refresh recomputes everything. The change log stays logged.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regions.fields import RegionCodeField
from regions.scoping import ScopeSpec
from reports.choices import RunKind, RunStatus


class RefreshRun(models.Model):
    """One refresh of the summaries (the run log): when, what kind, how many rows, what went wrong."""

    kind = models.CharField(_("类型"), max_length=12, choices=RunKind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # Summary rows written (full) or changed (incremental); change-log rows folded (incremental).
    rows = models.PositiveIntegerField(_("写入行数"), default=0)
    changes = models.PositiveIntegerField(_("变更记录数"), default=0)
    generation = models.PositiveBigIntegerField(_("数据版本"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)

    class Meta:
        verbose_name = _("刷新记录")
        verbose_name_plural = _("刷新记录")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "-id"], name="refreshrun_status_id")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class SummaryState(models.Model):
    """The one row saying which generation of summaries is visible and as of when."""

    active_generation = models.PositiveBigIntegerField(_("当前数据版本"), null=True, blank=True)
    data_as_of = models.DateTimeField(_("数据截至"), null=True, blank=True)
    last_run = models.ForeignKey(
        RefreshRun, verbose_name=_("最近刷新"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Where no advisory lock exists (SQLite): the run holding the refresh lock, and until when.
    lock_run_id = models.PositiveBigIntegerField(null=True, blank=True)
    lock_expires_at = models.DateTimeField(null=True, blank=True)
    # A digest of the installed change-log triggers; a full refresh reinstalls them when it differs.
    trigger_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("汇总状态")
        verbose_name_plural = _("汇总状态")

    def __str__(self):
        return f"generation {self.active_generation}"

    @property
    def visible_generation(self) -> int | None:
        """The generation readers may show: the active one if its rows are there (sealed), else
        None. `sealed` is annotated by `reports.selectors.summary_state`; otherwise it is looked up."""
        if self.active_generation is None:
            return None
        sealed = getattr(self, "sealed", None)
        if sealed is None:
            sealed = SummarySeal.objects.filter(generation=self.active_generation).exists()
        return self.active_generation if sealed else None

    @property
    def summaries_lost(self) -> bool:
        """A generation was active but its rows are gone (unlogged tables after a crash)."""
        return self.active_generation is not None and self.visible_generation is None


class Summary(models.Model):
    """One figure: the integer value of a stored metric for a region and a period ("YYYY-MM",
    or "" for the total). Rates are never stored: they are derived from stored sums and counts."""

    generation = models.PositiveBigIntegerField(_("数据版本"))
    region_code = RegionCodeField(_("区划代码"))
    period = models.CharField(_("期间"), max_length=7, blank=True)
    metric = models.CharField(_("指标"), max_length=64)
    value = models.BigIntegerField(_("数值"), default=0)

    scoping = ScopeSpec(region_field=None, code_field="region_code")

    class Meta:
        verbose_name = _("统计汇总")
        verbose_name_plural = _("统计汇总")
        ordering = ["region_code", "period", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "region_code", "period", "metric"], name="summary_unique_key"
            ),
        ]
        permissions = [
            ("refresh_summary", _("刷新统计数据")),
            ("export_summary", _("导出统计数据")),
        ]

    def __str__(self):
        return f"{self.region_code} {self.period or '*'} {self.metric}={self.value}"


class SummarySeal(models.Model):
    """Written with a generation's rows, in the same transaction and in the same kind of table
    (unlogged on PostgreSQL): while the seal of the active generation exists, its rows are all
    there. A crash that empties the summaries empties the seal too."""

    generation = models.PositiveBigIntegerField(_("数据版本"), primary_key=True)

    class Meta:
        verbose_name = _("汇总封记")
        verbose_name_plural = _("汇总封记")

    def __str__(self):
        return f"seal {self.generation}"


class SummaryDelta(models.Model):
    """The change log: what a write to a source table added to (or took from) a village's figures,
    written by database triggers in the writing transaction. `id` is the sequence; rows are
    deleted when folded into the summaries."""

    id = models.BigAutoField(primary_key=True)
    region_code = RegionCodeField()
    period = models.CharField(max_length=7)
    metric = models.CharField(max_length=64)
    value = models.BigIntegerField()

    class Meta:
        verbose_name = _("汇总变更")
        verbose_name_plural = _("汇总变更")

    def __str__(self):
        return f"{self.region_code} {self.period} {self.metric}{self.value:+d}"
