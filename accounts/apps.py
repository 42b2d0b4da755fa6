from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("用户")

    def ready(self):
        from accounts import receivers  # noqa: F401 - connects the audit of sign-in failures and sign-outs
