"""API tokens follow the login policy: 8-hour lifetime, none with an expired password, none for
administrators (who must use the second factor on the web)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db


def token_client(user, *, age=timedelta(0)):
    token = Token.objects.create(user=user)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - age)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client, token


def test_fresh_token_works(users):
    client, _token = token_client(users.township_staff, age=timedelta(hours=7))
    assert client.get("/api/v1/regions/").status_code == 200


def test_token_older_than_eight_hours_is_refused_and_deleted(users):
    client, token = token_client(users.township_staff, age=timedelta(hours=8, minutes=1))
    response = client.get("/api/v1/regions/")
    assert response.status_code == 401
    assert response.json()["detail"] == "令牌已过期，请重新获取。"
    assert not Token.objects.filter(pk=token.pk).exists()


def test_token_of_a_user_with_an_expired_password_is_refused(users):
    User.objects.filter(pk=users.township_staff.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client, _token = token_client(users.township_staff)
    response = client.get("/api/v1/regions/")
    assert response.status_code == 401
    assert "密码已过期" in response.json()["detail"]


@pytest.mark.parametrize("who", ["auditor", "system_admin", "superuser"])
def test_administrators_cannot_use_tokens(users, who):
    client, _token = token_client(getattr(users, who))
    response = client.get("/api/v1/audit-events/")
    assert response.status_code == 401
    assert "管理员账户须通过网页" in response.json()["detail"]
