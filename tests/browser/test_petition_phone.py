"""Phone-first (390×844) for the petitions module: the case list, the register and edit forms,
the detail with its timeline and action forms, 我的包案, the reception-day and down-visit forms
and the printable documents fit the screen without sideways scrolling."""

import datetime

import pytest
from django.utils import timezone

from petitions.services import petition_accept, petition_create, petition_owner_add, petition_reply
from regions.choices import Role
from tests.browser.test_phone import assert_fits, phone  # noqa: F401 - the fixture
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_petition_pages_and_forms_fit_a_phone(phone, live_server, users, tree, login, shot):  # noqa: F811
    from core.calendar import seed_year
    from petitions.models import PetitionCategory
    from petitions.selectors import ensure_default_categories

    seed_year(2025, notify=False)
    seed_year(2026, notify=False)
    ensure_default_categories()
    staff = make_user("xf_county", Role.PETITION_STAFF, tree.county)
    long_title = "三组至五组村民反映征地补偿款长期未足额发放且安置房迟迟未交付使用"
    case = petition_create(
        actor=staff,
        region=tree.village,
        data={"channel": "visit", "received_on": timezone.localdate() - datetime.timedelta(days=20),
              "title": long_title, "content": long_title * 6, "category": PetitionCategory.objects.get(code="land"),
              "petition_type": "claim", "conflict_level": "township", "is_group": True, "group_size": 12},
        petitioners=[{"name": f"代表{i}", "is_representative": True, "address": "竹篙村三组"} for i in range(5)],
    )  # fmt: skip
    petition_owner_add(actor=staff, petition=case, leader=users.county_leader, unit="金堂县自然资源局")
    case = petition_accept(actor=staff, petition=case, expected_version=case.version)
    case = petition_reply(actor=staff, petition=case, opinion="explained", text="经核实……" * 40,
                          expected_version=case.version)  # fmt: skip
    page = phone
    login(page, staff.username)
    for url in (
        "/petitions/",
        "/petitions/new/",
        f"/petitions/{case.pk}/",
        f"/petitions/{case.pk}/edit/",
        f"/petitions/{case.pk}/print/notice/",
        f"/petitions/{case.pk}/print/reply/",
        "/petitions/receptions/",
        "/petitions/receptions/new/",
        "/petitions/down-visits/",
        "/petitions/down-visits/new/",
        "/petitions/workload/",
    ):
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        assert_fits(page, url)
        shot(page, "phone_petitions" + url.replace("/", "_").rstrip("_"))
    page.context.clear_cookies()
    login(page, users.county_leader.username)
    page.goto(f"{live_server.url}/petitions/mine/")
    assert long_title[:10] in page.content()
    assert_fits(page, "/petitions/mine/")
