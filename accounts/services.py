"""Writes of the accounts app: passwords, sign-in failures and locks, TOTP, users and posts.

Every one of them is audited. The three administrators' duties (三员分立) are enforced here:
the system administrator manages ordinary users and their business posts, the security
administrator unlocks accounts and grants the administrator roles, and nobody changes
their own rights.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import totp
from accounts.choices import ThrottleKind
from accounts.models import LoginThrottle, PasswordHistory, User
from accounts.policy import ADMIN_ROLES, is_administrator, policy
from audit.choices import Action, Outcome
from audit.services import audit_record
from core.exceptions import OutOfScope, ServiceError
from regions.choices import Role
from regions.models import Post, Region

# ---------------------------------------------------------------------------------------------
# Audit helpers: account events belong to the user's region (else the province), so the
# auditor's scope covers them.


def account_region_code(user) -> str:
    post = getattr(user, "primary_post", None) if user is not None else None
    return post.region_id if post else settings.JICENG_PROVINCE_CODE


def _audit(*, actor, action, obj=None, outcome=Outcome.SUCCESS, message="", changes=None):
    subject = obj if obj is not None else actor
    return audit_record(
        actor=actor,
        action=action,
        obj=obj,
        region_code=account_region_code(subject if isinstance(subject, User) else None),
        outcome=outcome,
        message=message,
        changes=changes,
    )


# ---------------------------------------------------------------------------------------------
# Passwords


@transaction.atomic
def password_set(*, user: User, password: str, actor=None, temporary: bool = False, validate: bool = True) -> User:
    """Give `user` a new password after checking every rule; remembered for the history rule.

    `temporary` (an administrator's reset): the user must change it at the next sign-in.
    """
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.must_change_password = temporary
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    PasswordHistory.objects.create(user=user, password=user.password)
    keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[: policy().password_history]
    PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
    _audit(
        actor=actor or user,
        action=Action.UPDATE,
        obj=user,
        message=_("管理员重置密码") if temporary else _("修改密码"),
        changes={"password": ["***", "***"]},
    )
    return user


def password_expired(user) -> bool:
    from accounts.policy import password_expires_at

    return user.must_change_password or password_expires_at(user) <= timezone.now()


def password_days_left(user) -> int:
    from accounts.policy import password_expires_at

    return max(0, (password_expires_at(user) - timezone.now()).days)


# ---------------------------------------------------------------------------------------------
# Sign-in failures and locks


def _throttle_keys(username: str, address: str | None):
    keys = []
    if username:
        keys.append((ThrottleKind.ACCOUNT, username.strip().lower()[:150]))
    if address:
        keys.append((ThrottleKind.ADDRESS, address))
    return keys


def active_locks(*, username: str, address: str | None) -> list[LoginThrottle]:
    """Locks in force now on this account name or this client address."""
    keys = _throttle_keys(username, address)
    if not keys:
        return []
    match = Q()
    for kind, key in keys:
        match |= Q(kind=kind, key=key)
    return list(LoginThrottle.objects.filter(match, locked_until__gt=timezone.now()))


def lock_message(locks: list[LoginThrottle]) -> str:
    until = max(lock.locked_until for lock in locks)
    when = date_format(timezone.localtime(until), "Y-m-d H:i")
    if any(lock.kind == ThrottleKind.ACCOUNT for lock in locks):
        return _("登录失败次数过多，该账户已被锁定，将于 %(time)s 自动解除。如需提前解除，请联系安全管理员。") % {
            "time": when
        }
    return _("该地址登录失败次数过多，已被锁定，将于 %(time)s 自动解除。如需提前解除，请联系安全管理员。") % {
        "time": when
    }


def _bump(kind: str, key: str, now: datetime) -> LoginThrottle | None:
    """Count one failure; returns the throttle if this failure locked it."""
    window = policy().lockout
    for _attempt in range(2):
        try:
            with transaction.atomic():
                throttle, _created = LoginThrottle.objects.select_for_update().get_or_create(kind=kind, key=key)
                if throttle.locked_until and throttle.locked_until > now:
                    return None
                if throttle.last_failure_at is None or now - throttle.last_failure_at > window:
                    throttle.failures = 0
                throttle.failures += 1
                throttle.last_failure_at = now
                newly_locked = throttle.failures >= policy().lockout_failures
                if newly_locked:
                    throttle.locked_until = now + window
                throttle.save()
                return throttle if newly_locked else None
        except IntegrityError:  # two first failures at once: the other one created the row
            continue
    return None


def _throttle_prune(now: datetime) -> None:
    """Counters idle for a day (and no longer locked) are dropped, so the table stays small
    whatever names and addresses attackers try. Run when a new lock is set, which is rare."""
    stale = now - timedelta(days=1)
    LoginThrottle.objects.filter(last_failure_at__lt=stale).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    ).delete()


def login_failure_record(*, username: str, address: str | None, reason: str = "") -> list[LoginThrottle]:
    """Record a failed sign-in (wrong password, wrong TOTP code, locked): audit it, count it per
    account and per address, and lock what reached the limit. Returns the locks in force."""
    now = timezone.now()
    user = User.objects.filter(username__iexact=username).first() if username else None
    locks = active_locks(username=username, address=address)
    subject = user if user is not None else None
    if locks:
        _audit(
            actor=subject,
            action=Action.LOGIN_FAILED,
            obj=user,
            outcome=Outcome.FAILURE,
            message=_("已锁定，拒绝登录：%(username)s") % {"username": username[:50]},
        )
        return locks
    _audit(
        actor=subject,
        action=Action.LOGIN_FAILED,
        obj=user,
        outcome=Outcome.FAILURE,
        message=(reason or _("用户名或密码错误")) + f"：{username[:50]}",
    )
    for kind, key in _throttle_keys(username, address):
        locked = _bump(kind, key, now)
        if locked is not None:
            _throttle_prune(now)
            _audit(
                actor=subject,
                action=Action.LOGIN_FAILED,
                obj=user,
                outcome=Outcome.FAILURE,
                message=_("连续登录失败 %(count)d 次，锁定%(kind)s %(key)s 至 %(until)s")
                % {
                    "count": locked.failures,
                    "kind": locked.get_kind_display(),
                    "key": locked.key,
                    "until": date_format(timezone.localtime(locked.locked_until), "Y-m-d H:i"),
                },
            )
    return active_locks(username=username, address=address)


def login_success_record(*, user: User, second_factor: bool = False) -> None:
    """A completed sign-in: the account's failure count starts again, and it is audited."""
    not_locked = Q(locked_until__isnull=True) | Q(locked_until__lte=timezone.now())
    LoginThrottle.objects.filter(not_locked, kind=ThrottleKind.ACCOUNT, key=user.username.lower()).update(
        failures=0, locked_until=None
    )
    _audit(actor=user, action=Action.LOGIN, obj=user, message=_("密码＋动态口令") if second_factor else _("密码"))


@transaction.atomic
def login_lock_release(*, actor, throttle: LoginThrottle) -> LoginThrottle:
    """The security administrator lifts a lock before its thirty minutes are over."""
    ensure_can(actor, "accounts.unlock_user")
    throttle = LoginThrottle.objects.select_for_update().get(pk=throttle.pk)
    before = throttle.locked_until
    throttle.locked_until = None
    throttle.failures = 0
    throttle.save(update_fields=["locked_until", "failures"])
    user = User.objects.filter(username__iexact=throttle.key).first() if throttle.kind == ThrottleKind.ACCOUNT else None
    _audit(
        actor=actor,
        action=Action.PERMISSION,
        obj=user,
        message=_("解除锁定：%(kind)s %(key)s") % {"kind": throttle.get_kind_display(), "key": throttle.key},
        changes={"locked_until": [str(before) if before else None, None]},
    )
    return throttle


# ---------------------------------------------------------------------------------------------
# Second factor (TOTP)


def totp_start(*, user: User) -> str:
    """A fresh secret for enrolment; it takes effect once the user confirms a code."""
    if not user.totp_secret or user.totp_confirmed_at:
        if user.totp_confirmed_at:
            return user.totp_secret
        user.totp_secret = totp.new_secret()
        user.save(update_fields=["totp_secret"])
    return user.totp_secret


def totp_check(*, user: User, code: str) -> bool:
    """Whether `code` is valid now for `user`; an accepted code cannot be used again."""
    if not user.totp_secret:
        return False
    step = totp.matching_step(user.totp_secret, code)
    if step is None or step <= user.totp_last_step:
        return False
    updated = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(totp_last_step=step)
    user.totp_last_step = step
    return bool(updated)


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> User:
    if user.totp_enrolled:
        return user
    if not totp_check(user=user, code=code):
        raise ServiceError(_("动态口令不正确或已过期，请输入验证器中当前显示的 6 位数字。"), code="totp_invalid")
    user.totp_confirmed_at = timezone.now()
    user.save(update_fields=["totp_confirmed_at"])
    _audit(actor=user, action=Action.UPDATE, obj=user, message=_("绑定动态口令"), changes={"totp": [False, True]})
    return user


@transaction.atomic
def totp_reset(*, actor, user: User) -> User:
    """Security administrator: a user lost their authenticator; they enrol again at next sign-in."""
    ensure_can(actor, "accounts.unlock_user")
    if actor.pk == user.pk:
        raise ServiceError(_("不能重置自己的动态口令。"), code="self_reset")
    user.totp_secret = ""
    user.totp_confirmed_at = None
    user.totp_last_step = 0
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    _audit(actor=actor, action=Action.PERMISSION, obj=user, message=_("重置动态口令"), changes={"totp": [True, False]})
    return user


# ---------------------------------------------------------------------------------------------
# Users and posts (三员分立)


def ensure_can(actor, permission: str) -> None:
    if not actor.has_perm(permission):
        raise OutOfScope()


def ensure_manageable(actor, user: User) -> None:
    """The system administrator manages ordinary users only: not administrators, not superusers,
    not themselves. Out of reach answers like out of scope."""
    ensure_can(actor, "accounts.change_user")
    if actor.is_superuser:
        return
    if user.pk == actor.pk or is_administrator(user):
        raise OutOfScope()


@transaction.atomic
def user_create(*, actor, username: str, display_name: str, password: str) -> User:
    ensure_can(actor, "accounts.add_user")
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError(_("用户名“%(username)s”已被使用。"), code="username_taken", params={"username": username})
    user = User(username=username, display_name=display_name)
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save()
    PasswordHistory.objects.create(user=user, password=user.password)
    _audit(
        actor=actor,
        action=Action.CREATE,
        obj=user,
        changes={"username": [None, username], "display_name": [None, display_name]},
    )
    return user


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool) -> User:
    ensure_manageable(actor, user)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit(
        actor=actor,
        action=Action.UPDATE,
        obj=user,
        message=_("启用账户") if active else _("停用账户"),
        changes={"is_active": [not active, active]},
    )
    return user


