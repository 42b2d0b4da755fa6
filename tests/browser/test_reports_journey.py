"""The provincial office opens the province dashboard, drills down to a county and exports the
child-region table."""

import io

import openpyxl
import pytest

from reports.services import summary_refresh_full
from tests.reports.conftest import build_dataset, direct_counts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_provincial_office_drills_down_and_exports(page, live_server, users, tree, login, shot):
    # given summaries of a generated data set
    build_dataset(tree, seed=31, appeals=14, households=5, matters=6)
    summary_refresh_full()
    expected = direct_counts()
    # when the provincial office signs in and opens the dashboards
    login(page, users.province.username)
    page.get_by_role("link", name="统计看板").first.click()
    page.wait_for_url(f"{live_server.url}/reports/51/")
    # then the province dashboard shows its figures, their definitions and the time of the data
    assert page.get_by_test_id("dashboard-title").inner_text() == "四川省统计看板"
    assert "数据截至" in page.get_by_test_id("data-as-of").inner_text()
    assert page.get_by_test_id("value-ledgers_built").inner_text() == str(expected[("51", "", "ledgers_built")])
    assert "分母" in page.get_by_test_id("card-satisfaction_rate").first.inner_text()
    page.wait_for_function("document.querySelector('#chart-trend canvas') !== null")
    shot(page, "reports-01-province")
    # when they drill down through the prefecture to the county
    page.get_by_test_id("child-table").get_by_role("link", name="成都市").click()
    page.wait_for_url(f"{live_server.url}/reports/5101/")
    page.get_by_test_id("child-table").get_by_role("link", name="金堂县").click()
    page.wait_for_url(f"{live_server.url}/reports/510121/")
    assert page.get_by_test_id("dashboard-title").inner_text() == "金堂县统计看板"
    rows = page.get_by_test_id("child-table").locator("tbody tr")
    assert rows.count() == 2
    shot(page, "reports-02-county")
    # and export the child-region table
    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())).active
    table = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in table[1:]] == ["510121", "510121106", "510121113"]
    assert table[3][2] == expected[("510121113", "", "appeals_registered")] + expected.get(
        ("510121113", "", "matters_registered"), 0
    )
    shot(page, "reports-03-exported")
