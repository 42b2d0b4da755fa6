"""A township staff member ticks every row of a ledger page with the header box and changes
their status in one go; the rows of the next page are left as they were."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from ledgers.choices import AppealCategory, AppealStatus
from ledgers.models import LivelihoodAppeal
from ledgers.services import appeal_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PAGE_SIZE = 20


def test_select_all_ticks_the_page_and_bulk_changes_it(page, live_server, users, tree, login, shot):
    # given 21 appeals in 竹篙村: 20 on the first page (newest first), one on the second
    for number in range(PAGE_SIZE + 1):
        appeal_create(
            actor=users.township_staff,
            region=tree.village,
            data={
                "category": AppealCategory.ROADS,
                "raiser_name": "张三",
                "responsible_person": "刘芳",
                "title": f"修路{number:02d}",
                "promised_date": datetime.date.today() + datetime.timedelta(days=10),
            },
        )
    first_page = list(LivelihoodAppeal.objects.order_by("-registered_on", "-id").values_list("pk", flat=True))
    on_page, next_page = first_page[:PAGE_SIZE], first_page[PAGE_SIZE:]
    login(page, users.township_staff.username)
    page.goto(f"{live_server.url}/ledgers/appeals/")
    rows = page.locator('input[name="ids"]')
    expect(rows).to_have_count(PAGE_SIZE)
    assert sorted(int(value) for value in rows.evaluate_all("boxes => boxes.map(b => b.value)")) == sorted(on_page)
    select_all = page.get_by_label("全选本页", exact=True)
    expect(select_all).not_to_be_checked()

    # when they tick the header box, every row box of the page is ticked
    select_all.check()
    for index in range(PAGE_SIZE):
        expect(rows.nth(index)).to_be_checked()

    # when they clear one row, the header box shows "partly ticked"; ticking that row again
    # shows it ticked again
    rows.nth(3).uncheck()
    expect(select_all).not_to_be_checked()
    expect(select_all).to_have_js_property("indeterminate", True)
    rows.nth(3).check()
    expect(select_all).to_be_checked()
    expect(select_all).to_have_js_property("indeterminate", False)

    # when they clear the header box, every row box is cleared; ticking it again ticks them all
    select_all.uncheck()
    for index in range(PAGE_SIZE):
        expect(rows.nth(index)).not_to_be_checked()
    select_all.check()
    for index in range(PAGE_SIZE):
        expect(rows.nth(index)).to_be_checked()
    shot(page, "bulk-01-all-ticked")

    # when they change the ticked rows to 办理中
    page.get_by_label("将勾选的记录批量变更为").select_option(AppealStatus.IN_PROGRESS)
    page.get_by_role("button", name="批量变更").click()
    page.wait_for_url(re.compile(re.escape(f"{live_server.url}/ledgers/appeals/") + r"$"))

    # then the page says 20 changed, the 20 rows are 办理中 and the appeal on page 2 is not
    expect(page.get_by_role("alert").filter(has_text="已变更 20 条")).to_be_visible()
    for pk in on_page:
        expect(page.get_by_test_id(f"row-{pk}")).to_contain_text("办理中")
    statuses = dict(LivelihoodAppeal.objects.values_list("pk", "status"))
    assert {statuses[pk] for pk in on_page} == {AppealStatus.IN_PROGRESS}
    assert [statuses[pk] for pk in next_page] == [AppealStatus.REGISTERED]
    # and after the change no box is left ticked
    expect(select_all).not_to_be_checked()
    shot(page, "bulk-02-changed")
