"""A unit's leader (单位负责人): a cadre marked as their unit's leader who signs in sees the unit,
its cadres, their pairs, visits, households, must-visit events and owed visits (overdue ones
flagged), wherever those are; writes stay with the staff and the pair's own cadre."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pairings.models import OwedVisit, Pair, Visit
from pairings.services import must_visit_event_record, owed_visits_mark_overdue
from regions.scoping import can, restrict
from tests.pairings.conftest import make_cadre

TODAY = datetime.date.today()


@pytest.fixture
def leader(tree, units):
    """The county bureau's leader: no post anywhere, only their cadre record."""
    from tests.factories import UserFactory

    user = UserFactory(username="bureau_head")
    make_cadre(units.county, "赵局长", tree.county, user=user, post="局长", is_unit_leader=True)
    return user


@pytest.fixture
def far_pair(cadres, households):
    """The bureau's cadre also paired in the sibling township, where no post of the leader reaches."""
    return Pair.objects.create(
        cadre=cadres.own, household=households.sibling, region=households.sibling.region, started_on=TODAY
    )


def test_a_unit_leader_sees_the_units_cadres_pairs_wherever_they_are(client_for, leader, cadres, pairs, far_pair):
    client = client_for(leader)
    pair_list = client.get(reverse("pairings:pair_list")).content.decode()
    assert "陈一户" in pair_list and "刘二户" in pair_list and "黄三户" in pair_list
    assert "李认亲" not in pair_list and "王五凤" not in pair_list  # other units' cadres
    assert set(restrict(Pair.objects.all(), leader).values_list("pk", flat=True)) == {
        pairs.own.pk,
        pairs.own_second.pk,
        far_pair.pk,
    }
    cadre_list = client.get(reverse("pairings:cadre_list")).content.decode()
    assert "张帮扶" in cadre_list and "赵局长" in cadre_list and "李认亲" not in cadre_list


@pytest.mark.parametrize(
    ("page", "reached", "status"),
    [
        ("pairings:pair_detail", "far_pair", 200),
        ("pairings:pair_detail", "sibling_pair", 404),
        ("pairings:cadre_detail", "own_cadre", 200),
        ("pairings:cadre_detail", "other_cadre", 404),
        ("pairings:unit_detail", "own_unit", 200),
        ("pairings:unit_detail", "town_unit", 404),
        ("pairings:household_detail", "far_household", 200),
        ("pairings:household_detail", "unpaired_household", 404),
    ],
)
def test_unit_leader_detail_matrix(client_for, leader, units, cadres, households, pairs, far_pair, page, reached,
                                   status):  # fmt: skip
    from pairings.models import Household

    objects = {
        "far_pair": far_pair,
        "sibling_pair": pairs.sibling,
        "own_cadre": cadres.own,
        "other_cadre": cadres.other,
        "own_unit": units.county,
        "town_unit": units.town,
        "far_household": households.sibling,
        "unpaired_household": Household.objects.create(region=households.sibling.region, head_name="孙四户"),
    }
    obj = objects[reached]
    assert client_for(leader).get(reverse(page, args=[obj.pk])).status_code == status
    assert can(leader, "view", obj) is (status == 200)


def test_overdue_owed_visits_are_flagged_to_the_cadres_unit(client_for, api_for, users, leader, cadres, households,
                                                            pairs):  # fmt: skip
    # Given a death three days ago in a household paired with a bureau cadre and a township cadre
    must_visit_event_record(
        actor=users.township_staff, household=households.own, kind="death", occurred_on=TODAY - datetime.timedelta(3)
    )
    owed_visits_mark_overdue()
    # Then the bureau's leader sees their cadre's overdue visit, not the other unit's cadre's
    page = client_for(leader).get(reverse("pairings:owedvisit_list") + "?status=overdue").content.decode()
    assert "张帮扶" in page and "李认亲" not in page
    response = api_for(leader).get("/api/v1/owed-visits/")
    assert [row["id"] for row in response.data["results"]] == [OwedVisit.objects.get(cadre=cadres.own).pk]
    events = api_for(leader).get("/api/v1/must-visit-events/")
    assert events.data["count"] == 1
    # And the workbench card counts it
    home = client_for(leader).get("/").content.decode()
    assert "本单位必访逾期" in home
    assert "本单位必访逾期" not in client_for(users.county_leader).get("/").content.decode()


def test_a_unit_leader_may_not_write_and_a_denied_write_changes_nothing(client_for, api_for, leader, pairs, households):
    # The leader reads the bureau cadre's pair but records no visit and no event for them
    response = client_for(leader).post(
        reverse("pairings:visit_create", args=[pairs.own.pk]), {"visited_on": TODAY.isoformat(), "kind": "routine"}
    )
    assert response.status_code == 403
    assert api_for(leader).post(
        "/api/v1/visits/", {"pair": pairs.own.pk, "visited_on": TODAY.isoformat(), "kind": "routine"}, format="json"
    ).status_code in (403,)
    assert Visit.objects.count() == 0
    response = client_for(leader).post(
        reverse("pairings:household_event", args=[households.own.pk]),
        {"event-kind": "death", "event-occurred_on": TODAY.isoformat()},
    )
    assert response.status_code in (403, 404)
    assert OwedVisit.objects.count() == 0


def test_a_cadre_not_marked_leader_sees_only_their_own(client_for, cadre_user, cadres, pairs, far_pair):
    # cadre_user is 张帮扶 (same unit), not the leader: their own pairs only
    assert set(restrict(Pair.objects.all(), cadre_user).values_list("pk", flat=True)) == {
        pairs.own.pk,
        pairs.own_second.pk,
    }  # far_pair made without cadre_user: the reach of a leader, not of the cadre's own account
    cadres.other.is_unit_leader = True  # a leader with no account reaches nothing
    cadres.other.save()
    assert can(cadre_user, "view", pairs.other) is False


def test_unit_leader_pair_list_queries_are_bounded(client_for, leader, tree, cadres, households, pairs):
    client = client_for(leader)
    url = reverse("pairings:pair_list")
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for household in (households.sibling,):
        Pair.objects.create(cadre=cadres.own, household=household, region=household.region, started_on=TODAY)
    from pairings.models import Household

    for index in range(5):
        extra = Household.objects.create(region=tree.village, head_name=f"新户{index}")
        Pair.objects.create(cadre=cadres.own, household=extra, region=tree.village, started_on=TODAY)
    assert count() == before


@pytest.mark.parametrize(
    ("endpoint", "count"),
    [("units", 1), ("cadres", 2), ("pairs", 3), ("visits", 0), ("must-visit-events", 0), ("owed-visits", 0)],
)
def test_unit_leader_api_lists_are_scoped_to_the_unit(api_for, leader, pairs, far_pair, endpoint, count):
    # the bureau, its two cadres (张帮扶 and the leader), 张帮扶's three pairs
    response = api_for(leader).get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200
    assert response.data["count"] == count
