"""A county leader's journey: sign in, open 我的包案, open the most urgent case, record progress,
request the one extension, write the reply, close it with an outcome, see the workload change."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from petitions.models import Petition
from petitions.services import petition_accept, petition_create, petition_owner_add
from regions.choices import Role
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_leader_works_the_most_urgent_case(page, live_server, users, tree, login, shot):
    from core.calendar import seed_year
    from petitions.selectors import ensure_default_categories

    seed_year(2025, notify=False)
    seed_year(2026, notify=False)
    ensure_default_categories()
    from petitions.models import PetitionCategory

    staff = make_user("xf_county", Role.PETITION_STAFF, tree.county)
    today = timezone.localdate()
    category = PetitionCategory.objects.get(code="land")

    def case(title, days_ago):
        p = petition_create(
            actor=staff,
            region=tree.village,
            data={"channel": "visit", "received_on": today - datetime.timedelta(days=days_ago), "title": title,
                  "content": "群众反映的问题", "category": category, "petition_type": "claim", "conflict_level": "township"},
            petitioners=[{"name": "王德明"}],
        )  # fmt: skip
        petition_owner_add(actor=staff, petition=p, leader=users.county_leader)
        return p

    urgent = case("征地补偿款未发放", 80)
    urgent = petition_accept(actor=staff, petition=urgent, on=today - datetime.timedelta(days=75))
    case("新近登记的事项", 1)

    # given the county leader signs in and opens 我的包案
    login(page, users.county_leader.username)
    page.get_by_role("link", name="我的包案").first.click()
    page.wait_for_url(f"{live_server.url}/petitions/mine/")
    first_row = page.get_by_test_id("petition-table").locator("tbody tr").first
    expect(first_row).to_contain_text("征地补偿款未发放")
    expect(first_row.get_by_test_id("overdue-badge")).to_be_visible()
    shot(page, "petition-01-inbox")

    # when they open the most urgent case and record progress
    first_row.get_by_test_id("case-link").click()
    page.wait_for_url(f"{live_server.url}/petitions/{urgent.pk}/")
    form = page.get_by_test_id("progress-form")
    form.locator("[name=text]").fill("约见信访人，核实补偿标准。")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("约见信访人")

    # and request the one extension, approving it themselves
    form = page.get_by_test_id("extension-form")
    form.locator("[name=days]").fill("30")
    form.locator("[name=reason]").fill("涉及多个部门，情况复杂")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("extension")).to_contain_text("30")
    expect(page.get_by_test_id("extension-form")).to_have_count(0)

    # and write the reply
    form = page.get_by_test_id("transition-form")
    form.locator("[name=target]").select_option("replied")
    form.locator("[name=opinion]").select_option("supported")
    form.locator("[name=text]").fill("经核实，补偿款已列入本月发放计划。")
    form.get_by_test_id("transition-submit").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已答复")

    # and close it with an outcome
    form = page.get_by_test_id("transition-form")
    form.locator("[name=target]").select_option("closed")
    form.locator("[name=outcome]").select_option("resolved")
    form.get_by_test_id("transition-submit").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已办结")
    shot(page, "petition-02-closed")

    # then their workload shows it resolved this year and one case still open
    page.goto(f"{live_server.url}/petitions/workload/")
    row = page.get_by_test_id(f"workload-{users.county_leader.username}")
    expect(row.get_by_test_id("resolved")).to_have_text("1")
    expect(row.get_by_test_id("open")).to_have_text("1")
    assert Petition.objects.get(pk=urgent.pk).outcome == "resolved"
