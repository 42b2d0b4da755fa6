"""Phone-first (390×844): every ledger list and form fits the screen without sideways scrolling,
lists show cards, the filter form opens behind a button, the header stays on one line, the menu
closes visibly, and phone fields bring up the phone keypad."""

import datetime
from types import SimpleNamespace

import pytest

from tests.ledgers.test_views import make_appeal, make_household, make_matter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}
# Widths as the page lays them out: the document and every scroll box inside it.
OVERFLOW = """() => {
  const doc = document.scrollingElement;
  const wide = [...document.querySelectorAll('.table-responsive, main, form, .card')]
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => (el.dataset.testid || el.className || el.tagName) + ' ' + el.scrollWidth + '>' + el.clientWidth);
  return {doc: doc.scrollWidth, view: window.innerWidth, wide};
}"""


@pytest.fixture
def phone(browser, request):
    # The site's Content-Security-Policy forbids evaluated scripts; the measurement needs one.
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def assert_fits(page, what):
    measured = page.evaluate(OVERFLOW)
    assert measured["doc"] <= measured["view"], f"{what}: page {measured['doc']} px wide in {measured['view']} px"
    assert measured["wide"] == [], f"{what}: scrolls sideways inside {measured['wide']}"


def test_every_ledger_list_and_form_fits_a_phone(phone, live_server, users, tree, login, shot):
    page = phone
    staff = users.township_staff
    long_title = "三组至五组的村道在雨季多处塌方，群众出行困难，希望尽快修复并加装护栏" * 2
    appeal = make_appeal(staff, tree.village, title=long_title[:200], funds_spent_fen=1_234_567_89)
    household = make_household(staff, tree.village)
    matter = make_matter(staff, tree.village2, deadline=datetime.date.today() + datetime.timedelta(days=2))
    login(page, staff.username)
    # the header holds the menu button, the site name, the language and sign-out on one line
    header = page.locator("header.navbar").bounding_box()
    assert header["height"] < 70, header
    urls = [
        "/",
        "/ledgers/appeals/",
        "/ledgers/households/",
        "/ledgers/matters/",
        "/ledgers/profiles/",
        "/ledgers/appeals/new/",
        "/ledgers/households/new/",
        "/ledgers/matters/new/",
        f"/ledgers/appeals/{appeal.pk}/edit/",
        f"/ledgers/households/{household.pk}/edit/",
        f"/ledgers/matters/{matter.pk}/edit/",
        f"/ledgers/profiles/{tree.village.code}/edit/",
        f"/ledgers/appeals/{appeal.pk}/",
        f"/ledgers/households/{household.pk}/",
        f"/ledgers/matters/{matter.pk}/",
        "/ledgers/appeals/import/",
    ]
    for url in urls:
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        assert_fits(page, url)
        if url.endswith("s/") and "import" not in url:
            # lists: the filter form waits behind its button, rows are cards (no header row shown)
            assert not page.get_by_test_id("filter-form").is_visible(), url
            page.get_by_test_id("filter-toggle").click()
            page.get_by_test_id("filter-form").wait_for(state="visible")
            assert_fits(page, url + " (filters open)")
            assert not page.locator("[data-testid=ledger-table] thead").is_visible()
        shot(page, "phone" + url.replace("/", "_").rstrip("_"))
    # phone fields bring up the phone keypad, whole numbers the numeric one
    page.goto(f"{live_server.url}/ledgers/households/new/")
    assert page.locator("#id_phone").get_attribute("type") == "tel"
    assert page.locator("#id_member_count").get_attribute("inputmode") == "numeric"
    page.goto(f"{live_server.url}/ledgers/appeals/new/")
    assert page.locator("#id_raiser_phone").get_attribute("type") == "tel"
    # the menu opens over the page and closes with its visible close button
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="菜单").click()
    close = page.get_by_test_id("menu-close")
    close.wait_for(state="visible")
    shot(page, "phone_menu_open")
    close.click()
    page.locator("#sidebar.show").wait_for(state="detached")
    assert not close.is_visible()


