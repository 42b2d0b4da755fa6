"""Services of double reporting and the three-order service: the order's status machine (every
allowed and forbidden transition), the rating link, the take-deadline flag, the one-active-
registration rule, personal data at rest."""

import datetime
import itertools

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit.models import AuditEvent, ChangeRecord
from community import services
from community.choices import ORDER_TRANSITIONS, OrderStatus, ReportBasis, ReportStatus
from community.models import CommunityReport, OrderRatingInvitation, ServiceOrder
from core.crypto import keyed_hash
from core.exceptions import ConcurrentEditError, OutOfScope, ServiceError
from tests.community.conftest import ORDER_DATA

pytestmark = pytest.mark.django_db


# --- the order's status machine -----------------------------------------------------------------
def _link_for(order):
    """A rating invitation made directly (the service only makes them for completed orders), so a
    forbidden rating can be attempted from any state."""
    invitation = OrderRatingInvitation.objects.create(
        order=order, nonce=f"n{order.pk}-{order.status}", expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    return services.rating_token(invitation)


def bring_to(status, *, order, branch, member):
    """The order moved along allowed transitions to `status`."""
    path = {
        OrderStatus.PLACED: [],
        OrderStatus.DISPATCHED: [OrderStatus.DISPATCHED],
        OrderStatus.TAKEN: [OrderStatus.DISPATCHED, OrderStatus.TAKEN],
        OrderStatus.COMPLETED: [OrderStatus.DISPATCHED, OrderStatus.TAKEN, OrderStatus.COMPLETED],
        OrderStatus.RATED: [OrderStatus.DISPATCHED, OrderStatus.TAKEN, OrderStatus.COMPLETED, OrderStatus.RATED],
        OrderStatus.REOPENED: [
            OrderStatus.DISPATCHED,
            OrderStatus.TAKEN,
            OrderStatus.COMPLETED,
            OrderStatus.REOPENED,
        ],
        OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
    }[status]
    for target in path:
        order = attempt(target, order=order, branch=branch, member=member)
    assert order.status == status
    return order


def attempt(target, *, order, branch, member):
    if target == OrderStatus.DISPATCHED:
        return services.order_dispatch(actor=branch, order=order, member=member, service_kind="paired")
    if target == OrderStatus.TAKEN:
        return services.order_take(actor=branch, order=order)
    if target == OrderStatus.COMPLETED:
        return services.order_complete(actor=branch, order=order, result="已上门服务")
    if target == OrderStatus.PLACED:
        return services.order_return(actor=branch, order=order, reason="党员出差")
    if target == OrderStatus.CANCELLED:
        return services.order_cancel(actor=branch, order=order, reason="重复点单")
    if target in (OrderStatus.RATED, OrderStatus.REOPENED):
        token = _link_for(order)
        services.order_rate(token=token, score=4, done_confirmed=target == OrderStatus.RATED)
        return ServiceOrder.objects.get(pk=order.pk)
    raise AssertionError(target)


PAIRS = list(itertools.product(OrderStatus.values, OrderStatus.values))


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s}->{t}" for s, t in PAIRS])
def test_every_transition_is_allowed_or_refused_as_declared(source, target, order, roster, cusers, member):
    # given an order in `source`
    current = bring_to(source, order=order, branch=cusers.branch, member=member)
    version = ServiceOrder.objects.get(pk=current.pk).version
    allowed = target in ORDER_TRANSITIONS.allowed_targets(source)
    # when the branch attempts `target`
    if allowed:
        moved = attempt(target, order=current, branch=cusers.branch, member=member)
        # then it is there, with one more version
        stored = ServiceOrder.objects.get(pk=current.pk)
        assert (moved.status, stored.status, stored.version) == (target, target, version + 1)
    else:
        with pytest.raises(ServiceError):
            attempt(target, order=current, branch=cusers.branch, member=member)
        # then nothing changed
        stored = ServiceOrder.objects.get(pk=current.pk)
        assert (stored.status, stored.version) == (source, version)


