"""Pairs: one active pair per (cadre, household), kin pairs, ending, bulk pairing."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from core.exceptions import OutOfScope, ServiceError
from ledgers.models import HardshipHousehold
from ledgers.services import household_create
from pairings.choices import PairKind, PairStatus, TargetKind
from pairings.models import Household, Pair
from pairings.services import (
    household_for_hardship,
    household_register,
    pair_bulk_create_rows,
    pair_bulk_plan,
    pair_create,
    pair_end,
)

DAY = datetime.date(2026, 3, 1)


def test_one_active_pair_per_cadre_household_is_a_database_constraint(tree, cadres, households):
    Pair.objects.create(cadre=cadres.own, household=households.own, region=tree.village, started_on=DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pair.objects.create(cadre=cadres.own, household=households.own, region=tree.village, started_on=DAY)
    # An ended pair does not count: the two may be paired again.
    Pair.objects.filter(cadre=cadres.own).update(status=PairStatus.ENDED, ended_on=DAY)
    Pair.objects.create(cadre=cadres.own, household=households.own, region=tree.village, started_on=DAY)


def test_pair_create_duplicate_is_a_clear_error(tree, users, cadres, households):
    pair_create(actor=users.township_staff, cadre=cadres.own, household=households.own, kind="help", started_on=DAY)
    with pytest.raises(ServiceError) as exc:
        pair_create(actor=users.township_staff, cadre=cadres.own, household=households.own, kind="help", started_on=DAY)
    assert "已有进行中的结对" in str(exc.value)
    assert Pair.objects.count() == 1


def test_pair_create_out_of_scope_changes_nothing(tree, users, cadres, households):
    with pytest.raises(OutOfScope):
        pair_create(
            actor=users.sibling_staff, cadre=cadres.sibling, household=households.own, kind="help", started_on=DAY
        )
    with pytest.raises(ServiceError):  # a cadre the actor cannot see
        pair_create(
            actor=users.township_staff, cadre=cadres.sibling, household=households.own, kind="help", started_on=DAY
        )
    assert Pair.objects.count() == 0


def test_kin_pair_only_in_tibetan_areas_and_monastery_only_kin(tree, users, cadres):
    monastery = Household.objects.create(region=tree.village, head_name="某寺", kind=TargetKind.MONASTERY)
    with pytest.raises(ServiceError):
        pair_create(actor=users.township_staff, cadre=cadres.own, household=monastery, kind="kin", started_on=DAY)
    tree.village.is_tibetan_area = True
    tree.village.save()
    monastery.refresh_from_db()
    with pytest.raises(ServiceError):
        pair_create(actor=users.township_staff, cadre=cadres.own, household=monastery, kind="help", started_on=DAY)
    pair = pair_create(actor=users.township_staff, cadre=cadres.own, household=monastery, kind="kin", started_on=DAY)
    assert pair.kind == PairKind.KIN


def test_pair_end_and_stale_version(tree, users, pairs):
    ended = pair_end(actor=users.township_staff, pair=pairs.own, ended_on=DAY, reason="调动", expected_version=1)
    assert ended.status == PairStatus.ENDED and ended.version == 2
    with pytest.raises(ServiceError):
        pair_end(actor=users.township_staff, pair=pairs.own, ended_on=DAY, reason="调动", expected_version=2)
    with pytest.raises(OutOfScope):
        pair_end(actor=users.sibling_staff, pair=pairs.other, ended_on=DAY, reason="x", expected_version=1)
    pairs.other.refresh_from_db()
    assert pairs.other.status == PairStatus.ACTIVE


def test_household_register_and_hardship_link(tree, users):
    registered = household_register(
        actor=users.township_staff,
        region=tree.village,
        data={"head_name": "牧民户", "head_id_number": "11010519491231002X", "phone": "13812345678"},
    )
    assert registered.head_id_hash and registered.kind == TargetKind.HOUSEHOLD
    hardship = household_create(
        actor=users.township_staff, region=tree.village, data={"head_name": "困难户"}, hardship_types=["disabled"]
    )
    target = household_for_hardship(actor=users.township_staff, hardship=hardship)
    assert target.hardship_household == hardship and target.region_id == tree.village.code
    assert household_for_hardship(actor=users.township_staff, hardship=hardship) == target
    assert HardshipHousehold.objects.get(pk=hardship.pk).pairing_target == target


def test_bulk_plan_round_robin_and_write(tree, users, units, cadres, households):
    rows, problems = pair_bulk_plan(
        actor=users.township_staff, unit=units.county, village=tree.village, kind="help", started_on=DAY
    )
    assert problems == []
    assert [(r["cadre"], r["household"]) for r in rows] == [
        (cadres.own, households.own),
        (cadres.own, households.other),
    ]
    created = pair_bulk_create_rows(actor=users.township_staff, rows=rows)
    assert len(created) == 2
    # Planned again: nothing left to pair for this unit.
    rows, problems = pair_bulk_plan(
        actor=users.township_staff, unit=units.county, village=tree.village, kind="help", started_on=DAY
    )
    assert rows == [] and problems


def test_bulk_write_rolls_back_entirely_on_a_duplicate(tree, users, cadres, households):
    Pair.objects.create(cadre=cadres.own, household=households.other, region=tree.village, started_on=DAY)
    rows = [
        {"cadre": cadres.own, "household": households.own, "kind": "help", "started_on": DAY},
        {"cadre": cadres.own, "household": households.other, "kind": "help", "started_on": DAY},
    ]
    with pytest.raises(ServiceError):
        pair_bulk_create_rows(actor=users.township_staff, rows=rows)
    assert Pair.objects.count() == 1


def test_bulk_out_of_scope_refused(tree, users, units):
    with pytest.raises(OutOfScope):
        pair_bulk_plan(actor=users.sibling_staff, unit=units.county, village=tree.village, kind="help", started_on=DAY)


def test_linking_a_user_later_shows_them_their_pairs_visits_and_owed_visits(tree, users, cadres, households, pairs):
    from pairings.selectors import owed_visit_list, pair_list, visit_list
    from pairings.services import cadre_update, must_visit_event_record, visit_record
    from tests.factories import UserFactory

    visit_record(actor=users.township_staff, pair=pairs.other, data={"visited_on": DAY, "kind": "routine"})
    must_visit_event_record(actor=users.township_staff, household=households.own, kind="illness", occurred_on=DAY)
    account = UserFactory(username="late")
    assert list(pair_list(user=account)) == []
    cadre_update(actor=users.township_staff, cadre=cadres.other, expected_version=1, data={"user": account})
    assert list(pair_list(user=account)) == [pairs.other]
    assert visit_list(user=account).count() == 1
    assert [o.cadre for o in owed_visit_list(user=account)] == [cadres.other]
