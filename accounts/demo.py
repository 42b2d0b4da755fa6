"""Demo sign-ins for `make run`: one user per role, on real regions of Sichuan."""

import functools

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User
from regions.choices import Role
from regions.models import Region
from regions.services import post_grant

DEMO_PASSWORD = "Jiceng#2026"

# (username, display name, role, region code)
DEMO_USERS = [
    ("province", "省委办公厅 王敏", Role.PROVINCIAL_OFFICE, "51"),
    ("chengdu", "成都市领导 李强", Role.PREFECTURE_LEADER, "5101"),
    ("jintang", "金堂县领导 张伟", Role.COUNTY_LEADER, "510121"),
    ("zhugao", "竹篙镇工作人员 刘芳", Role.TOWNSHIP_STAFF, "510121113"),
    ("zhugao_leader", "竹篙镇党委书记 陈刚", Role.TOWNSHIP_LEADER, "510121113"),
    ("wufeng", "五凤镇工作人员 赵丽", Role.TOWNSHIP_STAFF, "510121106"),
    ("cunganbu", "村干部 周军", Role.VILLAGE_CADRE, None),  # the first village of 竹篙镇
    ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, "51"),
    ("secadmin", "安全管理员", Role.SECURITY_ADMIN, "51"),
    ("auditor", "安全审计员", Role.AUDITOR, "51"),
]


@functools.cache
def demo_password_hash() -> str:
    """The demo password, hashed once per process: a hash costs a million PBKDF2 rounds (about 0.4 s
    on an idle core, 1.3 s under load), and 13 of them were a third of `make run`'s seeding. The demo
    users share one salt; their password is printed on the console and in the README anyway."""
    return make_password(DEMO_PASSWORD)


def demo_user(username: str, display_name: str) -> User:
    """The demo user of that name, created with the demo password if missing (a rerun leaves it)."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": display_name, "password": demo_password_hash()}
    )
    return user


@transaction.atomic
def seed_demo_users() -> list[tuple[str, str, str]]:
    """Create (or leave as they are) the demo users; returns (username, role label, region) rows."""
    rows = []
    for username, display_name, role, code in DEMO_USERS:
        region = (
            Region.objects.get(code=code)
            if code
            else Region.objects.filter(parent_id="510121113").order_by("code").first()
        )
        user = demo_user(username, display_name)
        post_grant(user=user, region=region, role=role)
        rows.append((username, Role(role).label, region.path_name))
    return rows
