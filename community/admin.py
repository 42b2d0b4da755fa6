"""Admin for the community app: read-only and scoped, like the ledgers' (every change goes through
the services, which check the rules and record history). Phone numbers are never shown here."""

from django.contrib import admin

from community.models import CommunityReport, ReportingMember, ReportingOrganisation, ServiceOrder
from ledgers.admin import ReadOnlyScopedAdmin


@admin.register(ReportingOrganisation)
class ReportingOrganisationAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "organ_name", "organ_level", "region"]
    search_fields = ["name", "organ_name"]
    exclude = ["phone"]


@admin.register(ReportingMember)
class ReportingMemberAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "workplace", "region"]
    search_fields = ["name"]
    exclude = ["phone", "phone_hash"]


@admin.register(CommunityReport)
class CommunityReportAdmin(ReadOnlyScopedAdmin):
    list_display = ["community", "kind", "basis", "status", "reported_on"]
    list_filter = ["kind", "basis", "status"]


@admin.register(ServiceOrder)
class ServiceOrderAdmin(ReadOnlyScopedAdmin):
    list_display = ["need", "region", "category", "status", "placed_at"]
    list_filter = ["status", "category", "service_kind"]
    exclude = ["phone"]
