"""Excel import: template, dry run row by row, all-or-nothing or valid-only, crash-safe reruns."""

import datetime
import io
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from audit.choices import Action, Outcome
from audit.models import AuditEvent
from core.exceptions import ServiceError
from core.validators import id_number_check_digit
from core.xlsx import XlsxError, write_workbook
from ledgers.choices import AppealCategory, HardshipType, RiskLevel, Triage
from ledgers.models import (
    HardshipHousehold,
    ImportBatch,
    ImportKind,
    ImportMode,
    ImportRow,
    ImportRowStatus,
    ImportStatus,
    LivelihoodAppeal,
    StabilityMatter,
)
from ledgers.services import appeal_create, import_batch_prepare, import_batch_start, import_template, imports
from ledgers.tasks import import_batch_run

pytestmark = pytest.mark.usefixtures("eager_tasks")

APPEAL_HEADERS = [c.header for c in imports.APPEAL_COLUMNS]
HOUSEHOLD_HEADERS = [c.header for c in imports.HOUSEHOLD_COLUMNS]
MATTER_HEADERS = [c.header for c in imports.MATTER_COLUMNS]
FUTURE = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()


def valid_id(prefix17="51012119500101002"):
    return prefix17 + id_number_check_digit(prefix17)


def upload(headers, rows, name="导入.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def appeal_row(village="竹篙村", title="三组自来水管破裂", raiser="王大爷", **overrides):
    row = {
        "村（社区）": village,
        "登记日期": "2026/11/20",
        "类别": "饮水",
        "反映人类型": "农户",
        "反映人": raiser,
        "联系电话": "13800001234",
        "诉求事项": title,
        "具体情况": "水管老化",
        "办理方式": "马上解决",
        "责任人": "刘芳",
        "承诺办结日期": FUTURE,
        "投入资金（元）": "1,500.50",
    }
    row.update(overrides)
    return [row[h] for h in APPEAL_HEADERS]


def row_errors(batch):
    return {r.row_number: r.errors for r in batch.rows.order_by("row_number") if r.errors}


def run_start(batch, user, mode, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_batch_start(actor=user, batch=batch, mode=mode)
    batch.refresh_from_db()
    return batch


# --- template ---------------------------------------------------------------------------------
def test_template_has_chinese_headers_hints_dropdowns_and_text_id_columns(tmp_path):
    filename, sheets = import_template(ImportKind.HOUSEHOLDS)
    path = tmp_path / "t.xlsx"
    write_workbook(path, sheets)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    assert filename == "困难群众导入模板.xlsx"
    assert [c.value for c in sheet[1]] == [
        "村（社区）*",
        "登记日期",
        "户主姓名*",
        "户主身份证号",
        "联系电话",
        "住址",
        "家庭人口",
        "困难类型*",
        "主要困难与需求",
        "含敏感信息",
    ]
    assert sheet.column_dimensions["D"].number_format == "@"
    assert sheet.column_dimensions["E"].number_format == "@"
    assert "顿号" in sheet["H1"].comment.text
    assert book.sheetnames == ["困难群众", "填写说明"]


def test_appeal_template_offers_category_choices_as_a_dropdown(tmp_path):
    _name, sheets = import_template(ImportKind.APPEALS)
    write_workbook(tmp_path / "a.xlsx", sheets)
    sheet = load_workbook(tmp_path / "a.xlsx").worksheets[0]
    formulas = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert formulas["C2:C5001"] == '"上学,看病,就业,安居,饮水,行路,用电,通讯,其他"'


# --- dry run ----------------------------------------------------------------------------------
def test_dry_run_maps_labels_dates_and_yuan_and_writes_nothing(users, tree):
    # given a file using Chinese labels, a slash date and yuan with a thousands separator
    rows = [
        appeal_row(),
        appeal_row(
            village=tree.village2.code, title="村道塌方", **{"登记日期": "2026年11月1日", "办理方式": "纳入规划"}
        ),
    ]
    # when
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows)
    )
    # then
    assert (batch.status, batch.total_rows, batch.invalid_rows) == (ImportStatus.VALIDATED, 2, 0)
    assert row_errors(batch) == {}
    assert LivelihoodAppeal.objects.count() == 0
    parsed = imports.validate_rows(
        actor=users.township_staff,
        spec=imports.SPECS[ImportKind.APPEALS],
        rows=[(r.row_number, imports.unseal_values(r.values)) for r in batch.rows.order_by("row_number")],
    )
    assert parsed[0].data["registered_on"] == datetime.date(2026, 11, 20)
    assert parsed[0].data["funds_spent_fen"] == 150050
    assert parsed[0].data["category"] == AppealCategory.DRINKING_WATER
    assert parsed[1].data["triage"] == Triage.PLANNED
    assert parsed[1].region == tree.village2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-25", datetime.date(2026, 11, 25)),
        ("2026/1/5", datetime.date(2026, 1, 5)),
        ("2026.11.25", datetime.date(2026, 11, 25)),
        ("20261125", datetime.date(2026, 11, 25)),
        ("2026年11月25日", datetime.date(2026, 11, 25)),
        (datetime.datetime(2026, 11, 25, 8, 30), datetime.date(2026, 11, 25)),
        ("2026-11-25T00:00:00", datetime.date(2026, 11, 25)),
        (46351, datetime.date(2026, 11, 25)),
    ],
)
def test_dates_are_read_in_common_formats(value, expected):
    assert imports.parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "fen"), [("1500", 150000), ("1,500.5", 150050), (12.34, 1234), ("￥80元", 8000), (0, 0), ("0.01", 1)]
)
def test_money_in_yuan_becomes_integer_fen(value, fen):
    assert imports.parse_money_fen(value) == fen


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "金额不能为负数。"),
        ("1.234", "金额最多保留两位小数（到分）。"),
        ("一千", "金额“一千”不是数字（以元为单位，如 1500.50）。"),
    ],
)
def test_bad_money_is_a_clear_error(value, message):
    with pytest.raises(imports.CellError) as caught:
        imports.parse_money_fen(value)
    assert caught.value.message == message


