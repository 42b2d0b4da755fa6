from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User
from regions.models import Post


class PostInline(admin.TabularInline):
    model = Post
    extra = 0
    autocomplete_fields = ["region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "is_active", "last_login"]
    search_fields = ["username", "display_name"]
    fieldsets = (*BaseUserAdmin.fieldsets, (None, {"fields": ["display_name"]}))
    inlines = [PostInline]
