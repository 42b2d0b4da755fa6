"""A township staff member enters a livelihood appeal in the browser, resolves it, and sees it
on the detail page with its history."""

import datetime

import pytest
from playwright.sync_api import expect

from ledgers.models import LivelihoodAppeal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def ledger_kinds(db):
    """The flush after another transactional test drops the ledger kinds of the data migration:
    recreate them (idempotent) so this test does not depend on the order the tests run in."""
    import importlib

    from django.apps import apps

    importlib.import_module("ledgers.migrations.0002_ledger_kinds").create_kinds(apps, None)


def test_township_staff_enters_and_resolves_an_appeal(ledger_kinds, page, live_server, users, tree, login, shot):
    # given the staff member of 竹篙镇 is signed in and opens the appeals ledger
    login(page, users.township_staff.username)
    page.get_by_role("link", name="民生诉求").first.click()
    page.wait_for_url(f"{live_server.url}/ledgers/appeals/")
    assert page.get_by_test_id("empty-state").is_visible()
    shot(page, "ledger-01-empty-list")

    # when they register an appeal through the form, choosing the village with the picker
    page.get_by_test_id("create-link").click()
    page.get_by_label("村（社区）").select_option(tree.village.code)
    expect(page.get_by_test_id("picker-value")).to_have_value(tree.village.code)
    page.get_by_label("类别").select_option("drinking_water")
    page.get_by_label("诉求事项").fill("三组自来水管破裂")
    page.locator("#id_raiser_name").fill("王大爷")
    page.get_by_label("联系电话").fill("13800001234")
    page.get_by_label("责任人").fill("刘芳")
    promised = datetime.date.today() + datetime.timedelta(days=7)
    page.get_by_label("承诺办结日期").fill(promised.isoformat())
    page.get_by_label("投入资金（元）").fill("1500.50")
    shot(page, "ledger-02-form")
    page.get_by_test_id("save").click()

    # then the detail page shows it, with the phone number masked and the money in yuan
    page.wait_for_url(f"{live_server.url}/ledgers/appeals/*/")
    assert page.get_by_test_id("entry-title").inner_text() == "三组自来水管破裂"
    assert page.get_by_test_id("entry-status").inner_text() == "已登记"
    assert page.get_by_test_id("raiser-phone").inner_text() == "138****1234"
    assert "1,500.50 元" in page.get_by_test_id("entry-fields").inner_text()
    appeal = LivelihoodAppeal.objects.get()
    assert (appeal.region_id, appeal.funds_spent_fen) == (tree.village.code, 150050)

    # when they try to resolve it without a resolution, the form says what is missing
    page.get_by_test_id("to-resolved").click()
    assert page.get_by_test_id("error-resolution").inner_text() == "办结时必须填写办理结果。"
    shot(page, "ledger-03-resolution-required")

    # when they give the resolution and resolve it
    page.get_by_label("办理结果").fill("已更换主水管，恢复供水")
    page.get_by_test_id("to-resolved").click()
    page.wait_for_url(f"{live_server.url}/ledgers/appeals/{appeal.pk}/")

    # then the status is resolved and the history says who changed what
    assert page.get_by_test_id("entry-status").inner_text() == "已解决"
    assert page.get_by_test_id("resolution").inner_text() == "已更换主水管，恢复供水"
    history = page.get_by_test_id("history").inner_text()
    assert "状态变更" in history
    assert "已登记" in history and "已解决" in history and users.township_staff.username in history
    shot(page, "ledger-04-resolved-detail")

    # and the list shows it as resolved
    page.goto(f"{live_server.url}/ledgers/appeals/")
    assert "已解决" in page.get_by_test_id(f"row-{appeal.pk}").inner_text()
    shot(page, "ledger-05-list")
