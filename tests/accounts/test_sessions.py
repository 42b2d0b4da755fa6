"""Idle timeout (30 minutes, 15 for administrators), absolute limit (8 hours), cookie flags."""

import time

import pytest
from django.conf import settings

from accounts.middleware import LOGIN_AT, SEEN_AT
from audit.choices import Action
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def age_session(client, *, idle_minutes=0, since_login_minutes=0):
    session = client.session
    now = int(time.time())
    session[SEEN_AT] = now - idle_minutes * 60
    session[LOGIN_AT] = now - max(since_login_minutes, idle_minutes) * 60
    session.save()


@pytest.mark.parametrize(
    ("who", "idle", "status"),
    [
        ("township_staff", 29, 200),
        ("township_staff", 31, 302),
        ("county_leader", 31, 302),
        ("system_admin", 14, 200),
        ("system_admin", 16, 302),
        ("security_admin", 16, 302),
        ("auditor", 16, 302),
        ("superuser", 16, 302),
        ("superuser", 14, 200),
    ],
)
def test_idle_timeout(client_for, users, who, idle, status):
    # given a session whose last request was `idle` minutes ago
    client = client_for(getattr(users, who))
    client.get("/")
    age_session(client, idle_minutes=idle)
    # when the user comes back
    response = client.get("/")
    # then within the limit the page opens, past it the user is signed out
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == "/accounts/login/?next=/"
        assert client.get("/").status_code == 302
        assert AuditEvent.objects.get(action=Action.LOGOUT).message == "长时间未操作，会话已超时，请重新登录。"


def test_activity_keeps_the_session_alive(client_for, users):
    client = client_for(users.township_staff)
    client.get("/")
    age_session(client, idle_minutes=20, since_login_minutes=20)
    assert client.get("/").status_code == 200
    session = client.session
    assert int(time.time()) - session[SEEN_AT] < 5


def test_absolute_limit_of_eight_hours_even_when_active(client_for, users):
    client = client_for(users.township_staff)
    client.get("/")
    age_session(client, idle_minutes=1, since_login_minutes=8 * 60 + 1)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "登录已超过 8 小时" in AuditEvent.objects.get(action=Action.LOGOUT).message


def test_seven_hours_of_activity_is_fine(client_for, users):
    client = client_for(users.township_staff)
    client.get("/")
    age_session(client, idle_minutes=1, since_login_minutes=7 * 60)
    assert client.get("/").status_code == 200


def test_idle_api_session_answers_401(client_for, users):
    client = client_for(users.township_staff)
    client.get("/")
    age_session(client, idle_minutes=31)
    response = client.get("/api/v1/regions/")
    assert response.status_code == 401
    assert response.json()["detail"] == "长时间未操作，会话已超时，请重新登录。"


def test_sign_out_is_audited(client_for, users):
    client = client_for(users.township_staff)
    assert client.post("/accounts/logout/").status_code == 302
    event = AuditEvent.objects.get(action=Action.LOGOUT)
    assert event.actor == users.township_staff


def test_cookie_flags():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def test_production_cookies_are_secure():
    source = (settings.BASE_DIR / "config" / "settings" / "production.py").read_text()
    assert "SESSION_COOKIE_SECURE = True" in source
    assert "CSRF_COOKIE_SECURE = True" in source


def test_login_form_requires_csrf(users, password):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "staff", "password": password})
    assert response.status_code == 403


def test_idle_htmx_request_is_sent_to_sign_in_with_hx_redirect(client_for, users):
    client = client_for(users.township_staff)
    client.get("/")
    age_session(client, idle_minutes=31)
    response = client.get("/regions/picker/", HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response["HX-Redirect"] == "/accounts/login/?next=/regions/picker/"
