"""The community API: scoped reads, writes through the services with the version check, 409 for a
forbidden transition or a stale version, the permission matrix with denied writes changing nothing,
masked phones, bounded query counts."""

import pytest

from audit.models import AuditEvent
from community.choices import OrderStatus, ReportStatus
from community.models import CommunityReport, ServiceOrder
from tests.community.conftest import ORDER_DATA

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/service-orders/"
REPORTS = "/api/v1/community-reports/"


def who(cusers, name):
    return None if name == "anonymous" else getattr(cusers, name)


@pytest.mark.parametrize(
    ("user", "list_count", "detail"),
    [
        ("anonymous", None, 401),
        ("branch", 1, 200),
        ("county_leader", 1, 200),
        ("province", 1, 200),
        ("sibling_branch", 0, 404),
        ("member_user", 1, 200),
        ("other_member_user", 0, 404),
        ("auditor", 0, 404),
        ("superuser", 1, 200),
    ],
)
def test_order_read_matrix(api_for, cusers, dispatched, user, list_count, detail):
    client = api_for(who(cusers, user))
    response = client.get(ORDERS)
    if list_count is None:
        assert response.status_code == 401
    else:
        assert response.status_code == 200 and response.json()["count"] == list_count
    assert client.get(f"{ORDERS}{dispatched.pk}/").status_code == detail


def test_order_reads_are_masked(api_for, cusers, dispatched):
    body = api_for(cusers.branch).get(f"{ORDERS}{dispatched.pk}/").json()
    assert body["phone_masked"] == "138****5678" and "phone" not in body
    assert (body["status"], body["assigned_member_name"], body["not_taken_in_time"]) == ("dispatched", "张党员", False)


def test_full_flow_through_the_api(api_for, cusers, community, roster, member):
    branch, member_client = api_for(cusers.branch), api_for(cusers.member_user)
    created = branch.post(ORDERS, {**ORDER_DATA, "region": community.pk}, format="json")
    assert created.status_code == 201, created.json()
    order = created.json()
    assert order["channel"] == "staff"
    dispatched = branch.post(
        f"{ORDERS}{order['id']}/dispatch/", {"version": order["version"], "member": member.pk, "service_kind": "paired"}
    )
    assert dispatched.status_code == 200, dispatched.json()
    taken = member_client.post(f"{ORDERS}{order['id']}/take/", {"version": dispatched.json()["version"]})
    assert taken.status_code == 200
    done = member_client.post(
        f"{ORDERS}{order['id']}/complete/", {"version": taken.json()["version"], "result": "已送药"}
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    link = member_client.post(f"{ORDERS}{order['id']}/rating-link/")
    assert link.status_code == 201 and "/community/rate/" in link.json()["url"]


def test_forbidden_transition_is_409_and_changes_nothing(api_for, cusers, order):
    response = api_for(cusers.branch).post(f"{ORDERS}{order.pk}/take/", {"version": order.version})
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert ServiceOrder.objects.get(pk=order.pk).status == OrderStatus.PLACED


def test_stale_version_is_409(api_for, cusers, dispatched):
    response = api_for(cusers.member_user).post(f"{ORDERS}{dispatched.pk}/take/", {"version": dispatched.version - 1})
    assert response.status_code == 409
    assert ServiceOrder.objects.get(pk=dispatched.pk).status == OrderStatus.DISPATCHED


def test_version_is_required(api_for, cusers, dispatched):
    response = api_for(cusers.member_user).post(f"{ORDERS}{dispatched.pk}/take/", {})
    assert response.status_code == 400 and "version" in response.json()


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("anonymous", 401),
        ("county_leader", 403),
        ("province", 403),
        ("member_user", 404),
        ("sibling_branch", 404),
        ("branch", 200),
    ],
)
def test_dispatch_matrix_denied_changes_nothing(api_for, cusers, order, roster, member, user, status):
    before = AuditEvent.objects.count()
    response = api_for(who(cusers, user)).post(
        f"{ORDERS}{order.pk}/dispatch/", {"version": order.version, "member": member.pk}
    )
    assert response.status_code == status
    if status != 200:
        assert ServiceOrder.objects.get(pk=order.pk).status == OrderStatus.PLACED
        assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("user", "status"), [("other_member_user", 404), ("county_leader", 403), ("member_user", 200), ("branch", 200)]
)
def test_take_matrix(api_for, cusers, dispatched, user, status):
    response = api_for(who(cusers, user)).post(f"{ORDERS}{dispatched.pk}/take/", {"version": dispatched.version})
    assert response.status_code == status
    expected = OrderStatus.TAKEN if status == 200 else OrderStatus.DISPATCHED
    assert ServiceOrder.objects.get(pk=dispatched.pk).status == expected


