from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.policy import ADMIN_ROLES
from accounts.services import active_locks, lock_message
from core.requestlocal import client_address
from regions.choices import Role
from regions.models import Region
from regions.scoping import restrict


class SignInForm(auth_forms.AuthenticationForm):
    """Username and password; a locked account or address is refused with when the lock lifts."""

    error_messages = {
        "invalid_login": _("用户名或密码错误。连续失败 5 次，账户将被锁定 30 分钟。"),
        "inactive": _("该账户已停用。"),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                locks = active_locks(username=username, address=client_address(self.request))
                if locks:
                    raise ValidationError(lock_message(locks), code="locked")
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("动态口令"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        error_messages={"required": _("请输入验证器中显示的 6 位数字。")},
    )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Old password, new password twice; every rule of the policy applies (see validators)."""


class PasswordPairForm(forms.Form):
    password1 = forms.CharField(
        label=_("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("确认新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password2(self):
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise ValidationError(_("两次输入的密码不一致。"), code="password_mismatch")
        if second:
            validate_password(second, self.user)
        return second


class UserCreateForm(PasswordPairForm):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 @/./+/-/_ 字符。")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    field_order = ["username", "display_name", "password1", "password2"]

    def clean_password2(self):
        # the rules that mention the username need the name typed above
        self.user = User(username=self.cleaned_data.get("username", ""))
        return super().clean_password2()


class PostAssignForm(forms.Form):
    """A role and a region; the region must be one the actor may grant posts in."""

    role = forms.ChoiceField(label=_("角色"))
    region = forms.CharField(label=_("区划代码"), max_length=12)

    def __init__(self, *args, actor, admin_roles: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.permission = "accounts.grant_admin_post" if admin_roles else "accounts.grant_post"
        self.fields["role"].choices = [
            (value, label) for value, label in Role.choices if (value in ADMIN_ROLES) == admin_roles
        ]

    def clean_region(self):
        code = self.cleaned_data["region"].strip()
        region = (
            restrict(Region.objects.all(), self.actor, self.permission).filter(code=code).first()
            if code.isdigit()
            else None
        )
        if region is None:
            raise ValidationError(
                _("区划代码 %(code)s 不存在，或不在您的管理范围内。"), params={"code": code[:12]}, code="region"
            )
        return region


class AdminPostAssignForm(PostAssignForm):
    username = forms.CharField(label=_("用户名"), max_length=150)
    field_order = ["username", "role", "region"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, admin_roles=True, **kwargs)

    def clean_username(self):
        user = User.objects.filter(username=self.cleaned_data["username"].strip(), is_active=True).first()
        if user is None:
            raise ValidationError(_("用户不存在或已停用。"), code="user")
        return user


class UsernameForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)

    def clean_username(self):
        user = User.objects.filter(username=self.cleaned_data["username"].strip()).first()
        if user is None:
            raise ValidationError(_("用户不存在。"), code="user")
        return user
