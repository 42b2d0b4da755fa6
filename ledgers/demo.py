"""A small demo data set for `make run`: a few items in each ledger of 竹篙镇 (510121113),
entered through the services by the township's demo staff member, so history is recorded too."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.validators import id_number_check_digit
from ledgers.choices import AppealCategory, AppealStatus, HardshipType, MatterOutcome, MatterStatus, MatterType
from ledgers.models import LivelihoodAppeal
from ledgers.services import (
    appeal_create,
    appeal_transition,
    help_record_add,
    household_create,
    household_exit,
    household_member_add,
    matter_create,
    matter_step_add,
    matter_transition,
    profile_update,
)
from regions.choices import Level
from regions.models import Region

TOWNSHIP = "510121113"  # 竹篙镇, 金堂县
STAFF = "zhugao"


def _id(first17: str) -> str:
    return first17 + id_number_check_digit(first17)


@transaction.atomic
def seed_demo_ledgers() -> str:
    """Idempotent: does nothing when the township's demo staff member has entered items already
    (the generated demo province has rows in 竹篙镇 too, entered by nobody)."""
    staff = User.objects.filter(username=STAFF).first()
    if (
        staff is not None
        and LivelihoodAppeal.objects.filter(region__code__startswith=TOWNSHIP, created_by=staff).exists()
    ):
        return "台账演示数据已存在 / demo ledger items already present"
    villages = list(Region.objects.filter(parent_id=TOWNSHIP, level=Level.VILLAGE).order_by("code")[:3])
    if staff is None or len(villages) < 3:
        return "跳过台账演示数据：缺少竹篙镇或其演示账号 / skipped demo ledgers: 竹篙镇 or its demo user missing"
    today = timezone.localdate()

    def days(n):
        return today + datetime.timedelta(days=n)

    first, second, third = villages
    appeals = [
        (first, AppealCategory.DRINKING_WATER, "三组自来水管破裂，十余户停水", "王德贵", -30, -10, []),
        (first, AppealCategory.ROADS, "村道两处塌方需修复", "四组村民（群体）", -20, 25, [AppealStatus.IN_PROGRESS]),
        (
            second,
            AppealCategory.SCHOOLING,
            "留守儿童放学接送无人照看",
            "李秀英",
            -40,
            5,  # resolved today, within its promised date: on time
            [AppealStatus.IN_PROGRESS, AppealStatus.RESOLVED],
        ),
        (
            second,
            AppealCategory.MEDICAL,
            "慢性病门诊报销手续不清楚",
            "张友明",
            -60,
            1,
            [AppealStatus.RESOLVED, AppealStatus.DISCLOSED],
        ),
        (third, AppealCategory.EMPLOYMENT, "返乡青年希望参加电商培训", "刘小军", -3, 60, []),
    ]
    for region, category, title, raiser, registered, promised, moves in appeals:
        appeal = appeal_create(
            actor=staff,
            region=region,
            data={
                "category": category,
                "title": title,
                "raiser_name": raiser,
                "raiser_phone": "13800001234",
                "responsible_person": "刘芳",
                "registered_on": days(registered),
                "promised_date": days(promised),
                "funds_spent_fen": 0 if not moves else 350000,
                "raised_by": "group" if "群体" in raiser else "household",
            },
        )
        for target in moves:
            appeal = appeal_transition(actor=staff, appeal=appeal, target=target, resolution="已协调相关部门办结。")

    poor = household_create(
        actor=staff,
        region=first,
        data={
            "head_name": "陈大妈",
            "head_id_number": _id("51012119520314002"),
            "address": "一组 12 号",
            "member_count": 2,
            "needs": "独居，腿脚不便，冬季取暖困难",
            "registered_on": days(-90),
        },
        hardship_types=[HardshipType.ELDERLY_ALONE, HardshipType.POOR],
    )
    household_member_add(actor=staff, household=poor, data={"name": "陈小花", "relation": "grandchild"})
    help_record_add(
        actor=staff,
        household=poor,
        data={"given_on": days(-30), "kind": "warm_winter", "amount_fen": 50000, "description": "棉被、取暖器"},
    )
    recovered = household_create(
        actor=staff,
        region=second,
        data={"head_name": "赵建国", "member_count": 4, "needs": "房屋受灾", "registered_on": days(-200)},
        hardship_types=[HardshipType.DISASTER],
    )
    household_exit(actor=staff, household=recovered, exited_on=days(-10), reason="房屋修复，家庭务工收入稳定")

    land = matter_create(
        actor=staff,
        region=first,
        data={
            "matter_type": MatterType.LAND,
            "title": "两户宅基地界址争议",
            "parties": "王某、李某",
            "mediator": "村调解委员会 周军",
            "deadline": days(-2),
            "registered_on": days(-15),
        },
    )
    land = matter_transition(actor=staff, matter=land, target=MatterStatus.MEDIATING)
    matter_step_add(actor=staff, matter=land, data={"happened_on": days(-7), "action": "现场踏勘，双方各自陈述"})
    neighbour = matter_create(
        actor=staff,
        region=third,
        data={"matter_type": MatterType.NEIGHBOUR, "title": "排水沟堵塞引发邻里矛盾", "parties": "张某、刘某"},
    )
    matter_transition(actor=staff, matter=neighbour, target=MatterStatus.RESOLVED, outcome=MatterOutcome.MEDIATED)

    for region, conditions in (
        (first, "丘陵村，9 个村民小组，常住人口约 1,800 人"),
        (second, "城郊社区，外出务工人员多"),
    ):
        profile_update(
            actor=staff,
            region=region,
            expected_version=None,
            data={
                "village_conditions": conditions,
                "household_conditions": "留守老人和儿童较多",
                "expectations": "改善道路和饮水条件",
                "problems": "部分组自来水管网老化",
            },
        )
    return "已创建竹篙镇台账演示数据 / demo ledger items created in 竹篙镇"
