"""Community pages: permission matrix per page and per write (denied writes change nothing), the
branch's flow through the pages, the member's phone page, lists with filters, exports, history,
query-count bounds, workbench cards."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from community import services
from community.choices import OrderStatus, ReportStatus
from community.models import CommunityReport, ServiceOrder
from tests.community.conftest import ORDER_DATA

pytestmark = pytest.mark.django_db


def who(cusers, name):
    return None if name == "anonymous" else getattr(cusers, name)


# Users of the permission matrix: anonymous, own-scope branch, parent-scope leaders, sibling branch,
# a member, the provincial office, the administrators, a superuser.
ANONYMOUS = "anonymous"


# --- Reads ----------------------------------------------------------------------------------------
# (user, order detail, report detail, order list, board, report list)
READ_MATRIX = [
    (ANONYMOUS, 302, 302, 302, 302, 302),
    ("branch", 200, 200, 200, 200, 200),
    ("township_leader", 200, 200, 200, 403, 200),
    ("county_leader", 200, 200, 200, 403, 200),
    ("province", 200, 200, 200, 403, 200),
    ("sibling_branch", 404, 404, 200, 200, 200),
    ("sibling_staff", 404, 404, 200, 403, 200),
    ("member_user", 200, 404, 200, 403, 200),  # the member sees the order dispatched to them
    ("other_member_user", 404, 404, 200, 403, 200),
    ("system_admin", 404, 404, 200, 403, 200),
    ("auditor", 404, 404, 200, 403, 200),
    ("superuser", 200, 200, 200, 200, 200),
]


@pytest.mark.parametrize(("user", "order_detail", "report_detail", "order_list", "board", "report_list"), READ_MATRIX)
def test_read_matrix(
    client_for, cusers, dispatched, roster, user, order_detail, report_detail, order_list, board, report_list
):
    client = client_for(who(cusers, user))
    assert client.get(reverse("community:serviceorder_detail", args=[dispatched.pk])).status_code == order_detail
    assert client.get(reverse("community:communityreport_detail", args=[roster.member.pk])).status_code == report_detail
    assert client.get(reverse("community:serviceorder_list")).status_code == order_list
    assert client.get(reverse("community:serviceorder_board")).status_code == board
    assert client.get(reverse("community:communityreport_list")).status_code == report_list


def test_lists_show_only_what_is_in_scope(client_for, cusers, dispatched, roster, sibling_community):
    services.order_place(region=sibling_community, data={**ORDER_DATA, "need": "五凤社区的需求"})
    html = client_for(cusers.branch).get(reverse("community:serviceorder_list")).content.decode()
    assert "帮独居老人买药" in html and "五凤社区的需求" not in html
    html = client_for(cusers.sibling_branch).get(reverse("community:serviceorder_list")).content.decode()
    assert "帮独居老人买药" not in html and "五凤社区的需求" in html
    html = client_for(cusers.county_leader).get(reverse("community:serviceorder_list")).content.decode()
    assert "帮独居老人买药" in html and "五凤社区的需求" in html
    # the phone never in full on a list or detail page
    for page in (
        reverse("community:serviceorder_list"),
        reverse("community:serviceorder_detail", args=[dispatched.pk]),
    ):
        assert "13812345678" not in client_for(cusers.branch).get(page).content.decode()


# --- Writes ---------------------------------------------------------------------------------------
def _post_action(client, order, action, **data):
    return client.post(
        reverse("community:serviceorder_action", args=[order.pk, action]), {"version": order.version, **data}
    )


# (user, status when dispatching a placed order)
DISPATCH_MATRIX = [
    (ANONYMOUS, 302),
    ("branch", 302),
    ("sibling_branch", 404),
    ("county_leader", 403),
    ("province", 403),
    ("member_user", 404),
    ("system_admin", 404),
    ("superuser", 302),
]


@pytest.mark.parametrize(("user", "status"), DISPATCH_MATRIX)
def test_dispatch_matrix_and_denied_writes_change_nothing(client_for, cusers, order, roster, member, user, status):
    before = AuditEvent.objects.count()
    response = _post_action(
        client_for(who(cusers, user)), order, "dispatch", assignee=f"m:{member.pk}", service_kind="volunteer"
    )
    assert response.status_code == status
    stored = ServiceOrder.objects.get(pk=order.pk)
    if user in ("branch", "superuser"):
        assert stored.status == OrderStatus.DISPATCHED
    else:
        assert (stored.status, stored.version) == (OrderStatus.PLACED, order.version)
        assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("member_user", 302),
        ("other_member_user", 404),
        ("county_leader", 403),
        ("sibling_branch", 404),
        ("branch", 302),
    ],
)
def test_take_matrix(client_for, cusers, dispatched, user, status):
    response = _post_action(client_for(who(cusers, user)), dispatched, "take")
    assert response.status_code == status
    expected = OrderStatus.TAKEN if status == 302 else OrderStatus.DISPATCHED
    assert ServiceOrder.objects.get(pk=dispatched.pk).status == expected


def test_a_member_may_not_cancel_their_order(client_for, cusers, dispatched):
    response = _post_action(client_for(cusers.member_user), dispatched, "cancel", text="不想做")
    assert response.status_code == 403
    assert ServiceOrder.objects.get(pk=dispatched.pk).status == OrderStatus.DISPATCHED


def test_a_forbidden_transition_is_a_clear_409_and_changes_nothing(client_for, cusers, order):
    response = _post_action(client_for(cusers.branch), order, "complete", text="done")
    assert response.status_code == 409
    assert "不能从“居民已点单”变更为“已完成”" in response.content.decode()
    assert ServiceOrder.objects.get(pk=order.pk).status == OrderStatus.PLACED


def test_a_stale_version_is_a_409(client_for, cusers, dispatched):
    response = client_for(cusers.member_user).post(
        reverse("community:serviceorder_action", args=[dispatched.pk, "take"]), {"version": dispatched.version - 1}
    )
    assert response.status_code == 409
    assert ServiceOrder.objects.get(pk=dispatched.pk).status == OrderStatus.DISPATCHED


def test_an_unknown_action_is_refused(client_for, cusers, order):
    assert _post_action(client_for(cusers.branch), order, "explode").status_code == 403


def test_dispatch_offers_only_the_communitys_roster(client_for, cusers, order, roster, sibling_community):
    stranger = services.member_create(
        actor=cusers.sibling_branch, region=sibling_community, data={"name": "外社区党员", "phone": "13600006666"}
    )
    services.report_register(actor=cusers.sibling_branch, community=sibling_community, member=stranger)
    html = client_for(cusers.branch).get(reverse("community:serviceorder_detail", args=[order.pk])).content.decode()
    assert "张党员" in html and "县财政局机关党支部" in html and "外社区党员" not in html
    response = _post_action(
        client_for(cusers.branch), order, "dispatch", assignee=f"m:{stranger.pk}", service_kind="volunteer"
    )
    assert response.status_code == 400
    assert ServiceOrder.objects.get(pk=order.pk).status == OrderStatus.PLACED


def test_completing_needs_what_was_done_on_the_page(client_for, cusers, taken):
    response = _post_action(client_for(cusers.member_user), taken, "complete", text="")
    assert response.status_code == 400
    assert ServiceOrder.objects.get(pk=taken.pk).status == OrderStatus.TAKEN


# --- The member's phone page -----------------------------------------------------------------------
def test_member_phone_page_take_then_complete(client_for, cusers, dispatched):
    client = client_for(cusers.member_user)
    page = client.get(reverse("community:my_orders"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "帮独居老人买药" in html and "138****5678" in html and "13812345678" not in html
    response = client.post(
        reverse("community:serviceorder_action", args=[dispatched.pk, "take"]),
        {"version": dispatched.version, "next": reverse("community:my_orders")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("community:my_orders")
    order = ServiceOrder.objects.get(pk=dispatched.pk)
    response = client.post(
        reverse("community:serviceorder_action", args=[order.pk, "complete"]),
        {"version": order.version, "text": "药已送到", "next": reverse("community:my_orders")},
    )
    assert response.status_code == 302
    assert ServiceOrder.objects.get(pk=order.pk).status == OrderStatus.COMPLETED
    html = client.get(reverse("community:my_orders")).content.decode()
    assert "最近完成" in html


def test_member_phone_page_shows_nothing_of_others(client_for, cusers, dispatched):
    html = client_for(cusers.other_member_user).get(reverse("community:my_orders")).content.decode()
    assert "帮独居老人买药" not in html
    html = client_for(cusers.no_post).get(reverse("community:my_orders")).content.decode()
    assert "还没有登记为社区报到党员" in html
    assert client_for(None).get(reverse("community:my_orders")).status_code == 302


# --- Rating link from the staff side ---------------------------------------------------------------
def test_member_makes_a_rating_link_with_qr_after_completing(client_for, cusers, completed):
    response = client_for(cusers.member_user).post(reverse("community:serviceorder_rating_link", args=[completed.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "/community/rate/" in html and "<svg" in html
    assert (
        client_for(cusers.sibling_branch)
        .post(reverse("community:serviceorder_rating_link", args=[completed.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(cusers.county_leader)
        .post(reverse("community:serviceorder_rating_link", args=[completed.pk]))
        .status_code
        == 403
    )


def test_rating_link_for_an_order_not_completed_is_refused(client_for, cusers, taken):
    response = client_for(cusers.branch).post(reverse("community:serviceorder_rating_link", args=[taken.pk]))
    assert response.status_code == 400
    assert "服务完成后才能请居民评价" in response.content.decode()


# --- Staff entry of an order, the board ----------------------------------------------------------
def test_branch_enters_an_order_for_a_resident(client_for, cusers, community):
    client = client_for(cusers.branch)
    assert client.get(reverse("community:serviceorder_create")).status_code == 200
    response = client.post(reverse("community:serviceorder_create"), {**ORDER_DATA, "region": community.pk})
    assert response.status_code == 302
    order = ServiceOrder.objects.get()
    assert (order.channel, order.created_by) == ("staff", cusers.branch)
    bad = client.post(reverse("community:serviceorder_create"), {**ORDER_DATA, "phone": "123", "region": community.pk})
    assert bad.status_code == 400
    assert ServiceOrder.objects.count() == 1
    assert client_for(cusers.county_leader).get(reverse("community:serviceorder_create")).status_code == 403


def test_board_lists_new_orders_first_and_flags_late_ones(client_for, cusers, community, roster, member, settings):
    import datetime

    from django.utils import timezone

    settings.JICENG_SERVICE_ORDER_TAKE_HOURS = 24
    taken = services.order_place(region=community, data={**ORDER_DATA, "need": "已接的单"})
    taken = services.order_dispatch(actor=cusers.branch, order=taken, member=member)
    services.order_take(actor=cusers.member_user, order=taken)
    late = services.order_place(region=community, data={**ORDER_DATA, "need": "超时的单"})
    fresh = services.order_place(region=community, data={**ORDER_DATA, "need": "新的单"})
    ServiceOrder.objects.filter(pk=late.pk).update(waiting_since=timezone.now() - datetime.timedelta(hours=30))
    response = client_for(cusers.branch).get(reverse("community:serviceorder_board"))
    html = response.content.decode()
    assert html.index("超时的单") < html.index("新的单") < html.index("已接的单")
    assert response.context["late_count"] == 1 and response.context["new_count"] == 2
    assert f'data-testid="board-row-{late.pk}"' in html and "超时未接单" in html
    assert fresh.pk in [row.pk for row in response.context["rows"] if not row.late]
    assert 'data-testid="poster-qr"' in html


# --- Lists: filters, sorting, bounds --------------------------------------------------------------
def test_order_list_filters_and_errors(client_for, cusers, community, roster, member):
    services.order_place(region=community, data={**ORDER_DATA, "need": "修水管", "category": "repair"})
    client = client_for(cusers.branch)
    html = client.get(reverse("community:serviceorder_list"), {"category": "repair"}).content.decode()
    assert "修水管" in html
    bad = client.get(reverse("community:serviceorder_list"), {"overdue": "maybe", "status": "nonsense"})
    assert bad.status_code == 400
    assert 'data-testid="filter-errors"' in bad.content.decode()
    assert client.get(reverse("community:serviceorder_list"), {"ordering": "-status"}).status_code == 200
    assert client.get(reverse("community:serviceorder_list"), {"page": "9"}).status_code == 404


def test_order_list_query_count_is_bounded(client_for, cusers, community, roster, member):
    client = client_for(cusers.county_leader)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("community:serviceorder_list")).status_code == 200
        return len(ctx.captured_queries)

    services.order_place(region=community, data=dict(ORDER_DATA))
    count()  # the first request also saves the session
    few = count()
    for _ in range(12):
        order = services.order_place(region=community, data=dict(ORDER_DATA))
        services.order_dispatch(actor=cusers.branch, order=order, member=member)
    assert count() == few


def test_board_and_report_list_query_counts_are_bounded(client_for, cusers, community, roster, member):
    client = client_for(cusers.branch)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    services.order_place(region=community, data=dict(ORDER_DATA))
    count(reverse("community:serviceorder_board"))  # the first request also saves the session
    board, reports = count(reverse("community:serviceorder_board")), count(reverse("community:communityreport_list"))
    for index in range(8):
        order = services.order_place(region=community, data=dict(ORDER_DATA))
        services.order_dispatch(actor=cusers.branch, order=order, member=member)
        extra = services.member_create(
            actor=cusers.branch, region=community, data={"name": f"党员{index}", "phone": f"1350000{index:04d}"}
        )
        services.report_register(actor=cusers.branch, community=community, member=extra)
    assert count(reverse("community:serviceorder_board")) == board
    assert count(reverse("community:communityreport_list")) == reports


# --- Double reporting pages ----------------------------------------------------------------------
def test_branch_registers_a_member_and_withdraws_them(client_for, cusers, community):
    client = client_for(cusers.branch)
    assert client.get(reverse("community:communityreport_create")).status_code == 200
    response = client.post(
        reverse("community:communityreport_create") + "?kind=member",
        {"kind": "member", "community": community.pk, "basis": "residence", "reported_on": "2026-11-01",
         "name": "赵党员", "phone": "13711112222", "workplace": "县教育局", "username": "dangyuan"},
    )  # fmt: skip
    assert response.status_code == 302
    report = CommunityReport.objects.get()
    assert (report.member.name, report.member.user, report.status) == (
        "赵党员",
        cusers.member_user,
        ReportStatus.ACTIVE,
    )
    # the same member again (same phone): refused, nothing stored
    again = client.post(
        reverse("community:communityreport_create"),
        {"kind": "member", "community": community.pk, "basis": "residence", "reported_on": "2026-11-01",
         "name": "赵党员", "phone": "13711112222"},
    )  # fmt: skip
    assert again.status_code == 400
    assert CommunityReport.objects.count() == 1
    response = client.post(
        reverse("community:communityreport_withdraw", args=[report.pk]),
        {"version": report.version, "reason": "搬家", "withdrawn_on": "2026-11-20"},
    )
    assert response.status_code == 302
    assert CommunityReport.objects.get().status == ReportStatus.WITHDRAWN
    detail = client.get(reverse("community:communityreport_detail", args=[report.pk])).content.decode()
    assert "137****2222" in detail and "13711112222" not in detail and 'data-testid="history"' in detail


def test_branch_registers_an_organisation(client_for, cusers, community):
    response = client_for(cusers.branch).post(
        reverse("community:communityreport_create"),
        {"kind": "organisation", "community": community.pk, "basis": "workplace", "reported_on": "2026-11-01",
         "name": "县教育局机关党委", "organ_name": "金堂县教育局", "organ_level": "county", "party_member_count": 35},
    )  # fmt: skip
    assert response.status_code == 302
    assert CommunityReport.objects.get().organisation.party_member_count == 35


@pytest.mark.parametrize(("user", "status"), [("county_leader", 403), ("sibling_branch", 404), ("member_user", 404)])
def test_withdraw_matrix_denied_changes_nothing(client_for, cusers, roster, user, status):
    report = roster.member
    response = client_for(who(cusers, user)).post(
        reverse("community:communityreport_withdraw", args=[report.pk]), {"version": report.version, "reason": "x"}
    )
    assert response.status_code == status
    assert CommunityReport.objects.get(pk=report.pk).status == ReportStatus.ACTIVE


def test_registration_is_refused_to_those_without_the_right(client_for, cusers, community):
    for user in (cusers.county_leader, cusers.member_user, cusers.province):
        assert client_for(user).get(reverse("community:communityreport_create")).status_code == 403


# --- Exports ---------------------------------------------------------------------------------------
def test_order_export_is_masked_scoped_and_audited(client_for, cusers, dispatched, sibling_community):
    services.order_place(region=sibling_community, data={**ORDER_DATA, "need": "五凤社区的需求"})
    response = client_for(cusers.county_leader).get(reverse("community:serviceorder_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    flat = " ".join(str(cell) for row in rows for cell in row)
    assert "138****5678" in flat and "13812345678" not in flat
    assert AuditEvent.objects.filter(action="export", object_type="community.serviceorder").count() == 1


def test_export_needs_the_export_right(client_for, cusers, dispatched):
    for user in (cusers.member_user, cusers.auditor):
        assert client_for(user).get(reverse("community:serviceorder_export")).status_code == 403
    assert client_for(cusers.branch).get(reverse("community:communityreport_export")).status_code == 200


def test_report_export(client_for, cusers, roster):
    response = client_for(cusers.province).get(reverse("community:communityreport_export"), {"status": "active"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 4
    bad = client_for(cusers.province).get(reverse("community:communityreport_export"), {"status": "nope"})
    assert bad.status_code == 400


# --- Workbench -------------------------------------------------------------------------------------
def test_workbench_cards(client_for, cusers, dispatched, community):
    services.order_place(region=community, data=dict(ORDER_DATA))
    cards = {r.card.key: r for r in client_for(cusers.branch).get(reverse("core:home")).context["cards"]}
    assert [item.count for item in cards["community.branch"].items] == [1, 0]
    cards = {r.card.key: r for r in client_for(cusers.member_user).get(reverse("core:home")).context["cards"]}
    assert [item.count for item in cards["community.member"].items] == [1, 0]
    assert "community.branch" not in cards
    cards = {r.card.key for r in client_for(cusers.county_leader).get(reverse("core:home")).context["cards"]}
    assert not {"community.branch", "community.member"} & cards


# --- English ---------------------------------------------------------------------------------------
def test_pages_render_in_english(client_for, cusers, dispatched, roster, rating_link, community):
    _invitation, token = rating_link
    pages = {
        cusers.branch: [
            reverse("community:serviceorder_board"),
            reverse("community:serviceorder_list"),
            reverse("community:serviceorder_detail", args=[dispatched.pk]),
            reverse("community:communityreport_list"),
            reverse("community:communityreport_detail", args=[roster.member.pk]),
            reverse("community:communityreport_create"),
            reverse("community:serviceorder_create"),
        ],
        cusers.member_user: [reverse("community:my_orders")],
        None: [
            reverse("community:public_community", args=[community.code]),
            reverse("community:public_rate", args=[token]),
        ],
    }
    for user, urls in pages.items():
        client = client_for(user)
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert '<html lang="en">' in response.content.decode(), url
    html = client_for(cusers.branch)
    html.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Three-order dispatch board" in html.get(reverse("community:serviceorder_board")).content.decode()
