"""In the browser: an administrator without a second factor signs in, is sent to enrol one
(QR code rendered), confirms a code, and reaches their own page; the next sign-in asks for a code."""

import re

import pytest

from accounts.models import User
from accounts.totp import totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_security_admin_enrols_then_signs_in_with_a_code(page, live_server, users, password, shot):
    # given a security administrator whose second factor was reset
    User.objects.filter(username="secadmin").update(totp_secret="", totp_confirmed_at=None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("secadmin")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    # then the enrolment page comes first, with a QR code and the secret
    page.wait_for_url(f"{live_server.url}/accounts/totp/")
    assert page.get_by_test_id("totp-qr").locator("svg").is_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    shot(page, "admin-01-totp-enrol")
    # and other pages are not reachable yet
    page.goto(f"{live_server.url}/accounts/security/")
    page.wait_for_url(f"{live_server.url}/accounts/totp/")
    # when a code from the authenticator is entered
    page.get_by_label("动态口令").fill(totp(secret))
    page.get_by_role("button", name="绑定").click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="安全管理").first.click()
    page.wait_for_url(f"{live_server.url}/accounts/security/")
    assert page.get_by_role("heading", name="登录锁定").is_visible()
    shot(page, "admin-02-security-page")
    # and after signing out, the next sign-in asks for the code
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r".*/accounts/login/$"))
    page.get_by_label("用户名").fill("secadmin")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/verify/")
    shot(page, "admin-03-totp-verify")