def test_the_happy_path_stamps_each_step_and_records_history(rating_link, cusers, member):
    invitation, token = rating_link
    services.order_rate(token=token, score=5, done_confirmed=True, comment="很及时")
    order = ServiceOrder.objects.get(pk=invitation.order_id)
    assert order.status == OrderStatus.RATED
    assert order.score == 5
    assert order.assigned_member == member
    assert order.placed_at <= order.dispatched_at <= order.taken_at <= order.completed_at <= order.rated_at
    assert order.result == "已代买药品并送到家"
    actions = list(
        AuditEvent.objects.filter(object_type="community.serviceorder", object_id=str(order.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "transition", "transition", "transition", "rate"]


def test_not_done_rating_reopens_the_order_and_restarts_its_wait(rating_link):
    invitation, token = rating_link
    before = ServiceOrder.objects.get(pk=invitation.order_id)
    services.order_rate(token=token, score=2, done_confirmed=False, comment="药没送到")
    order = ServiceOrder.objects.get(pk=invitation.order_id)
    assert order.status == OrderStatus.REOPENED
    assert order.reopen_count == 1
    assert order.waiting_since > before.waiting_since
    assert order.completed_at is None and order.taken_at is None


def test_dispatch_needs_an_active_registration_with_the_orders_community(order, cusers, member, community):
    # given a member not (yet) on the roster
    with pytest.raises(ServiceError) as excinfo:
        services.order_dispatch(actor=cusers.branch, order=order, member=member)
    assert "没有在本社区有效报到" in excinfo.value.message_dict["assignee"][0]
    # and withdrawn
    report = services.report_register(actor=cusers.branch, community=community, member=member)
    services.report_withdraw(actor=cusers.branch, report=report, reason="搬离本社区")
    with pytest.raises(ServiceError):
        services.order_dispatch(actor=cusers.branch, order=order, member=member)
    assert ServiceOrder.objects.get(pk=order.pk).status == OrderStatus.PLACED


def test_dispatch_to_an_organisation(order, roster, cusers, organisation):
    order = services.order_dispatch(actor=cusers.branch, order=order, organisation=organisation, service_kind="team")
    assert (order.status, order.assigned_organisation, order.service_kind) == ("dispatched", organisation, "team")


def test_dispatch_needs_exactly_one_assignee(order, roster, cusers, member, organisation):
    for kwargs in ({}, {"member": member, "organisation": organisation}):
        with pytest.raises(ServiceError):
            services.order_dispatch(actor=cusers.branch, order=order, **kwargs)


def test_only_the_assigned_member_or_the_branch_takes_and_completes(dispatched, cusers):
    # another member, the sibling branch and a leader who may only read are refused
    for actor in (cusers.other_member_user, cusers.sibling_branch, cusers.county_leader):
        with pytest.raises(OutOfScope):
            services.order_take(actor=actor, order=dispatched)
    assert ServiceOrder.objects.get(pk=dispatched.pk).status == OrderStatus.DISPATCHED
    # the member it was given to takes and completes it
    order = services.order_take(actor=cusers.member_user, order=dispatched)
    with pytest.raises(OutOfScope):
        services.order_complete(actor=cusers.other_member_user, order=order, result="x")
    order = services.order_complete(actor=cusers.member_user, order=order, result="送药到家")
    assert order.status == OrderStatus.COMPLETED


def test_a_member_may_not_dispatch_or_cancel(order, roster, cusers, member):
    with pytest.raises(OutOfScope):
        services.order_dispatch(actor=cusers.member_user, order=order, member=member)
    with pytest.raises(OutOfScope):
        services.order_cancel(actor=cusers.member_user, order=order, reason="x")


def test_completing_needs_what_was_done(taken, cusers):
    with pytest.raises(ServiceError) as excinfo:
        services.order_complete(actor=cusers.member_user, order=taken, result="  ")
    assert "result" in excinfo.value.message_dict
    assert ServiceOrder.objects.get(pk=taken.pk).status == OrderStatus.TAKEN


def test_a_stale_version_is_refused(dispatched, cusers):
    with pytest.raises(ConcurrentEditError):
        services.order_take(actor=cusers.member_user, order=dispatched, expected_version=dispatched.version - 1)
    assert ServiceOrder.objects.get(pk=dispatched.pk).status == OrderStatus.DISPATCHED


def test_returning_an_order_clears_the_assignee_but_keeps_its_wait(dispatched, cusers):
    order = services.order_return(actor=cusers.member_user, order=dispatched, reason="本周出差")
    assert (order.status, order.assigned_member, order.dispatched_at) == (OrderStatus.PLACED, None, None)
    assert order.waiting_since == dispatched.waiting_since


# --- placing an order ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "12345"),
        ("phone", ""),
        ("need", ""),
        ("place", " "),
        ("contact_name", ""),
        ("category", "nonsense"),
        ("need", "长" * 201),
    ],
)
def test_bad_order_input_is_refused_and_nothing_is_stored(community, field, value):
    with pytest.raises(ServiceError) as excinfo:
        services.order_place(region=community, data={**ORDER_DATA, field: value})
    assert field in excinfo.value.message_dict
    assert ServiceOrder.objects.count() == 0
    assert AuditEvent.objects.filter(object_type="community.serviceorder").count() == 0


