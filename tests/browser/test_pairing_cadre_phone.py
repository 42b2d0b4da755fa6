"""A cadre on a phone (390×844) signs in, sees an owed must-visit at the top, records the visit
in a few taps and sees it fulfilled."""

import datetime

import pytest
from playwright.sync_api import expect

from pairings.models import OwedVisit
from pairings.services import must_visit_event_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_cadre_records_an_owed_must_visit_on_a_phone(phone, live_server, users, tree, login, shot):
    from pairings.models import Household, Pair
    from tests.factories import UserFactory
    from tests.pairings.conftest import make_cadre, make_unit

    today = datetime.date.today()
    account = UserFactory(username="phonecadre")
    unit = make_unit(tree.town, "竹篙镇人民政府", 4)
    cadre = make_cadre(unit, "张帮扶", tree.town, user=account)
    sick = Household.objects.create(region=tree.village, head_name="陈一户")
    other = Household.objects.create(region=tree.village, head_name="刘二户")
    for household in (sick, other):
        Pair.objects.create(cadre=cadre, household=household, region=tree.village, started_on=today, cadre_user=account)
    # given a death in 刘二户 three days ago (overdue) and an illness in 陈一户 today (owed)
    must_visit_event_record(actor=users.township_staff, household=sick, kind="illness", occurred_on=today)
    must_visit_event_record(
        actor=users.township_staff, household=other, kind="death", occurred_on=today - datetime.timedelta(days=3)
    )
    # when the cadre signs in on the phone and opens "my pairs"
    login(phone, "phonecadre")
    phone.goto(f"{live_server.url}/pairings/")
    items = phone.get_by_test_id("owed-item")
    expect(items).to_have_count(2)
    # then the overdue must-visit is at the top
    expect(items.first).to_contain_text("刘二户")
    expect(items.first.get_by_test_id("owed-status")).to_have_text("已逾期")
    shot(phone, "pairing-phone-01-home")
    # when they tap it, keep today's date and the preset kind, note what they found and save
    items.first.click()
    expect(phone.get_by_test_id("kind-must_visit")).to_be_checked()
    phone.get_by_label("了解到的情况").fill("家属情绪稳定，已慰问")
    shot(phone, "pairing-phone-02-form")
    phone.get_by_test_id("visit-submit").click()
    # then they are back home: only the illness is still owed, and the visit is listed
    phone.wait_for_url(f"{live_server.url}/pairings/")
    expect(phone.get_by_test_id("owed-item")).to_have_count(1)
    expect(phone.get_by_test_id("owed-item").first).to_contain_text("陈一户")
    expect(phone.get_by_test_id("recent-visits")).to_contain_text("刘二户")
    shot(phone, "pairing-phone-03-done")
    assert OwedVisit.objects.get(household=other).status == "fulfilled"
