"""Ledger pages: permission matrix per page and per write, filters, forms, bulk, history, query bounds."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from ledgers.choices import AppealCategory, AppealStatus, HardshipType, MatterStatus, MatterType
from ledgers.models import (
    HardshipHousehold,
    HelpRecord,
    HouseholdMember,
    LivelihoodAppeal,
    MediationStep,
    StabilityMatter,
    VillageProfile,
)
from ledgers.services import appeal_create, appeal_transition, household_create, matter_create, profile_update

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
HEAD_ID = "11010519491231002X"


def make_appeal(actor, region, **extra):
    data = {
        "category": AppealCategory.ROADS,
        "raiser_name": "张三",
        "raiser_phone": "13800001234",
        "title": "村道塌方",
        "responsible_person": "李四",
        "promised_date": TODAY + datetime.timedelta(days=5),
    }
    data.update(extra)
    return appeal_create(actor=actor, region=region, data=data)


def unique_head_id() -> str:
    """A valid ID number no household has yet: one head ID number is one household."""
    from core.validators import id_number_check_digit

    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=next(_HEAD_IDS))
    first17 = f"110105{birth:%Y%m%d}003"
    return first17 + id_number_check_digit(first17)


_HEAD_IDS = itertools.count()


def make_household(actor, region, **extra):
    from core.crypto import keyed_hash

    data = {"head_name": "陈大妈", "head_id_number": HEAD_ID, "phone": "13900005678", "address": "三组"}
    if HardshipHousehold.objects.filter(head_id_hash=keyed_hash(HEAD_ID)).exists():
        data["head_id_number"] = unique_head_id()
    data.update(extra)
    return household_create(actor=actor, region=region, data=data, hardship_types=[HardshipType.POOR])


def make_matter(actor, region, **extra):
    data = {"matter_type": MatterType.LAND, "title": "宅基地界址", "parties": "甲、乙"}
    data.update(extra)
    return matter_create(actor=actor, region=region, data=data)


@pytest.fixture
def entries(users, tree):
    staff = users.township_staff
    return {
        "appeal": make_appeal(staff, tree.village),
        "household": make_household(staff, tree.village),
        "matter": make_matter(staff, tree.village),
        "profile": profile_update(actor=staff, region=tree.village, expected_version=None, data={"problems": "缺水"}),
    }


def who(users, name):
    return None if name == "anonymous" else getattr(users, name)


# --- Permission matrix: reads ---------------------------------------------------------------------
READ_PAGES = [
    ("ledgers:livelihoodappeal_detail", "appeal"),
    ("ledgers:livelihoodappeal_update", "appeal"),
    ("ledgers:hardshiphousehold_detail", "household"),
    ("ledgers:hardshiphousehold_update", "household"),
    ("ledgers:stabilitymatter_detail", "matter"),
    ("ledgers:stabilitymatter_update", "matter"),
    ("ledgers:villageprofile_detail", "profile"),
    ("ledgers:villageprofile_update", "profile"),
]
# (user, status on a detail page, status on an edit page)
READ_MATRIX = [
    ("anonymous", 302, 302),
    ("village_cadre", 200, 200),
    ("township_staff", 200, 200),
    ("township_leader", 200, 403),
    ("county_leader", 200, 403),
    ("sibling_staff", 404, 404),
    ("superuser", 200, 200),
    ("system_admin", 404, 404),
]


def page_url(name, entry):
    if name.startswith("ledgers:villageprofile"):
        return reverse(name, args=[entry.region_id])
    return reverse(name, args=[entry.pk])


@pytest.mark.parametrize(("name", "key"), READ_PAGES)
@pytest.mark.parametrize(("user", "detail_status", "edit_status"), READ_MATRIX)
def test_detail_and_edit_pages_permission_matrix(
    client_for, users, entries, name, key, user, detail_status, edit_status
):
    response = client_for(who(users, user)).get(page_url(name, entries[key]))
    expected = edit_status if name.endswith("_update") else detail_status
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("accounts:login"))


LIST_PAGES = [
    "ledgers:livelihoodappeal_list",
    "ledgers:hardshiphousehold_list",
    "ledgers:stabilitymatter_list",
    "ledgers:villageprofile_list",
]


@pytest.mark.parametrize("name", LIST_PAGES)
@pytest.mark.parametrize(
    ("user", "status", "sees_row"),
    [
        ("anonymous", 302, False),
        ("village_cadre", 200, True),
        ("township_staff", 200, True),
        ("county_leader", 200, True),
        ("sibling_staff", 200, False),
        ("superuser", 200, True),
    ],
)
def test_list_pages_permission_matrix(client_for, users, tree, entries, name, user, status, sees_row):
    response = client_for(who(users, user)).get(reverse(name))
    assert response.status_code == status
    if status == 200:
        row = f'data-testid="row-{tree.village.code if "profile" in name else ""}'
        if "profile" not in name:
            key = {"livelihoodappeal": "appeal", "hardshiphousehold": "household", "stabilitymatter": "matter"}
            row += str(entries[key[name.split(":")[1].rsplit("_", 1)[0]]].pk)
        assert (row + '"' in response.content.decode()) is sees_row


CREATE_PAGES = ["ledgers:livelihoodappeal_create", "ledgers:hardshiphousehold_create", "ledgers:stabilitymatter_create"]


@pytest.mark.parametrize("name", CREATE_PAGES)
@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("anonymous", 302),
        ("village_cadre", 200),
        ("township_staff", 200),
        ("county_leader", 403),
        ("sibling_staff", 200),
        ("superuser", 200),
        ("auditor", 403),
    ],
)
def test_create_pages_permission_matrix(client_for, users, tree, name, user, status):
    assert client_for(who(users, user)).get(reverse(name)).status_code == status


# --- Permission matrix: writes --------------------------------------------------------------------
def appeal_form(appeal=None, **overrides):
    data = {
        "category": AppealCategory.DRINKING_WATER,
        "title": "自来水管破裂",
        "raised_by": "household",
        "raiser_name": "王大爷",
        "raiser_phone": "",
        "description": "",
        "triage": "immediate",
        "responsible_person": "刘芳",
        "registered_on": "",
        "promised_date": (TODAY + datetime.timedelta(days=3)).isoformat(),
        "funds_spent_fen": "12.34",
    }
    if appeal is not None:
        data["version"] = appeal.version
    data.update(overrides)
    return data


def state(entries):
    """Everything a denied write must leave untouched."""
    rows = []
    for model in (LivelihoodAppeal, HardshipHousehold, StabilityMatter, VillageProfile):
        rows += list(model.objects.order_by("pk").values_list("pk", "version"))
    return (
        rows,
        AuditEvent.objects.count(),
        HouseholdMember.objects.count(),
        HelpRecord.objects.count(),
        MediationStep.objects.count(),
    )


def writes(entries, tree):
    appeal, household, matter = entries["appeal"], entries["household"], entries["matter"]
    today = TODAY.isoformat()
    return {
        "appeal_create": (reverse("ledgers:livelihoodappeal_create"), appeal_form(region=tree.village.code)),
        "appeal_update": (reverse("ledgers:livelihoodappeal_update", args=[appeal.pk]), appeal_form(appeal)),
        "appeal_transition": (
            reverse("ledgers:livelihoodappeal_transition", args=[appeal.pk]),
            {"target": AppealStatus.IN_PROGRESS, "version": appeal.version},
        ),
        "household_member": (
            reverse("ledgers:hardshiphousehold_member_add", args=[household.pk]),
            {"member-name": "陈小", "member-relation": "child"},
        ),
        "household_help": (
            reverse("ledgers:hardshiphousehold_help_add", args=[household.pk]),
            {"help-given_on": today, "help-kind": "cash", "help-amount_fen": "200"},
        ),
        "household_exit": (
            reverse("ledgers:hardshiphousehold_transition", args=[household.pk]),
            {"target": "exited", "exited_on": today, "reason": "已脱困", "version": household.version},
        ),
        "matter_step": (
            reverse("ledgers:stabilitymatter_step_add", args=[matter.pk]),
            {"step-happened_on": today, "step-action": "上门调解"},
        ),
        "matter_transition": (
            reverse("ledgers:stabilitymatter_transition", args=[matter.pk]),
            {"target": MatterStatus.MEDIATING, "version": matter.version},
        ),
        "profile_update": (
            reverse("ledgers:villageprofile_update", args=[tree.village.code]),
            {"village_conditions": "新", "version": entries["profile"].version},
        ),
    }


WRITE_NAMES = [
    "appeal_create",
    "appeal_update",
    "appeal_transition",
    "household_member",
    "household_help",
    "household_exit",
    "matter_step",
    "matter_transition",
    "profile_update",
]


@pytest.mark.parametrize("write", WRITE_NAMES)
@pytest.mark.parametrize(
    ("user", "status"),
    [("anonymous", 302), ("county_leader", 403), ("township_leader", 403), ("sibling_staff", 404)],
)
def test_denied_writes_change_nothing(client_for, users, tree, entries, write, user, status):
    url, data = writes(entries, tree)[write]
    before = state(entries)
    response = client_for(who(users, user)).post(url, data)
    if write == "appeal_create" and user == "sibling_staff":
        # the page is theirs; the village is not: refused beside the field, nothing written
        assert response.status_code == 400
        assert "请选择您管辖范围内的村（社区）或乡镇（街道）。" in response.content.decode()
    else:
        assert response.status_code == status
    assert state(entries) == before


@pytest.mark.parametrize("write", WRITE_NAMES)
@pytest.mark.parametrize("user", ["township_staff", "village_cadre", "superuser"])
def test_allowed_writes_redirect_and_record_history(client_for, users, tree, entries, write, user):
    url, data = writes(entries, tree)[write]
    events = AuditEvent.objects.count()
    response = client_for(getattr(users, user)).post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.count() == events + 1


# --- Lists: filters, paging, overdue, query count ------------------------------------------------------
def test_malformed_filter_answers_400_with_the_errors_shown(client_for, users, entries):
    response = client_for(users.township_staff).get(
        reverse("ledgers:livelihoodappeal_list"), {"overdue": "maybe", "region": "abc"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="filter-errors"' in page
    assert "已逾期：应为 true 或 false。" in page and "所属区划（含下级）：区划代码应为 2 到 12 位数字。" in page
    assert f'data-testid="row-{entries["appeal"].pk}"' not in page


def test_bad_page_size_is_a_filter_error(client_for, users, entries):
    response = client_for(users.township_staff).get(reverse("ledgers:livelihoodappeal_list"), {"page_size": "7"})
    assert response.status_code == 400
    assert "每页条数应为 20、50、100 之一。" in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "9"])
def test_wrong_page_number_is_404_with_a_message(client_for, users, entries, page):
    response = client_for(users.township_staff).get(reverse("ledgers:livelihoodappeal_list"), {"page": page})
    assert response.status_code == 404
    assert "页码" in response.content.decode()


def test_overdue_rows_are_highlighted_and_counted(client_for, users, tree):
    late = make_appeal(users.superuser, tree.village, registered_on=TODAY - datetime.timedelta(days=9))
    LivelihoodAppeal.objects.filter(pk=late.pk).update(promised_date=TODAY - datetime.timedelta(days=1))
    make_appeal(users.superuser, tree.village)
    page = client_for(users.township_staff).get(reverse("ledgers:livelihoodappeal_list")).content.decode()
    assert "符合条件的记录中有 1 条已逾期。" in page
    assert page.count('data-testid="overdue-badge"') == 1
    assert f'<tr class="table-warning" data-testid="row-{late.pk}">' in page


def test_list_sorting_links_toggle_direction(client_for, users, tree):
    first = make_appeal(users.superuser, tree.village, promised_date=TODAY + datetime.timedelta(days=1))
    second = make_appeal(users.superuser, tree.village, promised_date=TODAY + datetime.timedelta(days=9))
    c = client_for(users.township_staff)
    ascending = c.get(
        reverse("ledgers:livelihoodappeal_list"), {"ordering": "promised_date", "page_size": "50"}
    ).content.decode()
    assert ascending.index(f"row-{first.pk}") < ascending.index(f"row-{second.pk}")
    assert 'href="?ordering=-promised_date&amp;page_size=50"' in ascending
    descending = c.get(reverse("ledgers:livelihoodappeal_list"), {"ordering": "-promised_date"}).content.decode()
    assert descending.index(f"row-{second.pk}") < descending.index(f"row-{first.pk}")


def test_empty_state_text(client_for, users, tree):
    page = client_for(users.township_staff).get(reverse("ledgers:livelihoodappeal_list")).content.decode()
    assert "没有符合条件的民生诉求。" in page


def test_export_link_carries_the_filters(client_for, users, entries):
    page = (
        client_for(users.township_staff)
        .get(reverse("ledgers:livelihoodappeal_list"), {"status": "registered", "page_size": "50"})
        .content.decode()
    )
    assert 'href="/ledgers/appeals/export/?status=registered"' in page


def count_queries(client, url, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("ledgers:livelihoodappeal_list", make_appeal),
        ("ledgers:hardshiphousehold_list", make_household),
        ("ledgers:stabilitymatter_list", make_matter),
    ],
)
def test_list_query_count_does_not_grow_with_the_page(client_for, users, tree, name, make):
    c = client_for(users.township_staff)
    for _ in range(5):
        make(users.superuser, tree.village)
    c.get(reverse(name))  # warm-up: the session's first request caches content types and the like
    five = count_queries(c, reverse(name), {"page_size": "50"})
    for index in range(45):
        make(users.superuser, tree.village2 if index % 2 else tree.village)
    fifty = count_queries(c, reverse(name), {"page_size": "50"})
    assert five == fifty
    assert fifty <= 16


def test_profile_list_query_count_is_bounded(client_for, users, tree, django_assert_max_num_queries):
    c = client_for(users.county_leader)
    for village in (tree.village, tree.village2, tree.sibling_village):
        profile_update(actor=users.superuser, region=village, expected_version=None, data={"problems": "x"})
    with django_assert_max_num_queries(16):
        assert c.get(reverse("ledgers:villageprofile_list")).status_code == 200


# --- Forms ----------------------------------------------------------------------------------------
def test_create_appeal_converts_yuan_to_fen_and_records_history(client_for, users, tree):
    response = client_for(users.township_staff).post(
        reverse("ledgers:livelihoodappeal_create"), appeal_form(region=tree.village2.code, funds_spent_fen="1500.5")
    )
    appeal = LivelihoodAppeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk])
    assert (appeal.region_id, appeal.funds_spent_fen, appeal.created_by) == (
        tree.village2.code,
        150050,
        users.township_staff,
    )
    assert AuditEvent.objects.filter(object_id=str(appeal.pk), action="create").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "该字段是必填项。"),
        ({"funds_spent_fen": "1.234"}, "funds_spent_fen", "确认小数不超过 2 位"),
        ({"funds_spent_fen": "-1"}, "funds_spent_fen", "金额不能为负数。"),
        ({"funds_spent_fen": "abc"}, "funds_spent_fen", "请输入金额（元），最多两位小数。"),
        ({"promised_date": "2026-02-30"}, "promised_date", "输入一个有效的日期。"),
        ({"category": "pets"}, "category", "选择一个有效的选项。"),
        ({"region": "510121106001"}, "region", "请选择您管辖范围内的村（社区）或乡镇（街道）。"),
        ({"region": "510121"}, "region", "请选择您管辖范围内的村（社区）或乡镇（街道）。"),
        ({"region": "x' OR 1=1"}, "region", "请选择您管辖范围内的村（社区）或乡镇（街道）。"),
        (
            {"promised_date": (TODAY - datetime.timedelta(days=1)).isoformat()},
            "promised_date",
            "承诺办结日期不能早于登记日期。",
        ),
    ],
)
def test_create_appeal_errors_are_shown_beside_the_field(client_for, users, tree, overrides, field, message):
    data = appeal_form(region=tree.village.code)
    data.update(overrides)
    response = client_for(users.township_staff).post(reverse("ledgers:livelihoodappeal_create"), data)
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert LivelihoodAppeal.objects.count() == 0


def test_county_region_is_refused_for_county_leader_and_township_for_staff_is_accepted(client_for, users, tree):
    response = client_for(users.township_staff).post(
        reverse("ledgers:livelihoodappeal_create"), appeal_form(region=tree.town.code)
    )
    assert response.status_code == 302
    assert LivelihoodAppeal.objects.get().region_id == tree.town.code


def test_stale_edit_is_refused_keeps_the_input_and_saves_nothing(client_for, users, entries):
    appeal = entries["appeal"]
    c = client_for(users.township_staff)
    stale = appeal_form(appeal, title="我的修改")
    # someone else saves first
    assert c.post(reverse("ledgers:livelihoodappeal_update", args=[appeal.pk]), appeal_form(appeal)).status_code == 302
    response = c.post(reverse("ledgers:livelihoodappeal_update", args=[appeal.pk]), stale)
    assert response.status_code == 409
    page = response.content.decode()
    assert "该记录已被其他人修改，请刷新后重新编辑。您的修改没有保存。" in page
    assert 'value="我的修改"' in page
    appeal.refresh_from_db()
    assert (appeal.title, appeal.version) == ("自来水管破裂", 2)


def test_edit_form_never_shows_full_numbers_and_blank_keeps_them(client_for, users, entries):
    household = entries["household"]
    c = client_for(users.township_staff)
    page = c.get(reverse("ledgers:hardshiphousehold_update", args=[household.pk])).content.decode()
    assert HEAD_ID not in page and "13900005678" not in page
    assert "1101**********002X" in page
    data = {
        "head_name": "陈大娘",
        "head_id_number": "",
        "phone": "",
        "address": "三组",
        "member_count": "2",
        "needs": "",
        "registered_on": household.registered_on.isoformat(),
        "hardship_types": ["poor", "disabled"],
        "version": household.version,
    }
    assert c.post(reverse("ledgers:hardshiphousehold_update", args=[household.pk]), data).status_code == 302
    household.refresh_from_db()
    assert (household.head_name, household.head_id_number, household.phone) == ("陈大娘", HEAD_ID, "13900005678")
    assert sorted(household.hardships.values_list("type", flat=True)) == ["disabled", "poor"]


def test_bad_id_number_is_shown_beside_the_field(client_for, users, tree):
    data = {"head_name": "刘", "head_id_number": "110105194912310021", "member_count": "1", "region": tree.village.code}
    data["hardship_types"] = ["poor"]
    response = client_for(users.township_staff).post(reverse("ledgers:hardshiphousehold_create"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["head_id_number"] == ["身份证号码校验位不正确，请核对。"]
    assert HardshipHousehold.objects.count() == 0


def test_household_without_hardship_type_is_refused(client_for, users, tree):
    data = {"head_name": "刘", "member_count": "1", "region": tree.village.code}
    response = client_for(users.township_staff).post(reverse("ledgers:hardshiphousehold_create"), data)
    assert response.context["form"].errors["hardship_types"] == ["请至少选择一种困难类型。"]


def test_household_detail_masks_numbers(client_for, users, entries):
    from ledgers.services import household_member_add

    household_member_add(
        actor=users.township_staff, household=entries["household"], data={"name": "陈小", "id_number": HEAD_ID}
    )
    page = (
        client_for(users.county_leader)
        .get(reverse("ledgers:hardshiphousehold_detail", args=[entries["household"].pk]))
        .content.decode()
    )
    assert HEAD_ID not in page and "13900005678" not in page
    fields = page[page.index('data-testid="head-id"') : page.index('data-testid="history"')]
    assert fields.count("1101**********002X") == 2 and "139****5678" in page
    assert 'data-testid="edit-link"' not in page and 'data-testid="transitions"' not in page


# --- Transitions ----------------------------------------------------------------------------------
def test_detail_offers_only_allowed_transitions(client_for, users, entries):
    page = (
        client_for(users.township_staff)
        .get(reverse("ledgers:livelihoodappeal_detail", args=[entries["appeal"].pk]))
        .content.decode()
    )
    assert 'data-testid="to-in_progress"' in page and 'data-testid="to-resolved"' in page
    assert 'data-testid="to-disclosed"' not in page and 'data-testid="to-rated"' not in page


def test_forbidden_transition_shows_the_state_machine_message(client_for, users, entries):
    appeal = entries["appeal"]
    response = client_for(users.township_staff).post(
        reverse("ledgers:livelihoodappeal_transition", args=[appeal.pk]),
        {"target": AppealStatus.DISCLOSED, "version": appeal.version},
    )
    assert response.status_code == 400
    assert "不能从“已登记”变更为“已公开”。" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REGISTERED


def test_rated_cannot_be_set_by_staff(client_for, users, entries):
    appeal = entries["appeal"]
    response = client_for(users.township_staff).post(
        reverse("ledgers:livelihoodappeal_transition", args=[appeal.pk]),
        {"target": AppealStatus.RATED, "version": appeal.version},
    )
    assert response.status_code == 400
    assert "该状态只能由群众评价产生。" in response.content.decode()


def test_resolving_without_resolution_is_refused_beside_the_field(client_for, users, entries):
    appeal = entries["appeal"]
    response = client_for(users.township_staff).post(
        reverse("ledgers:livelihoodappeal_transition", args=[appeal.pk]),
        {"target": AppealStatus.RESOLVED, "version": appeal.version, "resolution": "  "},
    )
    assert response.status_code == 400
    assert 'data-testid="error-resolution"' in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REGISTERED


def test_stale_transition_is_refused_with_409(client_for, users, entries):
    appeal = entries["appeal"]
    response = client_for(users.township_staff).post(
        reverse("ledgers:livelihoodappeal_transition", args=[appeal.pk]),
        {"target": AppealStatus.IN_PROGRESS, "version": appeal.version + 5},
    )
    assert response.status_code == 409
    assert "该记录已被其他人修改" in response.content.decode()


def test_resolving_a_matter_needs_an_outcome(client_for, users, entries):
    matter = entries["matter"]
    url = reverse("ledgers:stabilitymatter_transition", args=[matter.pk])
    c = client_for(users.township_staff)
    response = c.post(url, {"target": MatterStatus.RESOLVED, "version": matter.version})
    assert response.status_code == 400
    assert 'data-testid="error-outcome"' in response.content.decode()
    response = c.post(url, {"target": MatterStatus.RESOLVED, "version": matter.version, "outcome": "mediated"})
    assert response.status_code == 302
    matter.refresh_from_db()
    assert (matter.status, matter.outcome) == (MatterStatus.RESOLVED, "mediated")


def test_escalating_a_matter_goes_through_the_escalation_service(client_for, users, entries):
    matter = entries["matter"]
    response = client_for(users.township_staff).post(
        reverse("ledgers:stabilitymatter_transition", args=[matter.pk]),
        {"target": MatterStatus.ESCALATED, "version": matter.version},
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    assert (matter.status, matter.outcome) == (MatterStatus.ESCALATED, "escalated")


def test_household_exit_needs_a_reason_then_reactivates(client_for, users, entries):
    household = entries["household"]
    url = reverse("ledgers:hardshiphousehold_transition", args=[household.pk])
    c = client_for(users.township_staff)
    response = c.post(url, {"target": "exited", "exited_on": TODAY.isoformat(), "version": household.version})
    assert response.status_code == 400
    assert 'data-testid="error-reason"' in response.content.decode()
    assert (
        c.post(
            url, {"target": "exited", "exited_on": TODAY.isoformat(), "reason": "务工增收", "version": 1}
        ).status_code
        == 302
    )
    household.refresh_from_db()
    assert (household.status, household.exit_reason) == ("exited", "务工增收")
    assert c.post(url, {"target": "active", "version": household.version}).status_code == 302
    household.refresh_from_db()
    assert household.status == "active"


def test_help_record_amount_in_yuan_is_stored_in_fen(client_for, users, entries):
    household = entries["household"]
    response = client_for(users.township_staff).post(
        reverse("ledgers:hardshiphousehold_help_add", args=[household.pk]),
        {"help-given_on": TODAY.isoformat(), "help-kind": "cash", "help-amount_fen": "300.25"},
    )
    assert response.status_code == 302
    assert HelpRecord.objects.get().amount_fen == 30025


def test_member_with_bad_id_number_is_refused_beside_the_field(client_for, users, entries):
    household = entries["household"]
    response = client_for(users.township_staff).post(
        reverse("ledgers:hardshiphousehold_member_add", args=[household.pk]),
        {"member-name": "陈小", "member-relation": "child", "member-id_number": "123"},
    )
    assert response.status_code == 400
    assert "身份证号码应为 18 位" in response.content.decode()
    assert HouseholdMember.objects.count() == 0


# --- Bulk -------------------------------------------------------------------------------------------
def test_bulk_change_reports_each_row(client_for, users, tree, entries):
    done = entries["appeal"]
    resolved = make_appeal(users.superuser, tree.village2, title="已公开的")
    resolved = appeal_transition(
        actor=users.superuser, appeal=resolved, target=AppealStatus.RESOLVED, resolution="好了"
    )
    appeal_transition(actor=users.superuser, appeal=resolved, target=AppealStatus.DISCLOSED)
    foreign = make_appeal(users.superuser, tree.sibling_village, title="别人的")
    c = client_for(users.township_staff)
    response = c.post(
        reverse("ledgers:livelihoodappeal_bulk"),
        {
            "ids": [done.pk, resolved.pk, foreign.pk],
            "target": AppealStatus.IN_PROGRESS,
            "next": "/ledgers/appeals/?q=x",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/ledgers/appeals/?q=x", 302)]
    texts = [str(m) for m in response.context["messages"]]
    assert texts == [
        f"已变更 1 条：#{done.pk} 村道塌方",
        f"#{resolved.pk} 已公开的 未变更：不能从“已公开”变更为“办理中”。",
        f"#{foreign.pk} 未变更：记录不存在或不在您的管辖范围内。",
    ]
    statuses = dict(LivelihoodAppeal.objects.values_list("pk", "status"))
    assert statuses == {
        done.pk: AppealStatus.IN_PROGRESS,
        resolved.pk: AppealStatus.DISCLOSED,
        foreign.pk: AppealStatus.REGISTERED,
    }


@pytest.mark.parametrize("url_name", ["livelihoodappeal_list", "hardshiphousehold_list", "stabilitymatter_list"])
def test_select_all_box_only_where_bulk_change_is_allowed(client_for, users, entries, url_name):
    # given a list page with one row, seen by someone who may change statuses and by someone who may not
    box = (
        '<input class="form-check-input fs-4 m-0" type="checkbox" id="select-all-rows" '
        'data-check-all="input[name=ids][form=bulk-form]" data-testid="select-all">'
        '<label class="visually-hidden" for="select-all-rows">全选本页</label>'
    )
    staff = client_for(users.township_staff).get(reverse(f"ledgers:{url_name}")).content.decode()
    leader = client_for(users.county_leader).get(reverse(f"ledgers:{url_name}")).content.decode()
    # then the staff member's header has the labelled box, which targets the row boxes of the bulk form
    assert staff.count(box) == 1
    assert staff.count('type="checkbox" name="ids"') == 1
    assert 'form="bulk-form"' in staff
    # and the leader sees neither the box nor the row boxes
    assert "select-all-rows" not in leader and 'name="ids"' not in leader


def test_bulk_resolve_without_resolution_fails_per_row(client_for, users, entries):
    response = client_for(users.township_staff).post(
        reverse("ledgers:livelihoodappeal_bulk"), {"ids": [entries["appeal"].pk], "target": "resolved"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"#{entries['appeal'].pk} 村道塌方 未变更：办结时必须填写办理结果。"
    ]


def test_bulk_by_leader_is_403_and_changes_nothing(client_for, users, entries):
    before = state(entries)
    response = client_for(users.county_leader).post(
        reverse("ledgers:livelihoodappeal_bulk"), {"ids": [entries["appeal"].pk], "target": "in_progress"}
    )
    assert response.status_code == 403
    assert state(entries) == before


def test_bulk_matters_with_outcome(client_for, users, entries):
    matter = entries["matter"]
    c = client_for(users.township_staff)
    c.post(reverse("ledgers:stabilitymatter_bulk"), {"ids": [matter.pk], "target": "mediating"})
    response = c.post(
        reverse("ledgers:stabilitymatter_bulk"), {"ids": [matter.pk], "target": "resolved", "outcome": "mediated"}
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    assert (matter.status, matter.outcome) == (MatterStatus.RESOLVED, "mediated")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": "in_progress"}, "请先勾选记录。"),
        ({"ids": ["x"], "target": "in_progress"}, "记录编号无效。"),
        ({"ids": ["99999999999999999999999"], "target": "in_progress"}, "记录编号无效。"),
        ({"ids": ["1"], "target": "rated"}, "选择一个有效的选项。 rated 不在可用的选项中。"),
    ],
)
def test_bulk_bad_input_is_a_message(client_for, users, entries, data, message):
    before = state(entries)
    response = client_for(users.township_staff).post(reverse("ledgers:livelihoodappeal_bulk"), data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [message]
    assert state(entries) == before


def test_bulk_next_must_be_local(client_for, users, entries):
    response = client_for(users.township_staff).post(
        reverse("ledgers:livelihoodappeal_bulk"),
        {"ids": [entries["appeal"].pk], "target": "in_progress", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("ledgers:livelihoodappeal_list")


# --- History ----------------------------------------------------------------------------------------
def test_detail_shows_history_with_labels(client_for, users, entries):
    appeal = entries["appeal"]
    appeal_transition(actor=users.township_staff, appeal=appeal, target=AppealStatus.IN_PROGRESS)
    page = (
        client_for(users.county_leader)
        .get(reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk]))
        .content.decode()
    )
    history = page[page.index('data-testid="history"') :]
    assert "状态变更" in history and "新建" in history
    assert "<td>状态</td>" in history and "已登记" in history and "办理中" in history
    assert "13800001234" not in page and "138****1234" in page


def test_profile_first_save_creates_then_stale_save_is_refused(client_for, users, tree):
    c = client_for(users.village_cadre)
    url = reverse("ledgers:villageprofile_update", args=[tree.village.code])
    assert c.post(url, {"village_conditions": "山区村", "problems": "缺水"}).status_code == 302
    profile = VillageProfile.objects.get(region=tree.village)
    assert (profile.village_conditions, profile.version) == ("山区村", 1)
    assert c.post(url, {"village_conditions": "改", "version": 1}).status_code == 302
    response = c.post(url, {"village_conditions": "过期的", "version": 1})
    assert response.status_code == 409
    profile.refresh_from_db()
    assert profile.village_conditions == "改"
    page = c.get(reverse("ledgers:villageprofile_detail", args=[tree.village.code])).content.decode()
    assert "山区村" in page[page.index('data-testid="history"') :]


def test_profile_of_a_township_is_404(client_for, users, tree):
    response = client_for(users.township_staff).get(reverse("ledgers:villageprofile_detail", args=[tree.town.code]))
    assert response.status_code == 404


# --- Admin ----------------------------------------------------------------------------------------
def test_admin_shows_ledger_items_read_only_without_personal_numbers(client_for, users, entries):
    c = client_for(users.superuser)
    household = entries["household"]
    assert c.get(reverse("admin:ledgers_livelihoodappeal_changelist")).status_code == 200
    page = c.get(reverse("admin:ledgers_hardshiphousehold_change", args=[household.pk])).content.decode()
    assert HEAD_ID not in page and "13900005678" not in page
    assert c.post(reverse("admin:ledgers_hardshiphousehold_change", args=[household.pk]), {}).status_code == 403


def test_overdue_only_list_counts_once(client_for, users, tree):
    late = make_appeal(users.superuser, tree.village, registered_on=TODAY - datetime.timedelta(days=9))
    LivelihoodAppeal.objects.filter(pk=late.pk).update(promised_date=TODAY - datetime.timedelta(days=1))
    c = client_for(users.township_staff)
    c.get(reverse("ledgers:livelihoodappeal_list"))
    with CaptureQueriesContext(connection) as everything:
        c.get(reverse("ledgers:livelihoodappeal_list"))
    with CaptureQueriesContext(connection) as overdue_only:
        page = c.get(reverse("ledgers:livelihoodappeal_list"), {"overdue": "true"}).content.decode()

    # the plain list counts its rows and the overdue ones in one statement; the overdue-only list
    # counts once, its rows being the overdue ones
    def counts(captured):
        return [query["sql"].count("COUNT(*)") for query in captured if "COUNT(*)" in query["sql"]]

    assert counts(everything) == [2]
    assert counts(overdue_only) == [1]
    assert len(overdue_only) == len(everything)
    assert "符合条件的记录中有 1 条已逾期。" in page


def test_profile_page_shows_the_village_ledgers_at_a_glance(client_for, users, tree, entries):
    make_appeal(users.superuser, tree.sibling_village)
    page = (
        client_for(users.county_leader)
        .get(reverse("ledgers:villageprofile_detail", args=[tree.village.code]))
        .content.decode()
    )
    overview = page[page.index('data-testid="ledger-overview"') : page.index('data-testid="entry-fields"')]
    assert "1 件，未办结 1 件" in overview and "1 户，帮扶中 1 户" in overview and "1 件，未化解 1 件" in overview
    assert f"/ledgers/appeals/?region={tree.village.code}" in overview


def test_resolution_box_only_when_resolving_is_possible(client_for, users, tree, entries):
    appeal = entries["appeal"]
    c = client_for(users.township_staff)
    url = reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk])
    assert 'id="id_resolution"' in c.get(url).content.decode()
    appeal = appeal_transition(actor=users.township_staff, appeal=appeal, target=AppealStatus.RESOLVED, resolution="好")
    page = c.get(url).content.decode()
    assert 'id="id_resolution"' not in page
    assert 'data-testid="to-disclosed"' in page and 'data-testid="to-in_progress"' in page


def test_bulk_household_exit_needs_date_and_reason_once(client_for, users, tree, entries):
    household = entries["household"]
    other = make_household(users.superuser, tree.village2, head_name="刘伯", head_id_number="")
    c = client_for(users.township_staff)
    url = reverse("ledgers:hardshiphousehold_bulk")
    response = c.post(url, {"ids": [household.pk, other.pk], "target": "exited"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "批量退出时请填写退出日期。",
        "批量退出时请填写退出原因。",
    ]
    assert set(HardshipHousehold.objects.values_list("status", flat=True)) == {"active"}
    response = c.post(
        url,
        {"ids": [household.pk, other.pk], "target": "exited", "exited_on": TODAY.isoformat(), "reason": "脱困"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [f"已变更 2 条：#{household.pk} 陈大妈；#{other.pk} 刘伯"]
    assert set(HardshipHousehold.objects.values_list("status", flat=True)) == {"exited"}


def test_bulk_household_by_leader_is_403(client_for, users, entries):
    before = state(entries)
    response = client_for(users.county_leader).post(
        reverse("ledgers:hardshiphousehold_bulk"), {"ids": [entries["household"].pk], "target": "active"}
    )
    assert response.status_code == 403
    assert state(entries) == before


def test_huge_id_in_the_address_is_404(client_for, users, entries):
    response = client_for(users.township_staff).get("/ledgers/appeals/99999999999999999999999/")
    assert response.status_code == 404
