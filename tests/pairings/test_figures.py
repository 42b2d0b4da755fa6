"""Pairings figures: a full refresh equals a direct count at every level; incremental equals full."""

import datetime
import random
from collections import defaultdict

import pytest
from django.utils import timezone

from pairings.choices import MustVisitKind, OwedStatus, PairStatus, VisitKind
from pairings.models import Cadre, Household, MustVisitEvent, OwedVisit, Pair, Visit
from pairings.services import (
    must_visit_event_record,
    owed_visits_mark_overdue,
    pair_create,
    pair_end,
    visit_record,
)
from regions.choices import Level
from regions.models import Region
from reports.metrics import load_sources
from reports.services import summary_refresh_full, summary_refresh_incremental
from tests.factories import UserFactory
from tests.pairings.conftest import make_cadre

TODAY = timezone.localdate()


def raw_contributions():
    out = []
    for p in Pair.objects.all():
        month = p.started_on.strftime("%Y-%m")
        active = p.status == PairStatus.ACTIVE
        out += [(p.region_id, month, "pairs_made", 1), (p.region_id, month, "pairs_active", int(active)),
                (p.region_id, month, f"pairs_active_{p.kind}", int(active))]  # fmt: skip
    for c in Cadre.objects.all():
        month = timezone.localtime(c.created_at).strftime("%Y-%m")
        paired = Pair.objects.filter(cadre=c, status="active")
        out += [(c.home_region_id, month, "pair_cadres_registered", 1),
                (c.home_region_id, month, "pair_cadres_paired", int(paired.exists())),
                (c.home_region_id, month, "pair_cadres_kin", int(paired.filter(kind="kin").exists()))]  # fmt: skip
    for h in Household.objects.all():
        month = timezone.localtime(h.created_at).strftime("%Y-%m")
        paired = Pair.objects.filter(household=h, status="active")
        out += [(h.region_id, month, "pair_households_paired", int(paired.exists())),
                (h.region_id, month, "pair_households_kin", int(paired.filter(kind="kin").exists()))]  # fmt: skip
    first_ww = set()
    for v in Visit.objects.order_by("visited_on", "id"):
        month = v.visited_on.strftime("%Y-%m")
        out += [(v.region_id, month, "pair_visits", 1), (v.region_id, month, "pair_visit_money_fen", v.help_money_fen),
                (v.region_id, month, f"pair_visits_by_kind.{v.kind}", 1)]  # fmt: skip
        if v.kind == VisitKind.WARM_WINTER:
            season = v.visited_on.year if v.visited_on.month >= 7 else v.visited_on.year - 1
            if (v.pair_id, season) not in first_ww:
                first_ww.add((v.pair_id, season))
                out.append((v.region_id, month, "warm_winter_pairs", 1))
    for e in MustVisitEvent.objects.all():
        month = e.occurred_on.strftime("%Y-%m")
        out += [(e.region_id, month, "must_visit_events", 1), (e.region_id, month, f"must_visit_events_by_kind.{e.kind}", 1)]  # fmt: skip
    for o in OwedVisit.objects.all():
        month = o.event_on.strftime("%Y-%m")
        out += [(o.region_id, month, "owed_visits", 1),
                (o.region_id, month, "owed_visits_fulfilled", int(o.status == OwedStatus.FULFILLED)),
                (o.region_id, month, "owed_visits_on_time", int(o.status == OwedStatus.FULFILLED and o.on_time)),
                (o.region_id, month, "owed_visits_overdue", int(o.status == OwedStatus.OVERDUE)),
                (o.region_id, month, "owed_visits_open", int(o.status == OwedStatus.OWED))]  # fmt: skip
    # The same source counts counterpart support, village links and stays (the seed generates them too).
    from tests.pairings.test_support_figures import raw_contributions as support_contributions

    return out + support_contributions()


def direct_counts():
    from django.conf import settings

    metrics = load_sources().metrics
    monthly_level = getattr(settings, "REPORTS_MONTHLY_MIN_LEVEL", Level.TOWNSHIP)
    expected = defaultdict(int)
    contributions = raw_contributions()
    for region in Region.objects.all():
        for code, month, key, value in contributions:
            if not code.startswith(region.code) or not value:
                continue
            metric = metrics[key]
            if metric.breakdown and region.level > Level.TOWNSHIP:
                continue
            expected[(region.code, "", key)] += value
            if metric.monthly and region.level <= monthly_level:
                expected[(region.code, month, key)] += value
    return {key: value for key, value in expected.items() if value}


