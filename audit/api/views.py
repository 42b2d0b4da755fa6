from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import permissions, viewsets

from audit.api.serializers import AuditEventSerializer
from audit.filters import AuditEventFilterSet
from audit.models import AuditEvent
from audit.selectors import audit_event_list
from regions.scoping import ScopedViewSetMixin


class CanViewAuditTrail(permissions.BasePermission):
    """Only holders of audit.view_auditevent (the auditor role) read the trail; others get 403."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("audit.view_auditevent"))


class AuditEventViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The audit trail of the caller's region, read-only: search with the same filters as the
    auditor's page (`q`, `actor`, `action`, `outcome`, `object_type`, `object_id`, `region`,
    `at_after`, `at_before`, `ip`) and sort with `ordering` (for example `-at`, `actor`)."""

    queryset = AuditEvent.objects.all()
    selector = audit_event_list  # the auditor's page reads through it too
    serializer_class = AuditEventSerializer
    permission_classes = [permissions.IsAuthenticated, CanViewAuditTrail]
    filterset_class = AuditEventFilterSet
    # The FilterSet carries the ordering, so page and API sort the same way.
    filter_backends = [DjangoFilterBackend]
