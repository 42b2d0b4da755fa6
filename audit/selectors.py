"""Reads of the audit trail, always through the user's scope."""

from audit.models import AuditEvent, ChangeRecord
from regions.scoping import restrict


def object_history(*, obj):
    """Change history of one record (ChangeRecord: the values), newest first. The caller has
    already fetched `obj` through the scope, so its history is visible to whoever may see the
    record itself; the audit trail holds only the names of the fields."""
    return ChangeRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("-at", "-id")


def audit_event_list(*, user, filters=None):
    """Events in the user's scope; with `filters` (a QueryDict), the bound AuditEventFilterSet
    (check `.is_valid()`, read `.qs`)."""
    queryset = restrict(AuditEvent.objects.all(), user)
    if filters is None:
        return queryset
    from audit.filters import AuditEventFilterSet

    return AuditEventFilterSet(filters, queryset=queryset)


def audit_event_get(*, user, pk) -> AuditEvent:
    from django.http import Http404
    from django.utils.translation import gettext as _

    event = restrict(AuditEvent.objects.all(), user).filter(pk=pk).first()
    if event is None:
        raise Http404(_("未找到该审计记录，或它不在您的管辖范围内。"))
    return event


def changes_table(event: AuditEvent) -> list[dict]:
    """The event's changes as rows (field label, old, new), labels taken from the record's model."""
    model = None
    if event.object_type.count(".") == 1:
        from django.apps import apps

        try:
            model = apps.get_model(event.object_type)
        except LookupError:
            model = None
    rows = []
    changes = event.changes or {}
    if set(changes) == {"fields"} and isinstance(changes["fields"], list):
        # A change to a case record: the fields that changed, their values in the record's history.
        changes = dict.fromkeys(changes["fields"])
    for name, value in changes.items():
        label = name
        if model is not None:
            try:
                label = str(model._meta.get_field(name).verbose_name)
            except Exception:
                label = name
        if isinstance(value, (list, tuple)) and len(value) == 2:
            old, new = value
        else:
            old, new = None, value
        rows.append({"field": name, "label": label, "old": old, "new": new})
    return rows
