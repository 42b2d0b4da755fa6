"""Phone-first (390×844): every ledger list and form fits the screen without sideways scrolling,
lists show cards, the filter form opens behind a button, the header stays on one line, the menu
closes visibly, and phone fields bring up the phone keypad."""

import datetime

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
