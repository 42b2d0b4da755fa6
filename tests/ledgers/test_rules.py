"""Every business rule of the ledgers lives once in the services (ledgers.services.rules, the status
machines' reserved targets): each is tested here at the service, then through every entry point
that must reach it — page form, API, import row — with the same message."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from core.exceptions import ServiceError
from core.validators import id_number_check_digit, normalize_phone, validate_phone
from ledgers.choices import AppealCategory, AppealStatus, HardshipType, MatterStatus, MatterType
from ledgers.models import (
    HardshipHousehold,
    HelpRecord,
    ImportBatch,
    ImportKind,
    LivelihoodAppeal,
    MediationStep,
    StabilityMatter,
)
from ledgers.services import (
    appeal_create,
    appeal_rate,
    appeal_transition,
    help_record_add,
    household_create,
    household_exit,
    household_void,
    import_batch_prepare,
    imports,
    matter_create,
    matter_escalate,
    matter_step_add,
    matter_transition,
    rating_invitation_create,
)

pytestmark = pytest.mark.django_db

# The services' today is the local one (Asia/Shanghai): between 00:00 and 08:00 there the machine's
# UTC date is a day behind, and "tomorrow" computed from it was today.
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
ID17 = "51012119640728047"
ID_NUMBER = ID17 + id_number_check_digit(ID17)
PHONE_MESSAGE = "联系电话应为 11 位手机号码（以 13–19 开头）或带区号的座机号码（如 028-12345678）。"
MEMBER_COUNT_MESSAGE = "家庭人口应在 1 到 30 人之间。"
FAR = TODAY.replace(year=TODAY.year + 6)
HORIZON = (
    TODAY.replace(year=TODAY.year + 5)
    if (TODAY.month, TODAY.day) != (2, 29)
    else TODAY.replace(day=28, year=TODAY.year + 5)
)


# --- What each entry point sends -------------------------------------------------------------------
def appeal_data(**overrides):
    data = {
        "category": AppealCategory.ROADS,
        "raiser_name": "张三",
        "raiser_phone": "13800001234",
        "title": "村道塌方",
        "responsible_person": "李四",
        "promised_date": TODAY + 5 * DAY,
    }
    data.update(overrides)
    return data


def household_data(**overrides):
    data = {"head_name": "陈大妈", "phone": "13900005678", "address": "三组", "member_count": 2}
    data.update(overrides)
    return data


def matter_data(**overrides):
    data = {"matter_type": MatterType.LAND, "title": "宅基地界址", "parties": "甲、乙"}
    data.update(overrides)
    return data


DATA = {"appeal": appeal_data, "household": household_data, "matter": matter_data}


def service_create(kind, actor, region, data):
    if kind == "appeal":
        return appeal_create(actor=actor, region=region, data=data)
    if kind == "household":
        return household_create(actor=actor, region=region, data=data, hardship_types=[HardshipType.POOR])
    return matter_create(actor=actor, region=region, data=data)


def form_value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def form_post(kind, data, region):
    """The create page's POST for the same record (money in yuan, as the page asks)."""
    post = {name: form_value(value) for name, value in data.items()}
    post["region"] = region.code
    if kind == "appeal":
        post.setdefault("raised_by", "household")
        post.setdefault("triage", "immediate")
        if "funds_spent_fen" in data:
            post["funds_spent_fen"] = str(data["funds_spent_fen"] / 100)
    if kind == "household":
        post["hardship_types"] = ["poor"]
    if kind == "matter":
        post.setdefault("risk_level", "low")
    return post


CREATE_PAGE = {
    "appeal": "ledgers:livelihoodappeal_create",
    "household": "ledgers:hardshiphousehold_create",
    "matter": "ledgers:stabilitymatter_create",
}
API = {
    "appeal": "/api/v1/livelihood-appeals/",
    "household": "/api/v1/hardship-households/",
    "matter": "/api/v1/stability-matters/",
}
MODEL = {"appeal": LivelihoodAppeal, "household": HardshipHousehold, "matter": StabilityMatter}
IMPORT_KIND = {"appeal": ImportKind.APPEALS, "household": ImportKind.HOUSEHOLDS, "matter": ImportKind.MATTERS}
IMPORT_BASE = {
    "appeal": {
        "村（社区）": "竹篙村",
        "类别": "行路",
        "反映人": "张三",
        "联系电话": "13800001234",
        "诉求事项": "村道塌方",
        "责任人": "李四",
        "承诺办结日期": (TODAY + 5 * DAY).isoformat(),
    },
    "household": {
        "村（社区）": "竹篙村",
        "户主姓名": "陈大妈",
        "联系电话": "13900005678",
        "家庭人口": 2,
        "困难类型": "低收入困难",
    },
    "matter": {"村（社区）": "竹篙村", "矛盾类型": "土地纠纷", "事项": "宅基地界址", "当事人": "甲、乙"},
}
COLUMNS = {"appeal": imports.APPEAL_COLUMNS, "household": imports.HOUSEHOLD_COLUMNS, "matter": imports.MATTER_COLUMNS}


