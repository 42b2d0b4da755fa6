from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.choices import ThrottleKind
from core.crypto import EncryptedTextField
from core.sensitive import PersonalData


class User(AbstractUser):
    """A person who signs in: staff, cadres, leaders, office workers and administrators.

    What they may do and where comes from their posts (`regions.Post`), not from fields here.
    Residents never sign in.
    """

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # When the password was last set; empty means "since the account was created" (date_joined).
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # Set when an administrator resets the password: the user must choose a new one first.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    # Second factor (RFC 6238). The secret is encrypted at rest; enrolled once confirmed.
    totp_secret = EncryptedTextField(_("动态口令密钥"), blank=True, default="")
    totp_confirmed_at = models.DateTimeField(_("动态口令启用时间"), null=True, blank=True)
    # The last accepted time step, so a code cannot be replayed within its 30 seconds.
    totp_last_step = models.BigIntegerField(_("动态口令最后时间片"), default=0)

    personal_data = PersonalData(hidden={"totp_secret"})

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [
            ("grant_post", _("授予或撤销业务岗位")),
            ("grant_admin_post", _("授予或撤销管理员岗位")),
            ("unlock_user", _("解除账户锁定")),
        ]

    def __str__(self):
        return self.display_name or self.username

    @property
    def primary_post(self):
        from regions.scoping import user_posts

        posts = user_posts(self)
        return min(posts, key=lambda post: (len(post.region_id), post.region_id)) if posts else None

    @property
    def totp_enrolled(self) -> bool:
        return bool(self.totp_confirmed_at and self.totp_secret)


class PasswordHistory(models.Model):
    """A password a user has had (its hash only), so the last five cannot be chosen again."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(_("密码摘要"), max_length=128)
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class LoginThrottle(models.Model):
    """Failed sign-ins counted per account name and per client address; five within the window
    lock that account or address for thirty minutes (a correct password is refused meanwhile)."""

    kind = models.CharField(_("类型"), max_length=10, choices=ThrottleKind.choices)
    key = models.CharField(_("账户或地址"), max_length=150)
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    last_failure_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        ordering = ["-last_failure_at", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="loginthrottle_unique_kind_key")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.key}"
