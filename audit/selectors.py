from audit.models import AuditEvent
from regions.scoping import restrict


def object_history(*, obj):
    """Change history of one record, newest first. The caller has already fetched `obj` through
    the scope, so its history is visible to whoever may see the record itself."""
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("-at", "-id")


def audit_event_list(*, user):
    return restrict(AuditEvent.objects.all(), user)
