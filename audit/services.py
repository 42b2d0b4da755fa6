"""Writing the audit trail and the records' change history. Every service that changes a record
calls `audit_record`.

- `audit_record`: append one event (the only writer of the trail); for a change to a case
  record, also the entry of the record's change history that holds the values;
- `audit_sensitive_read`: record that a user saw a full ID or phone number, and refuse the
  read (raise) when that record cannot be written;
- `audit_retention_purge`: remove events past the retention period (never younger than
  184 days), the only path that deletes from the trail.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import Action, Outcome
from audit.models import AuditEvent, ChangeRecord
from core.exceptions import OutOfScope, ServiceError
from core.requestlocal import current_ip
from core.sensitive import personal_data_by_name
from core.validators import mask_personal_numbers

logger = logging.getLogger(__name__)

# 等保 2.0 (GB/T 22239-2019) and the Cybersecurity Law ask for logs kept at least six months.
MIN_RETENTION_DAYS = 184
# The retention purge deletes in batches of this many rows, one transaction each.
PURGE_BATCH_SIZE = 10_000


def _plain(value):
    if isinstance(value, models.Model):
        return str(value.pk)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


# Personal data never enters the trail in clear: what each model declares in `personal_data`
# (core.sensitive) is masked (ID and phone numbers) or hidden (health notes, search hashes).
def _safe(name, value):
    return personal_data_by_name().safe(name, _plain(value))


def _scrub_changes(value):
    """Every text inside `changes` masked like a message (a filter typed into a search, a label)."""
    if isinstance(value, str):
        return mask_personal_numbers(value)
    if isinstance(value, list):
        return [_scrub_changes(item) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_changes(item) for key, item in value.items()}
    return value


def scrub_text(text: str) -> str:
    """Mask anything in free text (messages, labels, reasons typed by users, filters) that is or
    normalises to a resident ID or a mobile number: "510121 19640728 0476" and full-width digits too."""
    return mask_personal_numbers(text)


def diff_fields(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed, personal data masked."""
    return {
        name: [_safe(name, before.get(name)), _safe(name, value)]
        for name, value in after.items()
        if _plain(before.get(name)) != _plain(value)
    }


def snapshot(instance, fields) -> dict:
    return {name: getattr(instance, name) for name in fields}


# Actions that change a record's content. On a record of a scoped model (a ledger item, a case, a
# pair) the values go to the record's change history (ChangeRecord), and the audit trail names the
# fields that changed, never their values, nor the record's title or name (三员分立: the auditor
# audits who did what, when, from where, with which outcome, without reading case content).
HISTORY_ACTIONS = frozenset({Action.CREATE, Action.UPDATE, Action.TRANSITION, Action.DELETE, Action.RATE})


def keeps_history(obj, action) -> bool:
    from regions.scoping import is_scoped_model

    return obj is not None and action in HISTORY_ACTIONS and is_scoped_model(type(obj))


def record_label(obj) -> str:
    """How the audit trail names a record it must not describe: "民生诉求 #12" (in the default
    language whatever the request's, like the rest of the trail)."""
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return f"{obj._meta.verbose_name} #{obj.pk}"


def _object_repr(obj) -> str:
    """A case record (of a scoped model) is named by type and number whatever the action: a reveal
    of a household's ID number must not tell the auditor the head's name either."""
    from regions.scoping import is_scoped_model

    if obj is None:
        return ""
    if is_scoped_model(type(obj)):
        return record_label(obj)
    return scrub_text(str(obj))[:200]


def changed_fields(changes: dict) -> dict:
    """What the audit trail keeps of a change: the names of the fields, in the order recorded."""
    return {"fields": list(changes)} if changes else {}


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
    """Append one event. An event tied to no place (sign-in, an export over several regions)
    belongs to the whole province, so the provincial auditor sees it.

    A change to a case record (`keeps_history`) is split: the event names the record by type and
    number and the fields that changed; the values and `message` (text that came with the change)
    go to the record's change history (`ChangeRecord`, scoped like the record)."""
    if obj is not None and not region_code:
        from regions.scoping import is_scoped_model, region_code_of

        region_code = (region_code_of(obj) or "") if is_scoped_model(type(obj)) else ""
    region_code = region_code or settings.JICENG_PROVINCE_CODE
    actor = actor if getattr(actor, "is_authenticated", False) else None
    actor_name = (str(actor) if actor is not None else "")[:150]
    changes = _scrub_changes(changes or {})
    message = scrub_text(message)[:500]
    history = keeps_history(obj, action)
    event = AuditEvent.objects.create(
        actor=actor,
        actor_name=actor_name,
        ip_address=current_ip(),
        action=action,
        outcome=outcome,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=_object_repr(obj),
        region_code=region_code,
        changes=changed_fields(changes) if history else changes,
        message="" if history else message,
    )
    if history:
        ChangeRecord.objects.create(
            at=event.at,
            actor=actor,
            actor_name=actor_name,
            action=action,
            object_type=event.object_type,
            object_id=event.object_id,
            region_code=region_code,
            changes=changes,
            message=message,
            audit_event_id=event.pk,
        )
    return event


