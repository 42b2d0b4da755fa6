"""Pages of counterpart support, village links, projects, trainings and stays: detail pages with
history, the forms (phone-usable, bad input changes nothing), exports (masked, audited) and the
breakdown by supporting unit and county, each with its permission matrix."""

import datetime

import pytest

from audit.models import AuditEvent
from pairings.models import LinkCadre, LinkProject, Stay, SupportAssignment, SupportCadre, Training, VillageLink
from pairings.services import link_project_create, stay_create, support_cadre_add, training_create
from tests.pairings.test_support import DAY, assignment, link, province_unit, who  # noqa: F401 (fixtures)

LATER = datetime.date(2026, 6, 1)


@pytest.fixture
def records(users, tree, link, assignment, cadres):  # noqa: F811
    support_cadre_add(actor=users.province, assignment=assignment, data={"cadre": cadres.own, "started_on": LATER})
    project = link_project_create(actor=users.township_staff, data={"link": link, "name": "饮水工程", "kind": "water",
                                                                    "funds_fen": 12345, "planned_on": DAY})  # fmt: skip
    training = training_create(
        actor=users.township_staff, data={"link": link, "held_on": DAY, "topic": "种植", "person_times": 5}
    )
    stay = stay_create(actor=users.township_staff, data={"cadre": cadres.own, "region": tree.village,
                                                         "started_on": DAY, "purpose": "调研"})  # fmt: skip
    return {"support": assignment, "village-links": link, "link-projects": project, "trainings": training,
            "stays": stay}  # fmt: skip


DETAIL_MATRIX = [
    ("anonymous", 302), ("cadre", 404), ("village_cadre", 200), ("township_staff", 200), ("sibling_staff", 404),
    ("county_leader", 200), ("prefecture_leader", 200), ("province", 200), ("system_admin", 404), ("superuser", 200),
]  # fmt: skip


@pytest.mark.parametrize("page", ["village-links", "link-projects", "trainings", "stays"])
@pytest.mark.parametrize(("name", "status"), DETAIL_MATRIX)
def test_village_level_detail_pages_are_scoped(client_for, users, cadre_user, records, page, name, status):
    response = client_for(who(users, cadre_user, name)).get(f"/pairings/{page}/{records[page].pk}/")
    assert response.status_code == status
    if status == 200:
        assert "变更记录" in response.content.decode()
        assert response.context["history"]  # the creation is recorded


@pytest.mark.parametrize(
    ("name", "status"),
    # the assignment is the county's: village and township posts are below it
    [("anonymous", 302), ("village_cadre", 404), ("township_staff", 404), ("county_leader", 200),
     ("province", 200), ("system_admin", 404)],
)  # fmt: skip
def test_support_detail_is_the_countys(client_for, users, records, name, status):
    response = client_for(getattr(users, name, None)).get(f"/pairings/support/{records['support'].pk}/")
    assert response.status_code == status
    if status == 200:
        table = response.content.decode()
        assert "张帮扶" in table and LATER.isoformat() in table


def test_detail_pages_list_their_parts(client_for, users, records):
    page = client_for(users.township_staff).get(f"/pairings/village-links/{records['village-links'].pk}/")
    html = page.content.decode()
    assert "饮水工程" in html and "种植" in html
    assert f"/pairings/village-links/{records['village-links'].pk}/projects/new/" in html


# --- forms ------------------------------------------------------------------------------------------
CREATE_MATRIX = [("anonymous", 302, 0), ("cadre", 403, 0), ("county_leader", 403, 0), ("system_admin", 403, 0),
                 ("township_staff", 302, 1), ("sibling_staff", 400, 0)]  # fmt: skip


@pytest.mark.parametrize(("name", "status", "written"), CREATE_MATRIX)
def test_stay_form_matrix(client_for, users, cadre_user, tree, cadres, name, status, written):
    client = client_for(who(users, cadre_user, name))
    data = {"cadre": cadres.own.pk, "region": tree.village.code, "started_on": "2026-03-01", "purpose": "蹲点调研"}
    response = client.post("/pairings/stays/new/", data)
    assert response.status_code == status
    assert Stay.objects.count() == written
    if written:
        assert response["Location"] == f"/pairings/stays/{Stay.objects.get().pk}/"


