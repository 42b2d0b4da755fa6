"""Five failed sign-ins lock the account and the client address for thirty minutes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.choices import ThrottleKind
from accounts.models import LoginThrottle
from audit.choices import Action, Outcome
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(times, username="staff", address="10.0.0.1"):
    client = Client()
    for _n in range(times):
        response = sign_in(client, username, "Wrong#Pass1", address)
    return response


def test_successful_sign_in_is_audited_with_address(users, password):
    response = sign_in(Client(), "staff", password)
    assert response.status_code == 302
    assert response["Location"] == "/"
    event = AuditEvent.objects.get(action=Action.LOGIN)
    assert (event.actor, event.ip_address, event.outcome) == (users.township_staff, "10.0.0.1", Outcome.SUCCESS)


def test_failed_sign_in_is_audited_and_says_so_in_chinese(users):
    response = fail(1)
    assert response.status_code == 200
    assert "用户名或密码错误。连续失败 5 次，账户将被锁定 30 分钟。" in response.content.decode()
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert (event.actor, event.ip_address, event.outcome) == (users.township_staff, "10.0.0.1", Outcome.FAILURE)


def test_unknown_user_failure_is_audited_without_actor(tree):
    fail(1, username="nobody")
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.actor is None
    assert "nobody" in event.message


def test_fifth_failure_locks_account_and_even_the_right_password_is_refused(users, password):
    # given four failures the account is still open
    fail(4)
    assert not LoginThrottle.objects.filter(locked_until__isnull=False).exists()
    # when the fifth fails
    response = fail(1)
    # then the account is locked for 30 minutes, and the message says until when
    lock = LoginThrottle.objects.get(kind=ThrottleKind.ACCOUNT, key="staff")
    assert lock.failures == 5
    assert timedelta(minutes=29) < lock.locked_until - timezone.now() <= timedelta(minutes=30)
    until = timezone.localtime(lock.locked_until).strftime("%Y-%m-%d %H:%M")
    assert f"该账户已被锁定，将于 {until} 自动解除" in response.content.decode()
    # and the right password from another address is refused too, with the same message
    refused = sign_in(Client(), "staff", password, address="10.9.9.9")
    assert refused.status_code == 200
    assert f"该账户已被锁定，将于 {until} 自动解除" in refused.content.decode()
    assert "_auth_user_id" not in refused.wsgi_request.session
    assert not AuditEvent.objects.filter(action=Action.LOGIN).exists()
    # and the lock itself is in the audit trail
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, message__contains="锁定账户 staff").count() == 1


def test_lock_lifts_after_thirty_minutes(users, password):
    fail(5)
    # when the stored times are moved 31 minutes back
    past = timezone.now() - timedelta(minutes=31)
    LoginThrottle.objects.update(locked_until=past + timedelta(minutes=30), last_failure_at=past)
    # then the right password signs in again
    response = sign_in(Client(), "staff", password)
    assert response.status_code == 302
    # and the next failure counts from one again
    fail(1)
    assert LoginThrottle.objects.get(kind=ThrottleKind.ACCOUNT, key="staff").failures == 1


def test_failures_spread_over_more_than_thirty_minutes_do_not_lock(users):
    fail(4)
    LoginThrottle.objects.update(last_failure_at=timezone.now() - timedelta(minutes=31))
    fail(1)
    assert LoginThrottle.objects.get(kind=ThrottleKind.ACCOUNT, key="staff").failures == 1
    assert not LoginThrottle.objects.filter(locked_until__isnull=False).exists()


def test_five_failures_from_one_address_lock_the_address_for_every_account(users, password):
    # given five different (wrong) accounts tried from one address
    for name in ("a1", "a2", "a3", "a4", "a5"):
        fail(1, username=name, address="10.6.6.6")
    lock = LoginThrottle.objects.get(kind=ThrottleKind.ADDRESS, key="10.6.6.6")
    assert lock.locked_until is not None
    # then a correct sign-in from that address is refused with the address message
    response = sign_in(Client(), "staff", password, address="10.6.6.6")
    assert response.status_code == 200
    assert "该地址登录失败次数过多，已被锁定" in response.content.decode()
    # and the same account from another address signs in
    assert sign_in(Client(), "staff", password, address="10.7.7.7").status_code == 302


def test_success_resets_the_account_count(users, password):
    fail(4)
    assert sign_in(Client(), "staff", password).status_code == 302
    fail(4, address="10.0.0.2")
    assert not LoginThrottle.objects.filter(kind=ThrottleKind.ACCOUNT, locked_until__isnull=False).exists()


def test_api_token_endpoint_is_locked_too(api_for, users, password):
    fail(5)
    response = api_for(None).post(
        "/api/v1/auth/token/", {"username": "staff", "password": password}, format="json", REMOTE_ADDR="10.8.8.8"
    )
    assert response.status_code == 400


def test_account_name_is_case_insensitive_for_the_lock(users, password):
    fail(3, username="staff")
    fail(2, username="STAFF")
    assert LoginThrottle.objects.get(kind=ThrottleKind.ACCOUNT, key="staff").locked_until is not None


def test_address_lock_lifts_after_thirty_minutes(users, password):
    for name in ("b1", "b2", "b3", "b4", "b5"):
        fail(1, username=name, address="10.5.5.5")
    assert sign_in(Client(), "staff", password, address="10.5.5.5").status_code == 200
    past = timezone.now() - timedelta(minutes=31)
    LoginThrottle.objects.update(locked_until=past + timedelta(minutes=30), last_failure_at=past)
    assert sign_in(Client(), "staff", password, address="10.5.5.5").status_code == 302


def test_lock_in_its_last_minute_still_holds(users, password):
    fail(5)
    LoginThrottle.objects.update(locked_until=timezone.now() + timedelta(minutes=1))
    assert sign_in(Client(), "staff", password, address="10.4.4.4").status_code == 200


def test_counters_idle_for_a_day_are_pruned_when_a_lock_is_set(users):
    # given an old counter of another name, idle for two days
    old = LoginThrottle.objects.create(
        kind=ThrottleKind.ACCOUNT, key="oldname", failures=2, last_failure_at=timezone.now() - timedelta(days=2)
    )
    # when a new lock is set
    fail(5)
    # then the old counter is gone and the new lock stays
    assert not LoginThrottle.objects.filter(pk=old.pk).exists()
    assert LoginThrottle.objects.get(kind=ThrottleKind.ACCOUNT, key="staff").locked_until is not None