def pairing_rows(generation=None):
    from reports.models import Summary, SummaryState

    keys = {m.key for m in load_sources().sources["pairings"].metrics}
    generation = generation or SummaryState.objects.get(pk=1).active_generation
    return {
        (r.region_code, r.period, r.metric): r.value
        for r in Summary.objects.filter(generation=generation, metric__in=keys).exclude(value=0)
    }


@pytest.fixture
def pairing_data(tree, units, cadres, households):
    rng = random.Random(5)
    actor = UserFactory(username="figures", is_superuser=True, is_staff=True)
    tree.village.is_tibetan_area = True
    tree.village.save()
    extra = [make_cadre(units.county, f"干部{i}", tree.county) for i in range(4)]
    everyone = [cadres.own, cadres.other, cadres.sibling, *extra]
    targets = [households.own, households.other, households.sibling]
    for cadre in everyone:
        for household in rng.sample(targets, 2):
            kind = "kin" if household.region_id == tree.village.code and rng.random() < 0.5 else "help"
            pair_create(actor=actor, cadre=cadre, household=household, kind=kind,
                        started_on=TODAY - datetime.timedelta(days=rng.randrange(200)))  # fmt: skip
    for pair in Pair.objects.all():
        for _ in range(rng.randrange(3)):
            visit_record(actor=actor, pair=pair, data={
                "visited_on": max(pair.started_on, TODAY - datetime.timedelta(days=rng.randrange(120))),
                "kind": rng.choice(VisitKind.values), "help_money_fen": rng.choice([0, 5000])})  # fmt: skip
    for household in targets:
        must_visit_event_record(actor=actor, household=household, kind=rng.choice(MustVisitKind.values),
                                occurred_on=TODAY - datetime.timedelta(days=rng.randrange(10)))  # fmt: skip
    owed_visits_mark_overdue()
    return rng, actor


def test_full_refresh_equals_direct_count(pairing_data):
    summary_refresh_full()
    expected = direct_counts()
    assert expected and pairing_rows() == expected
    province = {k[2]: v for k, v in expected.items() if k[0] == "51" and k[1] == ""}
    assert province["pairs_active"] == Pair.objects.filter(status="active").count()
    assert province["pair_cadres_paired"] == Cadre.objects.filter(pairs__status="active").distinct().count()


def test_incremental_equals_full_after_changes(pairing_data, tree):
    rng, actor = pairing_data
    summary_refresh_full()
    pairs = list(Pair.objects.filter(status="active"))
    for pair in rng.sample(pairs, 3):
        pair_end(actor=actor, pair=pair, ended_on=TODAY, reason="调整", expected_version=pair.version)
    for pair in Pair.objects.filter(status="active")[:4]:
        visit_record(actor=actor, pair=pair, data={"visited_on": TODAY, "kind": "must_visit"})
        visit_record(actor=actor, pair=pair, data={"visited_on": TODAY, "kind": "warm_winter"})
    household = Household.objects.filter(pairs__status="active").first()
    must_visit_event_record(
        actor=actor, household=household, kind="death", occurred_on=TODAY - datetime.timedelta(days=3)
    )
    OwedVisit.objects.filter(status="owed").update(due_on=TODAY - datetime.timedelta(days=1))
    owed_visits_mark_overdue()
    summary_refresh_incremental()
    incremental = pairing_rows()
    full = summary_refresh_full()
    assert incremental == pairing_rows(full.generation) == direct_counts()


def test_rates_at_every_level_equal_direct_counts(pairing_data, users):
    from reports.metrics import figure, get_metric
    from reports.selectors import values_by_region

    summary_refresh_full()
    rate, coverage = get_metric("must_visit_on_time_rate"), get_metric("warm_winter_coverage")
    codes = list(Region.objects.values_list("code", flat=True))
    stored = values_by_region(user=users.superuser, codes=codes, keys=set(rate.stored_keys) | set(coverage.stored_keys))
    for code in codes:
        owed = OwedVisit.objects.filter(region__code__startswith=code)
        got = figure(rate, stored.get((code, ""), {}))
        closed = owed.filter(status__in=["fulfilled", "overdue"]).count()
        assert (got.numerator, got.denominator) == (owed.filter(status="fulfilled", on_time=True).count(), closed)
        got = figure(coverage, stored.get((code, ""), {}))
        assert got.denominator == Pair.objects.filter(region__code__startswith=code, status="active").count()