# --- Sensitive reads --------------------------------------------------------------------------
class SensitiveReadRefused(ServiceError):
    """The reveal could not be written to the audit trail, so the data must not be shown."""

    def __init__(self):
        super().__init__(
            _("暂时无法记录本次查看，出于个人信息保护的要求，完整信息不予显示。请稍后再试。"),
            code="audit_unavailable",
        )


def _field_label(obj, field: str) -> str:
    try:
        return str(obj._meta.get_field(field).verbose_name)
    except Exception:
        return field


def audit_sensitive_read(*, actor, obj, field: str, permission: str | None = None, reason: str = "") -> AuditEvent:
    """Record that `actor` is about to see the full value of `obj.<field>` (an ID or phone number).

    Call it BEFORE showing the value, and show it only if this returns. `permission` (for
    example "ledgers.reveal_hardshiphousehold"), when given, is checked against the object's
    region: a refusal is itself recorded (outcome failure) and raises OutOfScope. If the event
    cannot be written, the read is refused: SensitiveReadRefused, nothing shown. The event
    names the field, never its value.
    """
    from regions.scoping import can

    label = _field_label(obj, field)
    if permission is not None and not can(actor, permission, obj):
        try:
            with transaction.atomic():
                audit_record(
                    actor=actor,
                    action=Action.REVEAL,
                    obj=obj,
                    outcome=Outcome.FAILURE,
                    changes={"field": [None, field]},
                    message=str(_("无权查看完整的%(field)s") % {"field": label}),
                )
        except Exception:
            logger.exception("audit trail unavailable while refusing a sensitive read")
        raise OutOfScope()
    message = str(_("查看完整的%(field)s") % {"field": label})
    if reason:
        message = f"{message}：{reason}"
    try:
        # A savepoint: a failed insert leaves the caller's transaction usable (on PostgreSQL).
        with transaction.atomic():
            return audit_record(
                actor=actor, action=Action.REVEAL, obj=obj, changes={"field": [None, field]}, message=message
            )
    except Exception as exc:
        logger.error("sensitive read refused: the audit event could not be written (%s)", type(exc).__name__)
        raise SensitiveReadRefused() from exc


# --- Retention --------------------------------------------------------------------------------
def retention_days() -> int:
    """The configured retention period; a value under the legal minimum is a configuration error."""
    days = getattr(settings, "JICENG_AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)
    if not isinstance(days, int) or isinstance(days, bool) or days < MIN_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"JICENG_AUDIT_RETENTION_DAYS must be an integer of at least {MIN_RETENTION_DAYS} (got {days!r})."
        )
    return days


def _purge_batch(table: str, cutoff: datetime.datetime, batch_size: int) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Opens the database guard (see the trigger in audit/migrations) for this transaction only.
            cursor.execute("SET LOCAL jiceng.audit_retention = 'on'")
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE at < %s ORDER BY id LIMIT %s)",
            [cutoff, batch_size],
        )
        return cursor.rowcount


def audit_retention_purge(*, batch_size: int = PURGE_BATCH_SIZE) -> int:
    """Delete the events older than the retention period (setting JICENG_AUDIT_RETENTION_DAYS,
    at least 184 days); younger events are never touched. Idempotent; returns the rows deleted.

    The cut-off is computed here from the clock, not taken from the caller, and on PostgreSQL
    the trigger refuses to delete any event younger than 184 days whatever this code says.
    The purge itself is recorded in the trail.
    """
    days = retention_days()
    cutoff = timezone.now() - datetime.timedelta(days=days)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    total = 0
    while True:
        deleted = _purge_batch(table, cutoff, batch_size)
        total += deleted
        if deleted < batch_size:
            break
    if total:
        audit_record(
            actor=None,
            action=Action.DELETE,
            object_type=AuditEvent._meta.label_lower,
            changes={"deleted": [None, total]},
            message=str(
                _("按保留期限（%(days)s 天）清理 %(cutoff)s 之前的审计记录 %(count)s 条")
                % {"days": days, "cutoff": timezone.localtime(cutoff).strftime("%Y-%m-%d %H:%M"), "count": total}
            ),
        )
    return total


__all__ = [
    "Action",
    "Outcome",
    "SensitiveReadRefused",
    "audit_record",
    "audit_retention_purge",
    "audit_sensitive_read",
    "diff_fields",
    "snapshot",
]
