"""The community source of figures: after a full refresh (and after an incremental one, through the
change-log triggers) every community figure of every region and period equals a direct count."""

import datetime
from collections import defaultdict

import pytest
from django.utils import timezone

from community import services
from community.choices import ORDER_DONE_STATUSES, OrderStatus, ReportStatus
from community.models import CommunityReport, OrderRatingInvitation, ServiceOrder
from community.querysets import take_hours
from regions.choices import Level
from regions.models import Region
from reports.metrics import load_sources
from reports.models import Summary, SummaryState
from reports.services import summary_refresh_full, summary_refresh_incremental
from tests.community.conftest import ORDER_DATA

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _month(moment):
    return timezone.localtime(moment).strftime("%Y-%m")


def direct():
    """{(region, period, metric): value} of the community metrics, from the raw rows in Python."""
    rows = []
    for r in CommunityReport.objects.all():
        month = r.reported_on.strftime("%Y-%m")
        active = r.status == ReportStatus.ACTIVE
        rows.append((r.community_id, month, "community_orgs_reported", int(active and r.kind == "organisation")))
        rows.append((r.community_id, month, "community_members_reported", int(active and r.kind == "member")))
        rows.append((r.community_id, month, "community_reports_withdrawn", int(not active)))
    limit = datetime.timedelta(hours=take_hours())
    for o in ServiceOrder.objects.all():
        month, placed = _month(o.placed_at), o.status != OrderStatus.CANCELLED
        taken = o.taken_at is not None
        values = {
            "community_orders_placed": int(placed),
            "community_orders_taken": int(taken),
            "community_orders_completed": int(o.status in ORDER_DONE_STATUSES),
            "community_orders_cancelled": int(not placed),
            "community_orders_taken_in_time": int(taken and o.taken_at - o.waiting_since <= limit),
            "community_order_response_minutes": int((o.taken_at - o.waiting_since).total_seconds() // 60)
            if taken
            else 0,
            f"community_orders_by_kind.{o.service_kind}": int(placed),
            f"community_orders_by_category.{o.category}": int(placed),
        }
        rows += [(o.region_id, month, key, value) for key, value in values.items()]
    for i in OrderRatingInvitation.objects.select_related("order"):
        month = _month(i.order.placed_at)
        rows.append((i.order.region_id, month, "community_orders_rated", int(i.score is not None)))
        rows.append((i.order.region_id, month, "community_ratings_satisfied", int((i.score or 0) >= 3)))
    metrics = load_sources().metrics
    expected = defaultdict(int)
    for region in Region.objects.all():
        for code, month, key, value in rows:
            if not value or not code.startswith(region.code):
                continue
            metric = metrics[key]
            if metric.breakdown and region.level > Level.TOWNSHIP:
                continue
            expected[(region.code, "", key)] += value
            if metric.monthly and region.level <= Level.TOWNSHIP:
                expected[(region.code, month, key)] += value
    return {k: v for k, v in expected.items() if v}


def stored():
    generation = SummaryState.objects.get(pk=1).active_generation
    return {
        (row.region_code, row.period, row.metric): row.value
        for row in Summary.objects.filter(generation=generation, metric__startswith="community_").exclude(value=0)
    }


@pytest.fixture
def activity(cusers, community, sibling_community, roster, member, other_member, organisation):
    """Orders at every step in two communities, some late, some reopened, one cancelled; a withdrawal."""
    branch = cusers.branch
    orders = [services.order_place(region=community, data=dict(ORDER_DATA)) for _ in range(6)]
    services.order_dispatch(actor=branch, order=orders[1], member=member, service_kind="paired")
    for order in orders[2:5]:
        order = services.order_dispatch(actor=branch, order=order, organisation=organisation, service_kind="team")
        order = services.order_take(actor=branch, order=order)
        services.order_complete(actor=branch, order=order, result="已办")
    ServiceOrder.objects.filter(pk=orders[2].pk).update(taken_at=orders[2].waiting_since + datetime.timedelta(hours=30))
    for order, done, score in ((orders[3], True, 5), (orders[4], False, 2)):
        _invitation, token = services.order_rating_link_create(
            actor=branch, order=ServiceOrder.objects.get(pk=order.pk)
        )
        services.order_rate(token=token, score=score, done_confirmed=done)
    services.order_cancel(actor=branch, order=orders[5], reason="重复")
    services.order_place(region=sibling_community, data={**ORDER_DATA, "category": "repair"})
    services.report_withdraw(actor=branch, report=roster.other_member, reason="搬家")
    # an older order, in another month
    old = services.order_place(region=community, data=dict(ORDER_DATA))
    ServiceOrder.objects.filter(pk=old.pk).update(placed_at=old.placed_at - datetime.timedelta(days=70))
    return orders


def test_full_refresh_equals_direct_counts_at_every_level(activity):
    summary_refresh_full()
    expected = direct()
    assert stored() == expected
    # the figures the source text asks for are there at the province
    assert expected[("51", "", "community_orgs_reported")] == 1
    assert expected[("51", "", "community_members_reported")] == 1
    assert expected[("51", "", "community_orders_placed")] == 7
    assert expected[("51", "", "community_orders_completed")] == 2
    assert expected[("51", "", "community_orders_rated")] == 2


def test_incremental_refresh_follows_changes_through_the_triggers(activity, cusers, community, member):
    summary_refresh_full()
    order = services.order_place(region=community, data=dict(ORDER_DATA))
    order = services.order_dispatch(actor=cusers.branch, order=order, member=member)
    services.order_take(actor=cusers.member_user, order=order)
    services.report_withdraw(
        actor=cusers.branch, report=CommunityReport.objects.active().filter(kind="organisation").get(), reason="搬迁"
    )
    summary_refresh_incremental()
    assert stored() == direct()


def test_every_metric_has_a_definition_and_rates_are_derived():
    metrics = [m for m in load_sources().metrics.values() if m.source == "community"]
    assert len(metrics) >= 12
    assert all(str(m.definition) and str(m.label) for m in metrics)
    rates = {m.key for m in metrics if m.is_rate}
    assert {"community_satisfaction_rate", "community_order_take_rate", "community_order_response_rate"} <= rates


def test_dashboard_monthly_report_and_stats_api_show_the_community_figures(activity, client_for, api_for, cusers):
    summary_refresh_full()
    province = client_for(cusers.province)
    dashboard = province.get("/reports/51/")
    assert dashboard.status_code == 200
    assert "服务订单按服务方式" in dashboard.content.decode()  # the registry's breakdowns are shown
    month = timezone.localdate().strftime("%Y-%m")
    assert province.get(f"/reports/51/monthly/?month={month}").status_code == 200
    stats = api_for(cusers.province).get(
        "/api/v1/stats/", {"metric": "community_orders_placed,community_satisfaction_rate", "region": "51"}
    )
    assert stats.status_code == 200
    values = {item["metric"]: item for item in stats.json()["results"]}
    assert values["community_orders_placed"]["value"] == 7
    assert values["community_satisfaction_rate"]["numerator"] == 1
    assert values["community_satisfaction_rate"]["denominator"] == 2
