"""The petitions source: figures equal direct counts at every level; incremental equals full."""

import datetime

import pytest

from petitions.models import Petition, PetitionDeadline
from petitions.services import (
    down_visit_create,
    petition_accept,
    petition_close,
    petition_owner_add,
    petition_reply,
    reception_day_create,
)
from regions.models import Region
from reports.metrics import all_metrics, figure
from reports.models import SummaryDelta
from reports.selectors import values_by_region
from reports.services import summary_refresh_full, summary_refresh_incremental
from tests.petitions.conftest import id_number
from tests.reports.conftest import direct_counts, summary_rows

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(make_petition, pusers, users, tree):
    first = make_petition(received_on=D(2026, 3, 2))
    repeat = make_petition(received_on=D(2026, 4, 1))
    backlog = make_petition(
        received_on=D(2026, 5, 6), is_backlog=True, petitioners=[{"name": "孙八", "id_number": id_number(66)}]
    )
    other = make_petition(region=tree.sibling_village, actor=pusers.sibling_staff, petitioners=[{"name": "周九"}])
    petition_accept(actor=pusers.staff, petition=first, on=D(2026, 3, 5))
    backlog = petition_accept(actor=pusers.staff, petition=backlog, on=D(2026, 5, 8))
    backlog = petition_reply(actor=pusers.staff, petition=backlog, opinion="supported", text="支持", on=D(2026, 8, 1))
    petition_close(actor=pusers.staff, petition=backlog, outcome="resolved", on=D(2026, 8, 3))
    petition_owner_add(actor=pusers.staff, petition=first, leader=users.county_leader)
    petition_owner_add(actor=pusers.staff, petition=repeat, leader=users.township_leader)
    petition_owner_add(actor=pusers.sibling_staff, petition=other, leader=users.prefecture_leader)
    reception_day_create(
        actor=users.county_leader, region=tree.county, held_on=D(2026, 6, 1), place="县信访局", person_times=25
    )
    down_visit_create(
        actor=users.township_leader,
        region=tree.town,
        visited_on=D(2026, 6, 2),
        village_codes=[tree.village.code],
        person_times=40,
        case_numbers=[repeat.number],
    )
    return {"first": first, "repeat": repeat, "backlog": backlog, "other": other}


def test_headline_figures_equal_direct_counts_at_every_level(cases, users):
    summary_refresh_full()
    metrics = [m for m in all_metrics() if m.source == "petitions" and not m.is_stored] + [
        m for m in all_metrics() if m.key in ("petitions_first_time_handled", "petitions_backlog_disposed", "petitions_owned_county_plus", "petitions_registered")
    ]  # fmt: skip
    codes = list(Region.objects.values_list("code", flat=True))
    stored = values_by_region(user=users.superuser, codes=codes, keys={k for m in metrics for k in m.stored_keys})
    from petitions.models import DownVisit, ReceptionDay

    for code in codes:
        p = Petition.objects.filter(region__code__startswith=code)
        deadlines = PetitionDeadline.objects.filter(petition__region__code__startswith=code)

        def timed(kinds, deadlines=deadlines):
            met = deadlines.filter(kind__in=kinds).exclude(met_on=None)
            return sum(1 for d in met if d.met_on <= d.due), met.count()

        expected = {
            "petitions_registered": (p.count(), None, None),
            "petitions_first_time_handled": (p.filter(is_first_time=True).exclude(decided_on=None).count(), None, None),
            "petitions_backlog_disposed": (p.filter(is_backlog=True).exclude(backlog_disposed_on=None).count(), None, None),
            "petitions_owned_county_plus": (p.filter(top_owner_level__in=["county", "prefecture"]).count(), None, None),
            "cadre_visit_person_times": (
                sum(r.person_times for r in ReceptionDay.objects.filter(region__code__startswith=code))
                + sum(v.person_times for v in DownVisit.objects.filter(region__code__startswith=code)),
                None,
                None,
            ),
            "petition_repeat_rate": (None, p.filter(is_repeat=True).count(), p.count()),
            "petition_resolution_rate": (None, p.filter(status="closed", outcome="resolved").count(), p.filter(status="closed").count()),
            "petition_accept_on_time_rate": (None, *timed(["register"])),
            "petition_handling_on_time_rate": (None, *timed(["handling"])),
            "petition_review_on_time_rate": (None, *timed(["review_answer", "rereview_answer"])),
        }  # fmt: skip
        for metric in metrics:
            value, numerator, denominator = expected[metric.key]
            got = figure(metric, stored.get((code, ""), {}))
            if metric.is_rate:
                assert (got.numerator, got.denominator) == (numerator, denominator), (code, metric.key)
            else:
                assert got.value == value, (code, metric.key)
    province = stored[("51", "")]
    assert province["petitions_owned_county_plus"] == 2
    assert province["reception_person_times"] + province["down_visit_person_times"] == 65


def test_incremental_refresh_equals_full_after_petition_changes(cases, pusers, users, make_petition):
    summary_refresh_full()
    p = petition_accept(actor=pusers.staff, petition=cases["repeat"], on=D(2026, 4, 20))
    petition_owner_add(actor=pusers.staff, petition=p, leader=users.prefecture_leader)
    make_petition(received_on=D(2026, 7, 1), is_backlog=True)
    Petition.objects.filter(pk=cases["other"].pk).update(channel="letter")
    assert SummaryDelta.objects.exists()
    summary_refresh_incremental()
    incremental = summary_rows()
    full = summary_refresh_full()
    assert incremental == summary_rows(full.generation)
    assert direct_counts() == {}  # the ledgers' Python rules: no ledger rows here


def test_the_category_breakdown_counts_categories_an_administrator_added(make_petition, users, tree):
    """Each default category has its figure; cases of categories an administrator added are one
    bucket, so the breakdown adds up to every case registered."""
    from petitions.choices import DEFAULT_CATEGORIES
    from petitions.models import PetitionCategory
    from reports.metrics import load_sources

    added = PetitionCategory.objects.create(code="housing_fund", name="公积金", sort_order=99)
    make_petition()
    make_petition(category=added)
    make_petition(category=added, received_on=datetime.date(2026, 10, 9))
    summary_refresh_full()
    keys = load_sources().breakdowns["petitions_by_category"].metrics
    assert "petitions_by_category.added" in keys
    stored = values_by_region(user=users.superuser, codes=["51"], keys={*keys, "petitions_registered"})
    province = stored[("51", "")]
    assert province["petitions_by_category.added"] == 2
    defaults = {f"petitions_by_category.{code}" for code, _name in DEFAULT_CATEGORIES}
    assert sum(province.get(key, 0) for key in defaults) == 1
    assert sum(province.get(key, 0) for key in keys) == province["petitions_registered"] == 3
