"""The petitions' seed data: the source text's figures at scale 1.0 (calibration) and in
proportion at a small scale over the tree fixture; deterministic; deadlines by the rules."""

import datetime

import pytest

from petitions import generators as petition_generator
from petitions.models import DownVisit, Petition, PetitionDeadline, ReceptionDay
from regions.models import Region
from reports.selectors import values_by_region
from reports.services import summary_refresh_full
from seeding.generators import seed_province

AS_OF = datetime.date(2026, 11, 20)
SCALE = 0.002
pytestmark = pytest.mark.django_db


def test_calibration_gives_the_source_texts_figures_at_scale_one():
    expected = petition_generator.expected_figures(1.0)
    assert expected["petitions_owned_county_plus"] == 10_617
    assert expected["petitions_first_time_handled"] == 43_000
    assert expected["petitions_backlog_disposed"] == 40_000
    assert expected["cadre_visit_person_times"] == 650_000
    assert expected["petitions_registered"] == 100_000


@pytest.fixture
def generated(tree):
    return seed_province(province="51", scale=SCALE, seed=7, as_of=AS_OF)


def test_small_scale_figures_in_proportion(generated, users):
    expected = petition_generator.expected_figures(SCALE)
    summary_refresh_full()
    keys = ("petitions_registered", "petitions_owned_county_plus", "petitions_first_time_handled",
            "petitions_backlog_disposed", "reception_person_times", "down_visit_person_times")  # fmt: skip
    got = values_by_region(user=users.superuser, codes=["51"], keys=set(keys))[("51", "")]
    assert got["petitions_registered"] == Petition.objects.count() == round(expected["petitions_registered"])
    for key in ("petitions_owned_county_plus", "petitions_first_time_handled", "petitions_backlog_disposed"):
        assert got[key] == round(expected[key]), key
    person_times = got["reception_person_times"] + got["down_visit_person_times"]
    assert abs(person_times - expected["cadre_visit_person_times"]) <= expected["cadre_visit_person_times"] * 0.15
    assert ReceptionDay.objects.count() == 40 and DownVisit.objects.count() == 25
    # every region the rows use exists, and repeat cases link an earlier case
    assert set(Petition.objects.values_list("region_id", flat=True)) <= set(
        Region.objects.values_list("code", flat=True)
    )
    repeats = Petition.objects.filter(is_repeat=True)
    assert not repeats.filter(earlier=None).exists()
    assert all(p.earlier_id < p.pk for p in repeats)


def test_deadlines_are_the_rules(generated):
    from core.calendar import WorkCalendar
    from petitions.deadlines import apply_rule

    calendar = WorkCalendar()
    for d in PetitionDeadline.objects.select_related("petition")[:50]:
        assert apply_rule(d.rule, d.start, calendar=calendar).due == d.due


def test_same_seed_same_rows(generated):
    fields = ("region_id", "status", "received_on", "is_repeat", "is_backlog", "top_owner_level", "current_due")
    first = list(Petition.objects.order_by("pk").values_list(*fields))
    seed_province(province="51", scale=SCALE, seed=7, as_of=AS_OF, reset=True)
    assert list(Petition.objects.order_by("pk").values_list(*fields)) == first
