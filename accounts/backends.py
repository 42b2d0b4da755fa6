"""Sign-in and permissions for accounts.

`AccountBackend` checks passwords like Django's ModelBackend but refuses a locked account or
address (even with the right password), and grants no permissions of its own: Django groups and
per-user permissions are not used, so the admin, templates and the API all answer `has_perm`
from posts alone (`regions.backends.PostPermissionBackend`). Superusers keep Django's rule.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from core.requestlocal import client_address


class AccountBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        from accounts.services import active_locks

        if username is None:
            username = kwargs.get("username")
        if username and active_locks(username=username, address=client_address(request)):
            # authenticate() turns this into user_login_failed and stops trying other backends.
            raise PermissionDenied
        return super().authenticate(request, username=username, password=password, **kwargs)

    # Permissions come from posts only (三员分立 holds in the admin too).
    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False