def test_orders_belong_to_communities_not_villages(tree):
    with pytest.raises(ServiceError) as excinfo:
        services.order_place(region=tree.village, data=dict(ORDER_DATA))
    assert "不是城市社区" in excinfo.value.message_dict["region"][0]
    assert ServiceOrder.objects.count() == 0


def test_the_contact_phone_is_encrypted_at_rest_and_masked_in_history(order):
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM community_serviceorder WHERE id = %s", [order.pk])
        stored = cursor.fetchone()[0]
    assert "13812345678" not in stored
    assert ServiceOrder.objects.get(pk=order.pk).phone == "13812345678"
    # the values live in the change history; the audit event names the fields only
    event = ChangeRecord.objects.get(object_type="community.serviceorder", object_id=str(order.pk))
    assert event.changes["phone"] == [None, "138****5678"]
    assert event.actor is None


def test_staff_may_enter_an_order_for_a_resident_in_their_community_only(cusers, community, sibling_community):
    order = services.order_place(actor=cusers.branch, region=community, data=dict(ORDER_DATA))
    assert order.channel == "staff"
    with pytest.raises(OutOfScope):
        services.order_place(actor=cusers.branch, region=sibling_community, data=dict(ORDER_DATA))
    with pytest.raises(OutOfScope):
        services.order_place(actor=cusers.county_leader, region=community, data=dict(ORDER_DATA))
    assert ServiceOrder.objects.count() == 1


# --- the signed rating link ---------------------------------------------------------------------
def test_rating_link_is_single_use(rating_link):
    _invitation, token = rating_link
    services.order_rate(token=token, score=4, done_confirmed=True)
    with pytest.raises(ServiceError) as excinfo:
        services.order_rate(token=token, score=1, done_confirmed=False)
    assert excinfo.value.code == "used_link"
    assert ServiceOrder.objects.get().status == OrderStatus.RATED


def test_tampered_rating_link_is_refused(rating_link):
    _invitation, token = rating_link
    with pytest.raises(ServiceError) as excinfo:
        services.order_rate(
            token=token[:-2] + ("AA" if not token.endswith("AA") else "BB"), score=4, done_confirmed=True
        )
    assert excinfo.value.code == "bad_signature"
    assert ServiceOrder.objects.get().status == OrderStatus.COMPLETED


def test_a_ledger_rating_token_is_not_an_order_rating_token(rating_link):
    from django.core import signing

    invitation, _token = rating_link
    forged = signing.dumps({"n": invitation.nonce}, salt="ledgers.rating", compress=True)
    with pytest.raises(ServiceError) as excinfo:
        services.order_rate(token=forged, score=4, done_confirmed=True)
    assert excinfo.value.code == "bad_signature"


def test_expired_rating_link_is_refused(rating_link):
    invitation, token = rating_link
    OrderRatingInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    with pytest.raises(ServiceError) as excinfo:
        services.order_rate(token=token, score=4, done_confirmed=True)
    assert excinfo.value.code == "expired_link"
    assert ServiceOrder.objects.get().status == OrderStatus.COMPLETED


def test_a_second_link_of_the_same_completion_is_dead_once_the_first_is_used(rating_link, cusers):
    invitation, token = rating_link
    _second, second_token = services.order_rating_link_create(actor=cusers.member_user, order=invitation.order)
    services.order_rate(token=token, score=4, done_confirmed=True)
    with pytest.raises(ServiceError) as excinfo:
        services.order_rate(token=second_token, score=1, done_confirmed=False)
    assert excinfo.value.code == "used_link"


