"""Admin for pairings: scoped and read-only. Every change goes through the services, which
check scope, refuse stale edits and record history. Personal numbers are never shown here."""

from django.contrib import admin

from pairings.models import Cadre, Unit
from regions.admin import ScopedAdminMixin


class ReadOnlyScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "level", "kind", "region", "parent", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    list_select_related = ["region", "parent"]
    search_fields = ["name", "region__code"]


@admin.register(Cadre)
class CadreAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "unit", "post", "is_party_member", "home_region", "is_active"]
    list_filter = ["is_party_member", "is_active"]
    list_select_related = ["unit", "home_region"]
    search_fields = ["name", "unit__name"]
    exclude = ["phone", "phone_hash", "id_number", "id_hash"]