def test_every_bad_cell_is_reported_with_row_and_column(users, tree):
    rows = [
        appeal_row(**{"类别": "修路", "承诺办结日期": "明天", "投入资金（元）": "-3"}),
        appeal_row(title="", **{"反映人": None, "登记日期": "2026-02-30"}),
    ]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows)
    )
    assert batch.invalid_rows == 2
    assert row_errors(batch) == {
        2: [
            {
                "column": "类别",
                "message": "“修路”不是可选的值，可选：上学、看病、就业、安居、饮水、行路、用电、通讯、其他。",
            },
            {"column": "承诺办结日期", "message": "日期“明天”格式不正确，请填写如 2026-11-25 的日期。"},
            {"column": "投入资金（元）", "message": "金额不能为负数。"},
        ],
        3: [
            {"column": "登记日期", "message": "日期“2026-02-30”不存在。"},
            {"column": "反映人", "message": "必填。"},
            {"column": "诉求事项", "message": "必填。"},
        ],
    }


def test_promised_date_before_registration_is_refused_like_the_service(users, tree):
    rows = [appeal_row(**{"登记日期": "2026-11-20", "承诺办结日期": "2026-11-01"})]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows)
    )
    assert row_errors(batch) == {2: [{"column": "承诺办结日期", "message": "承诺办结日期不能早于登记日期。"}]}


def test_wrong_headers_are_named_and_nothing_is_stored(users, tree):
    headers = [h for h in APPEAL_HEADERS if h != "责任人"] + ["备注"]
    with pytest.raises(XlsxError) as caught:
        import_batch_prepare(actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(headers, [["x"]]))
    assert caught.value.messages == ["表头与导入模板不符。缺少列：责任人；无法识别的列：备注。请使用下载的导入模板。"]
    assert ImportBatch.objects.count() == 0