def import_errors(kind, actor, cells):
    """The dry run's errors for one row: {column header: [messages]}."""
    headers = [c.header for c in COLUMNS[kind]]
    values = {**IMPORT_BASE[kind], **cells}
    workbook = Workbook()
    workbook.active.append(headers)
    workbook.active.append([values.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = import_batch_prepare(
        actor=actor, kind=IMPORT_KIND[kind], upload=SimpleUploadedFile("导入.xlsx", buffer.getvalue())
    )
    errors = {}
    for row in batch.rows.all():
        for error in row.errors:
            errors.setdefault(error["column"], []).append(error["message"])
    return errors


def import_cell(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


# --- The rules -------------------------------------------------------------------------------------
# (kind, field, value, extra data, import header, message)
CASES = [
    pytest.param(
        "appeal", "registered_on", TODAY + DAY, {}, "登记日期", "登记日期不能晚于今天。", id="registered-future"
    ),
    pytest.param(
        "appeal",
        "registered_on",
        datetime.date(1800, 1, 1),
        {},
        "登记日期",
        "登记日期不能早于 2000-01-01。",
        id="registered-1800",
    ),
    pytest.param(
        "household",
        "registered_on",
        datetime.date(2999, 1, 1),
        {},
        "登记日期",
        "登记日期不能晚于今天。",
        id="household-registered-2999",
    ),
    pytest.param(
        "matter",
        "registered_on",
        datetime.date(1999, 12, 31),
        {},
        "登记日期",
        "登记日期不能早于 2000-01-01。",
        id="matter-registered-1999",
    ),
    pytest.param(
        "appeal",
        "promised_date",
        TODAY - DAY,
        {},
        "承诺办结日期",
        "承诺办结日期不能早于登记日期。",
        id="promised-early",
    ),
    pytest.param(
        "appeal",
        "promised_date",
        datetime.date(2999, 1, 1),
        {},
        "承诺办结日期",
        f"承诺办结日期不能晚于登记日期后 5 年（{HORIZON}）。",
        id="promised-2999",
    ),
    pytest.param("matter", "deadline", TODAY - DAY, {}, "化解期限", "化解期限不能早于登记日期。", id="deadline-early"),
    pytest.param(
        "matter", "deadline", FAR, {}, "化解期限", f"化解期限不能晚于登记日期后 5 年（{HORIZON}）。", id="deadline-far"
    ),
    pytest.param("appeal", "raiser_phone", "abc123", {}, "联系电话", PHONE_MESSAGE, id="phone-letters"),
    pytest.param("household", "phone", "12345", {}, "联系电话", PHONE_MESSAGE, id="phone-short"),
    pytest.param("appeal", "funds_spent_fen", -100, {}, "投入资金（元）", "金额不能为负数。", id="money-negative"),
    pytest.param(
        "appeal",
        "funds_spent_fen",
        10**13 + 100,
        {},
        "投入资金（元）",
        "金额过大（不能超过 1000 亿元），请核对单位。",
        id="money-too-large",
    ),
    pytest.param("household", "member_count", 0, {}, "家庭人口", MEMBER_COUNT_MESSAGE, id="household-size-0"),
    pytest.param("household", "member_count", 100000, {}, "家庭人口", MEMBER_COUNT_MESSAGE, id="household-size-100000"),
    pytest.param(
        "household",
        "head_id_number",
        "510121196407280470",
        {},
        "户主身份证号",
        "身份证号码校验位不正确，请核对。",
        id="id-check-digit",
    ),
]


@pytest.mark.parametrize(("kind", "field", "value", "extra", "header", "message"), CASES)
def test_rule_at_the_service(users, tree, kind, field, value, extra, header, message):
    with pytest.raises(ServiceError) as refused:
        service_create(kind, users.township_staff, tree.village, DATA[kind](**{field: value}, **extra))
    assert refused.value.message_dict == {field: [message]}
    assert MODEL[kind].objects.count() == 0


@pytest.mark.parametrize(("kind", "field", "value", "extra", "header", "message"), CASES)
def test_rule_on_the_page_form(client_for, users, tree, kind, field, value, extra, header, message):
    post = form_post(kind, DATA[kind](**{field: value}, **extra), tree.village)
    response = client_for(users.township_staff).post(reverse(CREATE_PAGE[kind]), post)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert MODEL[kind].objects.count() == 0


@pytest.mark.parametrize(("kind", "field", "value", "extra", "header", "message"), CASES)
def test_rule_in_the_api(api_for, users, tree, kind, field, value, extra, header, message):
    payload = {k: form_value(v) if isinstance(v, datetime.date) else v for k, v in DATA[kind](**{field: value}).items()}
    payload["region"] = tree.village.code
    if kind == "household":
        payload["hardship_types"] = ["poor"]
    response = api_for(users.township_staff).post(API[kind], payload, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert MODEL[kind].objects.count() == 0


IMPORT_CELLS = {
    "funds_spent_fen": lambda fen: f"{fen / 100:.2f}",
}


@pytest.mark.parametrize(("kind", "field", "value", "extra", "header", "message"), CASES)
def test_rule_in_an_import_row(users, tree, kind, field, value, extra, header, message):
    cell = IMPORT_CELLS.get(field, import_cell)(value)
    assert import_errors(kind, users.township_staff, {header: cell}) == {header: [message]}


# --- Rules with one entry point beside the service ----------------------------------------------------
@pytest.fixture
def household(users, tree):
    return household_create(
        actor=users.township_staff,
        region=tree.village,
        data=household_data(registered_on=TODAY - 10 * DAY),
        hardship_types=[HardshipType.POOR],
    )


@pytest.fixture
def matter(users, tree):
    return matter_create(actor=users.township_staff, region=tree.village, data=matter_data())


@pytest.mark.parametrize(
    ("given_on", "amount_fen", "field", "message"),
    [
        (TODAY + DAY, 100, "given_on", "帮扶日期不能晚于今天。"),
        (datetime.date(1800, 1, 1), 100, "given_on", "帮扶日期不能早于 2000-01-01。"),
        (TODAY, -100, "amount_fen", "金额不能为负数。"),
    ],
)
def test_help_record_dates_and_amounts(client_for, users, household, given_on, amount_fen, field, message):
    # at the service
    with pytest.raises(ServiceError) as refused:
        help_record_add(
            actor=users.township_staff,
            household=household,
            data={"given_on": given_on, "kind": "cash", "amount_fen": amount_fen},
        )
    assert refused.value.message_dict == {field: [message]}
    # and on the page
    response = client_for(users.township_staff).post(
        reverse("ledgers:hardshiphousehold_help_add", args=[household.pk]),
        {"help-given_on": given_on.isoformat(), "help-kind": "cash", "help-amount_fen": str(amount_fen / 100)},
    )
    assert response.status_code == 400
    assert response.context["help_form"].errors[field] == [message]
    assert HelpRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("happened_on", "message"),
    [(TODAY + DAY, "调解日期不能晚于今天。"), (datetime.date(1800, 1, 1), "调解日期不能早于 2000-01-01。")],
)
def test_mediation_dates(client_for, users, matter, happened_on, message):
    with pytest.raises(ServiceError) as refused:
        matter_step_add(actor=users.township_staff, matter=matter, data={"happened_on": happened_on, "action": "调解"})
    assert refused.value.message_dict == {"happened_on": [message]}
    response = client_for(users.township_staff).post(
        reverse("ledgers:stabilitymatter_step_add", args=[matter.pk]),
        {"step-happened_on": happened_on.isoformat(), "step-action": "调解"},
    )
    assert response.status_code == 400
    assert response.context["step_form"].errors["happened_on"] == [message]
    assert MediationStep.objects.count() == 0


def test_exit_date_not_in_the_future(api_for, users, household):
    with pytest.raises(ServiceError) as refused:
        household_exit(actor=users.township_staff, household=household, exited_on=TODAY + DAY, reason="脱困")
    assert refused.value.message_dict == {"exited_on": ["退出日期不能晚于今天。"]}
    response = api_for(users.township_staff).post(
        f"{API['household']}{household.pk}/exit/", {"exited_on": (TODAY + DAY).isoformat(), "reason": "脱困"}
    )
    assert (response.status_code, response.json()) == (400, {"exited_on": ["退出日期不能晚于今天。"]})


def test_the_earliest_date_and_the_horizon_are_settings(settings, users, tree):
    settings.JICENG_EARLIEST_DATE = "2020-01-01"
    settings.JICENG_DATE_HORIZON_YEARS = 1
    with pytest.raises(ServiceError) as refused:
        appeal_create(
            actor=users.township_staff, region=tree.village, data=appeal_data(registered_on=datetime.date(2019, 6, 1))
        )
    assert refused.value.message_dict == {"registered_on": ["登记日期不能早于 2020-01-01。"]}
    with pytest.raises(ServiceError) as refused:
        appeal_create(
            actor=users.township_staff,
            region=tree.village,
            data=appeal_data(registered_on=datetime.date(2020, 6, 1), promised_date=datetime.date(2021, 6, 2)),
        )
    assert refused.value.message_dict == {"promised_date": ["承诺办结日期不能晚于登记日期后 1 年（2021-06-01）。"]}


# --- Phone numbers: one validator -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800001234", "13800001234"),
        ("138 0000 1234", "13800001234"),
        ("+86 138-0000-1234", "13800001234"),
        ("１３８００００１２３４", "13800001234"),
        ("028-12345678", "028-12345678"),
        ("(028)12345678", "028-12345678"),
        ("0838 1234567", "0838-1234567"),
        ("010-12345678", "010-12345678"),
    ],
)
def test_mobile_and_landline_numbers_are_accepted_in_one_form(typed, stored):
    validate_phone(typed)
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["abc123", "12345", "1234567890123", "12800001234", "028-1234", "51012119640728047X"])
def test_other_phone_numbers_are_refused(typed):
    with pytest.raises(Exception) as refused:
        validate_phone(typed)
    assert refused.value.messages == [PHONE_MESSAGE]


