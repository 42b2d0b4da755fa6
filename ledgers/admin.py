"""Admin for the ledgers: ledger kinds are configuration and editable; ledger items are shown
read-only and scoped (every change to them goes through the services, which check the status
machine, refuse stale edits and record history). Personal numbers are never shown here."""

from django.contrib import admin

from ledgers.models import HardshipHousehold, Ledger, LedgerKind, LivelihoodAppeal, StabilityMatter, VillageProfile
from regions.admin import ScopedAdminMixin


@admin.register(LedgerKind)
class LedgerKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


class ReadOnlyScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a province's rows on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Ledger)
class LedgerAdmin(ReadOnlyScopedAdmin):
    list_display = ["region", "kind", "opened_at", "opened_by"]
    list_filter = ["kind"]
    list_select_related = ["region", "kind", "opened_by"]
    search_fields = ["region__code", "region__name"]


@admin.register(LivelihoodAppeal)
class LivelihoodAppealAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "region", "category", "status", "registered_on", "promised_date"]
    list_filter = ["status", "category", "triage"]
    list_select_related = ["region"]
    search_fields = ["title", "raiser_name", "region__code"]
    exclude = ["raiser_phone"]


@admin.register(HardshipHousehold)
class HardshipHouseholdAdmin(ReadOnlyScopedAdmin):
    list_display = ["head_name", "region", "status", "member_count", "registered_on"]
    list_filter = ["status", "is_sensitive"]
    list_select_related = ["region"]
    search_fields = ["head_name", "region__code"]
    exclude = ["head_id_number", "head_id_hash", "phone"]


@admin.register(StabilityMatter)
class StabilityMatterAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "region", "matter_type", "risk_level", "status", "deadline"]
    list_filter = ["status", "matter_type", "risk_level"]
    list_select_related = ["region"]
    search_fields = ["title", "region__code"]


@admin.register(VillageProfile)
class VillageProfileAdmin(ReadOnlyScopedAdmin):
    list_display = ["region", "updated_at", "version"]
    list_select_related = ["region"]
    search_fields = ["region__code", "region__name"]
