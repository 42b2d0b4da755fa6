"""The auditor's pages and /api/v1/audit-events/: who may read, search, sort, export."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.choices import Action, Outcome
from audit.models import AuditEvent
from regions.choices import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _event(region_code, days_ago=0, **extra):
    values = {
        "action": Action.UPDATE,
        "actor_name": "staff",
        "object_type": "ledgers.livelihoodappeal",
        "object_id": "1",
        "object_repr": "三组自来水管破裂",
        "region_code": region_code,
    }
    values.update(extra)
    return AuditEvent.objects.create(at=timezone.now() - datetime.timedelta(days=days_ago), **values)


@pytest.fixture
def events(tree):
    return {
        "own": _event(
            "510121113001", changes={"title": ["旧标题", "新标题"], "raiser_phone": ["138****1234", "139****5678"]}
        ),
        "sibling": _event("510121106001", actor_name="sibling", object_repr="五凤村道路", ip_address="10.1.2.3"),
        "login_failed": _event(
            "51", action=Action.LOGIN_FAILED, outcome=Outcome.FAILURE, actor_name="", object_type="", object_repr=""
        ),
        "old": _event("510121113002", days_ago=40, action=Action.EXPORT, message="导出民生诉求 12 条"),
    }


@pytest.fixture
def town_auditor(tree):
    return make_user("townauditor", Role.AUDITOR, tree.town)


def _user(users, town_auditor, who):
    if who == "anonymous":
        return None
    if who == "town_auditor":
        return town_auditor
    return getattr(users, who)


# (who, list page, own-town event detail, sibling-town event detail)
PAGE_MATRIX = [
    ("anonymous", 302, 302, 302),
    ("village_cadre", 403, 403, 403),
    ("township_staff", 403, 403, 403),
    ("county_leader", 403, 403, 403),
    ("province", 403, 403, 403),
    ("system_admin", 403, 403, 403),
    ("security_admin", 403, 403, 403),
    ("town_auditor", 200, 200, 404),  # own scope / sibling scope
    ("auditor", 200, 200, 200),  # parent scope (province)
    ("superuser", 200, 200, 200),
]


@pytest.mark.parametrize(("who", "list_status", "own_status", "sibling_status"), PAGE_MATRIX)
def test_audit_pages_matrix(client_for, users, town_auditor, events, who, list_status, own_status, sibling_status):
    client = client_for(_user(users, town_auditor, who))
    assert client.get(reverse("audit:event_list")).status_code == list_status
    assert client.get(reverse("audit:event_detail", args=[events["own"].pk])).status_code == own_status
    assert client.get(reverse("audit:event_detail", args=[events["sibling"].pk])).status_code == sibling_status


API_MATRIX = [
    ("anonymous", 401, 401, 401),
    ("township_staff", 403, 403, 403),
    ("province", 403, 403, 403),
    ("system_admin", 403, 403, 403),
    ("security_admin", 403, 403, 403),
    ("town_auditor", 200, 200, 404),
    ("auditor", 200, 200, 200),
    ("superuser", 200, 200, 200),
]


@pytest.mark.parametrize(("who", "list_status", "own_status", "sibling_status"), API_MATRIX)
def test_audit_api_matrix(api_for, users, town_auditor, events, who, list_status, own_status, sibling_status):
    api = api_for(_user(users, town_auditor, who))
    assert api.get("/api/v1/audit-events/").status_code == list_status
    assert api.get(f"/api/v1/audit-events/{events['own'].pk}/").status_code == own_status
    assert api.get(f"/api/v1/audit-events/{events['sibling'].pk}/").status_code == sibling_status


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_audit_api_is_read_only_even_for_the_superuser(api_for, users, events, method):
    event = events["own"]
    url = "/api/v1/audit-events/" if method == "post" else f"/api/v1/audit-events/{event.pk}/"
    response = getattr(api_for(users.superuser), method)(url, {"message": "篡改"}, format="json")
    assert response.status_code == 405
    assert AuditEvent.objects.get(pk=event.pk).message == ""
    assert AuditEvent.objects.count() == 4


def test_town_auditor_lists_only_own_town(api_for, town_auditor, events):
    body = api_for(town_auditor).get("/api/v1/audit-events/").json()
    assert sorted(row["id"] for row in body["results"]) == sorted([events["own"].pk, events["old"].pk])


def test_api_event_shows_who_what_when_where(api_for, users, events):
    row = api_for(users.auditor).get(f"/api/v1/audit-events/{events['sibling'].pk}/").json()
    assert row["actor_name"] == "sibling"
    assert row["ip_address"] == "10.1.2.3"
    assert row["action"] == "update" and row["action_display"] == "修改"
    assert row["outcome"] == "success"
    assert row["object_type"] == "ledgers.livelihoodappeal"
    assert row["region_code"] == "510121106001"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "SIBL"}, ["sibling"]),
        ({"action": "login_failed"}, ["login_failed"]),
        ({"outcome": "failure"}, ["login_failed"]),
        ({"object_type": "ledgers.livelihoodappeal"}, ["own", "sibling", "old"]),
        ({"region": "510121106"}, ["sibling"]),
        ({"ip": "10.1.2.3"}, ["sibling"]),
        ({"q": "五凤村"}, ["sibling"]),
        ({"q": "导出民生诉求"}, ["old"]),
        ({"at_before": (timezone.localdate() - datetime.timedelta(days=30)).isoformat()}, ["old"]),
        ({"at_after": timezone.localdate().isoformat()}, ["own", "sibling", "login_failed"]),
    ],
)
def test_filters_are_shared_by_page_and_api(client_for, api_for, users, events, params, expected):
    expected_ids = sorted(events[name].pk for name in expected)
    body = api_for(users.auditor).get("/api/v1/audit-events/", params).json()
    assert sorted(row["id"] for row in body["results"]) == expected_ids
    response = client_for(users.auditor).get(reverse("audit:event_list"), params)
    assert sorted(event.pk for event in response.context["page_obj"]) == expected_ids


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"action": "drop_table"}, "action"),
        ({"outcome": "maybe"}, "outcome"),
        ({"at_after": "2026-13-45"}, "at_after"),
        ({"at_after": "2026-05-02", "at_before": "2026-05-01"}, "at_before"),
        ({"ip": "999.1.1.1"}, "ip"),
        ({"region": "51xx"}, "region"),
        ({"object_type": "auth.secret"}, "object_type"),
        ({"ordering": "password"}, "ordering"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_bad_filters_are_a_clear_400_and_an_error_on_the_page(client_for, api_for, users, events, params, field):
    response = api_for(users.auditor).get("/api/v1/audit-events/", params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    page = client_for(users.auditor).get(reverse("audit:event_list"), params)
    assert page.status_code == 200
    assert 'data-testid="filter-errors"' in page.content.decode()
    assert list(page.context["page_obj"]) == []


def test_sorting_by_a_column_both_ways(client_for, api_for, users, events):
    api = api_for(users.auditor)
    ascending = [row["actor_name"] for row in api.get("/api/v1/audit-events/", {"ordering": "actor"}).json()["results"]]
    assert ascending == sorted(ascending)
    descending = [
        row["actor_name"] for row in api.get("/api/v1/audit-events/", {"ordering": "-actor"}).json()["results"]
    ]
    assert descending == sorted(ascending, reverse=True)
    default = [row["id"] for row in api.get("/api/v1/audit-events/").json()["results"]]
    assert default[-1] == events["old"].pk  # newest first
    page = client_for(users.auditor).get(reverse("audit:event_list"), {"ordering": "actor", "action": "update"})
    html = page.content.decode()
    assert 'aria-sort="ascending"' in html
    assert "ordering=-actor" in html and "action=update" in html


def test_detail_page_shows_changes_field_by_field_with_masked_personal_data(client_for, users, events):
    response = client_for(users.auditor).get(reverse("audit:event_detail", args=[events["own"].pk]))
    html = response.content.decode()
    assert [row["label"] for row in response.context["changes"]] == ["诉求事项", "联系电话"]
    assert "旧标题" in html and "新标题" in html and "139****5678" in html


def test_list_page_query_count_does_not_grow_with_rows(client_for, users, tree, django_assert_max_num_queries):
    for index in range(120):
        _event("510121113001", object_id=str(index))
    client = client_for(users.auditor)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("audit:event_list"))
    assert len(response.context["page_obj"]) == 50


def test_api_list_query_count_does_not_grow_with_rows(api_for, users, tree, django_assert_max_num_queries):
    for index in range(120):
        _event("510121113001", object_id=str(index))
    api = api_for(users.auditor)
    with django_assert_max_num_queries(5):
        body = api.get("/api/v1/audit-events/", {"page_size": 100}).json()
    assert (body["count"], len(body["results"])) == (120, 100)


# --- Export -----------------------------------------------------------------------------------
def _sheet_rows(response):
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def test_export_writes_the_search_result_and_is_itself_audited(client_for, town_auditor, events):
    response = client_for(town_auditor).get(reverse("audit:event_export"), {"action": "update"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet_rows(response)
    assert rows[0][:4] == ("编号", "时间", "操作人", "来源地址")
    assert [row[0] for row in rows[1:]] == [events["own"].pk]
    assert "诉求事项: 旧标题 → 新标题" in rows[1][10]
    export = AuditEvent.objects.get(action=Action.EXPORT, actor=town_auditor)
    assert export.object_type == "audit.auditevent"
    assert export.changes["rows"] == [None, 1]
    assert export.message == "导出审计记录 1 条"


@pytest.mark.parametrize("who", ["township_staff", "province", "system_admin", "security_admin"])
def test_export_is_refused_without_the_export_permission_and_nothing_is_recorded(client_for, users, events, who):
    response = client_for(getattr(users, who)).get(reverse("audit:event_export"))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=Action.EXPORT, actor=getattr(users, who)).exists()


def test_export_with_bad_filters_sends_no_file(client_for, users, events):
    response = client_for(users.auditor).get(reverse("audit:event_export"), {"at_after": "yesterday"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=Action.EXPORT, actor=users.auditor).exists()


def test_object_type_filter_accepts_a_model_after_the_class_filters_fields_were_built(api_for, users, events):
    from audit.filters import AuditEventFilterSet

    # given the class's own filter fields built once (as the API schema generation does)
    for base in AuditEventFilterSet.base_filters.values():
        base.field  # noqa: B018
    # when an auditor filters by a record type, then the filter accepts it
    body = api_for(users.auditor).get("/api/v1/audit-events/", {"object_type": "ledgers.livelihoodappeal"}).json()
    assert sorted(row["id"] for row in body["results"]) == sorted(events[n].pk for n in ("own", "sibling", "old"))