def test_the_phone_is_stored_normalised_whichever_entry_point(api_for, users, tree):
    response = api_for(users.township_staff).post(
        API["appeal"],
        {
            **{k: form_value(v) for k, v in appeal_data(raiser_phone="138 0000 1234").items()},
            "region": tree.village.code,
        },
        format="json",
    )
    assert response.status_code == 201
    assert LivelihoodAppeal.objects.get().raiser_phone == "13800001234"


# --- ID numbers: normalised before they are checked ----------------------------------------------------
SPACED_ID = f"{ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}"
FULL_WIDTH_ID = "".join(chr(ord(c) + 0xFEE0) for c in ID_NUMBER[:17]) + "　" + ID_NUMBER[17]


@pytest.mark.parametrize("typed", [SPACED_ID, FULL_WIDTH_ID, f"  {ID_NUMBER.lower()} "])
def test_id_numbers_are_trimmed_on_the_page(client_for, users, tree, typed):
    post = form_post("household", household_data(head_id_number=typed), tree.village)
    response = client_for(users.township_staff).post(reverse(CREATE_PAGE["household"]), post)
    assert response.status_code == 302
    assert HardshipHousehold.objects.get().head_id_number == ID_NUMBER


@pytest.mark.parametrize("typed", [SPACED_ID, FULL_WIDTH_ID])
def test_id_numbers_are_trimmed_in_the_api(api_for, users, tree, typed):
    payload = {**household_data(head_id_number=typed), "region": tree.village.code, "hardship_types": ["poor"]}
    response = api_for(users.township_staff).post(API["household"], payload, format="json")
    assert response.status_code == 201
    household = HardshipHousehold.objects.get()
    assert household.head_id_number == ID_NUMBER
    assert HardshipHousehold.objects.filter(head_id_hash=household.head_id_hash).count() == 1


