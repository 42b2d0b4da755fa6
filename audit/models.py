from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import Action, Outcome
from regions.fields import RegionCodeField
from regions.scoping import ScopeSpec


class AppendOnlyError(Exception):
    """The audit trail is append-only: the application may add events, never change or remove them.
    Only the retention purge (`audit.services.audit_retention_purge`) removes events past the
    retention period, below the ORM, through the database guard it alone opens."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def _raw_delete(self, using):
        raise AppendOnlyError("audit events cannot be deleted")

    delete.queryset_only = True


class AuditEvent(models.Model):
    """One entry of the audit trail: who did what, when, from where, to which record, with
    what outcome. For a change to a case record (a ledger item, a case, a pair) `changes` names
    the fields that changed ({"fields": [...]}) and the values live in the record's change history
    (`ChangeRecord`), which only those who may see the record read: the auditor (三员分立) reads
    no case content here. Other events keep their own details in `changes` (counts, the field a
    sensitive read showed). Written only by `audit.services.audit_record`; never updated."""

    # Set once, at insert (the default); the retention purge relies on it never moving.
    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices, db_index=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    # The region the record belongs to, so the trail is scoped like everything else.
    region_code = RegionCodeField(_("区划代码"), blank=True, db_index=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)

    scoping = ScopeSpec(region_field=None, code_field="region_code")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object_at")]
        permissions = [("export_auditevent", _("导出审计记录"))]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")


class ChangeRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("change history cannot be rewritten")


class ChangeRecord(models.Model):
    """One entry of a record's change history (a ledger item, a case, a pair): who changed what,
    when, and the values before and after ({field: [old, new]}, personal data masked as the
    record's model declares). Scoped like the record (its region code): only those who may see
    the record read its history. The audit trail's event for the same change (`audit_event_id`)
    names the fields only, so the auditor (三员分立) reads no case content.
    Written only by `audit.services.audit_record`; never updated."""

    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象编号"), max_length=64)
    region_code = RegionCodeField(_("区划代码"), blank=True, db_index=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    # Text that came with the change (a resident's comment on a rating): case content too.
    message = models.CharField(_("说明"), max_length=500, blank=True)
    # The audit trail's event for the same change. Not a foreign key: the trail is purged after its
    # retention period, the history is kept with the record.
    audit_event_id = models.BigIntegerField(_("审计记录编号"), null=True, blank=True)

    scoping = ScopeSpec(region_field=None, code_field="region_code")

    objects = ChangeRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("变更历史")
        verbose_name_plural = _("变更历史")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="change_object_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("change history cannot be rewritten")
        super().save(*args, **kwargs)
