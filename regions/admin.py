from django.contrib import admin

from regions.models import Post, Region
from regions.scoping import restrict


class ScopedAdminMixin:
    """The admin reads through the same scope as every other entry point."""

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Region:
            kwargs["queryset"] = restrict(Region.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "is_tibetan_area", "is_community"]
    list_filter = ["level", "is_tibetan_area", "is_community"]
    search_fields = ["code", "name"]
    readonly_fields = ["parent"]


@admin.register(Post)
class PostAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "region", "role", "is_active", "valid_until"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "region__name", "region__code"]
    autocomplete_fields = ["region", "user"]