@pytest.mark.parametrize(("name", "status", "written"), CREATE_MATRIX)
def test_link_form_matrix(client_for, users, cadre_user, tree, units, name, status, written):
    client = client_for(who(users, cadre_user, name))
    data = {"unit": units.county.pk, "region": tree.village.code, "started_on": "2026-03-01"}
    response = client.post("/pairings/village-links/new/", data)
    assert response.status_code == status
    assert VillageLink.objects.count() == written


@pytest.mark.parametrize(
    ("name", "status", "written"),
    # township staff may register support, but the county is above their jurisdiction (400, the field says so)
    [("anonymous", 302, 0), ("township_staff", 400, 0), ("county_leader", 403, 0), ("province", 302, 1)],
)
def test_support_form_matrix(client_for, users, tree, province_unit, name, status, written):  # noqa: F811
    data = {"unit": province_unit.pk, "region": tree.county.code, "started_on": "2026-03-01"}
    response = client_for(getattr(users, name, None)).post("/pairings/support/new/", data)
    assert response.status_code == status
    assert SupportAssignment.objects.count() == written


def test_forms_render_on_a_phone_friendly_page(client_for, users, records):
    client = client_for(users.township_staff)
    for url in ("/pairings/stays/new/", "/pairings/village-links/new/",
                f"/pairings/village-links/{records['village-links'].pk}/projects/new/",
                f"/pairings/village-links/{records['village-links'].pk}/trainings/new/",
                f"/pairings/village-links/{records['village-links'].pk}/cadres/new/",
                f"/pairings/link-projects/{records['link-projects'].pk}/edit/",
                f"/pairings/trainings/{records['trainings'].pk}/edit/",
                f"/pairings/stays/{records['stays'].pk}/edit/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'name="viewport"' in html and 'type="date"' in html, url


def test_bad_input_is_shown_and_changes_nothing(client_for, users, tree, records):
    client = client_for(users.township_staff)
    village_link = records["village-links"]
    before = (LinkProject.objects.count(), Training.objects.count(), Stay.objects.count())
    bad_project = client.post(f"/pairings/village-links/{village_link.pk}/projects/new/",
                              {"name": "", "kind": "water", "funds_fen": "-3", "planned_on": "2026-03-01"})  # fmt: skip
    bad_training = client.post(f"/pairings/village-links/{village_link.pk}/trainings/new/",
                               {"held_on": "2025-01-01", "topic": "养殖", "person_times": "4"})  # fmt: skip
    bad_stay = client.post("/pairings/stays/new/", {"cadre": records["stays"].cadre_id, "region": tree.village.code,
                                                    "started_on": "2026-03-05", "ended_on": "2026-03-01",
                                                    "purpose": "调研"})  # fmt: skip
    assert (bad_project.status_code, bad_training.status_code, bad_stay.status_code) == (400, 400, 400)
    assert "请填写项目名称" in bad_project.content.decode() or "必填" in bad_project.content.decode()
    assert "培训日期不能早于联系开始日期" in bad_training.content.decode()
    assert "结束日期不能早于开始日期" in bad_stay.content.decode()
    assert (LinkProject.objects.count(), Training.objects.count(), Stay.objects.count()) == before


def test_edit_with_a_stale_version_is_refused(client_for, users, records):
    stay = records["stays"]
    client = client_for(users.township_staff)
    data = {"version": stay.version, "started_on": "2026-03-01", "purpose": "新的目的", "work_done": "走访"}
    assert client.post(f"/pairings/stays/{stay.pk}/edit/", data).status_code == 302
    stale = client.post(f"/pairings/stays/{stay.pk}/edit/", {**data, "purpose": "覆盖"})
    assert stale.status_code == 409
    stay.refresh_from_db()
    assert stay.purpose == "新的目的" and stay.version == 2
    # the edit shows in the history
    page = client.get(f"/pairings/stays/{stay.pk}/")
    assert "新的目的" in page.content.decode()


def test_out_of_scope_edit_is_404_and_changes_nothing(client_for, users, records):
    stay = records["stays"]
    response = client_for(users.sibling_staff).post(
        f"/pairings/stays/{stay.pk}/edit/", {"version": 1, "started_on": "2026-03-01", "purpose": "改"}
    )
    assert response.status_code == 404
    # a leader who reads it may not change it
    response = client_for(users.county_leader).post(
        f"/pairings/stays/{stay.pk}/edit/", {"version": 1, "started_on": "2026-03-01", "purpose": "改"}
    )
    assert response.status_code == 403
    stay.refresh_from_db()
    assert stay.purpose == "调研" and stay.version == 1


def test_project_advances_from_its_page(client_for, users, records):
    project = records["link-projects"]
    client = client_for(users.township_staff)
    url = f"/pairings/link-projects/{project.pk}/"
    assert client.post(url, {"version": 1, "status": "completed", "on": "2026-04-01"}).status_code == 400
    assert client.post(url, {"version": 1, "status": "under_way", "on": "2026-02-01"}).status_code == 400
    project.refresh_from_db()
    assert project.status == "planned"
    assert client.post(url, {"version": 1, "status": "under_way", "on": "2026-04-01"}).status_code == 302
    assert client_for(users.county_leader).post(url, {"version": 2, "status": "completed",
                                                       "on": "2026-05-01"}).status_code == 403  # fmt: skip
    project.refresh_from_db()
    assert project.status == "under_way" and project.started_on == datetime.date(2026, 4, 1)


def test_cadres_are_sent_from_the_detail_page(client_for, users, cadres, records):
    village_link = records["village-links"]
    client = client_for(users.township_staff)
    response = client.post(f"/pairings/village-links/{village_link.pk}/cadres/new/",
                           {"cadre": cadres.other.pk, "started_on": "2026-03-02"})  # fmt: skip
    assert response.status_code == 302 and LinkCadre.objects.filter(link=village_link).count() == 1
    again = client.post(f"/pairings/village-links/{village_link.pk}/cadres/new/",
                        {"cadre": cadres.other.pk, "started_on": "2026-03-03"})  # fmt: skip
    assert again.status_code == 400 and LinkCadre.objects.filter(link=village_link).count() == 1
    denied = client_for(users.township_staff).post(f"/pairings/support/{records['support'].pk}/cadres/new/",
                                                   {"cadre": cadres.other.pk, "started_on": "2026-07-01"})  # fmt: skip
    assert denied.status_code == 404 and SupportCadre.objects.count() == 1


# --- exports and the breakdown -------------------------------------------------------------------------
@pytest.mark.parametrize("page", ["support", "village-links", "link-projects", "trainings", "stays"])
@pytest.mark.parametrize(("name", "status", "rows"),
                         [("anonymous", 302, None), ("cadre", 403, None), ("county_leader", 200, 1),
                          ("sibling_staff", 200, 0), ("system_admin", 403, None)])  # fmt: skip
def test_exports_are_scoped_and_audited(client_for, users, cadre_user, records, page, name, status, rows):
    from openpyxl import load_workbook

    response = client_for(who(users, cadre_user, name)).get(f"/pairings/{page}/export/")
    assert response.status_code == status
    if status == 200:
        import io

        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content if response.streaming else
                                                  [response.content]))).active  # fmt: skip
        assert sheet.max_row - 1 == rows
        event = AuditEvent.objects.filter(action="export").latest("id")
        assert event.actor_id == who(users, cadre_user, name).pk