def test_household_id_numbers_are_checked_with_gb11643(users, tree):
    good = valid_id()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")

    def row(name, number):
        return [tree.village.name, None, name, number, None, "三组", 1, "空巢老人、残疾人", None, "否"]

    rows = [row("甲", good), row("乙", wrong_check), row("丙", "51012119501301002X"), row("丁", 510121195001010020)]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.HOUSEHOLDS, upload=upload(HOUSEHOLD_HEADERS, rows)
    )
    assert row_errors(batch) == {
        3: [{"column": "户主身份证号", "message": "身份证号码校验位不正确，请核对。"}],
        4: [{"column": "户主身份证号", "message": "身份证号码中的出生日期不存在。"}],
        5: [
            {
                "column": "户主身份证号",
                "message": "身份证号被 Excel 当成了数字，末几位可能已丢失。请把该列设为“文本”格式后重新填写。",
            }
        ],
    }
    parsed = imports.validate_rows(
        actor=users.township_staff,
        spec=imports.SPECS[ImportKind.HOUSEHOLDS],
        rows=[(2, imports.unseal_values(batch.rows.get(row_number=2).values))],
    )
    assert parsed[0].extra["hardship_types"] == [HardshipType.EMPTY_NEST, HardshipType.DISABLED]


def test_stored_rows_keep_id_and_phone_numbers_encrypted_then_masked(users, tree, django_capture_on_commit_callbacks):
    number = valid_id()
    rows = [[tree.village.name, None, "甲", number, "13900002222", None, 1, "其他", None, None]]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.HOUSEHOLDS, upload=upload(HOUSEHOLD_HEADERS, rows)
    )
    stored = str(list(ImportRow.objects.values_list("values", flat=True)))
    assert number not in stored and "13900002222" not in stored
    assert imports.unseal_values(batch.rows.get().values)["户主身份证号"] == number
    run_start(batch, users.township_staff, ImportMode.ALL, django_capture_on_commit_callbacks)
    assert batch.rows.get().values["户主身份证号"] == "5101**********" + number[-4:]
    assert batch.rows.get().values["联系电话"] == "139****2222"
    assert HardshipHousehold.objects.get().head_id_number == number


def test_hardship_types_accept_commas_and_name_unknown_ones(users, tree):
    rows = [
        [tree.village.name, None, "甲", None, None, "一组", 2, "留守儿童,孤寡老人", None, None],
        [tree.village.name, None, "乙", None, None, "二组", 2, "留守儿童、贫困", None, None],
    ]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.HOUSEHOLDS, upload=upload(HOUSEHOLD_HEADERS, rows)
    )
    assert row_errors(batch) == {
        3: [
            {
                "column": "困难类型",
                "message": "“贫困”不是可选的值，可选：低收入困难、受灾群众、空巢老人、留守儿童、残疾人、孤寡老人、其他（多个用“、”分隔）。",
            }
        ]
    }


def test_duplicates_within_the_file_and_against_the_ledger(users, tree, appeal_data):
    appeal_create(actor=users.township_staff, region=tree.village, data={**appeal_data, "title": "已有的诉求"})
    rows = [appeal_row(), appeal_row(), appeal_row(title="已有的诉求")]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows)
    )
    assert row_errors(batch) == {
        3: [{"column": "", "message": "与第 2 行重复（同一条记录）。"}],
        4: [{"column": "", "message": "台账中已有同一村（社区）、同一反映人的相同诉求事项"}],
    }


def test_household_duplicate_by_id_number_in_the_file(users, tree):
    number = valid_id()
    rows = [
        [tree.village.name, None, "甲", number, None, None, 1, "其他", None, None],
        [tree.village2.name, None, "甲", number.lower(), None, None, 1, "其他", None, None],
    ]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.HOUSEHOLDS, upload=upload(HOUSEHOLD_HEADERS, rows)
    )
    assert row_errors(batch) == {3: [{"column": "", "message": "与第 2 行重复（同一条记录）。"}]}