def user_password_reset(*, actor, user: User, password: str) -> User:
    ensure_manageable(actor, user)
    return password_set(user=user, password=password, actor=actor, temporary=True)


def _post_permission(role: str) -> str:
    return "accounts.grant_admin_post" if role in ADMIN_ROLES else "accounts.grant_post"


@transaction.atomic
def post_assign(*, actor, user: User, role: str, region: Region) -> Post:
    """Grant a post. Business roles: the system administrator, to ordinary users. The three
    administrator roles: the security administrator. Nobody grants to themselves, an
    administrator holds exactly one administrator role and no business post."""
    from regions.services import post_grant

    ensure_can(actor, _post_permission(role))
    if user.pk == actor.pk and not actor.is_superuser:
        raise ServiceError(_("不能给自己授予岗位。"), code="self_grant")
    if user.is_superuser and not actor.is_superuser:
        raise OutOfScope()
    roles = set(
        Post.objects.active().filter(user=user).exclude(role=role, region=region).values_list("role", flat=True)
    )
    if role in ADMIN_ROLES and roles:
        raise ServiceError(_("管理员账户只能担任一个管理员角色，且不能兼任业务岗位。"), code="admin_exclusive")
    if role not in ADMIN_ROLES and roles & ADMIN_ROLES:
        raise ServiceError(_("管理员账户只能担任一个管理员角色，且不能兼任业务岗位。"), code="admin_exclusive")
    post = post_grant(user=user, region=region, role=role)
    _audit(
        actor=actor,
        action=Action.PERMISSION,
        obj=user,
        message=_("授予岗位：%(region)s · %(role)s") % {"region": region.name, "role": Role(role).label},
        changes={"post": [None, f"{region.code}:{role}"]},
    )
    return post


@transaction.atomic
def post_revoke(*, actor, post: Post) -> Post:
    ensure_can(actor, _post_permission(post.role))
    if post.user_id == actor.pk and not actor.is_superuser:
        raise ServiceError(_("不能撤销自己的岗位。"), code="self_grant")
    post.is_active = False
    post.save(update_fields=["is_active"])
    _audit(
        actor=actor,
        action=Action.PERMISSION,
        obj=post.user,
        message=_("撤销岗位：%(region)s · %(role)s") % {"region": post.region.name, "role": post.get_role_display()},
        changes={"post": [f"{post.region_id}:{post.role}", None]},
    )
    return post
