"""A township staff member signs in, sees their villages, and cannot open a sibling's village."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_township_staff_sees_own_villages_and_404_for_sibling(page, live_server, users, tree, login, shot):
    # given the staff member of 竹篙镇 signs in
    login(page, users.township_staff.username)
    shot(page, "township-01-home")
    # then the home page shows their township and its villages
    assert page.get_by_test_id("post-card").first.inner_text().count("竹篙镇") == 1
    children = page.get_by_test_id("home-children").inner_text()
    assert "竹篙村" in children and "老君社区" in children and "五凤村" not in children
    # when they open their own village
    page.get_by_role("link", name="竹篙村").click()
    assert page.get_by_test_id("region-name").inner_text() == "竹篙村"
    shot(page, "township-02-village")
    # when they type the address of 五凤镇's village
    response = page.goto(f"{live_server.url}/regions/{tree.sibling_village.code}/")
    # then they get the 404 page
    assert response.status == 404
    assert page.get_by_test_id("error-page").is_visible()
    assert "不在您的管辖范围内" in page.get_by_test_id("error-page").inner_text()
    shot(page, "township-03-sibling-404")


def test_region_picker_is_keyboard_usable(page, live_server, users, tree, login):
    login(page, users.county_leader.username)
    page.goto(f"{live_server.url}/regions/picker/")
    assert page.get_by_role("heading", name="选择区划").is_visible()
    township = page.get_by_label("乡镇（街道）")
    township.focus()
    township.select_option("510121113")
    # htmx swaps in the village level; choosing a village updates the picked value. The page's
    # Content-Security-Policy forbids evaluated JavaScript, so poll through the DOM API instead
    # of wait_for_function (a choice made before htmx wired the new select is simply repeated).
    village = page.get_by_label("村（社区）")
    expect(village).to_be_visible()
    for _attempt in range(50):
        village.select_option("510121113002")
        if page.get_by_test_id("picker-value").input_value() == "510121113002":
            break
        page.wait_for_timeout(100)
    assert page.get_by_test_id("picker-value").input_value() == "510121113002"
    # and the picked region opens with the keyboard alone
    page.get_by_role("button", name="查看").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/regions/510121113002/")
    assert page.get_by_test_id("region-name").inner_text() == "老君社区"
