"""The three-order service end to end, in a real browser: a resident places an order on a phone from
the community's public page (no sign-in), the community's Party branch dispatches it from its board,
the Party member takes and completes it on a phone and shows the signed rating link's QR code, and
the resident rates the service through it (a used link is refused the second time)."""

import re

import pytest
from playwright.sync_api import expect

from community import services
from community.models import ServiceOrder
from tests.community.conftest import community, cusers, member, sibling_community  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_resident_branch_member_rating_journey(browser, phone, page, live_server, cusers, community, member, login,  # noqa: F811
                                                shot):  # fmt: skip
    services.report_register(actor=cusers.branch, community=community, member=member)
    # given a resident on a phone at the community's public page (no sign-in)
    phone.goto(f"{live_server.url}/community/public/{community.code}/")
    form = phone.get_by_test_id("public-order-form")
    # a bad phone number is refused with a clear message, and nothing is stored
    form.get_by_label("需求类别").select_option(index=1)
    form.get_by_label("服务需求").fill("帮独居老人买药")
    form.get_by_label("服务地点").fill("老君社区3栋2单元")
    form.get_by_label("联系人").fill("李阿姨")
    form.get_by_label("联系电话").fill("12345")
    phone.get_by_test_id("submit-order").click()
    expect(phone.get_by_test_id("order-errors")).to_be_visible()
    expect(phone.get_by_test_id("error-phone")).to_be_visible()
    assert ServiceOrder.objects.count() == 0
    # when they correct it and submit
    phone.get_by_test_id("public-order-form").get_by_label("联系电话").fill("13812345678")
    phone.get_by_test_id("submit-order").click()
    expect(phone.get_by_test_id("public-message")).to_contain_text("已提交")
    shot(phone, "order-journey-01-placed")
    order = ServiceOrder.objects.get()
    assert order.status == "placed" and order.phone == "13812345678"

    # then the branch sees it first on its board, and dispatches it to the member
    login(page, "branch")
    page.goto(f"{live_server.url}/community/orders/board/")
    row = page.get_by_test_id(f"board-row-{order.pk}")
    expect(row).to_contain_text("帮独居老人买药")
    expect(page.get_by_test_id("board-new")).to_have_text("1")
    row.click()
    expect(page.get_by_test_id("masked-phone")).to_have_text(re.compile(r"138\*+5678"))
    dispatch = page.get_by_test_id("dispatch-form")
    dispatch.get_by_label("接单人").select_option(label="张党员")
    dispatch.get_by_role("button", name="派单").click()
    expect(page.get_by_test_id("assignee")).to_contain_text("张党员")
    shot(page, "order-journey-02-dispatched")

    # when the member signs in on a phone, takes it and completes it
    member_phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    mine = member_phone.new_page()
    mine.set_default_timeout(15000)
    login(mine, "dangyuan")
    mine.goto(f"{live_server.url}/community/my/")
    card = mine.get_by_test_id(f"my-order-{order.pk}")
    expect(card).to_contain_text("帮独居老人买药")
    mine.get_by_test_id(f"take-{order.pk}").click()
    mine.get_by_label("服务情况").fill("已代买药品并送到家")
    shot(mine, "order-journey-03-taken")
    mine.get_by_test_id(f"complete-{order.pk}").click()
    expect(mine.get_by_text("服务订单已变更为“已完成”")).to_be_visible()
    order.refresh_from_db()
    assert order.status == "completed" and order.result == "已代买药品并送到家"

    # then, at the resident's door, the member makes the signed one-time rating link (a QR code)
    mine.get_by_test_id("rating-link-form").get_by_role("button").click()
    expect(mine.get_by_test_id("rating-qr")).to_be_visible()
    link = mine.get_by_test_id("rating-link").get_attribute("href")
    assert "/community/rate/" in link
    shot(mine, "order-journey-04-rating-link")
    member_phone.close()

    # and the resident rates the service on the phone through it
    phone.goto(link if link.startswith("http") else f"{live_server.url}{link}")
    expect(phone.get_by_test_id("rated-order")).to_contain_text("帮独居老人买药")
    rating = phone.get_by_test_id("rating-form")
    rating.get_by_label("满意", exact=True).check()
    rating.get_by_label("已办好").check()
    phone.get_by_test_id("submit-rating").click()
    expect(phone.get_by_test_id("public-message")).to_contain_text("您的评价已收到")
    shot(phone, "order-journey-05-rated")
    order.refresh_from_db()
    assert order.status == "rated" and order.score == 4
    # a used link is refused, and the order stays as rated
    response = phone.goto(link if link.startswith("http") else f"{live_server.url}{link}")
    assert response.status == 410
    order.refresh_from_db()
    assert order.status == "rated"