def test_village_must_exist_be_unambiguous_and_in_scope(users, tree):
    rows = [
        appeal_row(village=tree.sibling_village.code, title="a"),
        appeal_row(village=tree.sibling_village.name, title="b"),
        appeal_row(village="510121113999", title="c"),
        appeal_row(village="5101", title="d"),
        appeal_row(village=tree.village.code, title="e"),
    ]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows)
    )
    assert row_errors(batch) == {
        2: [
            {"column": "村（社区）", "message": "村（社区）“510121106001”不在您的管辖范围内，或您没有在此导入的权限。"}
        ],
        3: [{"column": "村（社区）", "message": "在您的管辖范围内找不到村（社区）“五凤村”。"}],
        4: [{"column": "村（社区）", "message": "区划代码“510121113999”不存在。"}],
        5: [{"column": "村（社区）", "message": "区划代码应为 12 位数字（村级）。"}],
    }


def test_a_village_cadre_imports_only_into_their_village(users, tree):
    rows = [appeal_row(village=tree.village.name, title="a"), appeal_row(village=tree.village2.name, title="b")]
    batch = import_batch_prepare(
        actor=users.village_cadre, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows)
    )
    assert row_errors(batch) == {
        3: [{"column": "村（社区）", "message": "在您的管辖范围内找不到村（社区）“老君社区”。"}]
    }


@pytest.mark.parametrize("who", ["county_leader", "province", "auditor", "no_post"])
def test_roles_without_import_permission_are_refused(users, tree, who):
    with pytest.raises(PermissionDenied):
        import_batch_prepare(
            actor=getattr(users, who), kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, [appeal_row()])
        )
    assert ImportBatch.objects.count() == 0


def test_empty_file_and_header_only_file_are_refused(users, tree):
    with pytest.raises(XlsxError) as caught:
        import_batch_prepare(actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, []))
    assert caught.value.messages == ["文件中没有数据行（只有表头）。"]
    with pytest.raises(XlsxError) as caught:
        import_batch_prepare(
            actor=users.township_staff, kind=ImportKind.APPEALS, upload=SimpleUploadedFile("空.xlsx", b"")
        )
    assert caught.value.messages == ["上传的文件是空的。"]


def test_not_an_xlsx_is_refused(users, tree):
    with pytest.raises(XlsxError) as caught:
        import_batch_prepare(
            actor=users.township_staff,
            kind=ImportKind.APPEALS,
            upload=SimpleUploadedFile("诉求.xlsx", "村,类别\n竹篙村,饮水\n".encode()),
        )
    assert caught.value.messages == ["文件内容不是有效的 .xlsx 文件（可能是改了扩展名的其他文件）。"]


def test_huge_file_over_the_row_limit_is_refused(users, tree):
    rows = [appeal_row(title=f"诉求{i}") for i in range(imports.IMPORT_MAX_ROWS + 1)]
    with pytest.raises(XlsxError) as caught:
        import_batch_prepare(actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows))
    assert caught.value.messages == ["数据超过 5000 行，请分成几个文件导入。"]
    assert ImportBatch.objects.count() == 0


def test_file_over_the_size_limit_is_refused(users, tree):
    big = SimpleUploadedFile("大.xlsx", b"PK\x03\x04" + b"0" * (imports.IMPORT_MAX_BYTES + 1))
    with pytest.raises(XlsxError) as caught:
        import_batch_prepare(actor=users.township_staff, kind=ImportKind.APPEALS, upload=big)
    assert caught.value.messages == ["文件太大（5.0 MB），最大 5 MB。请分成几个文件上传。"]


# --- write ------------------------------------------------------------------------------------
def test_all_or_nothing_is_refused_when_any_row_has_a_problem(users, tree, django_capture_on_commit_callbacks):
    rows = [appeal_row(title="好"), appeal_row(title="坏", **{"类别": "修路"})]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows)
    )
    with pytest.raises(ServiceError) as caught:
        run_start(batch, users.township_staff, ImportMode.ALL, django_capture_on_commit_callbacks)
    assert caught.value.messages == ["有 1 行存在问题，不能全部导入。请修改后重新上传，或选择“只导入无误的行”。"]
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED
    assert LivelihoodAppeal.objects.count() == 0