def test_rating_links_only_for_completed_orders_and_by_those_who_work_on_them(taken, cusers):
    with pytest.raises(ServiceError) as excinfo:
        services.order_rating_link_create(actor=cusers.branch, order=taken)
    assert excinfo.value.code == "not_completed"
    order = services.order_complete(actor=cusers.member_user, order=taken, result="done")
    with pytest.raises(OutOfScope):
        services.order_rating_link_create(actor=cusers.sibling_branch, order=order)
    assert OrderRatingInvitation.objects.count() == 0


# --- the take-deadline flag ---------------------------------------------------------------------
def test_orders_not_taken_in_time_are_flagged(community, roster, cusers, member, settings):
    settings.JICENG_SERVICE_ORDER_TAKE_HOURS = 12
    now = timezone.now()
    late = services.order_place(region=community, data=dict(ORDER_DATA))
    late_dispatched = services.order_place(region=community, data=dict(ORDER_DATA))
    late_taken = services.order_place(region=community, data=dict(ORDER_DATA))
    fresh = services.order_place(region=community, data=dict(ORDER_DATA))
    ServiceOrder.objects.filter(pk__in=[late.pk, late_dispatched.pk, late_taken.pk]).update(
        waiting_since=now - datetime.timedelta(hours=13)
    )
    services.order_dispatch(actor=cusers.branch, order=late_dispatched, member=member)
    order = services.order_dispatch(actor=cusers.branch, order=late_taken, member=member)
    services.order_take(actor=cusers.member_user, order=order)
    flagged = set(ServiceOrder.objects.not_taken_in_time().values_list("pk", flat=True))
    assert flagged == {late.pk, late_dispatched.pk}
    assert fresh.pk not in flagged
    # the boundary: exactly 12 hours is not yet late
    settings.JICENG_SERVICE_ORDER_TAKE_HOURS = 14
    assert not ServiceOrder.objects.not_taken_in_time().exists()


# --- double reporting ---------------------------------------------------------------------------
def test_one_active_registration_per_member_per_basis(cusers, community, sibling_community, member):
    services.report_register(actor=cusers.branch, community=community, member=member)
    with pytest.raises(ServiceError) as excinfo:
        services.report_register(actor=cusers.branch, community=community, member=member)
    assert excinfo.value.code == "already_reported"
    # a different basis is a different kind of community: allowed
    services.report_register(actor=cusers.branch, community=community, member=member, basis=ReportBasis.WORKPLACE)
    assert CommunityReport.objects.active().count() == 2


