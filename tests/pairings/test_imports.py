"""Excel bulk pairing and cadre import: row errors, dry run writes nothing, all-or-nothing."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from pairings.models import Cadre, Pair
from pairings.services.imports import CADRE_HEADERS, PAIR_HEADERS, cadre_import, pair_import


def upload(headers, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("x.xlsx", buffer.getvalue())


def test_pair_import_reports_each_row_and_writes_nothing(tree, users, cadres, households):
    rows = [
        ["李认亲", "", "竹篙镇人民政府", "陈一户", "", tree.village.code, "联系帮扶", "2026-02-01"],  # fine
        ["无此人", "", "竹篙镇人民政府", "陈一户", "", tree.village.code, "联系帮扶", "2026-02-01"],
        ["李认亲", "", "竹篙镇人民政府", "无此户", "", tree.village.code, "联系帮扶", "2026-02-01"],
        ["李认亲", "", "竹篙镇人民政府", "黄三户", "", tree.sibling_village.code, "联系帮扶", "2026-02-01"],
        ["李认亲", "", "竹篙镇人民政府", "刘二户", "", tree.village.code, "认亲吧", "2026-02-30"],
        ["李认亲", "", "竹篙镇人民政府", "陈一户", "", tree.village.code, "联系帮扶", "2026-02-01"],  # repeat
    ]
    result = pair_import(actor=users.township_staff, upload=upload(PAIR_HEADERS, rows), write=True)
    by_row = {}
    for number, column, _message in result.errors:
        by_row.setdefault(number, set()).add(column)
    assert set(by_row) == {3, 4, 5, 6, 7}
    assert by_row[3] == {"干部姓名"} and by_row[4] == {"户主姓名或名称"}
    assert "村（社区）代码" in by_row[5]
    assert by_row[6] == {"结对类型", "结对日期"}
    assert result.written == 0 and Pair.objects.count() == 0


def test_pair_import_dry_run_then_write(tree, users, cadres, households):
    rows = [
        ["李认亲", "", "竹篙镇人民政府", "陈一户", "", tree.village.code, "联系帮扶", "2026-02-01"],
        ["张帮扶", "", "金堂县农业农村局", "刘二户", "", tree.village.code, "help", ""],
    ]
    checked = pair_import(actor=users.township_staff, upload=upload(PAIR_HEADERS, rows), write=False)
    assert checked.ok and checked.total == 2 and Pair.objects.count() == 0
    written = pair_import(actor=users.township_staff, upload=upload(PAIR_HEADERS, rows), write=True)
    assert written.written == 2 and Pair.objects.count() == 2
    again = pair_import(actor=users.township_staff, upload=upload(PAIR_HEADERS, rows), write=True)
    assert not again.ok and Pair.objects.count() == 2  # already paired: refused per row


def test_cadre_import(tree, users, units):
    rows = [
        ["王一", "竹篙镇人民政府", "科员", "是", "13812345678", "11010519491231002X", tree.town.code],
        ["王二", "五凤镇人民政府", "", "否", "", "", tree.town.code],  # a sibling's unit
        ["王三", "竹篙镇人民政府", "", "也许", "", "110105194912310021", tree.sibling_town.code],
    ]
    result = cadre_import(actor=users.township_staff, upload=upload(CADRE_HEADERS, rows), write=True)
    columns = {(n, c) for n, c, _m in result.errors}
    assert columns == {(3, "所在单位"), (4, "中共党员"), (4, "身份证号"), (4, "所在区划代码")}
    assert Cadre.objects.count() == 0
    result = cadre_import(actor=users.township_staff, upload=upload(CADRE_HEADERS, rows[:1]), write=True)
    assert result.written == 1
    cadre = Cadre.objects.get()
    assert cadre.is_party_member and cadre.id_number == "11010519491231002X"


def test_a_file_that_is_not_a_workbook_is_refused_with_a_clear_message(tree, users):
    from django.core.exceptions import ValidationError

    bad = SimpleUploadedFile("x.xlsx", b"MZ not a workbook")
    try:
        pair_import(actor=users.township_staff, upload=bad, write=True)
    except ValidationError as exc:
        assert exc.messages and all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in exc.messages)
    else:
        raise AssertionError("accepted a file that is not a workbook")
    assert Pair.objects.count() == 0
