"""A small demo of the community app for `make run`: the first urban community of 金堂县 (510121),
its Party branch (`shequ`), a registered Party member who signs in on a phone (`dangyuan`), an
organ's Party organisation, and orders at each step, entered through the services so history is
recorded. Idempotent."""

import datetime

from django.db import transaction

from accounts.demo import demo_user
from accounts.models import User
from community import services
from community.models import ReportingMember, ServiceOrder
from regions.choices import Level, Role
from regions.models import Region
from regions.services import post_grant

COUNTY = "510121"  # 金堂县
BRANCH, MEMBER = "shequ", "dangyuan"


def _user(username: str, display_name: str) -> User:
    return demo_user(username, display_name)


@transaction.atomic
def seed_demo_community() -> str:
    community = (
        Region.objects.filter(code__startswith=COUNTY, level=Level.VILLAGE, is_community=True).order_by("code").first()
    )
    if community is None:
        return "没有社区，未生成三单制演示数据 / no community: no three-order demo data"
    branch = _user(BRANCH, f"{community.name}党委 孙丽")
    post_grant(user=branch, region=community, role=Role.COMMUNITY_BRANCH)
    member_user = _user(MEMBER, "在职党员 何平")
    # Its own records, not any order: the generated province may have placed orders here too.
    if ReportingMember.objects.filter(region=community, user=member_user).exists():
        return f"三单制演示数据已存在 / demo orders already present ({community.name}: {BRANCH}, {MEMBER})"
    member = services.member_create(
        actor=branch,
        region=community,
        data={"name": "何平", "phone": "13980001111", "workplace": "金堂县财政局", "username": MEMBER},
    )
    other = services.member_create(actor=branch, region=community, data={"name": "吴静", "phone": "13980002222"})
    organisation = services.organisation_create(
        actor=branch,
        region=community,
        data={
            "name": "金堂县财政局机关党支部",
            "organ_name": "金堂县财政局",
            "organ_level": "county",
            "party_member_count": 28,
        },
    )
    for reporter in ({"member": member}, {"member": other}, {"organisation": organisation}):
        services.report_register(actor=branch, community=community, **reporter)
    order = {
        "category": "elderly",
        "need": "帮独居老人代买药品",
        "place": "3栋2单元",
        "contact_name": "李阿姨",
        "phone": "13812345678",
    }
    services.order_place(region=community, data=order)
    late = services.order_place(region=community, data={**order, "need": "疏通楼道下水管", "category": "repair"})
    ServiceOrder.objects.filter(pk=late.pk).update(waiting_since=late.waiting_since - datetime.timedelta(hours=30))
    dispatched = services.order_place(
        region=community, data={**order, "need": "陪同老人到医院复查", "category": "health"}
    )
    services.order_dispatch(actor=branch, order=dispatched, member=member, service_kind="paired")
    done = services.order_place(region=community, data={**order, "need": "调解邻里噪音纠纷", "category": "mediation"})
    done = services.order_dispatch(actor=branch, order=done, organisation=organisation, service_kind="team")
    done = services.order_take(actor=branch, order=done)
    done = services.order_complete(actor=branch, order=done, result="两户当面协商，约定晚十点后不装修")
    _invitation, token = services.order_rating_link_create(actor=branch, order=done)
    services.order_rate(token=token, score=5, done_confirmed=True, comment="很及时")
    return (
        f"三单制演示数据：{community.name}（{community.code}），支部 {BRANCH}，党员 {MEMBER}；"
        f"居民点单页 /community/public/{community.code}/ / three-order demo in {community.code}"
    )
