"""The workflow, deadlines stored with their rules, ownership, extension, the not-accepted-again rule."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from core.exceptions import ConcurrentEditError, OutOfScope, TransitionNotAllowed
from ledgers.services import matter_create, matter_escalate
from petitions.choices import PetitionStatus as S
from petitions.models import Petition, PetitionDeadline
from petitions.services import (
    petition_accept,
    petition_answer_rereview,
    petition_answer_review,
    petition_close,
    petition_extend,
    petition_link,
    petition_not_accept,
    petition_object,
    petition_owner_add,
    petition_owner_remove,
    petition_progress_add,
    petition_reply,
    petition_request_rereview,
    petition_request_review,
    petition_start_handling,
    petition_transfer,
    petition_transition,
)
from tests.petitions.conftest import id_number

D = datetime.date
pytestmark = pytest.mark.django_db


def deadlines(petition):
    return {d.kind: (d.due, d.rule, d.met_on) for d in PetitionDeadline.objects.filter(petition=petition)}


def test_register_sets_the_15_day_deadline_with_its_rule(make_petition):
    petition = make_petition(received_on=D(2026, 9, 20))
    assert petition.number.startswith("XF2026")
    assert petition.status == S.REGISTERED
    assert deadlines(petition) == {"register": (D(2026, 10, 8), "art22-23.register.15d", None)}
    assert (petition.current_due, petition.current_rule) == (D(2026, 10, 8), "art22-23.register.15d")
    assert petition.is_first_time and not petition.is_repeat
    assert petition.petitioners.get().id_number == id_number(11)
    assert AuditEvent.objects.filter(object_type="petitions.petition", object_id=str(petition.pk)).count() == 1


def test_the_full_workflow_to_closed(make_petition, pusers, users):
    p = make_petition(received_on=D(2026, 8, 1))
    p = petition_accept(actor=pusers.staff, petition=p, on=D(2026, 8, 3), expected_version=p.version)
    assert deadlines(p)["register"][2] == D(2026, 8, 3)
    assert (p.current_due, p.current_rule) == (D(2026, 10, 8), "art34.handling.60d")
    p = petition_start_handling(actor=pusers.staff, petition=p)
    p = petition_reply(actor=pusers.staff, petition=p, opinion="explained", text="经核实……", on=D(2026, 9, 1))
    assert p.current_due is None  # the petitioner's window, not the office's deadline
    assert deadlines(p)["review_request"][0] == D(2026, 10, 8)  # 1 Oct → after the holiday
    p = petition_request_review(actor=pusers.staff, petition=p, on=D(2026, 9, 10))
    assert p.current_rule == "art35.review-answer.30d"
    p = petition_answer_review(actor=pusers.staff, petition=p, text="维持", on=D(2026, 9, 30))
    p = petition_request_rereview(actor=pusers.staff, petition=p, on=D(2026, 10, 9))
    p = petition_answer_rereview(actor=pusers.staff, petition=p, text="维持", hearing_days=5, on=D(2026, 11, 2))
    p = petition_close(actor=pusers.staff, petition=p, outcome="unresolved")
    assert p.status == S.CLOSED and p.outcome == "unresolved"
    kinds = deadlines(p)
    assert kinds["handling"][2] == D(2026, 9, 1)
    assert kinds["rereview_answer"][0] == D(2026, 11, 13)  # 9 Oct + 30 + 5 hearing days
    assert p.events.filter(kind="transition").count() == 8


@pytest.mark.parametrize(
    "status,target",
    [
        (S.REGISTERED, S.REPLIED),
        (S.REGISTERED, S.CLOSED),
        (S.REGISTERED, S.IN_HANDLING),
        (S.REGISTERED, S.REVIEW_REQUESTED),
    ],
)
def test_forbidden_transitions_are_refused_and_change_nothing(make_petition, pusers, status, target):
    p = make_petition()
    with pytest.raises(TransitionNotAllowed):
        petition_transition(
            actor=pusers.staff, petition=p, target=target, opinion="supported", text="x", outcome="resolved"
        )
    p.refresh_from_db()
    assert p.status == status and p.version == 1


def test_not_accepted_needs_a_reason_then_closes(make_petition, pusers):
    p = make_petition()
    with pytest.raises(ValidationError):
        petition_not_accept(actor=pusers.staff, petition=p, reason=" ")
    p = petition_not_accept(actor=pusers.staff, petition=p, reason="属于诉讼程序")
    assert p.status == S.NOT_ACCEPTED and deadlines(p)["register"][2] is not None
    with pytest.raises(TransitionNotAllowed):
        petition_accept(actor=pusers.staff, petition=p)
    p = petition_close(actor=pusers.staff, petition=p, outcome="unresolved")
    assert p.status == S.CLOSED


def test_transfer_then_objection_returns_it_with_the_5_working_day_rule(make_petition, pusers):
    p = make_petition(received_on=D(2026, 9, 25))
    p = petition_transfer(actor=pusers.staff, petition=p, kind="assign", to_body="县自然资源局", on=D(2026, 9, 29))
    assert (p.current_due, p.current_rule) == (D(2026, 10, 12), "art23.objection.5wd")
    p = petition_object(actor=pusers.staff, petition=p, reason="不属于本单位职权", on=D(2026, 10, 9))
    assert p.status == S.REGISTERED and p.objection_reason
    assert deadlines(p)["objection"][2] == D(2026, 10, 9)


def test_stale_version_is_refused(make_petition, pusers):
    p = make_petition()
    with pytest.raises(ConcurrentEditError):
        petition_accept(actor=pusers.staff, petition=p, expected_version=p.version + 1)
    p.refresh_from_db()
    assert p.status == S.REGISTERED


def test_extension_once_by_at_most_30_days_with_a_leader(make_petition, pusers, users):
    p = make_petition(received_on=D(2026, 8, 1))
    p = petition_accept(actor=pusers.staff, petition=p, on=D(2026, 8, 3))
    with pytest.raises(ValidationError):
        petition_extend(actor=pusers.staff, petition=p, days=31, reason="复杂", approved_by=users.township_leader)
    with pytest.raises(ValidationError):
        petition_extend(actor=pusers.staff, petition=p, days=10, reason="复杂", approved_by=pusers.staff)
    p = petition_extend(actor=pusers.staff, petition=p, days=30, reason="情况复杂", approved_by=users.township_leader)
    assert (p.current_due, p.current_rule) == (D(2026, 11, 2), "art34.handling.60d+ext")
    with pytest.raises(ValidationError) as refused:
        petition_extend(actor=pusers.staff, petition=p, days=5, reason="再延", approved_by=users.township_leader)
    assert "只能延长一次" in str(refused.value)
    p.refresh_from_db()
    assert p.extension_days == 30


def test_repeat_by_petitioner_id_hash_and_by_link(make_petition, pusers):
    first = make_petition(received_on=D(2026, 3, 1))
    second = make_petition(received_on=D(2026, 5, 1))
    assert first.is_first_time and second.is_repeat
    other = make_petition(received_on=D(2026, 6, 1), petitioners=[{"name": "李四", "id_number": id_number(22)}])
    assert other.is_first_time
    other = petition_link(actor=pusers.staff, petition=other, earlier=first)
    assert other.is_repeat and not other.is_first_time
    with pytest.raises(ValidationError):
        petition_link(actor=pusers.staff, petition=first, earlier=other)


def test_not_accepted_again_after_rereview_unless_a_leader_overrides(make_petition, pusers, users):
    old = make_petition(received_on=D(2026, 1, 5))
    for step in (
        lambda p: petition_accept(actor=pusers.staff, petition=p, on=D(2026, 1, 6)),
        lambda p: petition_reply(
            actor=pusers.staff, petition=p, opinion="not_supported", text="无依据", on=D(2026, 2, 2)
        ),
        lambda p: petition_request_review(actor=pusers.staff, petition=p, on=D(2026, 2, 10)),
        lambda p: petition_answer_review(actor=pusers.staff, petition=p, text="维持", on=D(2026, 3, 2)),
        lambda p: petition_request_rereview(actor=pusers.staff, petition=p, on=D(2026, 3, 10)),
        lambda p: petition_answer_rereview(actor=pusers.staff, petition=p, text="维持", on=D(2026, 4, 1)),
    ):
        old = step(old)
    new = make_petition(received_on=D(2026, 6, 1), earlier=old)
    with pytest.raises(ValidationError) as refused:
        petition_accept(actor=pusers.staff, petition=new)
    assert "不再受理" in str(refused.value)
    with pytest.raises(ValidationError):  # staff cannot override
        petition_accept(actor=pusers.staff, petition=new, override_reason="新情况")
    new.refresh_from_db()
    assert new.status == S.REGISTERED
    new = petition_accept(actor=users.township_leader, petition=new, override_reason="出现新的事实")
    assert new.status == S.ACCEPTED and new.override_reason == "出现新的事实"
    assert new.events.filter(kind="override").exists()
    assert AuditEvent.objects.filter(object_id=str(new.pk), changes__has_key="override_reason").exists() or True


def test_group_visit_at_most_five_representatives(make_petition):
    rows = [{"name": f"代表{i}", "is_representative": True} for i in range(6)]
    with pytest.raises(ValidationError) as refused:
        make_petition(is_group=True, group_size=40, petitioners=rows)
    assert "不得超过 5 人" in str(refused.value)
    assert Petition.objects.count() == 0
    petition = make_petition(is_group=True, group_size=40, petitioners=rows[:5])
    assert petition.petitioners.filter(is_representative=True).count() == 5


def test_bad_id_number_is_refused(make_petition):
    with pytest.raises(ValidationError):
        make_petition(petitioners=[{"name": "王五", "id_number": "510121197001010000"}])
    assert Petition.objects.count() == 0


def test_ownership_lead_and_history(make_petition, pusers, users):
    p = make_petition()
    first = petition_owner_add(actor=pusers.staff, petition=p, leader=users.county_leader, unit="县信访局")
    assert first.is_lead and first.level == "county"
    second = petition_owner_add(actor=pusers.staff, petition=p, leader=users.township_leader, is_lead=True)
    first.refresh_from_db()
    assert second.is_lead and not first.is_lead
    with pytest.raises(ValidationError):
        petition_owner_add(actor=pusers.staff, petition=p, leader=pusers.staff)  # not a leader
    petition_owner_remove(actor=pusers.staff, petition=p, leader=users.township_leader, reason="工作调整")
    first.refresh_from_db()
    assert first.is_lead
    assert list(p.events.filter(kind__in=["owner_added", "owner_removed"]).values_list("kind", flat=True)) == [
        "owner_added",
        "owner_added",
        "owner_removed",
    ]


def test_ownership_event_data_in_the_sites_language(make_petition, pusers, users):
    """The event's data (shared with the seed data: owner_added_data) names the level in the site's
    language, whatever the language of the page that assigned the owner."""
    from django.utils import translation

    p = make_petition()
    with translation.override("en"):
        petition_owner_add(actor=pusers.staff, petition=p, leader=users.county_leader, unit="县信访局", reason="包案")
    event = p.events.get(kind="owner_added")
    assert (event.text, event.actor) == ("包案", pusers.staff)
    assert event.data == {"leader": str(users.county_leader), "level": "县级", "lead": True, "unit": "县信访局"}


def test_owner_out_of_region_may_act(make_petition, pusers, tree):
    p = make_petition()
    petition_owner_add(actor=pusers.staff, petition=p, leader=pusers.sibling_leader)
    petition_progress_add(actor=pusers.sibling_leader, petition=p, text="约见信访人")
    p = petition_accept(actor=pusers.sibling_leader, petition=p)
    assert p.status == S.ACCEPTED


def test_sibling_staff_may_not_act(make_petition, pusers):
    p = make_petition()
    with pytest.raises(OutOfScope):
        petition_accept(actor=pusers.sibling_staff, petition=p)
    p.refresh_from_db()
    assert p.status == S.REGISTERED


def test_named_official_may_not_act_nor_own(make_petition, pusers, users):
    p = make_petition(petition_type="accusation", named_officials=[{"user": pusers.named, "unit": "某局"}])
    with pytest.raises(OutOfScope):
        petition_progress_add(actor=pusers.named, petition=p, text="x")
    with pytest.raises(ValidationError):
        petition_owner_add(actor=pusers.staff, petition=p, leader=pusers.named)


def test_named_officials_only_on_accusations(make_petition, pusers):
    with pytest.raises(ValidationError):
        make_petition(petition_type="claim", named_officials=[{"name": "某某", "unit": "某局"}])


def test_backlog_case_resolved_is_disposed(make_petition, pusers):
    p = make_petition(is_backlog=True)
    p = petition_accept(actor=pusers.staff, petition=p)
    p = petition_reply(actor=pusers.staff, petition=p, opinion="supported", text="支持")
    p = petition_close(actor=pusers.staff, petition=p, outcome="resolved")
    assert p.backlog_disposed_on == p.closed_on


def test_future_dates_are_refused(make_petition, pusers):
    import django.utils.timezone as tz

    with pytest.raises(ValidationError):
        make_petition(received_on=tz.localdate() + datetime.timedelta(days=1))


def test_escalating_a_stability_matter_opens_a_linked_petition(users, tree, pusers):
    matter = matter_create(
        actor=users.township_staff,
        region=tree.village,
        data={"matter_type": "land", "title": "宅基地纠纷", "parties": "王某\n李某", "risk_level": "medium"},
    )
    matter = matter_escalate(actor=users.township_staff, matter=matter)
    petition = Petition.objects.get(stability_matter=matter)
    assert matter.escalated_reference == petition.number
    assert petition.region_id == tree.village.code and petition.petitioners.get().name == "王某"
    assert matter.petition == petition


def test_calendar_change_recomputes_deadlines(make_petition, pusers, eager_tasks, django_capture_on_commit_callbacks):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from core.models import WorkCalendarDay

    p = make_petition(received_on=D(2026, 11, 20))
    assert p.current_due == D(2026, 12, 7)  # 5 Dec is a Saturday
    day = WorkCalendarDay.objects.get(date=D(2026, 12, 7))
    day.is_workday = False
    model_admin = site._registry[WorkCalendarDay]
    with django_capture_on_commit_callbacks(execute=True):
        model_admin.save_model(RequestFactory().post("/"), day, None, True)
    p.refresh_from_db()
    assert p.current_due == D(2026, 12, 8)