def test_member_may_not_cancel(api_for, cusers, dispatched):
    response = api_for(cusers.member_user).post(
        f"{ORDERS}{dispatched.pk}/cancel/", {"version": dispatched.version, "reason": "x"}
    )
    assert response.status_code == 403
    assert ServiceOrder.objects.get(pk=dispatched.pk).status == OrderStatus.DISPATCHED


@pytest.mark.parametrize(("user", "status"), [("county_leader", 403), ("member_user", 403), ("sibling_branch", 400)])
def test_create_order_matrix(api_for, cusers, community, user, status):
    response = api_for(who(cusers, user)).post(ORDERS, {**ORDER_DATA, "region": community.pk}, format="json")
    assert response.status_code == status
    assert ServiceOrder.objects.count() == 0


def test_bad_order_input_is_400_nothing_stored(api_for, cusers, community, tree):
    client = api_for(cusers.branch)
    assert client.post(ORDERS, {**ORDER_DATA, "region": community.pk, "phone": "1"}, format="json").status_code == 400
    assert client.post(ORDERS, {**ORDER_DATA, "region": tree.village.pk}, format="json").status_code == 400
    assert ServiceOrder.objects.count() == 0


def test_dispatch_to_someone_off_the_roster_is_400(api_for, cusers, order, member):
    response = api_for(cusers.branch).post(
        f"{ORDERS}{order.pk}/dispatch/", {"version": order.version, "member": member.pk}
    )
    assert response.status_code == 400 and "assignee" in response.json()


def test_order_filters_are_strict(api_for, cusers, dispatched):
    client = api_for(cusers.branch)
    assert client.get(ORDERS, {"status": "dispatched"}).json()["count"] == 1
    assert client.get(ORDERS, {"overdue": "true"}).json()["count"] == 0
    assert client.get(ORDERS, {"overdue": "maybe"}).status_code == 400


def test_order_list_query_count_is_bounded(api_for, cusers, community, roster, member, django_assert_max_num_queries):
    from community import services

    for _ in range(10):
        order = services.order_place(region=community, data=dict(ORDER_DATA))
        services.order_dispatch(actor=cusers.branch, order=order, member=member)
    with django_assert_max_num_queries(6):
        assert api_for(cusers.county_leader).get(ORDERS).status_code == 200


# --- 双报到 ------------------------------------------------------------------------------------
def test_register_and_withdraw_through_the_api(api_for, cusers, community):
    client = api_for(cusers.branch)
    created = client.post(
        REPORTS,
        {"community": community.pk, "kind": "member", "reporter": {"name": "钱党员", "phone": "13611112222"}},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["basis"] == "residence" and body["member"]["phone_masked"] == "136****2222"
    again = client.post(
        REPORTS,
        {"community": community.pk, "kind": "member", "reporter": {"name": "钱党员", "phone": "13611112222"}},
        format="json",
    )
    assert again.status_code == 400
    withdrawn = client.post(f"{REPORTS}{body['id']}/withdraw/", {"version": body["version"], "reason": "搬家"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    twice = client.post(f"{REPORTS}{body['id']}/withdraw/", {"version": withdrawn.json()["version"], "reason": "x"})
    assert twice.status_code == 409


def test_organisation_registration(api_for, cusers, community):
    response = api_for(cusers.branch).post(
        REPORTS,
        {
            "community": community.pk,
            "kind": "organisation",
            "reporter": {
                "name": "县委办机关党支部",
                "organ_name": "县委办",
                "organ_level": "county",
                "party_member_count": 20,
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["organisation"]["party_member_count"] == 20


@pytest.mark.parametrize(("user", "status"), [("county_leader", 403), ("sibling_branch", 404), ("member_user", 404)])
def test_withdraw_matrix(api_for, cusers, roster, user, status):
    report = roster.member
    response = api_for(who(cusers, user)).post(
        f"{REPORTS}{report.pk}/withdraw/", {"version": report.version, "reason": "x"}
    )
    assert response.status_code == status
    assert CommunityReport.objects.get(pk=report.pk).status == ReportStatus.ACTIVE


def test_report_list_scoped_and_bounded(api_for, cusers, roster, django_assert_max_num_queries):
    assert api_for(cusers.branch).get(REPORTS, {"status": "active"}).json()["count"] == 3
    assert api_for(cusers.sibling_branch).get(REPORTS).json()["count"] == 0
    with django_assert_max_num_queries(6):
        assert api_for(cusers.province).get(REPORTS).status_code == 200


def test_schema_documents_the_endpoints(api_for, cusers):
    schema = api_for(cusers.branch).get("/api/schema/").content.decode()
    for path in (
        "/api/v1/service-orders/{id}/dispatch/",
        "/api/v1/service-orders/{id}/take/",
        "/api/v1/community-reports/{id}/withdraw/",
    ):
        assert path in schema
