from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.models import User
from regions.models import Post


def admin_login(request, extra_context=None):
    """The admin signs in through the one sign-in page (lockout, second factor, audit)."""
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next") or "/admin/")


admin.site.login = admin_login


class PostInline(admin.TabularInline):
    model = Post
    extra = 0
    autocomplete_fields = ["region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Superusers only. The system administrator manages users on the audited pages under
    /accounts/users/, which keep 三员分立 (no administrator accounts, no rights to oneself)."""

    list_display = ["username", "display_name", "is_active", "last_login"]
    search_fields = ["username", "display_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (None, {"fields": ["display_name", "must_change_password", "password_changed_at", "totp_confirmed_at"]}),
    )
    readonly_fields = ["totp_confirmed_at"]
    inlines = [PostInline]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
