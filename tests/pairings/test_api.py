"""The pairings API: scope, permission matrix with denied writes changing nothing, version check,
must-visit flow, bounded queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pairings.models import Cadre, MustVisitEvent, OwedVisit, Pair, Unit, Visit

TODAY = datetime.date.today()
ENDPOINTS = ["units", "cadres", "pairs", "visits", "must-visit-events", "owed-visits"]


def who(users, cadre_user, name):
    return cadre_user if name == "cadre" else getattr(users, name, None)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("name", "status"),
    [("anonymous", 401), ("cadre", 200), ("township_staff", 200), ("county_leader", 200), ("superuser", 200)],
)
def test_lists_answer(api_for, users, cadre_user, pairs, endpoint, name, status):
    response = api_for(who(users, cadre_user, name)).get(f"/api/v1/{endpoint}/")
    assert response.status_code == status


@pytest.mark.parametrize(
    ("name", "count"),
    [("cadre", 2), ("township_staff", 3), ("sibling_staff", 1), ("county_leader", 4), ("province", 4),
     ("system_admin", 0), ("superuser", 4)],
)  # fmt: skip
def test_pairs_are_scoped(api_for, users, cadre_user, pairs, name, count):
    response = api_for(who(users, cadre_user, name)).get("/api/v1/pairs/")
    assert response.data["count"] == count


@pytest.mark.parametrize(
    ("name", "status", "written"),
    [
        ("anonymous", 401, 0),
        ("cadre", 403, 0),
        ("township_staff", 201, 1),
        ("county_leader", 403, 0),
        ("sibling_staff", 400, 0),  # the household is not visible to them
        ("province", 403, 0),
        ("system_admin", 403, 0),
        ("superuser", 201, 1),
    ],
)
def test_event_create_matrix(api_for, users, cadre_user, households, pairs, name, status, written):
    response = api_for(who(users, cadre_user, name)).post(
        "/api/v1/must-visit-events/",
        {"household": households.own.pk, "kind": "illness", "occurred_on": TODAY.isoformat()},
        format="json",
    )
    assert response.status_code == status
    assert MustVisitEvent.objects.count() == written and OwedVisit.objects.count() == 2 * written


@pytest.mark.parametrize(
    ("name", "status", "written"),
    [
        ("cadre", 201, 1),
        ("township_staff", 201, 1),
        ("county_leader", 403, 0),
        ("sibling_staff", 400, 0),
        ("system_admin", 400, 0),
    ],
)
def test_visit_create_matrix(api_for, users, cadre_user, pairs, name, status, written):
    response = api_for(who(users, cadre_user, name)).post(
        "/api/v1/visits/",
        {"pair": pairs.own.pk, "visited_on": TODAY.isoformat(), "kind": "routine", "help_money_fen": 500},
        format="json",
    )
    assert response.status_code == status, response.data
    assert Visit.objects.count() == written


def test_must_visit_flow_over_the_api(api_for, users, cadre_user, households, pairs):
    staff, cadre = api_for(users.township_staff), api_for(cadre_user)
    staff.post(
        "/api/v1/must-visit-events/",
        {"household": households.own.pk, "kind": "death", "occurred_on": TODAY.isoformat()},
        format="json",
    )
    duplicate = staff.post(
        "/api/v1/must-visit-events/",
        {"household": households.own.pk, "kind": "death", "occurred_on": TODAY.isoformat()},
        format="json",
    )
    assert duplicate.status_code == 400
    owed = cadre.get("/api/v1/owed-visits/").data["results"]
    assert [o["status"] for o in owed] == ["owed"]
    cadre.post(
        "/api/v1/visits/",
        {"pair": pairs.own.pk, "visited_on": TODAY.isoformat(), "kind": "must_visit"},
        format="json",
    )
    assert cadre.get("/api/v1/owed-visits/").data["results"][0]["status"] == "fulfilled"


def test_cadre_write_with_version_check_and_masking(api_for, users, tree, units):
    staff = api_for(users.township_staff)
    created = staff.post(
        "/api/v1/cadres/",
        {"name": "赵", "unit": units.county.pk, "home_region": tree.town.code, "phone": "13812345678",
         "id_number": "11010519491231002X"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.data
    assert created.data["phone_masked"] == "138****5678" and "phone" not in created.data
    url = f"/api/v1/cadres/{created.data['id']}/"
    assert staff.patch(url, {"post": "科长"}, format="json").status_code == 400  # no version
    assert staff.patch(url, {"post": "科长", "version": 1}, format="json").status_code == 200
    stale = staff.patch(url, {"post": "处长", "version": 1}, format="json")
    assert stale.status_code == 409
    assert Cadre.objects.get().post == "科长"
    assert api_for(users.sibling_staff).patch(url, {"post": "x", "version": 2}, format="json").status_code == 404
    assert api_for(users.county_leader).patch(url, {"post": "x", "version": 2}, format="json").status_code == 403
    assert Cadre.objects.get().post == "科长"


def test_unit_create_and_pair_end(api_for, users, tree, pairs):
    staff = api_for(users.township_staff)
    response = staff.post(
        "/api/v1/units/",
        {"name": "竹篙镇党政办", "level": 4, "kind": "party_government", "region": tree.town.code},
        format="json",
    )
    assert response.status_code == 201 and Unit.objects.filter(name="竹篙镇党政办").exists()
    url = f"/api/v1/pairs/{pairs.own.pk}/end/"
    assert api_for(users.county_leader).post(url, {"version": 1, "ended_on": TODAY.isoformat(), "reason": "x"},
                                             format="json").status_code == 403  # fmt: skip
    ended = staff.post(url, {"version": 1, "ended_on": TODAY.isoformat(), "reason": "调动"}, format="json")
    assert ended.status_code == 200 and ended.data["status"] == "ended"
    again = staff.post(url, {"version": 1, "ended_on": TODAY.isoformat(), "reason": "调动"}, format="json")
    assert again.status_code == 409
    assert Pair.objects.get(pk=pairs.own.pk).version == 2


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_api_list_query_count_is_bounded(api_for, users, tree, cadres, households, endpoint):
    from pairings.services import must_visit_event_record, visit_record

    client = api_for(users.township_staff)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/{endpoint}/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for cadre in (cadres.own, cadres.other):
        for household in (households.own, households.other):
            pair = Pair.objects.create(cadre=cadre, household=household, region=tree.village, started_on=TODAY)
            visit_record(actor=users.township_staff, pair=pair, data={"visited_on": TODAY, "kind": "routine"})
    for household in (households.own, households.other):
        must_visit_event_record(actor=users.township_staff, household=household, kind="death", occurred_on=TODAY)
    assert count() <= before + 2


def test_a_cadre_id_number_is_searched_in_a_post_body_never_a_url(api_for, users, tree, units):
    # Issue 9: the list refuses an ID or phone number in its URL, unechoed; the search takes it in a body
    staff = api_for(users.township_staff)
    number = "11010519491231002X"
    created = staff.post(
        "/api/v1/cadres/",
        {"name": "赵", "unit": units.county.pk, "home_region": tree.town.code, "id_number": number},
        format="json",
    )
    assert created.status_code == 201
    for params in ({"q": number}, {"q": "13812345678"}):
        refused = staff.get("/api/v1/cadres/", params)
        assert refused.status_code == 400 and params["q"] not in refused.content.decode()
    found = staff.post("/api/v1/cadres/search/", {"q": "110105 19491231 002x"}, format="json")
    assert [row["id"] for row in found.json()["results"]] == [created.data["id"]]
    assert number not in found.content.decode()
    assert staff.get("/api/v1/cadres/", {"q": "赵"}).json()["count"] == 1