def test_import_all_writes_every_row_through_the_service_and_audits(users, tree, django_capture_on_commit_callbacks):
    rows = [appeal_row(title="甲"), appeal_row(title="乙", village=tree.village2.code)]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows)
    )
    batch = run_start(batch, users.township_staff, ImportMode.ALL, django_capture_on_commit_callbacks)
    assert (batch.status, batch.written_rows, batch.skipped_rows) == (ImportStatus.DONE, 2, 0)
    appeals = list(LivelihoodAppeal.objects.order_by("title"))
    assert [(a.title, a.region_id, a.funds_spent_fen, a.raiser_phone, a.created_by) for a in appeals] == [
        ("乙", tree.village2.code, 150050, "13800001234", users.township_staff),
        ("甲", tree.village.code, 150050, "13800001234", users.township_staff),
    ]
    assert sorted(batch.rows.values_list("object_id", flat=True)) == sorted(a.pk for a in appeals)
    event = AuditEvent.objects.get(action=Action.IMPORT)
    assert (event.actor, event.outcome, event.region_code) == (users.township_staff, Outcome.SUCCESS, tree.town.code)
    assert event.message == "导入民生诉求：文件“导入.xlsx”，共 2 行，导入 2 行，未导入 0 行（全部导入）。"
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="ledgers.livelihoodappeal").count() == 2


def test_import_valid_only_reports_written_and_skipped_rows(users, tree, django_capture_on_commit_callbacks):
    rows = [appeal_row(title="甲"), appeal_row(title="乙", **{"类别": "修路"}), appeal_row(title="丙")]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows)
    )
    batch = run_start(batch, users.township_staff, ImportMode.VALID_ONLY, django_capture_on_commit_callbacks)
    assert (batch.status, batch.written_rows, batch.skipped_rows) == (ImportStatus.DONE, 2, 1)
    assert dict(batch.rows.values_list("row_number", "status")) == {
        2: ImportRowStatus.WRITTEN,
        3: ImportRowStatus.SKIPPED,
        4: ImportRowStatus.WRITTEN,
    }
    assert sorted(LivelihoodAppeal.objects.values_list("title", flat=True)) == ["丙", "甲"]
    assert batch.rows.get(row_number=3).errors[0]["column"] == "类别"


def test_households_and_matters_import(users, tree, django_capture_on_commit_callbacks):
    household_rows = [
        [
            tree.village.name,
            "2026-10-01",
            "李秀英",
            valid_id(),
            "13900002222",
            "三组",
            2,
            "空巢老人、残疾人",
            "需探访",
            "否",
        ]
    ]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.HOUSEHOLDS, upload=upload(HOUSEHOLD_HEADERS, household_rows)
    )
    run_start(batch, users.township_staff, ImportMode.ALL, django_capture_on_commit_callbacks)
    household = HardshipHousehold.objects.get()
    assert (household.head_id_number, household.member_count, household.is_sensitive) == (valid_id(), 2, False)
    assert sorted(household.hardships.values_list("type", flat=True)) == [
        HardshipType.DISABLED,
        HardshipType.EMPTY_NEST,
    ]

    matter_rows = [[tree.village.code, None, "邻里纠纷", "宅基地边界争议", "张某、李某", None, "较大", "周明", FUTURE]]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.MATTERS, upload=upload(MATTER_HEADERS, matter_rows)
    )
    run_start(batch, users.township_staff, ImportMode.ALL, django_capture_on_commit_callbacks)
    matter = StabilityMatter.objects.get()
    assert (matter.risk_level, matter.registered_on) == (RiskLevel.MEDIUM, datetime.date.today())


