"""Workbench cards: the cadre's own owed visits; township staff's overdue visits and events."""

import datetime

from django.urls import reverse

from pairings.models import OwedVisit
from pairings.services import must_visit_event_record, owed_visits_mark_overdue

TODAY = datetime.date.today()


def _cards(client):
    return client.get(reverse("core:home")).content.decode()


def test_cadre_and_staff_cards(client_for, users, cadre_user, households, pairs):
    must_visit_event_record(actor=users.township_staff, household=households.own, kind="death", occurred_on=TODAY)
    OwedVisit.objects.update(due_on=TODAY - datetime.timedelta(days=1))
    owed_visits_mark_overdue()
    cadre_page = _cards(client_for(cadre_user))
    assert 'data-card="pairings.mine"' in cadre_page and 'data-card="pairings.region"' not in cadre_page
    staff_page = _cards(client_for(users.township_staff))
    assert 'data-card="pairings.region"' in staff_page and 'data-card="pairings.mine"' not in staff_page
    assert 'data-card="pairings.region"' not in _cards(client_for(users.county_leader))


def test_support_card_counts_projects_and_stays_in_scope(client_for, users, tree, units, cadres):
    from core.workbench import cards_for
    from pairings.services import link_project_advance, link_project_create, stay_create, village_link_create

    day = TODAY - datetime.timedelta(days=30)
    own = village_link_create(actor=users.township_staff, data={"unit": units.county, "region": tree.village,
                                                                "started_on": day})  # fmt: skip
    other = village_link_create(actor=users.sibling_staff, data={"unit": units.sibling,
                                                                 "region": tree.sibling_village, "started_on": day})  # fmt: skip
    for link, actor in ((own, users.township_staff), (own, users.township_staff), (other, users.sibling_staff)):
        link_project_create(actor=actor, data={"link": link, "name": "路", "kind": "roads", "planned_on": day})
    started = own.projects.first()
    link_project_advance(actor=users.township_staff, project=started, expected_version=1, status="under_way", on=day)
    stay_create(actor=users.township_staff, data={"cadre": cadres.own, "region": tree.village, "started_on": day,
                                                  "purpose": "调研"})  # fmt: skip
    stay_create(actor=users.township_staff, data={"cadre": cadres.own, "region": tree.village, "started_on": day,
                                                  "ended_on": day, "purpose": "已结束"})  # fmt: skip

    cards = {rendered.card.key: rendered for rendered in cards_for(users.township_staff)}
    assert [item.count for item in cards["pairings.support"].items] == [1, 1, 1]
    cards = {rendered.card.key: rendered for rendered in cards_for(users.sibling_staff)}
    assert [item.count for item in cards["pairings.support"].items] == [1, 0, 0]
    # leaders read, they do not record: no card
    assert "pairings.support" not in {rendered.card.key for rendered in cards_for(users.county_leader)}
    assert 'data-card="pairings.support"' in _cards(client_for(users.township_staff))
