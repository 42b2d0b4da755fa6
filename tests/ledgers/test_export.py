"""Export of any filtered ledger list to xlsx: same filters and scope as the page, masked
numbers, bounded, audited."""

import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.choices import Action
from audit.models import AuditEvent
from core.validators import id_number_check_digit
from ledgers.choices import AppealCategory, HardshipType, MatterType
from ledgers.services import appeal_create, household_create, matter_create
from ledgers.views import transfer

ID17 = "51012119500101002"
ID_NUMBER = ID17 + id_number_check_digit(ID17)


def sheet_of(response):
    assert response.status_code == 200, response.content[:500]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()], sheet


@pytest.fixture
def appeals(users, tree, appeal_data):
    staff = users.township_staff
    return [
        appeal_create(actor=staff, region=tree.village, data=appeal_data),
        appeal_create(actor=staff, region=tree.village2, data={**appeal_data, "title": "二组水塔漏水"}),
        appeal_create(
            actor=staff,
            region=tree.village,
            data={**appeal_data, "title": "村道塌方", "category": AppealCategory.ROADS},
        ),
        appeal_create(
            actor=users.sibling_staff, region=tree.sibling_village, data={**appeal_data, "title": "五凤村诉求"}
        ),
    ]


def test_export_applies_the_list_filters_and_masks_phones(client_for, users, appeals):
    response = client_for(users.township_staff).get(
        "/ledgers/appeals/export/", {"category": "drinking_water", "page": "2"}
    )
    rows, sheet = sheet_of(response)
    assert rows[0][:10] == [
        "编号",
        "乡镇（街道）",
        "村（社区）",
        "区划代码",
        "登记日期",
        "类别",
        "反映人类型",
        "反映人",
        "联系电话",
        "诉求事项",
    ]
    assert sorted(r[9] for r in rows[1:]) == ["三组自来水管破裂", "二组水塔漏水"]
    assert {r[8] for r in rows[1:]} == {"138****1234"}
    assert all(r[5] == "饮水" and r[14] == 1500 for r in rows[1:])
    assert sheet["D2"].number_format == "@"
    assert response["Content-Disposition"].startswith('attachment; filename="download-')
    assert "filename*=UTF-8''" + quote("民生诉求-") in response["Content-Disposition"]


def test_export_is_audited_with_count_and_filters(client_for, users, appeals):
    sheet_of(client_for(users.township_staff).get("/ledgers/appeals/export/", {"category": "roads"}))
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert (event.actor, event.object_type, event.region_code) == (
        users.township_staff,
        "ledgers.livelihoodappeal",
        "510121113",
    )
    assert event.message == "导出民生诉求 1 行；筛选条件：category=roads"


@pytest.mark.parametrize(
    ("who", "status", "titles"),
    [
        (None, 302, None),
        ("township_staff", 200, {"三组自来水管破裂", "二组水塔漏水", "村道塌方"}),
        ("village_cadre", 200, {"三组自来水管破裂", "村道塌方"}),
        ("county_leader", 200, {"三组自来水管破裂", "二组水塔漏水", "村道塌方", "五凤村诉求"}),
        ("sibling_staff", 200, {"五凤村诉求"}),
        ("auditor", 403, None),
        ("system_admin", 403, None),
        ("no_post", 403, None),
        ("superuser", 200, {"三组自来水管破裂", "二组水塔漏水", "村道塌方", "五凤村诉求"}),
    ],
)
def test_export_permission_matrix_and_scope(client_for, users, appeals, who, status, titles):
    response = client_for(getattr(users, who) if who else None).get("/ledgers/appeals/export/")
    assert response.status_code == status
    if titles is not None:
        rows, _sheet = sheet_of(response)
        assert {r[9] for r in rows[1:]} == titles
    else:
        assert AuditEvent.objects.filter(action=Action.EXPORT).count() == 0


def test_household_export_masks_id_numbers(client_for, users, tree):
    household_create(
        actor=users.township_staff,
        region=tree.village,
        data={"head_name": "李秀英", "head_id_number": ID_NUMBER, "phone": "13900002222", "member_count": 2},
        hardship_types=[HardshipType.EMPTY_NEST, HardshipType.DISABLED],
    )
    response = client_for(users.township_staff).get(reverse("ledgers:hardshiphousehold_export"))
    rows, sheet = sheet_of(response)
    assert rows[1][5:11] == ["李秀英", "5101**********" + ID_NUMBER[-4:], "139****2222", None, 2, "残疾人、空巢老人"]
    assert sheet["G2"].number_format == "@"
    assert ID_NUMBER not in str(rows)


def test_matter_export(client_for, users, tree):
    matter_create(
        actor=users.township_staff,
        region=tree.village,
        data={"matter_type": MatterType.NEIGHBOUR, "title": "宅基地边界争议", "parties": "张某、李某"},
    )
    rows, _sheet = sheet_of(client_for(users.township_staff).get(reverse("ledgers:stabilitymatter_export")))
    assert rows[1][5:8] == ["邻里纠纷", "宅基地边界争议", "张某、李某"]