@pytest.mark.parametrize("typed", [SPACED_ID, FULL_WIDTH_ID])
def test_id_numbers_are_trimmed_in_an_import_row(users, tree, typed):
    assert import_errors("household", users.township_staff, {"户主身份证号": typed}) == {}


# --- Status machines: reserved targets ------------------------------------------------------------------
@pytest.fixture
def appeal(users, tree):
    return appeal_create(actor=users.township_staff, region=tree.village, data=appeal_data())


@pytest.mark.parametrize("target", [AppealStatus.RATED, AppealStatus.REOPENED])
def test_staff_cannot_rate_or_reopen_an_appeal(client_for, api_for, users, appeal, target):
    message = "该状态只能由群众评价产生。"
    # the service
    with pytest.raises(ServiceError) as refused:
        appeal_transition(actor=users.township_staff, appeal=appeal, target=target)
    assert refused.value.messages == [message]
    # the page
    response = client_for(users.township_staff).post(
        reverse("ledgers:livelihoodappeal_transition", args=[appeal.pk]), {"target": target, "version": appeal.version}
    )
    assert response.status_code == 400
    assert response.context["transition_form"].non_field_errors() == [message]
    # the API
    response = api_for(users.township_staff).post(f"{API['appeal']}{appeal.pk}/transition/", {"target": target})
    assert (response.status_code, response.json()) == (400, {"target": [message]})
    appeal.refresh_from_db()
    assert (appeal.status, appeal.version) == (AppealStatus.REGISTERED, 1)


