"""Writing the audit trail. Every service that changes a record calls `audit_record`."""

from django.db import models

from audit.choices import Action, Outcome
from audit.models import AuditEvent
from core.requestlocal import current_ip
from core.validators import mask_id_number, mask_phone


def _plain(value):
    if isinstance(value, models.Model):
        return str(value.pk)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


# Personal data never enters the trail in clear: ID numbers and phones masked, the rest hidden.
_MASKED = {
    "head_id_number": mask_id_number,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "raiser_phone": mask_phone,
}
_HIDDEN = {"health_note", "head_id_hash", "id_hash"}


def _safe(name, value):
    value = _plain(value)
    if value in (None, ""):
        return value
    if name in _MASKED:
        return _MASKED[name](str(value))
    if name in _HIDDEN:
        return "***"
    return value


def diff_fields(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed, personal data masked."""
    return {
        name: [_safe(name, before.get(name)), _safe(name, value)]
        for name, value in after.items()
        if _plain(before.get(name)) != _plain(value)
    }


def snapshot(instance, fields) -> dict:
    return {name: getattr(instance, name) for name in fields}


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    region_code: str = "",
    changes: dict | None = None,
    outcome: str = Outcome.SUCCESS,
    message: str = "",
    object_type: str = "",
) -> AuditEvent:
    if obj is not None and not region_code:
        from regions.scoping import is_scoped_model, region_code_of

        region_code = (region_code_of(obj) or "") if is_scoped_model(type(obj)) else ""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=(str(actor) if getattr(actor, "is_authenticated", False) else "")[:150],
        ip_address=current_ip(),
        action=action,
        outcome=outcome,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        region_code=region_code,
        changes=changes or {},
        message=message[:500],
    )


__all__ = ["Action", "Outcome", "audit_record", "diff_fields", "snapshot"]
