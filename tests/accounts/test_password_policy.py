"""Password rules of the level-3 practice: length, classes, username, history, 90-day expiry."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.models import PasswordHistory
from accounts.services import password_set
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def messages_for(password, user):
    with translation.override("zh-hans"):
        try:
            validate_password(password, user)
        except ValidationError as error:
            return [str(message) for message in error.messages]
    return []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Ab#12", "密码长度不能少于 8 个字符。"),
        ("abcdefgh1", "密码须包含大写字母、小写字母、数字、特殊字符中的至少 3 类。"),
        ("ABCDEFGH!", "密码须包含大写字母、小写字母、数字、特殊字符中的至少 3 类。"),
        ("xStaff#2026", "密码不能包含用户名。"),
    ],
)
def test_each_password_rule_has_its_chinese_message(users, password, expected):
    assert expected in messages_for(password, users.township_staff)


@pytest.mark.parametrize("password", ["Xkcdqwz1", "abcdefg#1", "ABCDEFG#1", "Abcdefg#", "天府之国Ab1x"])
def test_three_of_four_classes_and_length_eight_pass(users, password):
    assert messages_for(password, users.township_staff) == []


def test_password_equal_to_username_in_other_case_is_refused(users):
    assert "密码不能包含用户名。" in messages_for("STAFF#ab12", users.township_staff)


def test_last_five_passwords_cannot_be_reused_but_the_sixth_can(users, password):
    # given the staff member has changed the factory password five times
    user = users.township_staff
    for n in range(1, 6):
        password_set(user=user, password=f"Zhugao#{n}x2026")
    # then each of the last five (the current one included) is refused
    for n in range(1, 6):
        assert "新密码不能与最近 5 次使用过的密码相同。" in messages_for(f"Zhugao#{n}x2026", user)
    # and the original factory password, six changes back, is allowed again
    assert messages_for(password, user) == []
    # and only five hashes are kept, none in clear text
    stored = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert len(stored) == 5
    assert not any("Zhugao" in value for value in stored)


def test_factory_password_counts_as_current_for_history(users, password):
    assert "新密码不能与最近 5 次使用过的密码相同。" in messages_for(password, users.township_staff)


def test_change_password_page_applies_the_rules_and_records_the_change(client_for, users, password):
    client = client_for(users.township_staff)
    # when the new password is too simple
    response = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": "abcdefgh", "new_password2": "abcdefgh"},
    )
    # then 400 with the rule's message and nothing changes
    assert response.status_code == 400
    assert "密码须包含大写字母、小写字母、数字、特殊字符中的至少 3 类。" in response.content.decode()
    users.township_staff.refresh_from_db()
    assert users.township_staff.check_password(password)
    # when it follows the rules
    response = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": "Jintang#2027", "new_password2": "Jintang#2027"},
    )
    assert response.status_code == 302
    users.township_staff.refresh_from_db()
    assert users.township_staff.check_password("Jintang#2027")
    assert users.township_staff.password_changed_at is not None
    # and the session survives the change, and the change is audited without the password
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(actor=users.township_staff, message="修改密码")
    assert event.changes == {"password": ["***", "***"]}


def test_wrong_old_password_is_refused(client_for, users):
    response = client_for(users.township_staff).post(
        "/accounts/password/",
        {"old_password": "Wrong#Pass1", "new_password1": "Jintang#2027", "new_password2": "Jintang#2027"},
    )
    assert response.status_code == 400
    assert "你的旧密码不正确。请重新输入。" in response.content.decode()


def expire(user, days=91):
    user.password_changed_at = timezone.now() - timedelta(days=days)
    user.save(update_fields=["password_changed_at"])


def test_expired_password_sends_every_page_to_the_change_page(client_for, users):
    # given a password set 91 days ago
    expire(users.township_staff)
    client = client_for(users.township_staff)
    # then pages and the API answer with the change page only
    response = client.get(f"/regions/{users.township_staff.primary_post.region_id}/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/"
    api = client.get("/api/v1/regions/")
    assert api.status_code == 403
    assert "密码已过期" in api.json()["detail"]
    assert client.get("/accounts/password/").status_code == 200
    # and signing out still works
    assert client.post("/accounts/logout/").status_code == 302


def test_password_set_89_days_ago_is_not_expired_but_prompts(client_for, users):
    expire(users.township_staff, days=80)
    client = client_for(users.township_staff)
    response = client.get("/")
    assert response.status_code == 200
    assert "您的密码将在 9 天后过期，请及时修改。" in response.content.decode()
    # the prompt is shown once per session
    assert "请及时修改" not in client.get("/").content.decode()


def test_fresh_password_gives_no_prompt(client_for, users):
    assert "请及时修改" not in client_for(users.township_staff).get("/").content.decode()


def test_after_changing_an_expired_password_pages_open_again(client_for, users, password):
    expire(users.township_staff)
    client = client_for(users.township_staff)
    client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": "Jintang#2027", "new_password2": "Jintang#2027"},
    )
    assert client.get("/").status_code == 200