def test_reopened_is_refused_even_where_the_machine_would_allow_it(users, appeal):
    # given a disclosed appeal (the machine allows disclosed -> reopened, for a rating)
    for target in (AppealStatus.RESOLVED, AppealStatus.DISCLOSED):
        appeal = appeal_transition(actor=users.township_staff, appeal=appeal, target=target, resolution="已修复")
    with pytest.raises(ServiceError) as refused:
        appeal_transition(actor=users.township_staff, appeal=appeal, target=AppealStatus.REOPENED)
    assert refused.value.messages == ["该状态只能由群众评价产生。"]


def test_a_plain_transition_cannot_escalate_a_matter(client_for, api_for, users, matter):
    message = "“已转信访”只能通过“转信访”操作产生。"
    with pytest.raises(ServiceError) as refused:
        matter_transition(actor=users.township_staff, matter=matter, target=MatterStatus.ESCALATED)
    assert refused.value.messages == [message]
    response = api_for(users.township_staff).post(f"{API['matter']}{matter.pk}/transition/", {"target": "escalated"})
    assert (response.status_code, response.json()) == (400, {"target": [message]})
    matter.refresh_from_db()
    assert matter.status == MatterStatus.REGISTERED
    # the escalation service (the page's and the API's escalate action) may
    assert matter_escalate(actor=users.township_staff, matter=matter).status == MatterStatus.ESCALATED


def test_a_rating_the_status_no_longer_allows_is_refused_not_skipped(users, appeal):
    # given a disclosed appeal with two rating links; the first says "not resolved" and staff take it up again
    for target in (AppealStatus.RESOLVED, AppealStatus.DISCLOSED):
        appeal = appeal_transition(actor=users.township_staff, appeal=appeal, target=target, resolution="已修复")
    _first, first_token = rating_invitation_create(actor=users.township_staff, appeal=appeal)
    second, second_token = rating_invitation_create(actor=users.township_staff, appeal=appeal)
    appeal_rate(token=first_token, score=2, resolved_confirmed=False)
    appeal = appeal_transition(actor=users.township_staff, appeal=LivelihoodAppeal.objects.get(), target="in_progress")
    # when the second link says "resolved" while the appeal is in progress
    with pytest.raises(ServiceError) as refused:
        appeal_rate(token=second_token, score=5, resolved_confirmed=True)
    # then it is a clear error, and the link stays unused
    assert refused.value.messages == ["该事项当前为“办理中”，暂不能评价。请向村（社区）了解办理进展。"]
    second.refresh_from_db()
    assert second.rated_at is None
    assert LivelihoodAppeal.objects.get().status == AppealStatus.IN_PROGRESS