def test_malformed_filters_are_400_with_a_message(client_for, users, appeals):
    response = client_for(users.township_staff).get("/ledgers/appeals/export/", {"status": "lost", "overdue": "maybe"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "筛选条件有误" in html
    assert AuditEvent.objects.filter(action=Action.EXPORT).count() == 0


def test_exports_past_the_limit_are_refused(client_for, users, appeals, monkeypatch):
    monkeypatch.setattr(transfer, "EXPORT_MAX_ROWS", 2)
    response = client_for(users.township_staff).get("/ledgers/appeals/export/")
    assert response.status_code == 400
    assert "符合条件的记录超过单次导出上限 2 条。" in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.EXPORT).count() == 0


def test_export_query_count_does_not_grow_with_rows(
    client_for, users, tree, appeal_data, django_assert_max_num_queries
):
    for index in range(30):
        appeal_create(actor=users.township_staff, region=tree.village, data={**appeal_data, "title": f"事项{index}"})
        household_create(
            actor=users.township_staff,
            region=tree.village,
            data={"head_name": f"户{index}"},
            hardship_types=[HardshipType.POOR],
        )
    client = client_for(users.township_staff)
    with django_assert_max_num_queries(12):
        rows, _sheet = sheet_of(client.get("/ledgers/appeals/export/"))
    assert len(rows) == 31
    with django_assert_max_num_queries(12):
        rows, _sheet = sheet_of(client.get("/ledgers/households/export/"))
    assert len(rows) == 31


def test_every_column_of_every_ledger_export(client_for, users, tree, appeal_data):
    """Whole rows, every column: the exports read the ledgers' column specifications (issue 9)."""
    import datetime

    from django.utils import timezone

    from ledgers.services import appeal_transition, household_exit, matter_transition

    staff, today = users.township_staff, timezone.localdate()
    appeal = appeal_create(actor=staff, region=tree.village, data={**appeal_data, "description": "水管老化"})
    for target, extra in (("in_progress", {}), ("resolved", {"resolution": "已更换"}), ("disclosed", {})):
        appeal = appeal_transition(actor=staff, appeal=appeal, target=target, **extra)
    household = household_create(
        actor=staff,
        region=tree.village,
        data={
            "head_name": "李秀英",
            "head_id_number": ID_NUMBER,
            "phone": "13900002222",
            "address": "三组 12 号",
            "member_count": 2,
            "needs": "行动不便",
            "is_sensitive": True,
        },
        hardship_types=[HardshipType.EMPTY_NEST, HardshipType.DISABLED],
    )
    household = household_exit(actor=staff, household=household, exited_on=today, reason="已脱困")
    matter = matter_create(
        actor=staff,
        region=tree.village,
        data={
            "matter_type": MatterType.NEIGHBOUR,
            "title": "宅基地边界争议",
            "parties": "张某、李某",
            "summary": "界桩移动",
            "mediator": "周明",
            "deadline": today + datetime.timedelta(days=5),
        },
    )
    matter = matter_transition(actor=staff, matter=matter, target="mediating")
    place = ["竹篙镇", "竹篙村", tree.village.code]
    local = timezone.localtime
    client = client_for(staff)

    rows, _sheet = sheet_of(client.get("/ledgers/appeals/export/"))
    assert rows[0] == [
        "编号", "乡镇（街道）", "村（社区）", "区划代码", "登记日期", "类别", "反映人类型", "反映人", "联系电话",
        "诉求事项", "具体情况", "办理方式", "责任人", "承诺办结日期", "投入资金（元）", "状态", "是否逾期",
        "办理结果", "办结时间", "公开时间",
    ]  # fmt: skip
    assert rows[1][:18] == [
        appeal.pk, *place, datetime.datetime.combine(today, datetime.time()), "饮水", "农户", "王大爷", "138****1234",
        "三组自来水管破裂", "水管老化", "马上解决", "刘芳",
        datetime.datetime.combine(appeal.promised_date, datetime.time()), 1500, "已公开", "否", "已更换",
    ]  # fmt: skip
    for cell, moment in zip(rows[1][18:], (appeal.resolved_at, appeal.disclosed_at), strict=True):
        assert abs(cell - local(moment).replace(tzinfo=None)) < datetime.timedelta(seconds=1)  # Excel keeps ms

    rows, _sheet = sheet_of(client.get("/ledgers/households/export/"))
    assert rows[0] == [
        "编号", "乡镇（街道）", "村（社区）", "区划代码", "登记日期", "户主姓名", "户主身份证号", "联系电话", "住址",
        "家庭人口", "困难类型", "主要困难与需求", "含敏感信息", "状态", "退出日期", "退出原因",
    ]  # fmt: skip
    assert rows[1] == [
        household.pk, *place, datetime.datetime.combine(today, datetime.time()), "李秀英",
        "5101**********" + ID_NUMBER[-4:], "139****2222", "三组 12 号", 2, "残疾人、空巢老人", "行动不便", "是",
        "已退出", datetime.datetime.combine(today, datetime.time()), "已脱困",
    ]  # fmt: skip

    rows, _sheet = sheet_of(client.get("/ledgers/matters/export/"))
    assert rows[0] == [
        "编号", "乡镇（街道）", "村（社区）", "区划代码", "登记日期", "矛盾类型", "事项", "当事人", "基本情况",
        "风险等级", "调解人", "化解期限", "状态", "是否逾期", "化解结果", "结果说明", "转信访编号",
    ]  # fmt: skip
    assert rows[1] == [
        matter.pk, *place, datetime.datetime.combine(today, datetime.time()), "邻里纠纷", "宅基地边界争议",
        "张某、李某", "界桩移动", "一般（村级化解）", "周明", datetime.datetime.combine(matter.deadline, datetime.time()), "调解中",
        "否", None, None, None,
    ]  # fmt: skip
