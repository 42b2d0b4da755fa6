"""Figures of counterpart support, village links and stays: a full refresh equals a direct count at
every level; an incremental refresh after changes (a project advancing, new links) equals a full one."""

import datetime
from collections import defaultdict

import pytest
from django.conf import settings

from pairings.choices import UnitLevel
from pairings.models import LinkCadre, LinkProject, Stay, SupportAssignment, SupportCadre, Training, VillageLink
from pairings.services import (
    link_cadre_add,
    link_project_advance,
    link_project_create,
    stay_create,
    support_assignment_create,
    support_cadre_add,
    training_create,
    village_link_create,
)
from regions.choices import Level
from regions.models import Region
from reports.metrics import load_sources
from reports.services import summary_refresh_full, summary_refresh_incremental
from tests.factories import UserFactory
from tests.pairings.conftest import make_unit

DAY = datetime.date(2026, 3, 1)
LATER = datetime.date(2026, 5, 12)
KEYS = {
    "support_assignments", "support_counties", "support_cadres_sent", "village_links", "link_villages", "link_units",
    "link_cadres_sent", "link_projects", "link_project_funds_fen", "link_trainings", "link_training_person_times",
    "stay_person_times",
}  # fmt: skip


def month(day):
    return day.strftime("%Y-%m")


def raw_contributions():
    out = []
    counties, villages, link_units = set(), set(), set()
    for a in SupportAssignment.objects.order_by("id"):
        out += [(a.region_id, month(a.started_on), "support_assignments", 1),
                (a.region_id, month(a.started_on), "support_counties", int(a.region_id not in counties))]  # fmt: skip
        counties.add(a.region_id)
    for c in SupportCadre.objects.all():
        out.append((c.region_id, month(c.started_on), "support_cadres_sent", 1))
    for link in VillageLink.objects.order_by("id"):
        m = month(link.started_on)
        out += [(link.region_id, m, "village_links", 1),
                (link.region_id, m, "link_villages", int(link.region_id not in villages)),
                (link.region_id, m, "link_units", int(link.unit_id not in link_units))]  # fmt: skip
        villages.add(link.region_id)
        link_units.add(link.unit_id)
    for c in LinkCadre.objects.all():
        out.append((c.region_id, month(c.started_on), "link_cadres_sent", 1))
    for p in LinkProject.objects.all():
        m = month(p.planned_on)
        out += [(p.region_id, m, "link_projects", 1), (p.region_id, m, "link_project_funds_fen", p.funds_fen),
                (p.region_id, m, f"link_projects_by_kind.{p.kind}", 1),
                (p.region_id, m, f"link_projects_by_status.{p.status}", 1)]  # fmt: skip
    for t in Training.objects.all():
        out += [(t.region_id, month(t.held_on), "link_trainings", 1),
                (t.region_id, month(t.held_on), "link_training_person_times", t.person_times)]  # fmt: skip
    for s in Stay.objects.all():
        out.append((s.region_id, month(s.started_on), "stay_person_times", 1))
    return out


def direct_counts():
    metrics = load_sources().metrics
    monthly_level = getattr(settings, "REPORTS_MONTHLY_MIN_LEVEL", Level.TOWNSHIP)
    expected = defaultdict(int)
    contributions = raw_contributions()
    for region in Region.objects.all():
        for code, period, key, value in contributions:
            if not code.startswith(region.code) or not value:
                continue
            metric = metrics[key]
            if metric.breakdown and region.level > Level.TOWNSHIP:
                continue
            expected[(region.code, "", key)] += value
            if metric.monthly and region.level <= monthly_level:
                expected[(region.code, period, key)] += value
    return {key: value for key, value in expected.items() if value}


def rows(generation=None):
    from reports.models import Summary, SummaryState

    keys = {m.key for m in load_sources().sources["pairings"].metrics if m.key.split(".")[0] in KEYS
            or m.key.startswith("link_projects_by_")}  # fmt: skip
    generation = generation or SummaryState.objects.get(pk=1).active_generation
    return {
        (r.region_code, r.period, r.metric): r.value
        for r in Summary.objects.filter(generation=generation, metric__in=keys).exclude(value=0)
    }


@pytest.fixture
def support_data(tree, units, cadres):
    actor = UserFactory(username="figures", is_superuser=True, is_staff=True)
    province_unit = make_unit(tree.province, "省交通运输厅", UnitLevel.PROVINCE)
    city_unit = make_unit(tree.prefecture, "成都市人民政府", UnitLevel.PREFECTURE)
    for unit in (province_unit, city_unit):
        assignment = support_assignment_create(
            actor=actor, data={"unit": unit, "region": tree.county, "started_on": DAY}
        )
        for cadre in (cadres.own, cadres.other):
            support_cadre_add(actor=actor, assignment=assignment, data={"cadre": cadre, "started_on": LATER})
    links = [
        village_link_create(actor=actor, data={"unit": unit, "region": village, "started_on": DAY})
        for unit, village in ((units.county, tree.village), (units.county, tree.sibling_village),
                              (units.town, tree.village))
    ]  # fmt: skip
    link_cadre_add(actor=actor, link=links[0], data={"cadre": cadres.other, "started_on": DAY})
    for index, (link, kind) in enumerate(zip(links, ("water", "industry", "industry"), strict=True)):
        link_project_create(actor=actor, data={"link": link, "name": f"项目{index}", "kind": kind,
                                               "funds_fen": 100_000 * (index + 1), "planned_on": DAY})  # fmt: skip
        training_create(actor=actor, data={"link": link, "held_on": LATER, "topic": "技能", "person_times": 10 + index})
    project = LinkProject.objects.order_by("id").first()
    link_project_advance(actor=actor, project=project, expected_version=1, status="under_way", on=LATER)
    for village in (tree.village, tree.village2, tree.sibling_village):
        stay_create(
            actor=actor, data={"cadre": cadres.sibling, "region": village, "started_on": DAY, "purpose": "调研"}
        )
    return actor, links


def test_full_refresh_equals_direct_count(support_data, tree):
    summary_refresh_full()
    expected = direct_counts()
    assert expected and rows() == expected
    county = {k[2]: v for k, v in expected.items() if k[0] == tree.county.code and k[1] == ""}
    assert county["support_cadres_sent"] == 4 and county["support_counties"] == 1
    assert (county["link_units"], county["link_villages"], county["village_links"]) == (2, 2, 3)
    assert county["link_project_funds_fen"] == 600_000 and county["link_training_person_times"] == 33
    assert county["link_projects_by_kind.industry"] == 2 and county["link_projects_by_status.under_way"] == 1
    assert county["stay_person_times"] == 3


def test_incremental_equals_full_after_changes(support_data, tree, units):
    actor, links = support_data
    summary_refresh_full()
    project = LinkProject.objects.get(status="under_way")
    link_project_advance(actor=actor, project=project, expected_version=2, status="completed", on=LATER)
    village_link_create(actor=actor, data={"unit": units.sibling, "region": tree.village2, "started_on": LATER})
    training_create(actor=actor, data={"link": links[1], "held_on": LATER, "topic": "电商", "person_times": 7})
    summary_refresh_incremental()
    incremental = rows()
    full = summary_refresh_full()
    assert incremental == rows(full.generation) == direct_counts()
