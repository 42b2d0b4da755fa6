"""API tokens under the login policy: a token lives at most as long as a session may (8 hours),
a user whose password has expired or was reset gets none until they change it on the web, and
administrators (who must use a second factor) use the web pages only."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.policy import is_administrator, policy


class PolicyTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        from accounts.services import password_expired

        user, token = super().authenticate_credentials(key)
        if timezone.now() - token.created > timedelta(hours=policy().absolute_hours):
            token.delete()
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取。"))
        if password_expired(user):
            raise exceptions.AuthenticationFailed(_("密码已过期或由管理员重置，请先登录网页修改密码。"))
        if is_administrator(user):
            raise exceptions.AuthenticationFailed(_("管理员账户须通过网页（动态口令）登录，不能使用接口令牌。"))
        return user, token
