"""Password rules of the level-3 practice, as Django password validators (AUTH_PASSWORD_VALIDATORS).

Each says in Chinese which rule the password breaks.
"""

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.policy import policy


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() or not c.isascii() for c in password),
    ]
    return sum(classes)


class MinimumLengthValidator:
    """At least eight characters (the policy's minimum)."""

    def validate(self, password, user=None):
        length = policy().password_min_length
        if len(password) < length:
            raise ValidationError(
                _("密码长度不能少于 %(count)d 个字符。") % {"count": length}, code="password_too_short"
            )

    def get_help_text(self):
        return _("密码长度不能少于 %(count)d 个字符。") % {"count": policy().password_min_length}


class CharacterClassValidator:
    """At least three of: lower-case letters, upper-case letters, digits, other characters."""

    def validate(self, password, user=None):
        needed = policy().password_min_classes
        if character_classes(password) < needed:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、特殊字符中的至少 %(count)d 类。") % {"count": needed},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("密码须包含大写字母、小写字母、数字、特殊字符中的至少 %(count)d 类。") % {
            "count": policy().password_min_classes
        }


class NotContainingUsernameValidator:
    """The password may not contain the user name (in any letter case)."""

    def validate(self, password, user=None):
        username = getattr(user, "username", "") or ""
        if username and username.lower() in password.lower():
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self):
        return _("密码不能包含用户名。")


class PasswordHistoryValidator:
    """The new password is none of the user's last five (the current one included)."""

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        count = policy().password_history
        hashes = list(user.password_history.values_list("password", flat=True)[:count])
        if user.password and user.password not in hashes:
            hashes = [user.password, *hashes][:count]
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                _("新密码不能与最近 %(count)d 次使用过的密码相同。") % {"count": count},
                code="password_reused",
            )

    def get_help_text(self):
        return _("新密码不能与最近 %(count)d 次使用过的密码相同。") % {"count": policy().password_history}
