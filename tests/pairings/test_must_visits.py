"""The five must-visits: owed visits per event kind and cadre, fulfilment, overdue, duplicates."""

import datetime

import pytest
from django.test import override_settings

from core.exceptions import OutOfScope, ServiceError
from pairings.choices import MustVisitKind, OwedStatus, PairStatus
from pairings.models import MustVisitEvent, OwedVisit, Visit
from pairings.services import (
    must_visit_event_from_hardship,
    must_visit_event_record,
    owed_visits_mark_overdue,
    visit_record,
)

TODAY = datetime.date.today()


@pytest.mark.parametrize(
    ("kind", "days"),
    [
        (MustVisitKind.ILLNESS, 3),
        (MustVisitKind.DROPOUT, 3),
        (MustVisitKind.DISASTER, 3),
        (MustVisitKind.DEATH, 1),
        (MustVisitKind.THINKING, 3),
    ],
)
def test_event_creates_one_owed_visit_per_active_paired_cadre(tree, users, cadres, households, pairs, kind, days):
    event = must_visit_event_record(actor=users.township_staff, household=households.own, kind=kind, occurred_on=TODAY)
    owed = OwedVisit.objects.filter(event=event)
    assert {o.cadre for o in owed} == {cadres.own, cadres.other}
    assert {o.due_on for o in owed} == {TODAY + datetime.timedelta(days=days)}
    assert {o.status for o in owed} == {OwedStatus.OWED}


def test_ended_pairs_owe_nothing(tree, users, cadres, households, pairs):
    pairs.other.status, pairs.other.ended_on = PairStatus.ENDED, TODAY
    pairs.other.save()
    event = must_visit_event_record(
        actor=users.township_staff, household=households.own, kind="illness", occurred_on=TODAY
    )
    assert [o.cadre for o in event.owed_visits.all()] == [cadres.own]


@override_settings(JICENG_MUST_VISIT_DUE_DAYS={"illness": 7})
def test_due_days_are_configurable(tree, users, households, pairs):
    event = must_visit_event_record(
        actor=users.township_staff, household=households.own, kind="illness", occurred_on=TODAY
    )
    assert {o.due_on for o in event.owed_visits.all()} == {TODAY + datetime.timedelta(days=7)}


def test_duplicate_event_is_refused_and_changes_nothing(tree, users, households, pairs):
    must_visit_event_record(actor=users.township_staff, household=households.own, kind="death", occurred_on=TODAY)
    with pytest.raises(ServiceError) as exc:
        must_visit_event_record(actor=users.township_staff, household=households.own, kind="death", occurred_on=TODAY)
    assert "重复" in str(exc.value)
    assert MustVisitEvent.objects.count() == 1 and OwedVisit.objects.count() == 2
    # Another kind the same day is a different event.
    must_visit_event_record(actor=users.township_staff, household=households.own, kind="illness", occurred_on=TODAY)
    assert MustVisitEvent.objects.count() == 2


def test_event_out_of_scope_refused(tree, users, households, pairs):
    with pytest.raises(OutOfScope):
        must_visit_event_record(actor=users.sibling_staff, household=households.own, kind="death", occurred_on=TODAY)
    with pytest.raises(OutOfScope):
        must_visit_event_record(actor=users.county_leader, household=households.own, kind="death", occurred_on=TODAY)
    assert MustVisitEvent.objects.count() == 0


def test_must_visit_by_that_cadre_fulfils_only_their_owed_visit(tree, users, cadres, households, pairs, cadre_user):
    event = must_visit_event_record(
        actor=users.township_staff, household=households.own, kind="illness", occurred_on=TODAY
    )
    # A routine visit fulfils nothing; a must-visit to another household fulfils nothing.
    visit_record(actor=cadre_user, pair=pairs.own, data={"visited_on": TODAY, "kind": "routine"})
    visit_record(actor=cadre_user, pair=pairs.own_second, data={"visited_on": TODAY, "kind": "must_visit"})
    assert set(event.owed_visits.values_list("status", flat=True)) == {OwedStatus.OWED}
    visit = visit_record(actor=cadre_user, pair=pairs.own, data={"visited_on": TODAY, "kind": "must_visit"})
    own = OwedVisit.objects.get(event=event, cadre=cadres.own)
    other = OwedVisit.objects.get(event=event, cadre=cadres.other)
    assert (own.status, own.visit, own.fulfilled_on, own.on_time) == (OwedStatus.FULFILLED, visit, TODAY, True)
    assert other.status == OwedStatus.OWED