@pytest.fixture
def module_records(tree, users):
    """A petition, a pairing (unit, cadre, household, pair) and a service order in 竹篙镇, with the
    people who work on them: the county's petition staff and 老君社区's Party branch."""
    from community import services as community_services
    from core.calendar import seed_year
    from pairings.choices import UnitLevel
    from pairings.models import Cadre, Household, Pair, Unit
    from petitions.models import PetitionCategory
    from petitions.selectors import ensure_default_categories
    from petitions.services import petition_create
    from regions.choices import Role
    from tests.conftest import make_user

    today = datetime.date.today()
    for year in (today.year - 1, today.year):
        seed_year(year, notify=False)
    ensure_default_categories()
    petition_staff = make_user("xf_county", Role.PETITION_STAFF, tree.county)
    branch = make_user("branch", Role.COMMUNITY_BRANCH, tree.village2)
    long_title = "三组至五组村民反映征地补偿款至今未发放到户，多次到镇上反映未果，要求尽快发放"
    petition = petition_create(
        actor=petition_staff,
        region=tree.village,
        data={
            "channel": "visit",
            "received_on": today - datetime.timedelta(days=2),
            "title": long_title,
            "content": long_title * 3,
            "category": PetitionCategory.objects.get(code="land"),
            "petition_type": "claim",
            "conflict_level": "township",
        },
        petitioners=[
            {"name": "张三", "id_number": "11010519491231002X", "phone": "13800001234", "address": "竹篙村三组"}
        ],
    )
    unit = Unit.objects.create(name="金堂县农业农村局乡村振兴服务中心", level=UnitLevel.COUNTY, region=tree.county)
    cadre = Cadre.objects.create(name="张帮扶", unit=unit, home_region=tree.town, post="科员", phone="13900001111")
    household = Household.objects.create(region=tree.village, head_name="陈一户", member_count=3)
    pair = Pair.objects.create(cadre=cadre, household=household, region=tree.village, started_on=today)
    order = community_services.order_place(
        region=tree.village2,
        data={
            "category": "elderly",
            "need": "帮独居老人每周买一次药并送到家里，老人腿脚不便",
            "details": "每周一次",
            "place": "老君社区3栋2单元",
            "contact_name": "李阿姨",
            "phone": "13812345678",
        },
    )
    return SimpleNamespace(
        petition=petition, petition_staff=petition_staff, branch=branch, unit=unit, cadre=cadre,
        household=household, pair=pair, order=order,
    )  # fmt: skip


def test_every_petition_pairing_and_community_list_and_form_fits_a_phone(
    phone, live_server, users, module_records, login, shot
):
    page, m = phone, module_records
    journeys = {
        m.petition_staff.username: [
            "/petitions/",
            "/petitions/new/",
            f"/petitions/{m.petition.pk}/",
            f"/petitions/{m.petition.pk}/edit/",
            "/petitions/receptions/",
            "/petitions/down-visits/",
        ],
        users.township_staff.username: [
            "/pairings/units/",
            "/pairings/cadres/",
            "/pairings/households/",
            "/pairings/pairs/",
            "/pairings/visits/",
            "/pairings/events/",
            "/pairings/owed/",
            "/pairings/units/new/",
            "/pairings/cadres/new/",
            f"/pairings/cadres/{m.cadre.pk}/edit/",
            "/pairings/households/new/",
            f"/pairings/pairs/{m.pair.pk}/",
            f"/pairings/pairs/{m.pair.pk}/visit/",
        ],
        m.branch.username: [
            "/community/orders/",
            "/community/orders/new/",
            f"/community/orders/{m.order.pk}/",
            "/community/reports/",
            "/community/reports/new/?kind=member",
        ],
    }
    lists = {"/petitions/", "/community/orders/", "/community/reports/"}
    for username, urls in journeys.items():
        page.context.clear_cookies()
        login(page, username)
        for url in urls:
            response = page.goto(f"{live_server.url}{url}")
            assert response.status == 200, (username, url)
            assert_fits(page, url)
            if url in lists or (url.startswith("/pairings/") and url.count("/") == 3):
                # the filter form waits behind its button on a phone, and fits when opened
                assert not page.get_by_test_id("filter-form").is_visible(), url
                page.get_by_test_id("filter-toggle").click()
                page.get_by_test_id("filter-form").wait_for(state="visible")
                assert_fits(page, url + " (filters open)")
            shot(page, "phone" + url.replace("/", "_").replace("?", "_").rstrip("_"))
    # phone fields bring up the phone keypad
    page.goto(f"{live_server.url}/community/orders/new/")
    assert page.locator("#id_phone").get_attribute("type") == "tel"
