"""Session and password policy, enforced on every request of a signed-in session.

In order: the absolute limit (8 hours after sign-in) and the idle limit (30 minutes, 15 for
administrators) end the session; an expired or reset password sends the user to the
change-password page; an administrator without a second factor is sent to enrol one. Until
then nothing else answers. Token-authenticated API calls carry no session and are not touched.
"""

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.policy import is_administrator, policy

LOGIN_AT = "jiceng_login_at"
SEEN_AT = "jiceng_seen_at"
EXPIRY_WARNED = "jiceng_password_warned"
# The session's last-seen time is rewritten at most this often (seconds), not on every request.
SEEN_RESOLUTION = 30


def session_start(request) -> None:
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


class AccountPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not self._exempt_static(request.path):
            response = self._enforce(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    @staticmethod
    def _exempt_static(path: str) -> bool:
        return path.startswith(("/static/", "/media/", "/favicon"))

    def _enforce(self, request, user):
        rules = policy()
        now = int(time.time())
        session = request.session
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        if login_at is None:  # a session begun elsewhere (force_login): the clock starts now
            session_start(request)
            login_at = seen_at = now
        idle = (rules.admin_idle_minutes if is_administrator(user) else rules.idle_minutes) * 60
        if now - login_at > rules.absolute_hours * 3600:
            return self._end(request, _("登录已超过 %(hours)d 小时，请重新登录。") % {"hours": rules.absolute_hours})
        if seen_at is not None and now - seen_at > idle:
            return self._end(request, _("长时间未操作，会话已超时，请重新登录。"))
        if seen_at is None or now - seen_at >= SEEN_RESOLUTION:
            session[SEEN_AT] = now

        from accounts.services import password_days_left, password_expired

        path = request.path
        always = {reverse("accounts:logout"), reverse("set_language")}
        if path in always:
            return None
        change_url = reverse("accounts:password_change")
        if password_expired(user):
            if path == change_url:
                return None
            return self._block(request, change_url, _("您的密码已过期或由管理员重置，请先修改密码。"))
        if is_administrator(user) and not user.totp_enrolled:
            enrol_url = reverse("accounts:totp_enrol")
            if path in (enrol_url, change_url):
                return None
            return self._block(request, enrol_url, _("管理员账户须先绑定动态口令（双因素认证）。"))
        days = password_days_left(user)
        if days <= rules.password_warn_days and not session.get(EXPIRY_WARNED) and not path.startswith("/api/"):
            session[EXPIRY_WARNED] = True
            messages.warning(request, _("您的密码将在 %(days)d 天后过期，请及时修改。") % {"days": days})
        return None

    @staticmethod
    def _block(request, url, message):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        if getattr(request, "htmx", False):
            response = JsonResponse({"detail": message}, status=403)
            response["HX-Redirect"] = url
            return response
        messages.warning(request, message)
        return redirect(url)

    @staticmethod
    def _end(request, message):
        request.jiceng_logout_reason = message
        logout(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=401)
        messages.info(request, message)
        login_url = redirect_to_login(request.get_full_path()).url
        if getattr(request, "htmx", False):
            response = JsonResponse({"detail": message}, status=401)
            response["HX-Redirect"] = login_url
            return response
        return redirect(login_url)
