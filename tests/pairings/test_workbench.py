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