def test_running_the_task_twice_never_doubles(users, tree, django_capture_on_commit_callbacks):
    rows = [appeal_row(title=f"诉求{i}") for i in range(3)]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows)
    )
    batch = run_start(batch, users.township_staff, ImportMode.VALID_ONLY, django_capture_on_commit_callbacks)
    # a redelivered task, and a batch pushed back to "queued" by hand
    import_batch_run(batch.pk)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.QUEUED)
    import_batch_run(batch.pk)
    assert LivelihoodAppeal.objects.count() == 3
    assert ImportRow.objects.filter(batch=batch, status=ImportRowStatus.WRITTEN).count() == 3
    assert AuditEvent.objects.filter(action=Action.IMPORT).count() == 2  # the second finish found nothing to write


@pytest.mark.parametrize("mode", [ImportMode.VALID_ONLY, ImportMode.ALL])
def test_a_crash_half_way_then_a_rerun_writes_every_row_once(
    users, tree, monkeypatch, mode, django_capture_on_commit_callbacks
):
    rows = [appeal_row(title=f"诉求{i}") for i in range(4)]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows)
    )
    spec = imports.SPECS[ImportKind.APPEALS]
    calls = {"n": 0}
    real_create = spec.create

    def crashing_create(actor, region, data, extra):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real_create(actor, region, data, extra)

    monkeypatch.setitem(
        imports.SPECS, ImportKind.APPEALS, imports.ImportSpec(**{**spec.__dict__, "create": crashing_create})
    )
    with pytest.raises(RuntimeError):
        run_start(batch, users.township_staff, mode, django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.RUNNING
    assert LivelihoodAppeal.objects.count() == (2 if mode == ImportMode.VALID_ONLY else 0)
    # the broker redelivers the task after the crash
    import_batch_run(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.written_rows) == (ImportStatus.DONE, 4)
    assert sorted(LivelihoodAppeal.objects.values_list("title", flat=True)) == ["诉求0", "诉求1", "诉求2", "诉求3"]


def test_a_duplicate_created_after_the_dry_run_stops_an_all_import(
    users, tree, appeal_data, django_capture_on_commit_callbacks
):
    rows = [appeal_row(title="甲"), appeal_row(title="乙")]
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, rows)
    )
    appeal_create(
        actor=users.village_cadre, region=tree.village, data={**appeal_data, "title": "乙", "raiser_name": "王大爷"}
    )
    batch = run_start(batch, users.township_staff, ImportMode.ALL, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.FAILED
    assert batch.message == "导入时发现 1 行存在问题（台账或权限在校验后发生了变化），全部未导入。"
    assert list(LivelihoodAppeal.objects.values_list("title", flat=True)) == ["乙"]
    assert row_errors(batch) == {3: [{"column": "", "message": "台账中已有同一村（社区）、同一反映人的相同诉求事项"}]}
    assert AuditEvent.objects.get(action=Action.IMPORT).outcome == Outcome.FAILURE


def test_a_batch_is_started_once_and_only_by_its_owner(users, tree, django_capture_on_commit_callbacks):
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, [appeal_row()])
    )
    with pytest.raises(PermissionDenied):
        import_batch_start(actor=users.village_cadre, batch=batch, mode=ImportMode.ALL)
    run_start(batch, users.township_staff, ImportMode.ALL, django_capture_on_commit_callbacks)
    with pytest.raises(ServiceError) as caught:
        run_start(batch, users.township_staff, ImportMode.ALL, django_capture_on_commit_callbacks)
    assert caught.value.messages == ["该批次当前状态为“已完成”，不能再次导入。请重新上传文件。"]
    assert LivelihoodAppeal.objects.count() == 1


# --- pages ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 302),
        ("township_staff", 200),
        ("village_cadre", 200),
        ("county_leader", 403),
        ("auditor", 403),
        ("superuser", 200),
    ],
)
def test_import_page_permission_matrix(client_for, users, who, status):
    response = client_for(getattr(users, who) if who else None).get(reverse("ledgers:livelihoodappeal_import"))
    assert response.status_code == status


