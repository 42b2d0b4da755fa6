"""Django's auth signals, used only to audit sign-in failures and sign-outs wherever they happen
(the sign-in page, the API token endpoint)."""

from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.dispatch import receiver

from core.requestlocal import client_address


@receiver(user_login_failed, dispatch_uid="accounts_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    from accounts.services import login_failure_record

    login_failure_record(username=str(credentials.get("username") or ""), address=client_address(request))


@receiver(user_logged_out, dispatch_uid="accounts_logged_out")
def on_logged_out(sender, request=None, user=None, **kwargs):
    if user is None:
        return
    from accounts.services import _audit
    from audit.choices import Action

    _audit(actor=user, action=Action.LOGOUT, obj=user, message=getattr(request, "jiceng_logout_reason", ""))
