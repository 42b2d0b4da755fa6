"""Excel imports into the ledgers: one batch per uploaded file, one row per data row.

The parsed rows live in the database (not the file), with each row's validation errors and,
once written, the id of the record it created. `(batch, row_number)` is unique and a row is
marked written in the same transaction that creates its record, so a rerun after a crash
writes every row exactly once.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    APPEALS = "appeals", _("民生诉求")
    HOUSEHOLDS = "households", _("困难群众")
    MATTERS = "matters", _("稳定事项")


class ImportStatus(models.TextChoices):
    VALIDATED = "validated", _("已校验，待导入")
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在导入")
    DONE = "done", _("已完成")
    FAILED = "failed", _("未导入")


class ImportMode(models.TextChoices):
    ALL = "all", _("全部导入")
    VALID_ONLY = "valid_only", _("只导入无误的行")


class ImportRowStatus(models.TextChoices):
    VALID = "valid", _("无误")
    INVALID = "invalid", _("有误")
    WRITTEN = "written", _("已导入")
    SKIPPED = "skipped", _("未导入")


class ImportBatch(models.Model):
    """One uploaded file: its dry-run report, the user's choice, and the result of the write.

    Visible to the user who uploaded it only (it holds the raw rows, personal data included).
    """

    kind = models.CharField(_("台账"), max_length=20, choices=ImportKind.choices)
    status = models.CharField(_("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.VALIDATED)
    mode = models.CharField(_("导入方式"), max_length=20, choices=ImportMode.choices, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    file_size = models.PositiveIntegerField(_("文件大小（字节）"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="import_batches"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始导入时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    invalid_rows = models.PositiveIntegerField(_("有误行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    written_rows = models.PositiveIntegerField(_("已导入行数"), default=0)
    skipped_rows = models.PositiveIntegerField(_("未导入行数"), default=0)
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="import_batch_user_recent")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def valid_rows(self) -> int:
        return self.total_rows - self.invalid_rows

    @property
    def is_active(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)


class ImportRow(models.Model):
    """One data row of an uploaded file: the values as read, the problems found, and the
    record it created (set in the same transaction as the record)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("行号"))
    values = models.JSONField(_("内容"), default=dict)
    # [{"column": "身份证号", "message": "..."}]
    errors = models.JSONField(_("问题"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ImportRowStatus.choices)
    object_id = models.BigIntegerField(_("已建记录编号"), null=True, blank=True)

    # ID and phone cells are stored as {"enc": token} (imports.seal_values): rotate_field_key rewrites them.
    sealed_json_fields = ("values",)

    class Meta:
        verbose_name = _("导入行")
        verbose_name_plural = _("导入行")
        ordering = ["batch_id", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="import_row_unique_number"),
            models.CheckConstraint(
                condition=models.Q(object_id__isnull=True) | models.Q(status="written"),
                name="import_row_object_only_when_written",
            ),
        ]

    def __str__(self):
        return f"{self.batch_id}:{self.row_number}"
