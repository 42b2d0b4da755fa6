"""The community seed generator: deterministic, every rule the services keep, figures in the
proportions `expected_figures` states (a small-scale run over 40 communities), registered with
seed_province."""

import datetime

import pytest
from django.db.models import Count

from community import generators as community_generator
from community.choices import ORDER_DONE_STATUSES, OrderStatus, ReportStatus
from community.models import (
    CommunityReport,
    OrderRatingInvitation,
    ReportingMember,
    ReportingOrganisation,
    ServiceOrder,
)
from seeding.generators import seed_province
from tests.factories import RegionFactory, generate_source

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2026, 11, 20)
COMMUNITIES = 40


@pytest.fixture
def many_communities(tree):
    from regions.choices import Level

    for index in range(3, 3 + COMMUNITIES - 1):
        RegionFactory(
            code=f"{tree.town.code}{index:03d}",
            name=f"社区{index}",
            level=Level.VILLAGE,
            parent=tree.town,
            is_community=True,
        )
    return tree


def run(seed=42, scale=1.0):
    return generate_source("community", as_of=AS_OF, seed=seed, scale=scale)


def snapshot():
    return {
        model.__name__: list(
            model.objects.order_by("pk").values_list(*[f.attname for f in model._meta.concrete_fields])
        )
        for model in (CommunityReport, ServiceOrder, OrderRatingInvitation)
    } | {"phones": sorted(m.phone for m in ReportingMember.objects.all())}


def test_counts_follow_the_proportions(many_communities):
    counts = run()
    assert ReportingOrganisation.objects.count() == 2 * COMMUNITIES
    assert ReportingMember.objects.count() == 20 * COMMUNITIES
    assert counts["service_orders"] == ServiceOrder.objects.count() == 20 * COMMUNITIES
    # every community has its share
    per_community = ServiceOrder.objects.values("region").annotate(n=Count("id"))
    assert len(per_community) == COMMUNITIES
    # and only communities
    assert not ServiceOrder.objects.filter(region__is_community=False).exists()


def test_the_same_seed_gives_the_same_rows(many_communities):
    run(seed=7)
    first = snapshot()
    for model in (OrderRatingInvitation, ServiceOrder, CommunityReport, ReportingMember, ReportingOrganisation):
        model.objects.all().delete()
    run(seed=7)
    assert snapshot() == first


def test_generated_rows_keep_the_services_rules(many_communities):
    run()
    for model in (ReportingOrganisation, ReportingMember, CommunityReport, ServiceOrder, OrderRatingInvitation):
        for obj in model.objects.all()[:50]:
            obj.full_clean()
    # one active registration per reporter and basis; withdrawn ones dated
    assert not CommunityReport.objects.filter(status=ReportStatus.WITHDRAWN, withdrawn_on__isnull=True).exists()
    active = CommunityReport.objects.filter(status=ReportStatus.ACTIVE, member__isnull=False)
    assert active.values("member", "basis").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    roster = set(active.values_list("community_id", "member_id"))
    for order in ServiceOrder.objects.all():
        assert order.placed_at <= order.waiting_since
        if order.status in (OrderStatus.PLACED, OrderStatus.CANCELLED):
            assert order.assignee is None
        else:
            assert (order.assigned_member_id is None) != (order.assigned_organisation_id is None)
            assert order.dispatched_at is not None and order.placed_at <= order.dispatched_at
            if order.assigned_member_id:
                assert (order.region_id, order.assigned_member_id) in roster
        if order.status in (OrderStatus.TAKEN, *ORDER_DONE_STATUSES):
            assert order.dispatched_at <= order.taken_at
        if order.status in ORDER_DONE_STATUSES:
            assert order.taken_at <= order.completed_at and order.result
        if order.status == OrderStatus.RATED:
            assert order.completed_at <= order.rated_at and order.score
        if order.status == OrderStatus.REOPENED:
            assert order.reopen_count == 1 and order.taken_at is None
        if order.status == OrderStatus.CANCELLED:
            assert order.cancelled_at and order.cancel_reason
        assert len(order.phone) == 11
    for invitation in OrderRatingInvitation.objects.select_related("order"):
        assert invitation.order.status in (OrderStatus.RATED, OrderStatus.REOPENED)
        assert invitation.done_confirmed == (invitation.order.status == OrderStatus.RATED)


def test_figures_follow_the_calibration(many_communities):
    run()
    expected = community_generator.expected_figures(1.0, communities=COMMUNITIES)
    placed = ServiceOrder.objects.exclude(status=OrderStatus.CANCELLED).count()
    actual = {
        "community_orgs_reported": CommunityReport.objects.filter(status="active", kind="organisation").count(),
        "community_members_reported": CommunityReport.objects.filter(status="active", kind="member").count(),
        "community_orders_placed": placed,
        "community_orders_completed": ServiceOrder.objects.filter(status__in=ORDER_DONE_STATUSES).count(),
        "community_orders_rated": OrderRatingInvitation.objects.count(),
    }
    for key, value in actual.items():
        assert abs(value - expected[key]) <= max(6, 0.1 * expected[key]), (key, value, expected[key])
    scores = list(OrderRatingInvitation.objects.values_list("score", flat=True))
    satisfied = sum(1 for s in scores if s >= 3) / len(scores)
    assert abs(satisfied - expected["community_satisfaction_rate"]) < 0.06


def test_the_calibration_at_the_provinces_scale():
    expected = community_generator.expected_figures(1.0)
    assert expected["community_orgs_reported"] == pytest.approx(16_353.9, rel=1e-3)
    assert expected["community_members_reported"] == pytest.approx(163_539.2, rel=1e-3)
    assert 0.85 < expected["community_satisfaction_rate"] < 0.95


def test_seed_province_runs_the_community_generator(many_communities):
    result = seed_province(province="51", scale=0.002, seed=1, as_of=AS_OF)
    assert "service_orders" in result.rows
    assert ServiceOrder.objects.count() == result.rows["service_orders"]