def test_the_database_refuses_a_second_active_registration(cusers, community, member):
    report = services.report_register(actor=cusers.branch, community=community, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        CommunityReport.objects.create(
            community=community, kind="member", basis=report.basis, member=member, reported_on=report.reported_on
        )


def test_after_withdrawal_the_member_may_report_again(cusers, community, member):
    report = services.report_register(actor=cusers.branch, community=community, member=member)
    withdrawn = services.report_withdraw(actor=cusers.branch, report=report, reason="搬家")
    assert (withdrawn.status, withdrawn.withdrawn_on) == (ReportStatus.WITHDRAWN, timezone.localdate())
    with pytest.raises(ServiceError):
        services.report_withdraw(actor=cusers.branch, report=withdrawn, reason="again")
    services.report_register(actor=cusers.branch, community=community, member=member)
    assert CommunityReport.objects.count() == 2


def test_registration_is_refused_outside_scope_and_for_villages(cusers, community, sibling_community, tree, member):
    with pytest.raises(OutOfScope):
        services.report_register(actor=cusers.sibling_branch, community=sibling_community, member=member)
    with pytest.raises(OutOfScope):
        services.report_register(actor=cusers.county_leader, community=community, member=member)
    with pytest.raises(ServiceError) as excinfo:
        services.report_register(actor=cusers.branch, community=tree.village, member=member)
    assert "不是城市社区" in excinfo.value.message_dict["community"][0]
    assert CommunityReport.objects.count() == 0


def test_withdrawal_needs_a_reason(cusers, community, member):
    report = services.report_register(actor=cusers.branch, community=community, member=member)
    with pytest.raises(ServiceError):
        services.report_withdraw(actor=cusers.branch, report=report, reason=" ")
    assert CommunityReport.objects.get().status == ReportStatus.ACTIVE


def test_member_phone_encrypted_hashed_and_unique_per_community(cusers, community, member):
    assert member.phone_hash == keyed_hash("13900001111")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM community_reportingmember WHERE id = %s", [member.pk])
        assert "13900001111" not in cursor.fetchone()[0]
    with pytest.raises(ServiceError) as excinfo:
        services.member_create(actor=cusers.branch, region=community, data={"name": "重复", "phone": "139 0000 1111"})
    assert "phone" in excinfo.value.message_dict
    event = ChangeRecord.objects.get(object_type="community.reportingmember", object_id=str(member.pk))
    assert event.changes["phone"] == [None, "139****1111"]


def test_member_linked_to_an_unknown_account_is_refused(cusers, community):
    with pytest.raises(ServiceError) as excinfo:
        services.member_create(
            actor=cusers.branch, region=community, data={"name": "赵", "phone": "13900003333", "username": "nobody"}
        )
    assert "username" in excinfo.value.message_dict


# --- a member who is a cadre (pairings) ---------------------------------------------------------
def test_a_member_may_be_a_cadre_flagged_as_party_member(cusers, community, tree):
    from pairings.choices import UnitLevel
    from pairings.models import Cadre, Unit

    unit = Unit.objects.create(name="金堂县财政局", level=UnitLevel.COUNTY, region=tree.county)
    cadre = Cadre.objects.create(
        name="陈干部",
        unit=unit,
        home_region=community,
        is_party_member=True,
        phone="13700007777",
        user=cusers.member_user,
    )
    member = services.member_create(actor=cusers.branch, region=community, data={"cadre": cadre})
    assert (member.name, member.phone, member.user, member.workplace) == (
        "陈干部",
        "13700007777",
        cusers.member_user,
        "金堂县财政局",
    )
    with pytest.raises(ServiceError) as excinfo:
        services.member_create(actor=cusers.branch, region=community, data={"cadre": cadre, "phone": "13700008888"})
    assert "cadre" in excinfo.value.message_dict
    # a cadre who is not a Party member, or one the branch cannot see, is refused
    plain = Cadre.objects.create(name="非党员", unit=unit, home_region=community, is_party_member=False)
    hidden = Cadre.objects.create(name="外地", unit=unit, home_region=tree.sibling_town, is_party_member=True)
    for other in (plain, hidden):
        with pytest.raises(ServiceError) as excinfo:
            services.member_create(actor=cusers.branch, region=community, data={"cadre": other, "phone": "13700009999"})
        assert "cadre" in excinfo.value.message_dict


# --- demo data (make run) -----------------------------------------------------------------------
def test_demo_data_is_made_through_the_services_and_idempotent(tree):
    from community.demo import seed_demo_community

    first = seed_demo_community()
    assert "510121113002" in first
    assert ServiceOrder.objects.count() == 4
    assert ServiceOrder.objects.not_taken_in_time().count() == 1
    assert CommunityReport.objects.active().count() == 3
    assert "已存在" in seed_demo_community()
    assert ServiceOrder.objects.count() == 4


def test_demo_data_is_made_where_the_generated_province_already_placed_an_order(tree):
    from community.demo import seed_demo_community

    # given an order already in the demo community (as the generated demo province may place)
    services.order_place(
        region=tree.village2,
        data={"category": "elderly", "need": "代买药品", "place": "3栋", "contact_name": "李", "phone": "13812345678"},
    )
    # when the demo data is seeded, then its own members, reports and orders are made all the same
    assert "510121113002" in seed_demo_community()
    assert ServiceOrder.objects.count() == 5
    assert CommunityReport.objects.active().count() == 3
    assert "已存在" in seed_demo_community()


def test_history_names_the_assignee_and_a_namesake_is_still_saved(order, roster, cusers, community, member):
    namesake = services.member_create(
        actor=cusers.branch, region=community, data={"name": "张党员", "phone": "13900009999"}
    )
    services.report_register(actor=cusers.branch, community=community, member=namesake)
    order = services.order_dispatch(actor=cusers.branch, order=order, member=member)
    event = ChangeRecord.objects.filter(object_type="community.serviceorder", action="transition").latest("id")
    assert event.changes["assigned_member"] == [None, "张党员"]
    order = services.order_return(actor=cusers.branch, order=order, reason="换人")
    order = services.order_dispatch(actor=cusers.branch, order=order, member=namesake)
    assert ServiceOrder.objects.get(pk=order.pk).assigned_member_id == namesake.pk
