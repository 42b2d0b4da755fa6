"""The three-order journey on a phone: a resident places an order on the community's public page
(no sign-in), the community's Party branch dispatches it to a registered Party member, the member
takes and completes it on their phone and shows the rating QR code, the resident rates it."""

import pytest
from playwright.sync_api import expect

from community import services
from community.choices import OrderStatus
from community.models import ServiceOrder
from regions.choices import Role
from tests.community.conftest import ORDER_DATA
from tests.conftest import make_user
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def setting(tree):
    """老君社区 with its Party branch and one registered Party member who signs in."""
    community = tree.village2
    branch = make_user("branch", Role.COMMUNITY_BRANCH, community)
    UserFactory(username="dangyuan")
    member = services.member_create(
        actor=branch,
        region=community,
        data={"name": "张党员", "phone": "13900001111", "workplace": "县财政局", "username": "dangyuan"},
    )
    services.report_register(actor=branch, community=community, member=member)
    return community, branch, member


def test_resident_orders_branch_dispatches_member_takes_and_completes_resident_rates(
    browser, live_server, setting, login, shot
):
    community, branch_user, community_roster = setting
    # given a resident on a phone, not signed in, on the community's public page
    resident = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    resident.goto(f"{live_server.url}/community/public/{community.code}/")
    expect(resident.get_by_test_id("public-summary")).to_contain_text("1")
    # when they place an order (a wrong phone number first: a clear error, nothing stored)
    resident.get_by_label("需求类别").select_option(ORDER_DATA["category"])
    resident.get_by_label("服务需求").fill(ORDER_DATA["need"])
    resident.get_by_label("服务地点").fill(ORDER_DATA["place"])
    resident.get_by_label("联系人").fill(ORDER_DATA["contact_name"])
    resident.get_by_label("联系电话").fill("12345")
    resident.get_by_test_id("submit-order").click()
    expect(resident.get_by_test_id("error-phone")).to_be_visible()
    assert ServiceOrder.objects.count() == 0
    resident.get_by_label("联系电话").fill(ORDER_DATA["phone"])
    resident.get_by_test_id("submit-order").click()
    expect(resident.get_by_test_id("public-message")).to_contain_text("点单成功")
    order = ServiceOrder.objects.get()
    shot(resident, "community-01-resident-order")

    # then the branch, on a phone, sees it first on the dispatch board and dispatches it to the member
    branch = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    login(branch, branch_user.username)
    branch.goto(f"{live_server.url}/community/orders/board/")
    branch.get_by_test_id(f"board-row-{order.pk}").click()
    branch.get_by_label("接单人").select_option(f"m:{community_roster.pk}")
    branch.get_by_label("服务方式").select_option("volunteer")
    branch.get_by_test_id("dispatch-form").get_by_role("button", name="派单").click()
    expect(branch.get_by_test_id("assignee")).to_have_text("张党员")
    assert ServiceOrder.objects.get().status == OrderStatus.DISPATCHED
    shot(branch, "community-02-branch-dispatched")

    # when the member, on a phone, takes it and completes it
    member = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    login(member, "dangyuan")
    member.goto(f"{live_server.url}/community/my/")
    card = member.get_by_test_id(f"my-order-{order.pk}")
    expect(card).to_contain_text(ORDER_DATA["need"])
    expect(card).to_contain_text("138****5678")
    member.get_by_test_id(f"take-{order.pk}").click()
    member.wait_for_url(f"{live_server.url}/community/my/")
    member.get_by_label("服务情况").fill("已代买药品并送到家")
    member.get_by_test_id(f"complete-{order.pk}").click()
    expect(member.get_by_test_id("assignee")).to_have_text("张党员")
    assert ServiceOrder.objects.get().status == OrderStatus.COMPLETED
    # and shows the resident the rating QR code
    member.get_by_role("button", name="生成评价二维码").click()
    expect(member.get_by_test_id("rating-qr").locator("svg")).to_have_count(1)
    link = member.get_by_test_id("rating-link").get_attribute("href")
    shot(member, "community-03-member-rating-qr")

    # then the resident rates it through the link
    resident.goto(link)
    expect(resident.get_by_test_id("rated-order")).to_contain_text("已代买药品并送到家")
    resident.get_by_label("满意", exact=True).check()
    resident.get_by_label("已办好").check()
    resident.get_by_test_id("submit-rating").click()
    expect(resident.get_by_test_id("public-message")).to_contain_text("感谢您的评价")
    order = ServiceOrder.objects.get()
    assert (order.status, order.score) == (OrderStatus.RATED, 4)
    shot(resident, "community-04-resident-rated")