def test_stay_export_carries_no_personal_numbers(client_for, users, records):
    import io

    from openpyxl import load_workbook

    cadre = records["stays"].cadre
    cadre.phone = "13812345678"
    cadre.save()
    response = client_for(users.county_leader).get("/pairings/stays/export/")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    values = [str(c.value) for row in load_workbook(io.BytesIO(content)).active.iter_rows() for c in row]
    assert "张帮扶" in values and not any("13812345678" in v for v in values)


@pytest.mark.parametrize(("name", "status", "n_units"),
                         [("anonymous", 302, None), ("cadre", 403, None), ("county_leader", 200, 1),
                          ("sibling_staff", 200, 0), ("province", 200, 1), ("system_admin", 403, None)])  # fmt: skip
def test_breakdown_by_supporting_unit(client_for, users, cadre_user, records, name, status, n_units):
    response = client_for(who(users, cadre_user, name)).get("/pairings/support/by-unit/")
    assert response.status_code == status
    if status == 200:
        assert len(response.context["by_unit"]) == n_units
        if n_units:
            row = response.context["by_unit"][0]
            assert (row["unit__name"], row["counties"], row["sent"], row["serving"]) == ("省农业农村厅", 1, 1, 1)
            assert response.context["by_county"][0]["region__name"] == "金堂县"


