"""`user.has_perm()` answered from the user's posts: role grants the permission, and the
object's region (if an object is given) lies in the post's region."""

from regions.roles import role_grants, role_grants_app
from regions.scoping import is_owner, is_scoped_model, region_code_of, user_posts


class PostPermissionBackend:
    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active or not user_obj.is_authenticated:
            return False
        posts = [post for post in user_posts(user_obj) if role_grants(post.role, perm)]
        if obj is None:
            return bool(posts)
        if not is_scoped_model(type(obj)):
            return bool(posts)
        if perm.split(".", 1)[-1].startswith("view_") and is_owner(user_obj, obj):
            return True
        code = region_code_of(obj)
        return code is not None and any(code.startswith(post.region_id) for post in posts)

    def has_module_perms(self, user_obj, app_label):
        if not user_obj.is_active:
            return False
        return any(role_grants_app(post.role, app_label) for post in user_posts(user_obj))
