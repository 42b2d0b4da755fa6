"""The system administrator's user pages and the security administrator's page: scoped, audited,
and holding to 三员分立 (no administrator accounts, no rights to oneself, one admin role each)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.choices import ThrottleKind
from accounts.models import LoginThrottle, User
from audit.choices import Action
from audit.models import AuditEvent
from regions.models import Post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW = {"username": "wangwu", "display_name": "王五", "password1": "Chengdu#2026", "password2": "Chengdu#2026"}


def test_system_admin_creates_a_user_who_must_change_the_password(client_for, users, tree):
    client = client_for(users.system_admin)
    response = client.post("/accounts/users/new/", NEW)
    user = User.objects.get(username="wangwu")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/users/{user.pk}/"
    assert user.must_change_password and user.check_password("Chengdu#2026")
    assert AuditEvent.objects.get(action=Action.CREATE, object_id=str(user.pk)).actor == users.system_admin
    # the new user signs in and is sent to change the password first
    first = Client()
    first.post("/accounts/login/", {"username": "wangwu", "password": "Chengdu#2026"})
    assert first.get("/")["Location"] == "/accounts/password/"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"username": "staff"}, "用户名“staff”已被使用。"),
        ({"password1": "abc", "password2": "abc"}, "密码长度不能少于 8 个字符。"),
        ({"password2": "Chengdu#2027"}, "两次输入的密码不一致。"),
        ({"username": "bad name!"}, "用户名只能包含字母、数字和 @/./+/-/_ 字符。"),
        ({"password1": "Wangwu#2026", "password2": "Wangwu#2026"}, "密码不能包含用户名。"),
    ],
)
def test_bad_user_input_is_400_with_message_and_creates_nothing(client_for, users, change, message):
    before = User.objects.count()
    response = client_for(users.system_admin).post("/accounts/users/new/", {**NEW, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == before


def test_user_list_searches_and_hides_administrators(client_for, users, django_assert_max_num_queries):
    client = client_for(users.system_admin)
    html = client.get("/accounts/users/").content.decode()
    for name in ("cadre", "staff", "countyleader", "nopost"):
        assert f">{name}</a>" in html
    for name in ("sysadmin", "secadmin", "auditor", "root"):
        assert f">{name}</a>" not in html
    searched = client.get("/accounts/users/?q=county").content.decode()
    assert ">countyleader</a>" in searched and ">staff</a>" not in searched


def test_user_list_query_count_does_not_grow_with_users(client_for, users, tree, django_assert_max_num_queries):
    for n in range(25):
        user = UserFactory(username=f"bulk{n}")
        Post.objects.create(user=user, region=tree.village, role="village_cadre")
    client = client_for(users.system_admin)
    client.get("/accounts/users/")
    with django_assert_max_num_queries(10):
        assert client.get("/accounts/users/").status_code == 200


def test_bad_page_number_is_404(client_for, users):
    assert client_for(users.system_admin).get("/accounts/users/?page=x").status_code == 404


@pytest.mark.parametrize("target", ["auditor", "security_admin", "superuser", "system_admin"])
def test_system_admin_cannot_touch_administrator_accounts(client_for, users, target):
    client = client_for(users.system_admin)
    victim = getattr(users, target)
    assert client.get(f"/accounts/users/{victim.pk}/").status_code == 404
    reset = {"password1": "Chengdu#2026", "password2": "Chengdu#2026"}
    assert client.post(f"/accounts/users/{victim.pk}/password/", reset).status_code == 404
    assert client.post(f"/accounts/users/{victim.pk}/active/", {"active": "0"}).status_code == 404
    victim.refresh_from_db()
    assert victim.is_active and victim.check_password("Test#Pass2026")


def test_deactivate_and_reactivate_are_audited(client_for, users, password):
    client = client_for(users.system_admin)
    staff = users.township_staff
    assert client.post(f"/accounts/users/{staff.pk}/active/", {"active": "0"}).status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active
    assert Client().post("/accounts/login/", {"username": "staff", "password": password}).status_code == 200
    client.post(f"/accounts/users/{staff.pk}/active/", {"active": "1"})
    staff.refresh_from_db()
    assert staff.is_active
    changes = list(
        AuditEvent.objects.filter(object_id=str(staff.pk), action=Action.UPDATE)
        .order_by("id")
        .values_list("changes", flat=True)
    )
    assert changes == [{"is_active": [True, False]}, {"is_active": [False, True]}]


def test_password_reset_forces_a_change_and_respects_history(client_for, users, password):
    client = client_for(users.system_admin)
    staff = users.township_staff
    # the current password cannot be "reset" to itself
    same = client.post(f"/accounts/users/{staff.pk}/password/", {"password1": password, "password2": password})
    assert same.status_code == 400
    assert "新密码不能与最近 5 次使用过的密码相同。" in same.content.decode()
    ok = client.post(f"/accounts/users/{staff.pk}/password/", {"password1": "Reset#2026a", "password2": "Reset#2026a"})
    assert ok.status_code == 302
    staff.refresh_from_db()
    assert staff.must_change_password and staff.check_password("Reset#2026a")
    assert AuditEvent.objects.get(message="管理员重置密码").actor == users.system_admin


def test_system_admin_grants_and_revokes_business_posts_only(client_for, users, tree):
    client = client_for(users.system_admin)
    staff = users.township_staff
    granted = client.post(f"/accounts/users/{staff.pk}/posts/", {"role": "township_leader", "region": tree.town.code})
    assert granted.status_code == 302
    post = Post.objects.get(user=staff, role="township_leader")
    # a post at the wrong level is refused with the reason
    wrong = client.post(f"/accounts/users/{staff.pk}/posts/", {"role": "county_leader", "region": tree.town.code})
    assert wrong.status_code == 400
    assert "该角色须任职于县（市、区）一级。" in wrong.content.decode()
    # an administrator role is not offered to the system administrator
    admin_role = client.post(f"/accounts/users/{staff.pk}/posts/", {"role": "auditor", "region": "51"})
    assert admin_role.status_code == 400
    assert not Post.objects.filter(user=staff, role="auditor").exists()
    # revoke
    assert client.post(f"/accounts/users/{staff.pk}/posts/{post.pk}/revoke/").status_code == 302
    post.refresh_from_db()
    assert not post.is_active
    assert AuditEvent.objects.filter(action=Action.PERMISSION, object_id=str(staff.pk)).count() == 2


def test_security_admin_unlocks_an_account_and_it_is_audited(client_for, users, password):
    lock = LoginThrottle.objects.create(
        kind=ThrottleKind.ACCOUNT, key="staff", failures=5, locked_until=timezone.now() + timedelta(minutes=20)
    )
    client = client_for(users.security_admin)
    assert ">staff<" in client.get("/accounts/security/").content.decode()
    assert client.post(f"/accounts/security/locks/{lock.pk}/release/").status_code == 302
    lock.refresh_from_db()
    assert lock.locked_until is None and lock.failures == 0
    assert Client().post("/accounts/login/", {"username": "staff", "password": password}).status_code == 302
    event = AuditEvent.objects.get(action=Action.PERMISSION, message__startswith="解除锁定")
    assert event.actor == users.security_admin


def test_security_admin_grants_administrator_roles_with_the_rules(client_for, users, tree):
    client = client_for(users.security_admin)
    fresh = UserFactory(username="newauditor")
    ok = client.post("/accounts/security/admin-posts/", {"username": "newauditor", "role": "auditor", "region": "51"})
    assert ok.status_code == 302
    assert Post.objects.filter(user=fresh, role="auditor").exists()
    # a second administrator role for the same person is refused
    second = client.post(
        "/accounts/security/admin-posts/", {"username": "newauditor", "role": "system_admin", "region": "51"}
    )
    assert second.status_code == 400
    assert "管理员账户只能担任一个管理员角色，且不能兼任业务岗位。" in second.content.decode()
    # so is an administrator role for someone with a business post
    staff = client.post("/accounts/security/admin-posts/", {"username": "staff", "role": "auditor", "region": "51"})
    assert staff.status_code == 400
    # and nobody grants to themselves
    own = client.post("/accounts/security/admin-posts/", {"username": "secadmin", "role": "auditor", "region": "51"})
    assert own.status_code == 400
    assert "不能给自己授予岗位。" in own.content.decode()
    assert set(Post.objects.filter(role="auditor").values_list("user__username", flat=True)) == {
        "auditor",
        "newauditor",
    }


def test_security_admin_resets_a_second_factor(client_for, users):
    client = client_for(users.security_admin)
    assert client.post("/accounts/security/totp-reset/", {"username": "sysadmin"}).status_code == 302
    assert not User.objects.get(username="sysadmin").totp_enrolled
    own = client.post("/accounts/security/totp-reset/", {"username": "secadmin"})
    assert own.status_code == 400
    assert User.objects.get(username="secadmin").totp_enrolled
