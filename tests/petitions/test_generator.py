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


def test_ownership_is_owner_rows_at_the_cases_own_levels(generated):
    """县级以上领导包案 comes from owner rows: leaders of the case's own prefecture, county or
    township (by their posts), one lead owner per case, the highest level; top_owner_level follows."""
    from django.db.models import Count, Q

    from petitions.models import PetitionOwner
    from regions.models import Post

    expected = petition_generator.expected_figures(SCALE)
    county_plus = Petition.objects.filter(owners__level__in=("county", "prefecture")).distinct().count()
    assert county_plus == round(expected["petitions_owned_county_plus"])
    assert county_plus == Petition.objects.filter(top_owner_level__in=("county", "prefecture")).count()
    owned = Petition.objects.annotate(n=Count("owners"), leads=Count("owners", filter=Q(owners__is_lead=True)))
    assert not owned.filter(n__gt=0).exclude(leads=1).exists()
    assert not owned.filter(n=0).exclude(top_owner_level="").exists()
    assert owned.filter(n__gt=1).exists()  # co-owners below the lead
    order = {"township": 0, "county": 1, "prefecture": 2}
    roles = {"township": "township_leader", "county": "county_leader", "prefecture": "prefecture_leader"}
    posts = {(p.user_id, p.role): p.region_id for p in Post.objects.all()}
    owners = list(PetitionOwner.objects.select_related("petition"))
    assert owners
    for owner in owners:
        region = posts[(owner.leader_id, roles[owner.level])]
        assert owner.petition.region_id.startswith(region), owner
        assert len(region) == {"township": 9, "county": 6, "prefecture": 4}[owner.level]
        assert owner.unit
        levels = [o.level for o in owners if o.petition_id == owner.petition_id]
        if owner.is_lead:
            assert owner.level == owner.petition.top_owner_level == max(levels, key=order.get)
    # the leaders hold the reception days and down-visits of their regions
    for visit in [*ReceptionDay.objects.all(), *DownVisit.objects.all()]:
        assert visit.leader_id and visit.leader_name
        assert any(visit.region_id.startswith(code) for (user, _r), code in posts.items() if user == visit.leader_id)


def test_a_reset_reuses_the_leader_accounts(generated):
    from accounts.models import User
    from petitions.models import PetitionOwner

    before = (User.objects.count(), PetitionOwner.objects.count())
    seed_province(province="51", scale=SCALE, seed=7, as_of=AS_OF, reset=True, sources=["petitions"])
    assert (User.objects.count(), PetitionOwner.objects.count()) == before
    assert not User.objects.filter(username__startswith="seed-").exclude(password__startswith="!").exists()


def _open_on(case, day) -> bool:
    """Received by `day` and not closed (or refused) before it."""
    end = case.closed_on or (case.decided_on if case.status == "not_accepted" else None)
    return case.received_on <= day and (end is None or end >= day)


def test_reception_days_link_cases_of_their_region(generated):
    """Most reception days link 1 to 3 cases, each of the day's region subtree, received by the day
    and still open on it; a case registered there came by visit that day. The case's timeline
    shows the day (it reads the links, as for a day entered through the service)."""
    from petitions.models import PetitionOwner
    from petitions.selectors import timeline

    days = list(ReceptionDay.objects.prefetch_related("cases"))
    linked = [day for day in days if day.cases.all()]
    assert len(linked) >= 0.8 * len(days)
    owned = set(PetitionOwner.objects.values_list("leader_id", "petition_id"))
    by_owner = 0
    for day in days:
        cases = list(day.cases.all())
        assert len(cases) <= petition_generator.LINKED_MAX
        for case in cases:
            assert case.region_id.startswith(day.region_id), (day, case)
            assert _open_on(case, day.held_on), (day, case)
            by_owner += (day.leader_id, case.pk) in owned
    assert by_owner  # a leader's own cases come up on the leader's days
    case = linked[0].cases.all()[0]
    entries = [e for e in timeline(case) if e["code"] == "reception"]
    assert any(e["at"].date() == d.held_on and e["actor"] == d.leader for e in entries for d in case.receptions.all())


def test_down_visits_carry_cases_of_the_villages_visited(generated):
    """Most down-visits carry 1 to 3 open cases of the township's villages; the villages visited are
    those of the cases carried (a visit carrying none goes to one village of its township)."""
    from petitions.selectors import timeline

    visits = list(DownVisit.objects.prefetch_related("cases", "villages"))
    assert sum(1 for v in visits if v.cases.all()) >= 0.8 * len(visits)
    for visit in visits:
        cases, villages = list(visit.cases.all()), {r.code for r in visit.villages.all()}
        assert len(cases) <= petition_generator.LINKED_MAX
        assert villages and all(code.startswith(visit.region_id) and len(code) == 12 for code in villages)
        if cases:
            assert villages == {case.region_id for case in cases}, visit
        else:
            assert len(villages) == 1
        for case in cases:
            assert _open_on(case, visit.visited_on), (visit, case)
    case = next(c for v in visits for c in v.cases.all())
    assert "down_visit" in [e["code"] for e in timeline(case)]


def test_each_owner_row_has_its_timeline_event(generated):
    """Every seeded owner row has the event `petition_owner_add` writes (OWNER_ADDED, the reason as
    text, the data of `owner_added_data`) at its `assigned_at`: 1 to 10 days after the case was
    received, never after the data's end; the lead owner first."""
    from petitions.choices import EventKind
    from petitions.models import PetitionEvent, PetitionOwner
    from petitions.services import owner_added_data

    china = datetime.timezone(datetime.timedelta(hours=8))
    owners = list(PetitionOwner.objects.select_related("petition", "leader"))
    events = {}
    for event in PetitionEvent.objects.filter(kind=EventKind.OWNER_ADDED):
        events.setdefault((event.petition_id, event.data["leader"]), []).append(event)
    assert len(owners) == sum(len(rows) for rows in events.values())
    leads = {o.petition_id: o.assigned_at for o in owners if o.is_lead}
    for owner in owners:
        [event] = events[(owner.petition_id, str(owner.leader))]
        assert event.actor_id is None and owner.assigned_by_id is None
        assert event.text == owner.reason
        assert event.data == owner_added_data(str(owner.leader), owner.level, owner.is_lead, owner.unit)
        assert event.at == owner.assigned_at > owner.petition.created_at
        assigned_on = owner.assigned_at.astimezone(china).date()
        assert 1 <= (assigned_on - owner.petition.received_on).days <= 10 or assigned_on == AS_OF
        assert assigned_on <= AS_OF
        assert leads[owner.petition_id] <= owner.assigned_at
    # the same shape as an event the service writes
    assert owner_added_data("王明", "county", True, "金堂县信访局") == {
        "leader": "王明", "level": "县级", "lead": True, "unit": "金堂县信访局"
    }  # fmt: skip


def test_a_reset_remakes_the_links_and_events(generated):
    from petitions.models import PetitionEvent

    def state():
        return (
            list(ReceptionDay.cases.through.objects.order_by("pk").values_list("receptionday_id", "petition_id")),
            list(DownVisit.cases.through.objects.order_by("pk").values_list("downvisit_id", "petition_id")),
            list(DownVisit.villages.through.objects.order_by("pk").values_list("downvisit_id", "region_id")),
            list(PetitionEvent.objects.order_by("pk").values_list("petition_id", "kind", "at", "text")),
        )

    before = state()
    assert all(before)
    seed_province(province="51", scale=SCALE, seed=7, as_of=AS_OF, reset=True, sources=["petitions"])
    assert state() == before