# --- A stale version is refused even when nothing would change ---------------------------------------
def test_unchanged_api_patch_with_a_stale_version_is_409(api_for, users, appeal):
    client = api_for(users.township_staff)
    url = f"{API['appeal']}{appeal.pk}/"
    # when the same title is sent with a version that never existed, then with the old one after a change
    stale = client.patch(url, {"title": appeal.title, "version": 999}, format="json")
    assert (stale.status_code, stale.json()["code"]) == (409, "concurrent_edit")
    assert client.patch(url, {"title": "村道已塌方", "version": 1}, format="json").status_code == 200
    stale = client.patch(url, {"title": "村道已塌方", "version": 1}, format="json")
    assert stale.status_code == 409
    # the current version with unchanged values is fine and changes nothing
    current = client.patch(url, {"title": "村道已塌方", "version": 2}, format="json")
    assert (current.status_code, current.json()["version"]) == (200, 2)


def test_unchanged_page_edit_with_a_stale_version_is_409(client_for, users, appeal):
    post = form_post("appeal", appeal_data(registered_on=appeal.registered_on), appeal.region)
    post.pop("region")
    post.update(version=appeal.version, funds_spent_fen="0")
    c = client_for(users.township_staff)
    url = reverse("ledgers:livelihoodappeal_update", args=[appeal.pk])
    LivelihoodAppeal.objects.filter(pk=appeal.pk).update(version=2)  # someone saved meanwhile
    response = c.post(url, post)
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == ["该记录已被其他人修改，请刷新后重新编辑。您的修改没有保存。"]
    post["version"] = 2
    assert c.post(url, post).status_code == 302


# --- One household per head ID number -------------------------------------------------------------------
def test_a_duplicate_head_id_is_refused_with_a_link_to_the_household(client_for, api_for, users, tree):
    # given a household registered with the head's ID number
    first = household_create(
        actor=users.township_staff,
        region=tree.village,
        data=household_data(head_id_number=ID_NUMBER),
        hardship_types=[HardshipType.POOR],
    )
    message = f"该户主身份证号已登记：竹篙村“陈大妈”户（编号 {first.pk}），请勿重复登记。"
    detail = reverse("ledgers:hardshiphousehold_detail", args=[first.pk])
    # when the same number is entered again, typed with spaces: the service refuses
    with pytest.raises(ServiceError) as refused:
        household_create(
            actor=users.township_staff,
            region=tree.village2,
            data=household_data(head_name="陈二", head_id_number=SPACED_ID),
            hardship_types=[HardshipType.POOR],
        )
    assert refused.value.message_dict == {"head_id_number": [message]}
    # the page says the same beside the field and links to the household
    post = form_post("household", household_data(head_id_number=SPACED_ID), tree.village2)
    response = client_for(users.township_staff).post(reverse(CREATE_PAGE["household"]), post)
    assert response.status_code == 400
    assert response.context["form"].errors["head_id_number"] == [message]
    assert f'href="{detail}"' in response.content.decode()
    # the API says the same
    payload = {**household_data(head_id_number=ID_NUMBER), "region": tree.village2.code, "hardship_types": ["poor"]}
    response = api_for(users.township_staff).post(API["household"], payload, format="json")
    assert (response.status_code, response.json()) == (400, {"head_id_number": [message]})
    assert HardshipHousehold.objects.count() == 1


def test_a_duplicate_head_id_out_of_scope_says_only_that_it_is_registered_elsewhere(client_for, users, tree):
    # given a household registered in the sibling township, which the staff of this one cannot see
    household_create(
        actor=users.sibling_staff,
        region=tree.sibling_village,
        data=household_data(head_name="王秘密", head_id_number=ID_NUMBER),
        hardship_types=[HardshipType.POOR],
    )
    post = form_post("household", household_data(head_id_number=ID_NUMBER), tree.village)
    response = client_for(users.township_staff).post(reverse(CREATE_PAGE["household"]), post)
    assert response.context["form"].errors["head_id_number"] == ["该户主身份证号已在其他地方登记，不能重复登记。"]
    page = response.content.decode()
    assert "王秘密" not in page and "五凤村" not in page and 'data-testid="related-record"' not in page


def test_editing_a_household_to_another_households_head_id_is_refused(users, tree):
    first = household_create(
        actor=users.township_staff,
        region=tree.village,
        data=household_data(head_id_number=ID_NUMBER),
        hardship_types=[HardshipType.POOR],
    )
    second = household_create(
        actor=users.township_staff, region=tree.village, data=household_data(head_name="李四"), hardship_types=["poor"]
    )
    from ledgers.services import household_update

    with pytest.raises(ServiceError) as refused:
        household_update(
            actor=users.township_staff, household=second, expected_version=1, data={"head_id_number": ID_NUMBER}
        )
    assert str(first.pk) in refused.value.message_dict["head_id_number"][0]
    # and a household keeps its own number on an edit
    household_update(
        actor=users.township_staff, household=first, expected_version=1, data={"head_id_number": ID_NUMBER}
    )