# --- the API's detail and edit matrix (lists and creates are in test_support.py) -------------------
API = {"support": "support-assignments", "village-links": "village-links", "link-projects": "link-projects",
       "trainings": "trainings", "stays": "stays"}  # fmt: skip
EDITS = {"support": {"note": "改"}, "village-links": {"note": "改"}, "link-projects": {"name": "改"},
         "trainings": {"topic": "改"}, "stays": {"purpose": "改"}}  # fmt: skip
# (user, read, edit of a village-level record, read, edit of the county's support assignment)
# Users with no change right anywhere are refused before the record is looked up (403, whether or not
# it exists); those with the right elsewhere do not find it (404).
API_MATRIX = [
    ("anonymous", 401, 401, 401, 401), ("cadre", 404, 403, 404, 403), ("village_cadre", 200, 200, 404, 404),
    ("township_staff", 200, 200, 404, 404), ("sibling_staff", 404, 404, 404, 404),
    ("county_leader", 200, 403, 200, 403), ("province", 200, 200, 200, 200), ("system_admin", 404, 403, 404, 403),
    ("auditor", 404, 403, 404, 403), ("superuser", 200, 200, 200, 200),
]  # fmt: skip


@pytest.mark.parametrize("page", list(API))
@pytest.mark.parametrize(("name", "read", "edit", "county_read", "county_edit"), API_MATRIX)
def test_api_detail_and_edit_matrix(api_for, users, cadre_user, records, page, name, read, edit, county_read,
                                    county_edit):  # fmt: skip
    record = records[page]
    if page == "support":
        read, edit = county_read, county_edit
    client = api_for(who(users, cadre_user, name))
    url = f"/api/v1/{API[page]}/{record.pk}/"
    assert client.get(url).status_code == read
    before = AuditEvent.objects.count()
    response = client.patch(url, {**EDITS[page], "version": record.version}, format="json")
    assert response.status_code == edit
    stored = type(record).objects.get(pk=record.pk)
    field, value = next(iter(EDITS[page].items()))
    if edit == 200:
        assert getattr(stored, field) == value and stored.version == record.version + 1
    else:  # a denied write changes nothing
        assert getattr(stored, field) == getattr(record, field) and stored.version == record.version
        assert AuditEvent.objects.count() == before
    assert client.delete(url).status_code in (401, 403, 404, 405)
    assert type(record).objects.filter(pk=record.pk).exists()


def test_detail_and_breakdown_query_counts_do_not_grow(client_for, users, tree, units, cadres, records):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pairings.services import link_cadre_add, support_assignment_create
    from tests.pairings.conftest import make_unit

    client = client_for(users.province)
    village_link = records["village-links"]

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    detail, breakdown = f"/pairings/village-links/{village_link.pk}/", "/pairings/support/by-unit/"
    count(detail), count(breakdown)  # the first request also fills per-process caches
    before = (count(detail), count(breakdown))
    for index in range(3):
        link_project_create(actor=users.province, data={"link": village_link, "name": f"项目{index}", "kind": "roads",
                                                        "planned_on": DAY})  # fmt: skip
        training_create(
            actor=users.province, data={"link": village_link, "held_on": DAY, "topic": "x", "person_times": 2}
        )
        unit = make_unit(tree.province, f"省厅{index}", 1)
        another = support_assignment_create(actor=users.province, data={"unit": unit, "region": tree.county,
                                                                        "started_on": DAY})  # fmt: skip
        support_cadre_add(actor=users.province, assignment=another, data={"cadre": cadres.other, "started_on": DAY})
    for cadre in (cadres.own, cadres.other):
        link_cadre_add(actor=users.province, link=village_link, data={"cadre": cadre, "started_on": DAY})
    assert (count(detail), count(breakdown)) == before


def test_pages_render_in_english(client_for, users, records):
    client = client_for(users.province)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    link_pk = records["village-links"].pk
    expected = {
        "/pairings/support/by-unit/": "By supporting unit",
        f"/pairings/support/{records['support'].pk}/": "Record a cadre sent",
        f"/pairings/village-links/{link_pk}/": "Record a training",
        f"/pairings/link-projects/{records['link-projects'].pk}/": "Start work",
        f"/pairings/stays/{records['stays'].pk}/": "Stay period",
        "/pairings/stays/new/": "Record a stay",
        f"/pairings/village-links/{link_pk}/projects/new/": "Record a village-link project",
    }
    for url, text in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="en">' in html and text in html, url
