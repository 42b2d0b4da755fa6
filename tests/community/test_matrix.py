"""The permission matrix of the community pages and endpoints not covered in test_views/test_api:
complete, hand back and cancel (pages and API), the rating link, the branch's order entry, member
registration, exports, the member's phone page. Every denied write changes nothing (no status or
version change, no audit event, no row)."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from community.choices import OrderStatus
from community.models import CommunityReport, OrderRatingInvitation, ReportingMember, ServiceOrder
from tests.community.conftest import ORDER_DATA

pytestmark = pytest.mark.django_db
ANONYMOUS = "anonymous"


def who(cusers, name):
    return None if name == ANONYMOUS else getattr(cusers, name)


def _unchanged(order, before_events):
    stored = ServiceOrder.objects.get(pk=order.pk)
    return (stored.status, stored.version) == (order.status, order.version) and AuditEvent.objects.count() == (
        before_events
    )


# (user, complete a taken order, hand back a dispatched order, cancel a dispatched order)
ACTION_MATRIX = [
    (ANONYMOUS, 302, 302, 302),
    ("member_user", 302, 302, 403),  # the member who took it completes it; may hand it back, not cancel
    ("other_member_user", 404, 404, 404),
    ("branch", 302, 302, 302),
    ("sibling_branch", 404, 404, 404),
    ("county_leader", 403, 403, 403),
    ("province", 403, 403, 403),
    ("system_admin", 404, 404, 404),
    ("auditor", 404, 404, 404),
    ("superuser", 302, 302, 302),
]


@pytest.mark.parametrize(("user", "complete", "hand_back", "cancel"), ACTION_MATRIX)
def test_page_actions_matrix(client_for, cusers, taken, user, complete, hand_back, cancel):
    client = client_for(who(cusers, user))
    before = AuditEvent.objects.count()
    url = reverse("community:serviceorder_action", args=[taken.pk, "complete"])
    response = client.post(url, {"version": taken.version, "text": "已办好"})
    assert response.status_code == complete
    if complete == 302 and user != ANONYMOUS:
        assert ServiceOrder.objects.get(pk=taken.pk).status == OrderStatus.COMPLETED
    else:
        assert _unchanged(taken, before)


@pytest.mark.parametrize(("user", "complete", "hand_back", "cancel"), ACTION_MATRIX)
@pytest.mark.parametrize("action", ["return", "cancel"])
def test_hand_back_and_cancel_matrix(client_for, cusers, dispatched, user, complete, hand_back, cancel, action):
    expected = hand_back if action == "return" else cancel
    before = AuditEvent.objects.count()
    response = client_for(who(cusers, user)).post(
        reverse("community:serviceorder_action", args=[dispatched.pk, action]),
        {"version": dispatched.version, "text": "无法上门"},
    )
    assert response.status_code == expected
    stored = ServiceOrder.objects.get(pk=dispatched.pk)
    if expected == 302 and user != ANONYMOUS:
        assert stored.status == (OrderStatus.PLACED if action == "return" else OrderStatus.CANCELLED)
    else:
        assert _unchanged(dispatched, before)


@pytest.mark.parametrize(
    ("user", "status"),
    [(ANONYMOUS, 302), ("member_user", 200), ("other_member_user", 404), ("branch", 200), ("sibling_branch", 404),
     ("county_leader", 403), ("system_admin", 404), ("superuser", 200)],
)  # fmt: skip
def test_rating_link_matrix(client_for, cusers, completed, user, status):
    response = client_for(who(cusers, user)).post(reverse("community:serviceorder_rating_link", args=[completed.pk]))
    assert response.status_code == status
    assert OrderRatingInvitation.objects.count() == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("user", "get", "post", "written"),
    # the sibling branch may enter orders, but not for this community (400, the field says so)
    [(ANONYMOUS, 302, 302, 0), ("branch", 200, 302, 1), ("sibling_branch", 200, 400, 0),
     ("county_leader", 403, 403, 0), ("member_user", 403, 403, 0), ("system_admin", 403, 403, 0)],
)  # fmt: skip
def test_branch_order_entry_matrix(client_for, cusers, community, user, get, post, written):
    client = client_for(who(cusers, user))
    url = reverse("community:serviceorder_create")
    assert client.get(url).status_code == get
    response = client.post(url, {**ORDER_DATA, "region": community.code})
    assert response.status_code == post
    assert ServiceOrder.objects.count() == written


@pytest.mark.parametrize(
    ("user", "status", "written"),
    [(ANONYMOUS, 302, 0), ("branch", 302, 1), ("sibling_branch", 400, 0), ("county_leader", 403, 0),
     ("member_user", 403, 0), ("province", 403, 0), ("system_admin", 403, 0)],
)  # fmt: skip
def test_member_registration_matrix(client_for, cusers, community, user, status, written):
    response = client_for(who(cusers, user)).post(
        reverse("community:communityreport_create"),
        {
            "kind": "member",
            "community": community.pk,
            "basis": "residence",
            "reported_on": "2026-11-01",
            "name": "赵党员",
            "phone": "13900003333",
            "workplace": "县教育局",
        },
    )
    assert response.status_code == status
    assert ReportingMember.objects.count() == written and CommunityReport.objects.count() == written


@pytest.mark.parametrize(
    ("user", "status", "rows"),
    [(ANONYMOUS, 302, None), ("branch", 200, 1), ("sibling_branch", 200, 0), ("township_leader", 200, 1),
     ("province", 200, 1), ("member_user", 403, None), ("system_admin", 403, None), ("auditor", 403, None)],
)  # fmt: skip
def test_order_export_matrix(client_for, cusers, dispatched, user, status, rows):
    import io

    from openpyxl import load_workbook

    before = AuditEvent.objects.filter(action="export").count()
    response = client_for(who(cusers, user)).get(reverse("community:serviceorder_export"))
    assert response.status_code == status
    if status == 200:
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        assert sheet.max_row - 1 == rows
        assert AuditEvent.objects.filter(action="export").count() == before + 1
    else:
        assert AuditEvent.objects.filter(action="export").count() == before


@pytest.mark.parametrize(
    ("user", "status", "sees"),
    [(ANONYMOUS, 302, None), ("member_user", 200, True), ("other_member_user", 200, False),
     ("no_post", 200, False), ("branch", 200, False)],
)  # fmt: skip
def test_member_phone_page_matrix(client_for, cusers, dispatched, user, status, sees):
    response = client_for(who(cusers, user)).get(reverse("community:my_orders"))
    assert response.status_code == status
    if status == 200:
        assert (f'data-testid="my-order-{dispatched.pk}"' in response.content.decode()) is sees


@pytest.mark.parametrize(
    ("user", "status"),
    [(ANONYMOUS, 401), ("member_user", 200), ("other_member_user", 404), ("branch", 200), ("sibling_branch", 404),
     ("county_leader", 403), ("system_admin", 404), ("superuser", 200)],
)  # fmt: skip
def test_api_complete_matrix(api_for, cusers, taken, user, status):
    before = AuditEvent.objects.count()
    response = api_for(who(cusers, user)).post(f"/api/v1/service-orders/{taken.pk}/complete/",
                                               {"version": taken.version, "result": "已办好"}, format="json")  # fmt: skip
    assert response.status_code == status
    if status == 200:
        assert ServiceOrder.objects.get(pk=taken.pk).status == OrderStatus.COMPLETED
    else:
        assert _unchanged(taken, before)


@pytest.mark.parametrize(
    ("user", "status"),
    [(ANONYMOUS, 401), ("member_user", 403), ("other_member_user", 404), ("branch", 200), ("sibling_branch", 404),
     ("county_leader", 403), ("system_admin", 404), ("superuser", 200)],
)  # fmt: skip
def test_api_cancel_matrix(api_for, cusers, dispatched, user, status):
    before = AuditEvent.objects.count()
    response = api_for(who(cusers, user)).post(f"/api/v1/service-orders/{dispatched.pk}/cancel/",
                                               {"version": dispatched.version, "reason": "重复点单"}, format="json")  # fmt: skip
    assert response.status_code == status
    if status == 200:
        assert ServiceOrder.objects.get(pk=dispatched.pk).status == OrderStatus.CANCELLED
    else:
        assert _unchanged(dispatched, before)