def test_template_download(client_for, users):
    response = client_for(users.township_staff).get(reverse("ledgers:stabilitymatter_import_template"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in book.worksheets[0][1]][:4] == ["村（社区）*", "登记日期", "矛盾类型*", "事项*"]
    assert response["Content-Disposition"].endswith(quote("稳定事项导入模板.xlsx"))


def test_upload_report_choice_and_result_through_the_pages(client_for, users, tree, django_capture_on_commit_callbacks):
    client = client_for(users.township_staff)
    rows = [
        appeal_row(title="甲"),
        appeal_row(title="乙", **{"类别": "修路"}),
        appeal_row(title="丙"),
    ]
    response = client.post(reverse("ledgers:livelihoodappeal_import"), {"file": upload(APPEAL_HEADERS, rows)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledgers:importbatch_detail", args=[batch.pk])
    report = client.get(response["Location"]).content.decode()
    assert "共 3 行：无误 2 行，有问题 1 行。" in report
    assert "<strong>类别</strong>：“修路”不是可选的值" in report
    assert "138****1234" in report and "13800001234" not in report
    refused = client.post(response["Location"], {"mode": "all"})
    assert refused.status_code == 400
    assert "有 1 行存在问题，不能全部导入" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        chosen = client.post(response["Location"], {"mode": "valid_only"})
    assert chosen.status_code == 302
    result = client.get(response["Location"]).content.decode()
    assert "只导入无误的行：已导入 2 行，未导入 1 行。" in result
    assert sorted(LivelihoodAppeal.objects.values_list("title", flat=True)) == ["丙", "甲"]
    status_partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert status_partial.lstrip().startswith('<div id="import-status"')


def test_bad_uploads_are_400_with_the_reason(client_for, users):
    client = client_for(users.township_staff)
    url = reverse("ledgers:livelihoodappeal_import")
    missing = client.post(url, {})
    assert missing.status_code == 400
    assert "请选择要上传的 Excel 文件。" in missing.content.decode()
    wrong = client.post(url, {"file": SimpleUploadedFile("诉求.xls", b"\xd0\xcf\x11\xe0")})
    assert wrong.status_code == 400
    assert "只支持 .xlsx 格式的 Excel 文件" in wrong.content.decode()
    assert ImportBatch.objects.count() == 0


def test_another_users_batch_is_404(client_for, users, tree):
    batch = import_batch_prepare(
        actor=users.township_staff, kind=ImportKind.APPEALS, upload=upload(APPEAL_HEADERS, [appeal_row()])
    )
    url = reverse("ledgers:importbatch_detail", args=[batch.pk])
    assert client_for(users.village_cadre).get(url).status_code == 404
    assert client_for(users.village_cadre).post(url, {"mode": "all"}).status_code == 404
    assert client_for(users.township_staff).get(url, {"page": "x"}).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_import_is_written_by_a_real_worker(ledger_kinds, celery_worker_process, users, tree):
    import time

    # given a checked file and the user's choice, committed (as in a request)
    batch = import_batch_prepare(
        actor=users.township_staff,
        kind=ImportKind.APPEALS,
        upload=upload(APPEAL_HEADERS, [appeal_row(title="甲"), appeal_row(title="乙")]),
    )
    import_batch_start(actor=users.township_staff, batch=batch, mode=ImportMode.ALL)
    # when the worker picks the task up
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status == ImportStatus.DONE:
            break
        time.sleep(0.2)
    # then every row was written once, by the worker
    assert (batch.status, batch.written_rows, batch.message) == (ImportStatus.DONE, 2, ""), row_errors(batch)
    assert sorted(LivelihoodAppeal.objects.values_list("title", flat=True)) == ["乙", "甲"]


@pytest.fixture
def ledger_kinds(db):
    """The three ledger kinds of the data migration: a transactional test's flush removes them."""
    import importlib

    from django.apps import apps

    importlib.import_module("ledgers.migrations.0002_ledger_kinds").create_kinds(apps, None)
