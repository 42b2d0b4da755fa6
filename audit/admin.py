from django.contrib import admin

from audit.models import AuditEvent
from regions.admin import ScopedAdminMixin


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: the trail is append-only, here as everywhere."""

    list_display = ["at", "actor_name", "action", "outcome", "object_type", "object_repr", "region_code", "ip_address"]
    list_filter = ["action", "outcome"]
    search_fields = ["actor_name", "object_repr", "object_id", "message"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
