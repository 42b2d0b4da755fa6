"""Pages: permission matrix, confidentiality, forms, transitions through the page, query bounds."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from petitions.models import Petition, ReceptionDay
from petitions.services import petition_accept, petition_owner_add, petition_reply
from tests.petitions.conftest import id_number

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def case(make_petition):
    return make_petition()


@pytest.fixture
def secret(make_petition, pusers):
    return make_petition(
        petition_type="accusation",
        title="反映某局长违规",
        named_officials=[{"user": pusers.named, "unit": "县某局"}, {"user": pusers.named_staff}],
    )


def who(users, pusers, name):
    return None if name == "anonymous" else getattr(pusers, name, None) or getattr(users, name)


# (user, status of the detail page of a case in 竹篙镇's village)
DETAIL_MATRIX = [
    ("anonymous", 302),
    ("staff", 200),  # own-scope petition staff
    ("county_staff", 200),
    ("township_leader", 200),
    ("county_leader", 200),  # parent-scope leader
    ("prefecture_leader", 200),
    ("sibling_staff", 404),
    ("sibling_leader", 404),
    ("township_staff", 200),  # ledger staff read petitions of their township
    ("province", 200),
    ("system_admin", 404),
    ("auditor", 404),
    ("superuser", 200),
]


@pytest.mark.parametrize("name,status", DETAIL_MATRIX)
def test_detail_permission_matrix(client_for, users, pusers, case, name, status):
    response = client_for(who(users, pusers, name)).get(reverse("petitions:petition_detail", args=[case.pk]))
    assert response.status_code == status


@pytest.mark.parametrize(
    "name,status",
    [
        ("anonymous", 302),
        ("staff", 302),
        ("county_leader", 302),
        ("sibling_staff", 404),
        ("province", 403),
        ("superuser", 302),
    ],
)
def test_accept_through_the_page_matrix_and_denied_writes_change_nothing(client_for, users, pusers, case, name, status):
    response = client_for(who(users, pusers, name)).post(
        reverse("petitions:petition_transition", args=[case.pk]), {"target": "accepted", "version": case.version}
    )
    assert response.status_code == status
    case.refresh_from_db()
    if status == 302 and name != "anonymous":
        assert case.status == "accepted"
    else:
        assert case.status == "registered" and case.version == 1


def test_owner_outside_the_region_sees_and_acts(client_for, pusers, case):
    petition_owner_add(actor=pusers.staff, petition=case, leader=pusers.sibling_leader)
    c = client_for(pusers.sibling_leader)
    assert c.get(reverse("petitions:petition_detail", args=[case.pk])).status_code == 200
    assert case.number in c.get(reverse("petitions:my_cases")).content.decode()
    response = c.post(reverse("petitions:petition_progress", args=[case.pk]), {"text": "已约见信访人"})
    assert response.status_code == 302
    assert case.events.filter(kind="progress").count() == 1


def test_forbidden_transition_through_the_page_is_409(client_for, pusers, case):
    response = client_for(pusers.staff).post(
        reverse("petitions:petition_transition", args=[case.pk]),
        {"target": "closed", "version": 1, "outcome": "resolved"},
    )
    assert response.status_code == 409
    assert "不能从" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "registered"


def test_stale_version_through_the_page_is_409(client_for, pusers, case):
    response = client_for(pusers.staff).post(
        reverse("petitions:petition_transition", args=[case.pk]), {"target": "accepted", "version": 7}
    )
    assert response.status_code == 409


ENTRY_POINTS = [
    ("petitions:petition_list", {}),
    ("petitions:petition_list", {"q": "违规"}),
    ("petitions:petition_list", {"petition_type": "accusation"}),
    ("petitions:my_cases", {}),
]


@pytest.mark.parametrize("name", ["named", "named_staff"])
def test_named_officials_never_see_the_case(client_for, users, pusers, secret, case, name):
    user = getattr(pusers, name)
    c = client_for(user)
    assert c.get(reverse("petitions:petition_detail", args=[secret.pk])).status_code == 404
    for url_name in ("petitions:petition_update", "petitions:petition_print"):
        args = [secret.pk] if url_name.endswith("update") else [secret.pk, "notice"]
        assert c.get(reverse(url_name, args=args)).status_code == 404
    for url_name, params in ENTRY_POINTS:
        body = c.get(reverse(url_name), params).content.decode()
        assert secret.number not in body and "反映某局长违规" not in body
    listing = c.get(reverse("petitions:petition_list")).content.decode()
    assert case.number in listing  # the other case is visible
    response = c.post(reverse("petitions:petition_progress", args=[secret.pk]), {"text": "x"})
    assert response.status_code == 404
    assert secret.events.filter(kind="progress").count() == 0
    export = c.get(reverse("petitions:petition_export"))
    if export.status_code == 200:
        assert secret.number.encode() not in b"".join(export.streaming_content)


def test_named_official_even_as_owner_or_superuser_is_kept_off(client_for, users, pusers, make_petition):
    secret = make_petition(petition_type="accusation", named_officials=[{"user": users.superuser}])
    assert client_for(users.superuser).get(reverse("petitions:petition_detail", args=[secret.pk])).status_code == 404
    assert Petition.objects.filter(pk=secret.pk).exists()


def test_named_official_does_not_see_audit_events(users, make_petition):
    from audit.selectors import audit_event_list

    secret = make_petition(petition_type="accusation", named_officials=[{"user": users.auditor}])
    events = audit_event_list(user=users.auditor)
    assert events.filter(object_type="petitions.petition").exists() is False
    assert audit_event_list(user=users.superuser).filter(object_id=str(secret.pk)).exists()


def test_list_counts_and_filters(client_for, pusers, make_petition):
    make_petition(received_on=D(2026, 10, 1))  # register deadline long past: overdue
    make_petition(petitioners=[{"name": "李四", "id_number": id_number(33)}])
    response = client_for(pusers.staff).get(reverse("petitions:petition_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="overdue-count">1<' in body
    response = client_for(pusers.staff).get(reverse("petitions:petition_list"), {"q": id_number(33)})
    assert response.content.decode().count('data-testid="case-link"') == 1
    response = client_for(pusers.staff).get(reverse("petitions:petition_list"), {"overdue": "maybe"})
    assert response.status_code == 400


def test_list_counts_stop_at_the_cap(client_for, pusers, make_petition, settings):
    make_petition(received_on=D(2026, 10, 1))
    make_petition(received_on=D(2026, 10, 2))
    settings.JICENG_LIST_COUNT_CAP = 1
    body = client_for(pusers.staff).get(reverse("petitions:petition_list")).content.decode()
    assert 'data-testid="overdue-count">超过 1<' in body
    settings.JICENG_LIST_COUNT_CAP = 2
    body = client_for(pusers.staff).get(reverse("petitions:petition_list")).content.decode()
    assert 'data-testid="overdue-count">2<' in body


def test_list_query_count_is_bounded(client_for, pusers, make_petition, users):
    def measure():
        c = client_for(pusers.county_staff)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("petitions:petition_list")).status_code == 200
        return len(ctx)

    p = make_petition()
    petition_owner_add(actor=pusers.staff, petition=p, leader=users.county_leader)
    few = measure()
    for i in range(6):
        q = make_petition(petitioners=[{"name": f"人{i}"}])
        petition_owner_add(actor=pusers.staff, petition=q, leader=users.county_leader)
    assert measure() == few


def test_my_cases_orders_overdue_first(client_for, users, pusers, make_petition):
    import django.utils.timezone as tz

    today = tz.localdate()
    late = make_petition(received_on=today - datetime.timedelta(days=40), title="已超期的")
    rest = make_petition(received_on=today, title="刚登记的")
    for p in (rest, late):
        petition_owner_add(actor=pusers.staff, petition=p, leader=users.county_leader)
    body = client_for(users.county_leader).get(reverse("petitions:my_cases")).content.decode()
    assert body.index("已超期的") < body.index("刚登记的")


def test_register_through_the_form(client_for, pusers, tree, category):
    data = {
        "region": tree.village.code,
        "channel": "visit",
        "received_on": "2026-11-30",
        "title": "低保评定不公",
        "content": "反映低保评定不公开。",
        "category": category.pk,
        "petition_type": "claim",
        "conflict_level": "village",
        "p-TOTAL_FORMS": "1",
        "p-INITIAL_FORMS": "0",
        "p-0-name": "赵六",
        "p-0-id_number": id_number(44),
        "p-0-phone": "13900001111",
        "n-TOTAL_FORMS": "0",
        "n-INITIAL_FORMS": "0",
    }
    c = client_for(pusers.staff)
    assert c.get(reverse("petitions:petition_create")).status_code == 200
    response = c.post(reverse("petitions:petition_create"), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    petition = Petition.objects.get(title="低保评定不公")
    detail = c.get(response["Location"]).content.decode()
    assert id_number(44) not in detail and "5101**********" in detail
    bad = dict(data, **{"p-0-id_number": "510121197001010000", "title": "坏号码"})
    response = c.post(reverse("petitions:petition_create"), bad)
    assert response.status_code == 400 and "校验位" in response.content.decode()
    assert not Petition.objects.filter(title="坏号码").exists()
    # edit keeps the stored ID when the field is left blank
    edit = dict(
        data,
        **{
            "version": petition.version,
            "title": "低保评定不公（更正）",
            "p-INITIAL_FORMS": "1",
            "p-0-id_number": "",
            "p-0-keep": "0",
        },
    )
    edit.pop("region")
    response = c.post(reverse("petitions:petition_update", args=[petition.pk]), edit)
    assert response.status_code == 302, response.content.decode()[-1500:]
    assert petition.petitioners.get().id_number == id_number(44)


def test_sibling_staff_cannot_register_in_another_township(client_for, pusers, tree, category):
    response = client_for(pusers.sibling_staff).post(
        reverse("petitions:petition_create"),
        {"region": tree.village.code, "channel": "visit", "received_on": "2026-11-30", "title": "x", "content": "x",
         "category": category.pk, "petition_type": "claim", "conflict_level": "village",
         "p-TOTAL_FORMS": "1", "p-INITIAL_FORMS": "0", "p-0-name": "某", "n-TOTAL_FORMS": "0", "n-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 400
    assert not Petition.objects.filter(title="x").exists()


def test_print_notice_and_reply(client_for, pusers, case):
    c = client_for(pusers.staff)
    assert c.get(reverse("petitions:petition_print", args=[case.pk, "notice"])).status_code == 409
    case = petition_accept(actor=pusers.staff, petition=case)
    assert "受理告知书" in c.get(reverse("petitions:petition_print", args=[case.pk, "notice"])).content.decode()
    case = petition_reply(actor=pusers.staff, petition=case, opinion="supported", text="予以支持")
    assert "信访处理意见书" in c.get(reverse("petitions:petition_print", args=[case.pk, "reply"])).content.decode()
    assert c.get(reverse("petitions:petition_print", args=[case.pk, "other"])).status_code == 404


def test_export_is_masked_and_audited(client_for, pusers, case):
    from audit.models import AuditEvent

    response = client_for(pusers.staff).get(reverse("petitions:petition_export"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert id_number(11).encode() not in content
    assert AuditEvent.objects.filter(action="export", object_type="petitions.petition").count() == 1


def test_export_past_the_limit_is_refused_without_a_full_count(client_for, pusers, make_petition, monkeypatch):
    from audit.models import AuditEvent
    from petitions import views

    make_petition()
    make_petition()
    monkeypatch.setattr(views, "EXPORT_MAX_ROWS", 1)
    response = client_for(pusers.staff).get(reverse("petitions:petition_export"))
    assert response.status_code == 400
    assert "符合条件的记录超过单次导出上限 1 条。" in response.content.decode()
    assert AuditEvent.objects.filter(action="export", object_type="petitions.petition").count() == 0


def test_export_denied_without_the_permission(client_for, users):
    assert client_for(users.village_cadre).get(reverse("petitions:petition_export")).status_code == 403


def test_workload_visible_to_leaders_above(client_for, users, pusers, case):
    petition_owner_add(actor=pusers.staff, petition=case, leader=users.township_leader)
    body = client_for(users.county_leader).get(reverse("petitions:workload")).content.decode()
    assert 'data-testid="workload-townleader"' in body
    sibling = client_for(pusers.sibling_leader).get(reverse("petitions:workload")).content.decode()
    assert 'data-testid="workload-townleader"' not in sibling


def test_reception_day_and_down_visit_pages(client_for, users, tree, case):
    c = client_for(users.township_leader)
    response = c.post(
        reverse("petitions:receptionday_create"),
        {
            "region": tree.town.code,
            "held_on": "2026-11-28",
            "place": "镇信访接待室",
            "person_times": "12",
            "cases": case.number,
        },
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    day = ReceptionDay.objects.get()
    assert list(day.cases.all()) == [case]
    assert c.get(reverse("petitions:receptionday_list")).status_code == 200
    assert case.number in c.get(response["Location"]).content.decode()
    assert "领导接访" in c.get(reverse("petitions:petition_detail", args=[case.pk])).content.decode()
    response = c.post(
        reverse("petitions:downvisit_create"),
        {"region": tree.town.code, "visited_on": "2026-11-29", "villages": tree.village.code, "person_times": "30", "cases": case.number, "outcome": "现场答复"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-1500:]
    assert c.get(reverse("petitions:downvisit_list")).status_code == 200
    assert client_for(users.sibling_staff).get(response["Location"]).status_code == 404


def test_home_page_shows_the_cards(client_for, users, pusers, case):
    petition_owner_add(actor=pusers.staff, petition=case, leader=users.county_leader)
    body = client_for(users.county_leader).get(reverse("core:home")).content.decode()
    assert "我的包案" in body
    body = client_for(pusers.staff).get(reverse("core:home")).content.decode()
    assert "信访待办" in body and "待受理" in body


def test_a_search_by_id_number_is_posted_and_never_in_a_url_nor_the_trail(client_for, pusers, case):
    # Issue 9: the list's search form is POSTed; the redirect, the links and the export carry it sealed
    from audit.models import AuditEvent

    number = id_number(11)
    c = client_for(pusers.staff)
    posted = c.post(reverse("petitions:petition_list"), {"q": f"{number[:6]} {number[6:14]} {number[14:]}"})
    assert posted.status_code == 302 and "q=enc" in posted["Location"]
    assert number not in posted["Location"] and number[:6] + "+" not in posted["Location"]
    page = c.get(posted["Location"])
    assert [p.pk for p in page.context["rows"]] == [case.pk]
    html = page.content.decode()
    assert number not in html and number[:17] not in html
    export = c.get(f"{reverse('petitions:petition_export')}?{page.context['filter_querystring']}")
    assert export.status_code == 200
    trail = "\n".join(str(row) for row in AuditEvent.objects.values())
    assert "导出信访件 1 行" in trail and number[:14] not in trail


def test_detail_shows_the_change_history_with_labels(client_for, users, pusers, secret):
    from petitions.services import petition_progress_add

    petition_owner_add(actor=pusers.staff, petition=secret, leader=users.township_leader)
    petition_progress_add(actor=pusers.staff, petition=secret, text="已约谈信访人")
    body = client_for(pusers.staff).get(reverse("petitions:petition_detail", args=[secret.pk])).content.decode()
    history = body[body.index('data-testid="history"') :]
    history = history[: history.index("</ol>")]
    assert "<td>包案领导</td>" in history and "<td>办理进展</td>" in history
    assert "已约谈信访人" in history
    assert "<td>信访人</td>" in history  # the creation, petitioners by label
    assert (
        f'<td>事项类别</td><td class="text-muted text-wrap">—</td><td class="text-wrap">{secret.category}</td>'
        in history
    )
    for raw in ("<td>owners</td>", "<td>progress</td>", "<td>petitioners</td>"):
        assert raw not in history
    # The named officials still see neither the case nor its history.
    for name in ("named", "named_staff"):
        c = client_for(getattr(pusers, name))
        assert c.get(reverse("petitions:petition_detail", args=[secret.pk])).status_code == 404
