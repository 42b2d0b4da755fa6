"""The residents' journey: a township staff member enters an appeal, resolves and discloses it,
makes a rating link; a resident (not signed in) sees it on the village's public page without
the raiser's name, rates it through the link; the staff member sees the rating."""

import datetime

import pytest
from playwright.sync_api import expect

from ledgers.choices import AppealStatus
from ledgers.models import LivelihoodAppeal, RatingInvitation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def ledger_kinds(db):
    """The three ledger kinds of the data migration: a transactional test's flush removes them."""
    import importlib

    from django.apps import apps

    importlib.import_module("ledgers.migrations.0002_ledger_kinds").create_kinds(apps, None)


def test_resident_rates_a_disclosed_appeal_through_the_link(
    ledger_kinds, browser, page, live_server, users, tree, login, shot
):
    # given the staff member of 竹篙镇 registers an appeal raised by 王大爷
    login(page, users.township_staff.username)
    page.goto(f"{live_server.url}/ledgers/appeals/new/")
    page.get_by_label("村（社区）").select_option(tree.village.code)
    expect(page.get_by_test_id("picker-value")).to_have_value(tree.village.code)
    page.get_by_label("类别").select_option("drinking_water")
    page.get_by_label("诉求事项").fill("三组自来水管破裂")
    page.locator("#id_raiser_name").fill("王大爷")
    page.get_by_label("联系电话").fill("13800001234")
    page.get_by_label("责任人").fill("刘芳")
    page.get_by_label("承诺办结日期").fill((datetime.date.today() + datetime.timedelta(days=7)).isoformat())
    page.get_by_label("投入资金（元）").fill("1500")
    page.get_by_test_id("save").click()
    page.wait_for_url(f"{live_server.url}/ledgers/appeals/*/")
    appeal = LivelihoodAppeal.objects.get()

    # when they resolve it and make it public
    page.get_by_label("办理结果").fill("已更换三组主水管 120 米，恢复供水")
    page.get_by_test_id("to-resolved").click()
    page.wait_for_url(f"{live_server.url}/ledgers/appeals/{appeal.pk}/")
    page.get_by_test_id("to-disclosed").click()
    page.wait_for_url(f"{live_server.url}/ledgers/appeals/{appeal.pk}/")
    assert page.get_by_test_id("entry-status").inner_text() == "已公开"

    # and generate a rating link with its QR code on the detail page
    page.get_by_test_id("rating-link-create").click()
    link_box = page.get_by_test_id("rating-link")
    link_box.wait_for()
    assert page.get_by_test_id("rating-qr").locator("svg").count() == 1
    link = link_box.input_value()
    assert link.startswith(f"{live_server.url}/ledgers/rate/")
    shot(page, "public-01-staff-rating-link")

    # then a resident, in a fresh browser without signing in, sees the public page without the raiser
    resident_context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    resident = resident_context.new_page()
    resident.goto(f"{live_server.url}/ledgers/public/{tree.village.code}/")
    items = resident.get_by_test_id("public-items").inner_text()
    assert "三组自来水管破裂" in items
    assert "已更换三组主水管 120 米，恢复供水" in items
    assert "刘芳" in items
    body = resident.content()
    assert "王大爷" not in body
    assert "13800001234" not in body and "138****1234" not in body
    shot(resident, "public-02-village-page")

    # when the resident opens the link and rates the handling
    resident.goto(link)
    assert "王大爷" not in resident.content()
    resident.get_by_label("满意", exact=True).check()
    resident.get_by_label("已解决").check()
    resident.get_by_label("意见建议（可不填）").fill("修得很快，谢谢")
    shot(resident, "public-03-rating-form")
    resident.get_by_role("button", name="提交评价").click()
    assert resident.get_by_test_id("public-message").locator("h1").inner_text() == "感谢您的评价"
    shot(resident, "public-04-thanks")

    # and the link cannot be used twice
    response = resident.goto(link)
    assert response.status == 410
    assert "该评价链接已使用过" in resident.get_by_test_id("public-message").inner_text()
    resident_context.close()

    # then the staff member sees the rating on the detail page
    page.goto(f"{live_server.url}/ledgers/appeals/{appeal.pk}/")
    assert page.get_by_test_id("entry-status").inner_text() == "已评价"
    ratings = page.get_by_test_id("ratings").inner_text()
    assert "满意" in ratings and "修得很快，谢谢" in ratings and "群众认为已解决" in ratings
    shot(page, "public-05-staff-sees-rating")
    invitation = RatingInvitation.objects.get()
    assert (invitation.score, invitation.resolved_confirmed) == (4, True)
    assert LivelihoodAppeal.objects.get().status == AppealStatus.RATED

    # and the printable notice lists it
    page.goto(f"{live_server.url}/ledgers/public/{tree.village.code}/notice/")
    assert "竹篙村民生诉求办理情况公示" in page.get_by_test_id("notice").inner_text()
    page.emulate_media(media="print")
    shot(page, "public-06-notice-print")
