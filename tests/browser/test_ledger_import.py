"""A township staff member imports appeals from Excel in the browser: downloads the template,
uploads a file with one bad row, reads the row-by-row report, imports only the valid rows."""

import datetime
import io

import pytest
from openpyxl import Workbook

from ledgers.models import LivelihoodAppeal
from ledgers.services.imports import APPEAL_COLUMNS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("eager_tasks"),
]


@pytest.fixture
def ledger_kinds(db):
    """The three ledger kinds of the data migration: a transactional test's flush removes them."""
    import importlib

    from django.apps import apps

    importlib.import_module("ledgers.migrations.0002_ledger_kinds").create_kinds(apps, None)


def workbook_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([c.header for c in APPEAL_COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_staff_imports_the_valid_rows_of_a_file(ledger_kinds, page, live_server, users, tree, login, shot, tmp_path):
    promised = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()

    def row(title, category="饮水"):
        return [
            tree.village.name,
            "2026-11-01",
            category,
            "农户",
            "王大爷",
            "13800001234",
            title,
            None,
            "马上解决",
            "刘芳",
            promised,
            "200",
        ]

    # given a file with two good rows and one with an unknown category
    path = tmp_path / "诉求.xlsx"
    path.write_bytes(workbook_bytes([row("三组自来水管破裂"), row("村道塌方", "修路"), row("路灯不亮", "用电")]))
    login(page, users.township_staff.username)
    page.goto(f"{live_server.url}/ledgers/appeals/import/")
    with page.expect_download() as download:
        page.get_by_test_id("template-link").click()
    assert download.value.suggested_filename == "民生诉求导入模板.xlsx"
    shot(page, "import-01-upload")

    # when they upload it
    page.set_input_files("#import-file", str(path))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url(f"{live_server.url}/ledgers/imports/*/")

    # then the report names the bad row and column, and "import all" is not offered
    report = page.get_by_test_id("import-report").inner_text()
    assert "类别：“修路”不是可选的值" in report
    assert page.get_by_test_id("import-all").is_disabled()
    assert LivelihoodAppeal.objects.count() == 0
    shot(page, "import-02-report")

    # when they import only the valid rows
    page.get_by_test_id("import-valid-only").click()
    page.get_by_test_id("import-result").wait_for()

    # then the result says what was written and skipped
    assert (
        page.get_by_test_id("import-result").inner_text()
        == "只导入无误的行：已导入 2 行，未导入 1 行。下表列出未导入的行及原因。"
    )
    assert sorted(LivelihoodAppeal.objects.values_list("title", flat=True)) == ["三组自来水管破裂", "路灯不亮"]
    shot(page, "import-03-result")
