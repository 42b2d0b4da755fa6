"""The pairings seed generator over the small tree (one village flagged Tibetan-area): counts
follow the scale, invariants hold, figures after a full refresh equal direct counts."""

import datetime

import pytest
from django.db.models import Count, Q

from pairings.choices import OwedStatus
from pairings.generator import expected_figures
from pairings.models import Cadre, Campaign, Household, MustVisitEvent, OwedVisit, Pair, Unit, Visit
from seeding.generators import seed_province

AS_OF = datetime.date(2026, 11, 20)
SCALE = 0.001  # 2,200 active pairs, 280 of them kin pairs


@pytest.fixture
def generated(tree):
    tree.village.is_tibetan_area = True
    tree.village.save()
    return seed_province(province="51", scale=SCALE, seed=42, as_of=AS_OF)


def test_counts_follow_the_scale(generated):
    expected = expected_figures(SCALE)
    active = Pair.objects.filter(status="active")
    assert active.count() == expected["pairs_active"] == 2200
    assert active.filter(kind="kin").count() == expected["pairs_active_kin"] == 280
    assert set(active.filter(kind="kin").values_list("region_id", flat=True)) == {"510121113001"}
    kin_households = Household.objects.filter(active_kin_pairs__gt=0).count()
    assert kin_households == expected["pair_households_kin"] == 255
    assert Cadre.objects.filter(active_kin_pairs__gt=0).count() == expected["pair_cadres_kin"]
    assert Unit.objects.filter(level=4).count() == 2 and Unit.objects.filter(level=1).exists()
    assert Campaign.objects.count() == 1
    assert generated.rows["pairs"] == Pair.objects.count()


def test_invariants_hold(generated):
    # Counters equal the pairs.
    for model, owner in ((Cadre, "pairs"), (Household, "pairs")):
        wrong = model.objects.annotate(
            n=Count(owner, filter=Q(**{f"{owner}__status": "active"})),
            k=Count(owner, filter=Q(**{f"{owner}__status": "active", f"{owner}__kind": "kin"})),
        ).exclude(n=models_f("active_pairs"), k=models_f("active_kin_pairs"))
        assert not wrong.exists()
    # One active pair per (cadre, household); visits after their pair started, never in the future.
    duplicates = (
        Pair.objects.filter(status="active").values("cadre", "household").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert not duplicates.exists()
    for visit in Visit.objects.select_related("pair")[:300]:
        assert visit.pair.started_on <= visit.visited_on <= AS_OF
    # Owed visits: fulfilled by that cadre's must-visit on/after the event; the rest owed or overdue.
    for owed in OwedVisit.objects.select_related("visit", "event"):
        if owed.status == OwedStatus.FULFILLED:
            assert owed.visit.kind == "must_visit" and owed.visit.cadre_id == owed.cadre_id
            assert owed.event_on <= owed.fulfilled_on and owed.on_time == (owed.fulfilled_on <= owed.due_on)
        else:
            assert owed.status == (OwedStatus.OVERDUE if owed.due_on < AS_OF else OwedStatus.OWED)
    assert MustVisitEvent.objects.count() > 0
    for obj in [*Pair.objects.all()[:20], *Cadre.objects.all()[:20], *Household.objects.all()[:20]]:
        obj.full_clean()


def test_same_seed_same_rows(tree):
    def snapshot():
        return list(Pair.objects.order_by("id").values_list("cadre_id", "household_id", "kind", "started_on"))

    seed_province(province="51", scale=SCALE, seed=3, as_of=AS_OF)
    first = snapshot()
    seed_province(province="51", scale=SCALE, seed=3, as_of=AS_OF, reset=True)
    assert [row[2:] for row in snapshot()] == [row[2:] for row in first]


def test_figures_after_a_full_refresh_equal_direct_counts(generated):
    from reports.services import summary_refresh_full
    from tests.pairings.test_figures import direct_counts, pairing_rows

    summary_refresh_full()
    assert pairing_rows() == direct_counts()


def models_f(name):
    from django.db.models import F

    return F(name)
