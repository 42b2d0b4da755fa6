"""The login policy of a level-3 protected system (等保 2.0 三级), in one place.

Values come from settings (`JICENG_LOGIN_POLICY`) so a deployment can tighten them; the
defaults are the level-3 practice. See README, "Login policy".
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from regions.choices import Role

ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})


@dataclass(frozen=True)
class LoginPolicy:
    password_min_length: int = 8
    password_min_classes: int = 3
    password_history: int = 5
    password_max_age_days: int = 90
    password_warn_days: int = 14
    lockout_failures: int = 5
    lockout_minutes: int = 30
    idle_minutes: int = 30
    admin_idle_minutes: int = 15
    absolute_hours: int = 8
    mfa_pending_minutes: int = 5

    @property
    def password_max_age(self) -> timedelta:
        return timedelta(days=self.password_max_age_days)

    @property
    def lockout(self) -> timedelta:
        return timedelta(minutes=self.lockout_minutes)


def policy() -> LoginPolicy:
    return LoginPolicy(**getattr(settings, "JICENG_LOGIN_POLICY", {}))


def is_administrator(user) -> bool:
    """The three administrators of 三员分立, and superusers: shorter idle time, TOTP required."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    from regions.scoping import user_posts

    return any(post.role in ADMIN_ROLES for post in user_posts(user))


def password_set_at(user):
    return user.password_changed_at or user.date_joined


def password_expires_at(user):
    return password_set_at(user) + policy().password_max_age
