"""Second factor: RFC 6238 codes, enrolment with a QR code, verification after the password,
wrong codes counting as failed sign-ins, administrators forced to enrol."""

import base64
import re

import pytest
from django.db import connection
from django.test import Client

from accounts import totp
from accounts.models import LoginThrottle, User
from audit.choices import Action, Outcome
from audit.models import AuditEvent
from core.crypto import decrypt
from tests.factories import enrol_totp

pytestmark = pytest.mark.django_db

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("at", "code"),
    [(59, "287082"), (1111111109, "081804"), (1111111111, "050471"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_match_rfc_6238_test_vectors(at, code):
    # RFC 6238 appendix B (SHA-1), last six digits of the eight-digit values
    assert totp.totp(RFC_SECRET, at) == code


def test_code_of_the_previous_step_is_accepted_but_not_two_back():
    assert totp.matching_step(RFC_SECRET, "287082", at=59 + 30) == 1
    assert totp.matching_step(RFC_SECRET, "287082", at=59 + 60) is None
    assert totp.matching_step(RFC_SECRET, "abc", at=59) is None


def enrol_page(client):
    response = client.get("/accounts/totp/")
    html = response.content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    return response, html, secret


def test_enrolment_shows_qr_svg_and_secret_then_confirms_with_a_code(client_for, users):
    client = client_for(users.township_staff)
    response, html, secret = enrol_page(client)
    assert response.status_code == 200
    assert "<svg" in html and 'class="segno"' in html
    # the secret is stored encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM accounts_user WHERE id = %s", [users.township_staff.pk])
        stored = cursor.fetchone()[0]
    assert secret not in stored and decrypt(stored) == secret
    # a wrong code does not enrol
    wrong = client.post("/accounts/totp/", {"code": "000000" if totp.totp(secret) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "动态口令不正确或已过期" in wrong.content.decode()
    assert not User.objects.get(pk=users.township_staff.pk).totp_enrolled
    # the right code enrols, and it is audited
    assert client.post("/accounts/totp/", {"code": totp.totp(secret)}).status_code == 302
    assert User.objects.get(pk=users.township_staff.pk).totp_enrolled
    assert AuditEvent.objects.filter(action=Action.UPDATE, message="绑定动态口令").count() == 1


def sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="10.1.1.1")


def test_enrolled_user_needs_the_code_after_the_password(users, password):
    secret = enrol_totp(users.township_staff)
    client = Client()
    # password step: not signed in yet, sent to the code step
    response = sign_in(client, "staff", password)
    assert response["Location"] == "/accounts/login/verify/"
    assert client.get("/").status_code == 302
    # a wrong code is refused, audited and counted
    wrong = client.post("/accounts/login/verify/", {"code": "12345"}, REMOTE_ADDR="10.1.1.1")
    assert wrong.status_code == 400
    assert "动态口令不正确或已过期" in wrong.content.decode()
    failed = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert failed.outcome == Outcome.FAILURE and "动态口令错误" in failed.message
    assert LoginThrottle.objects.get(key="staff").failures == 1
    # the right code signs in
    right = client.post("/accounts/login/verify/", {"code": totp.totp(secret)}, REMOTE_ADDR="10.1.1.1")
    assert right.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.get(action=Action.LOGIN).message == "密码＋动态口令"


def test_a_code_cannot_be_replayed(users, password):
    secret = enrol_totp(users.township_staff)
    code = totp.totp(secret)
    first = Client()
    sign_in(first, "staff", password)
    assert first.post("/accounts/login/verify/", {"code": code}).status_code == 302
    second = Client()
    sign_in(second, "staff", password)
    assert second.post("/accounts/login/verify/", {"code": code}).status_code == 400


def test_five_wrong_codes_lock_the_account(users, password):
    enrol_totp(users.township_staff)
    client = Client()
    sign_in(client, "staff", password)
    for _n in range(4):
        assert client.post("/accounts/login/verify/", {"code": "00000x"}).status_code == 400
    response = client.post("/accounts/login/verify/", {"code": "00000x"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert LoginThrottle.objects.get(key="staff").locked_until is not None


def test_code_step_without_password_step_goes_back_to_sign_in(db):
    response = Client().get("/accounts/login/verify/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


@pytest.mark.parametrize("who", ["system_admin", "security_admin", "auditor", "superuser"])
def test_administrators_without_a_second_factor_must_enrol_first(client_for, users, who):
    # given an administrator whose second factor was reset
    admin = getattr(users, who)
    User.objects.filter(pk=admin.pk).update(totp_secret="", totp_confirmed_at=None)
    admin.refresh_from_db()
    client = client_for(admin)
    # then every page leads to the enrolment page
    for path in ("/", "/accounts/users/", "/accounts/security/", "/regions/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, "/accounts/totp/"), path
    # and after enrolling they may go on
    _response, _html, secret = enrol_page(client)
    client.post("/accounts/totp/", {"code": totp.totp(secret)})
    assert client.get("/").status_code == 200


def test_ordinary_users_may_skip_the_second_factor(client_for, users):
    assert client_for(users.township_staff).get("/").status_code == 200


def test_django_admin_sign_in_goes_through_the_one_sign_in_page(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
