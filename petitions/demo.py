"""Demo petitions for `make run`: cases in 竹篙镇 (510121113) owned by the demo leaders (金堂县's
`jintang`, 竹篙镇's `zhugao_leader`), registered and moved on through the services by a demo
petition-office account (`jintang_xf`, 金堂县信访局), plus a reception day and a down-visit."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_user
from accounts.models import User
from core.validators import id_number_check_digit
from petitions.models import Petition, PetitionCategory
from petitions.services import (
    down_visit_create,
    petition_accept,
    petition_close,
    petition_create,
    petition_owner_add,
    petition_progress_add,
    petition_reply,
    petition_start_handling,
    reception_day_create,
)
from regions.choices import Level, Role
from regions.models import Region
from regions.services import post_grant

TOWNSHIP = "510121113"
COUNTY = "510121"
STAFF = "jintang_xf"


def _id(serial: int) -> str:
    first17 = f"51012119680315{serial:03d}"
    return first17 + id_number_check_digit(first17)


@transaction.atomic
def seed_demo_petitions() -> str:
    """Idempotent: does nothing when the demo petition office has entered its cases already (the
    generated province has petitions in 竹篙镇 too, but none of them owned by the demo leaders)."""
    if Petition.objects.filter(created_by__username=STAFF).exists():
        return "信访演示数据已存在 / demo petitions already present"
    leader = User.objects.filter(username="jintang").first()
    town_leader = User.objects.filter(username="zhugao_leader").first()
    county = Region.objects.filter(code=COUNTY).first()
    villages = list(Region.objects.filter(parent_id=TOWNSHIP, level=Level.VILLAGE).order_by("code")[:2])
    if leader is None or town_leader is None or county is None or len(villages) < 2:
        return "跳过信访演示数据：缺少竹篙镇或演示账号 / skipped demo petitions"
    staff = demo_user(STAFF, "金堂县信访局 孙洁")
    post_grant(user=staff, region=county, role=Role.PETITION_STAFF)
    today = timezone.localdate()

    def ago(n):
        return today - datetime.timedelta(days=n)

    category = {c.code: c for c in PetitionCategory.objects.all()}

    def case(village, title, content, days_ago, cat, people, **extra):
        return petition_create(
            actor=staff,
            region=village,
            data={"channel": extra.pop("channel", "visit"), "received_on": ago(days_ago), "title": title,
                  "content": content, "category": category[cat], "petition_type": extra.pop("petition_type", "claim"),
                  "conflict_level": "township", **extra},
            petitioners=people,
            named_officials=extra.pop("named", None),
        )  # fmt: skip

    first, second = villages
    overdue = case(first, "征地补偿款未足额发放", "三组12户村民反映2025年征地补偿款未足额发放。", 25, "land",
                   [{"name": "王德明", "id_number": _id(11), "phone": "13880001111", "address": "三组"}])  # fmt: skip
    soon = case(second, "拆迁安置房逾期未交付", "安置房原定2026年6月交付，至今未交付。", 62, "relocation",
                [{"name": f"代表{i}", "is_representative": True} for i in range(1, 4)], is_group=True, group_size=23)  # fmt: skip
    soon = petition_accept(actor=staff, petition=soon, on=ago(58), handling_unit="竹篙镇人民政府")
    petition_start_handling(actor=staff, petition=soon)
    handling = case(first, "养老保险待遇核定有误", "反映养老保险缴费年限核定少计3年。", 20, "labour",
                    [{"name": "李秀英", "id_number": _id(22)}], channel="letter")  # fmt: skip
    handling = petition_accept(actor=staff, petition=handling, on=ago(18), handling_unit="县人力资源社会保障局")
    done = case(second, "村道损毁影响出行", "村道被洪水冲毁，出行困难。", 120, "rural", [{"name": "张国强"}],
                is_backlog=True, channel="online")  # fmt: skip
    done = petition_accept(actor=staff, petition=done, on=ago(115))
    done = petition_reply(
        actor=staff, petition=done, opinion="supported", text="已纳入年度修复计划并完成修复。", on=ago(70)
    )
    petition_close(actor=staff, petition=done, outcome="resolved", on=ago(60))
    case(first, "反映镇干部违规插手工程", "反映某镇干部违规插手村级工程项目。", 5, "conduct", [{"name": "匿名"}],
         petition_type="accusation", named=[{"user": town_leader, "unit": "竹篙镇"}])  # fmt: skip
    for p in (overdue, soon, handling):
        petition_owner_add(actor=staff, petition=p, leader=leader, unit="金堂县人民政府", reason="县级领导包案")
    petition_owner_add(actor=staff, petition=soon, leader=town_leader, unit="竹篙镇党委", is_lead=False)
    petition_progress_add(actor=leader, petition=soon, text="已召开专题会，督促开发商制定交付计划。")
    reception_day_create(actor=leader, region=county, held_on=ago(10), place="金堂县群众来访接待中心", person_times=18,
                         case_numbers=[handling.number])  # fmt: skip
    down_visit_create(actor=leader, region=Region.objects.get(code=TOWNSHIP), visited_on=ago(7),
                      village_codes=[second.code], person_times=32, case_numbers=[soon.number], outcome="现场答复群众关切。")  # fmt: skip
    return "信访演示数据：5 件信访件、1 次接访、1 次下访 / demo petitions: 5 cases, 1 reception day, 1 down-visit"
