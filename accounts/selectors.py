"""Reads for account management, scoped: what the administrator may manage and nothing else."""

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import LoginThrottle, User
from accounts.policy import ADMIN_ROLES, policy
from regions.models import Post
from regions.scoping import restrict, scope_prefixes


def user_list(*, actor, query: str = ""):
    """Users the actor manages: for the system administrator, ordinary users whose every post lies
    in their jurisdiction (and new users with no post yet); never administrators or superusers."""
    users = User.objects.all()
    if not actor.is_superuser:
        prefixes = scope_prefixes(actor, "accounts.view_user")
        if not prefixes:
            return users.none()
        inside = Q()
        for prefix in prefixes:
            inside |= Q(region__code__startswith=prefix)
        active_posts = Post.objects.active().filter(user=OuterRef("pk"))
        users = users.filter(is_superuser=False).exclude(
            Exists(active_posts.filter(role__in=ADMIN_ROLES)) | Exists(active_posts.exclude(inside))
        )
    if query:
        users = users.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    posts = Post.objects.active().select_related("region").order_by("region_id")
    return users.prefetch_related(Prefetch("posts", queryset=posts, to_attr="active_posts")).order_by("username")


def user_get(*, actor, pk) -> User:
    user = user_list(actor=actor).filter(pk=pk).first() if str(pk).isdigit() else None
    if user is None:
        raise Http404(_("用户不存在，或不在您的管理范围内。"))
    return user


def business_post_list(*, actor, user: User):
    return (
        restrict(Post.objects.active().filter(user=user), actor, "accounts.grant_post")
        .exclude(role__in=ADMIN_ROLES)
        .select_related("region")
    )


def business_post_get(*, actor, pk) -> Post:
    post = (
        restrict(Post.objects.active(), actor, "accounts.grant_post")
        .exclude(role__in=ADMIN_ROLES)
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if post is None:
        raise Http404(_("岗位不存在，或不在您的管理范围内。"))
    return post


def admin_post_list(*, actor):
    return (
        restrict(Post.objects.active().filter(role__in=ADMIN_ROLES), actor, "accounts.grant_admin_post")
        .select_related("region", "user")
        .order_by("role", "user__username")
    )


def admin_post_get(*, actor, pk) -> Post:
    post = admin_post_list(actor=actor).filter(pk=pk).first() if str(pk).isdigit() else None
    if post is None:
        raise Http404(_("岗位不存在，或不在您的管理范围内。"))
    return post


def lock_list(*, actor):
    """Locks in force and recent failures, for the security administrator."""
    if not actor.has_perm("accounts.unlock_user"):
        return LoginThrottle.objects.none()
    now = timezone.now()
    recent = Q(failures__gt=0, last_failure_at__gte=now - policy().lockout)
    return LoginThrottle.objects.filter(Q(locked_until__gt=now) | recent).order_by("-locked_until", "-last_failure_at")
