"""Permission matrix of every petitions page, and query bounds of every list."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from petitions.models import Petition
from petitions.services import down_visit_create, petition_owner_add, reception_day_create

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "staff", "township_leader", "county_leader", "sibling_staff", "named", "province", "auditor",
         "system_admin", "superuser"]  # fmt: skip


def who(users, pusers, name):
    return None if name == "anonymous" else getattr(pusers, name, None) or getattr(users, name)


PAGES = {
    # page: {role: status}; roles not listed answer 200
    "petitions:petition_list": {"anonymous": 302},
    "petitions:my_cases": {"anonymous": 302},
    "petitions:receptionday_list": {"anonymous": 302},
    "petitions:downvisit_list": {"anonymous": 302},
    "petitions:workload": {"anonymous": 302, "auditor": 403, "system_admin": 403},
    "petitions:petition_create": {"anonymous": 302, "province": 403, "auditor": 403, "system_admin": 403},
    "petitions:receptionday_create": {"anonymous": 302, "province": 403, "auditor": 403, "system_admin": 403},
    "petitions:petition_export": {"anonymous": 302, "province": 403, "auditor": 403, "system_admin": 403},
}


@pytest.mark.parametrize("url_name", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_page_matrix(client_for, users, pusers, make_petition, url_name, role):
    make_petition()
    expected = PAGES[url_name].get(role, 200)
    response = client_for(who(users, pusers, role)).get(reverse(url_name))
    assert response.status_code == expected


@pytest.fixture
def secret(make_petition, pusers):
    return make_petition(petition_type="accusation", title="机密检举", named_officials=[{"user": pusers.named}])


DETAIL = {"anonymous": 302, "sibling_staff": 404, "named": 404, "auditor": 404, "system_admin": 404}


@pytest.mark.parametrize("role", ROLES)
def test_confidential_detail_matrix(client_for, users, pusers, secret, role):
    response = client_for(who(users, pusers, role)).get(reverse("petitions:petition_detail", args=[secret.pk]))
    assert response.status_code == DETAIL.get(role, 200)


@pytest.mark.parametrize("role", ROLES)
def test_denied_edit_changes_nothing(client_for, users, pusers, make_petition, category, role):
    case = make_petition()
    data = {"version": 1, "channel": "visit", "received_on": "2026-11-20", "title": "改了", "content": "x",
            "category": category.pk, "petition_type": "claim", "conflict_level": "village",
            "p-TOTAL_FORMS": "1", "p-INITIAL_FORMS": "0", "p-0-name": "张三", "n-TOTAL_FORMS": "0", "n-INITIAL_FORMS": "0"}  # fmt: skip
    response = client_for(who(users, pusers, role)).post(reverse("petitions:petition_update", args=[case.pk]), data)
    # "named" is a county leader, not named by this (ordinary) case
    allowed = role in ("staff", "township_leader", "county_leader", "named", "superuser")
    assert response.status_code == (302 if allowed else {"anonymous": 302, "sibling_staff": 404, "auditor": 404, "system_admin": 404}.get(role, 403))  # fmt: skip
    case.refresh_from_db()
    assert (case.title == "改了") is allowed


def test_named_official_does_not_see_it_on_reception_day_or_down_visit(client_for, users, pusers, tree, secret):
    day = reception_day_create(actor=users.county_leader, region=tree.county, held_on=datetime.date(2026, 11, 30),
                               place="接待中心", person_times=3, case_numbers=[secret.number])  # fmt: skip
    visit = down_visit_create(actor=users.county_leader, region=tree.town, visited_on=datetime.date(2026, 11, 30),
                              village_codes=[tree.village.code], person_times=3, case_numbers=[secret.number])  # fmt: skip
    named = client_for(pusers.named)
    for url in (
        reverse("petitions:receptionday_detail", args=[day.pk]),
        reverse("petitions:downvisit_detail", args=[visit.pk]),
    ):
        body = named.get(url).content.decode()
        assert secret.number not in body and "机密检举" not in body
        assert secret.number in client_for(users.county_leader).get(url).content.decode()
    api = named.get("/api/v1/reception-days/").content.decode()
    assert secret.number not in api


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "url_name", ["petitions:my_cases", "petitions:receptionday_list", "petitions:downvisit_list", "petitions:workload"]
)
def test_list_query_bounds(client_for, users, pusers, tree, make_petition, url_name):
    def add(i):
        p = make_petition(petitioners=[{"name": f"人{i}"}])
        petition_owner_add(actor=pusers.staff, petition=p, leader=users.county_leader)
        reception_day_create(actor=users.county_leader, region=tree.county, held_on=datetime.date(2026, 11, 30),
                             place="接待中心", person_times=3, case_numbers=[p.number])  # fmt: skip
        down_visit_create(actor=users.county_leader, region=tree.town, visited_on=datetime.date(2026, 11, 30),
                          village_codes=[tree.village.code], person_times=3, case_numbers=[p.number])  # fmt: skip

    add(0)
    client = client_for(users.county_leader)
    _queries(client, reverse(url_name))  # the first request of a session also touches the session
    few = _queries(client, reverse(url_name))
    for i in range(1, 6):
        add(i)
    assert _queries(client, reverse(url_name)) == few
    assert Petition.objects.count() == 6
