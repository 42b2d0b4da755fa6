"""Excel imports confirmed after their dry run (导入帮扶干部、批量结对), written by a worker."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField
from core.sensitive import PersonalData
from pairings.choices import ImportJobKind, ImportJobStatus


class ImportJob(models.Model):
    """One workbook whose every row passed the dry run, kept (encrypted: it holds ID and phone
    numbers) until a worker writes it in one transaction (`pairings.tasks.import_job_run`), then
    dropped; the job keeps the result. Visible to the user who uploaded it only, like the
    ledgers' import batches."""

    kind = models.CharField(_("导入类型"), max_length=10, choices=ImportJobKind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED)
    file_name = models.CharField(_("文件名"), max_length=200)
    content = EncryptedTextField(_("文件内容"), blank=True)  # base64 of the workbook, until written
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    written_rows = models.PositiveIntegerField(_("已写入行数"), default=0)
    errors = models.JSONField(_("问题"), default=list, blank=True)  # [[row, column, message]]
    personal_data = PersonalData(hidden={"content"})

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="pairing_import_status_created")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def is_queued(self) -> bool:
        return self.status == ImportJobStatus.QUEUED