def test_an_import_row_with_a_registered_head_id_is_refused_with_the_services_message(client_for, users, tree):
    # Issue 9: the import said only "台账中已有该户"; it now gives the form's and the API's message.
    first = household_create(
        actor=users.township_staff,
        region=tree.village,
        data=household_data(head_id_number=ID_NUMBER),
        hardship_types=[HardshipType.POOR],
    )
    errors = import_errors("household", users.township_staff, {"户主身份证号": SPACED_ID})
    assert errors == {"户主身份证号": [f"该户主身份证号已登记：竹篙村“陈大妈”户（编号 {first.pk}），请勿重复登记。"]}
    # the batch page links to the household, and shows the number only masked
    batch = ImportBatch.objects.latest("pk")
    page = client_for(users.township_staff).get(reverse("ledgers:importbatch_detail", args=[batch.pk]))
    content = page.content.decode()
    detail = reverse("ledgers:hardshiphousehold_detail", args=[first.pk])
    assert f'<a href="{detail}" data-testid="related-record">' in content
    assert ID_NUMBER not in content and ID_NUMBER[:17] not in content


def test_an_import_row_with_a_head_id_registered_out_of_scope_names_no_place(users, tree):
    household_create(
        actor=users.sibling_staff,
        region=tree.sibling_village,
        data=household_data(head_name="王秘密", head_id_number=ID_NUMBER),
        hardship_types=[HardshipType.POOR],
    )
    errors = import_errors("household", users.township_staff, {"户主身份证号": ID_NUMBER})
    assert errors == {"户主身份证号": ["该户主身份证号已在其他地方登记，不能重复登记。"]}
    assert ImportBatch.objects.latest("pk").rows.get().errors[0].get("url") is None


def test_an_import_row_without_a_head_id_matching_a_household_by_name_keeps_the_generic_message(users, tree):
    household_create(
        actor=users.township_staff, region=tree.village, data=household_data(), hardship_types=[HardshipType.POOR]
    )
    errors = import_errors("household", users.township_staff, {"户主身份证号": None, "住址": "三组"})
    assert errors == {"": ["台账中已有该户（相同户主身份证号，或同村同名同住址）"]}


def test_the_database_holds_one_live_household_per_head_id(users, tree):
    # given a household registered through the service
    first = household_create(
        actor=users.township_staff,
        region=tree.village,
        data=household_data(head_id_number=ID_NUMBER),
        hardship_types=[HardshipType.POOR],
    )
    # when a second live row with the same head hash is written past the service, the index refuses it
    from django.db import IntegrityError, transaction

    copy = {f: getattr(first, f) for f in ("ledger_id", "region_id", "registered_on", "head_name", "head_id_hash")}
    with pytest.raises(IntegrityError), transaction.atomic():
        HardshipHousehold.objects.create(**copy)
    # households without an ID number never clash, and a voided household leaves the number free
    HardshipHousehold.objects.create(**{**copy, "head_id_hash": ""})
    HardshipHousehold.objects.create(**{**copy, "head_id_hash": ""})
    household_void(actor=users.township_staff, household=first, reason="录重了")
    second = household_create(
        actor=users.township_staff,
        region=tree.village,
        data=household_data(head_id_number=SPACED_ID),
        hardship_types=[HardshipType.POOR],
    )
    assert second.head_id_hash == first.head_id_hash
    assert HardshipHousehold.objects.live().filter(head_id_hash=first.head_id_hash).count() == 1


def test_the_generator_gives_two_heads_born_the_same_day_different_numbers():
    from seeding.generators.ledgers import _unused_head_number

    used: set[str] = set()
    first17 = "51012119640728047"
    number = first17 + id_number_check_digit(first17)
    assert _unused_head_number(number, used) == number
    again = _unused_head_number(number, used)
    assert again[:14] == number[:14] and again[14:17] == "049"  # the next sequence of the same sex
    assert again[-1] == id_number_check_digit(again[:17])
    assert used == {number, again}