def test_visit_before_the_event_does_not_fulfil(tree, users, cadres, households, pairs, cadre_user):
    yesterday = TODAY - datetime.timedelta(days=1)
    visit_record(actor=cadre_user, pair=pairs.own, data={"visited_on": yesterday, "kind": "must_visit"})
    event = must_visit_event_record(
        actor=users.township_staff, household=households.own, kind="illness", occurred_on=TODAY
    )
    assert OwedVisit.objects.get(event=event, cadre=cadres.own).status == OwedStatus.OWED


def test_overdue_marking_is_idempotent_and_late_fulfilment_is_not_on_time(
    tree, users, cadres, households, pairs, cadre_user
):
    occurred = TODAY - datetime.timedelta(days=5)
    event = must_visit_event_record(
        actor=users.township_staff, household=households.own, kind="death", occurred_on=occurred
    )
    # Recorded late: already past due, so overdue at once.
    assert set(event.owed_visits.values_list("status", flat=True)) == {OwedStatus.OVERDUE}
    OwedVisit.objects.update(status=OwedStatus.OWED)
    assert owed_visits_mark_overdue(today=TODAY) == 2
    assert owed_visits_mark_overdue(today=TODAY) == 0
    assert set(OwedVisit.objects.values_list("status", flat=True)) == {OwedStatus.OVERDUE}
    # Not yet due: untouched.
    assert owed_visits_mark_overdue(today=occurred) == 0
    visit_record(actor=cadre_user, pair=pairs.own, data={"visited_on": TODAY, "kind": "must_visit"})
    own = OwedVisit.objects.get(cadre=cadres.own)
    assert own.status == OwedStatus.FULFILLED and own.on_time is False


def test_beat_task_runs_the_service(tree, users, households, pairs, eager_tasks):
    from pairings.tasks import owed_visits_mark_overdue as task

    must_visit_event_record(actor=users.township_staff, household=households.own, kind="death", occurred_on=TODAY)
    OwedVisit.objects.update(due_on=TODAY - datetime.timedelta(days=1))
    assert task.delay().get() == 2
    assert task.delay().get() == 0


def test_visit_refused_for_strangers_and_bad_input(tree, users, pairs, cadre_user):
    with pytest.raises(OutOfScope):
        visit_record(actor=users.sibling_staff, pair=pairs.own, data={"visited_on": TODAY, "kind": "routine"})
    with pytest.raises(OutOfScope):  # the cadre does not own the other cadre's pair
        visit_record(actor=cadre_user, pair=pairs.other, data={"visited_on": TODAY, "kind": "routine"})
    with pytest.raises(ServiceError):
        visit_record(
            actor=cadre_user, pair=pairs.own, data={"visited_on": TODAY + datetime.timedelta(days=1), "kind": "routine"}
        )
    with pytest.raises(ServiceError):
        visit_record(actor=cadre_user, pair=pairs.own, data={"visited_on": TODAY, "help_money_fen": -1})
    assert Visit.objects.count() == 0
    # Staff of the village may record a visit for a cadre who does not sign in.
    visit_record(actor=users.township_staff, pair=pairs.other, data={"visited_on": TODAY, "kind": "routine"})
    assert Visit.objects.count() == 1


def test_event_from_hardship_ledger_links_both_ways(tree, users, cadres):
    from ledgers.services import household_create
    from pairings.services import household_for_hardship, pair_create

    hardship = household_create(
        actor=users.township_staff, region=tree.village, data={"head_name": "困难户"}, hardship_types=["disabled"]
    )
    target = household_for_hardship(actor=users.township_staff, hardship=hardship)
    pair_create(actor=users.township_staff, cadre=cadres.own, household=target, kind="help", started_on=TODAY)
    event = must_visit_event_from_hardship(
        actor=users.township_staff, hardship=hardship, kind="disaster", occurred_on=TODAY
    )
    assert event.source_hardship == hardship and list(hardship.must_visit_events.all()) == [event]
    assert event.owed_visits.count() == 1
