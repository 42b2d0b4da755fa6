"""对口支援、联村帮户、蹲点: validation with clear errors, the project state machine, the API's
permission matrix (denied writes change nothing), the version check."""

import datetime

import pytest

from core.exceptions import OutOfScope, ServiceError, TransitionNotAllowed
from pairings.choices import UnitLevel
from pairings.models import LinkCadre, LinkProject, Stay, SupportAssignment, SupportCadre, Training, VillageLink
from pairings.services import (
    link_cadre_add,
    link_project_advance,
    link_project_create,
    stay_create,
    support_assignment_create,
    support_cadre_add,
    training_create,
    village_link_create,
)
from tests.pairings.conftest import make_unit

DAY = datetime.date(2026, 3, 1)
LATER = datetime.date(2026, 6, 1)


def who(users, cadre_user, name):
    return cadre_user if name == "cadre" else getattr(users, name, None)


@pytest.fixture
def province_unit(tree):
    return make_unit(tree.province, "省农业农村厅", UnitLevel.PROVINCE)


@pytest.fixture
def link(users, tree, units):
    return village_link_create(
        actor=users.township_staff, data={"unit": units.county, "region": tree.village, "started_on": DAY}
    )


@pytest.fixture
def assignment(users, tree, province_unit):
    return support_assignment_create(
        actor=users.province, data={"unit": province_unit, "region": tree.county, "started_on": DAY}
    )


# --- validation ---------------------------------------------------------------------------------
def errors(exc_info):
    return exc_info.value.message_dict


def test_support_needs_a_county_and_ordered_dates(users, tree, province_unit):
    with pytest.raises(ServiceError) as exc:
        support_assignment_create(
            actor=users.superuser, data={"unit": province_unit, "region": tree.town, "started_on": DAY}
        )
    assert errors(exc) == {"region": ["受援地应为县（市、区）。"]}
    with pytest.raises(ServiceError) as exc:
        support_assignment_create(
            actor=users.superuser,
            data={"unit": province_unit, "region": tree.county, "started_on": LATER, "ended_on": DAY},
        )
    assert errors(exc) == {"ended_on": ["结束日期不能早于开始日期。"]}
    assert not SupportAssignment.objects.exists()


def test_support_cadre_period_within_assignment(users, assignment, cadres):
    with pytest.raises(ServiceError) as exc:
        support_cadre_add(actor=users.province, assignment=assignment,
                          data={"cadre": cadres.own, "started_on": DAY - datetime.timedelta(days=1)})  # fmt: skip
    assert "started_on" in errors(exc)
    support_cadre_add(actor=users.province, assignment=assignment, data={"cadre": cadres.own, "started_on": DAY})
    with pytest.raises(ServiceError) as exc:
        support_cadre_add(actor=users.province, assignment=assignment, data={"cadre": cadres.own, "started_on": DAY})
    assert "cadre" in errors(exc)
    assert SupportCadre.objects.get().region_id == assignment.region_id


def test_link_needs_a_village_and_counts_first_only(users, tree, units, link):
    with pytest.raises(ServiceError) as exc:
        village_link_create(actor=users.superuser, data={"unit": units.town, "region": tree.town, "started_on": DAY})
    assert errors(exc) == {"region": ["应选择村或社区。"]}
    with pytest.raises(ServiceError):  # the same unit and village, still linked
        village_link_create(actor=users.superuser, data={"unit": units.county, "region": tree.village,
                                                         "started_on": DAY})  # fmt: skip
    second = village_link_create(
        actor=users.superuser, data={"unit": units.town, "region": tree.village, "started_on": DAY}
    )
    third = village_link_create(
        actor=users.superuser, data={"unit": units.county, "region": tree.village2, "started_on": DAY}
    )
    assert (link.first_for_village, link.first_for_unit) == (True, True)
    assert (second.first_for_village, second.first_for_unit) == (False, True)
    assert (third.first_for_village, third.first_for_unit) == (True, False)


def test_link_cadre_and_out_of_scope(users, link, cadres):
    link_cadre_add(actor=users.township_staff, link=link, data={"cadre": cadres.other, "started_on": DAY})
    with pytest.raises(OutOfScope):
        link_cadre_add(actor=users.sibling_staff, link=link, data={"cadre": cadres.sibling, "started_on": DAY})
    assert LinkCadre.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [({"funds_fen": -1}, "funds_fen"), ({"name": " "}, "name"), ({"kind": "space"}, "kind")],
)
def test_project_validation(users, link, data, field):
    base = {"link": link, "name": "饮水工程", "kind": "water", "funds_fen": 100, "planned_on": DAY}
    with pytest.raises(ServiceError) as exc:
        link_project_create(actor=users.township_staff, data={**base, **data})
    assert field in errors(exc)
    assert not LinkProject.objects.exists()


def test_project_state_machine(users, link):
    project = link_project_create(
        actor=users.township_staff,
        data={"link": link, "name": "核桃产业", "kind": "industry", "funds_fen": 5_000_00, "planned_on": DAY},
    )
    assert project.status == "planned" and project.region_id == link.region_id
    with pytest.raises(TransitionNotAllowed):  # planned → completed skips a step
        link_project_advance(actor=users.township_staff, project=project, expected_version=1, status="completed",
                             on=LATER)  # fmt: skip
    with pytest.raises(ServiceError):  # started before it was planned
        link_project_advance(actor=users.township_staff, project=project, expected_version=1, status="under_way",
                             on=DAY - datetime.timedelta(days=1))  # fmt: skip
    link_project_advance(actor=users.township_staff, project=project, expected_version=1, status="under_way", on=DAY)
    with pytest.raises(TransitionNotAllowed):  # never backwards
        link_project_advance(actor=users.township_staff, project=project, expected_version=2, status="planned",
                             on=LATER)  # fmt: skip
    link_project_advance(actor=users.township_staff, project=project, expected_version=2, status="completed",
                         on=LATER)  # fmt: skip
    project.refresh_from_db()
    assert (project.status, project.started_on, project.completed_on, project.version) == ("completed", DAY, LATER, 3)
    with pytest.raises(ServiceError):  # completed is final
        link_project_advance(actor=users.township_staff, project=project, expected_version=3, status="under_way",
                             on=LATER)  # fmt: skip


def test_training_and_stay_validation(users, tree, link, cadres):
    with pytest.raises(ServiceError) as exc:
        training_create(
            actor=users.township_staff, data={"link": link, "held_on": DAY, "topic": "种植", "person_times": 0}
        )
    assert "person_times" in errors(exc)
    training_create(
        actor=users.township_staff, data={"link": link, "held_on": DAY, "topic": "种植", "person_times": 40}
    )
    with pytest.raises(ServiceError) as exc:
        stay_create(actor=users.township_staff, data={"cadre": cadres.own, "region": tree.town, "started_on": DAY,
                                                      "purpose": "调研"})  # fmt: skip
    assert "region" in errors(exc)
    with pytest.raises(ServiceError) as exc:
        stay_create(actor=users.township_staff, data={"cadre": cadres.own, "region": tree.village2,
                                                      "started_on": LATER, "ended_on": DAY, "purpose": "调研"})  # fmt: skip
    assert "ended_on" in errors(exc)
    stay_create(actor=users.township_staff, data={"cadre": cadres.own, "region": tree.village2, "started_on": DAY,
                                                  "purpose": "调研", "work_done": "走访 30 户"})  # fmt: skip
    assert Training.objects.count() == 1 and Stay.objects.count() == 1


# --- API ----------------------------------------------------------------------------------------
ENDPOINTS = ["support-assignments", "village-links", "link-projects", "trainings", "stays"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("name", "status"), [("anonymous", 401), ("cadre", 200), ("county_leader", 200),
                                              ("province", 200), ("auditor", 200)])  # fmt: skip
def test_lists_answer(api_for, users, cadre_user, endpoint, name, status):
    response = api_for(who(users, cadre_user, name)).get(f"/api/v1/{endpoint}/")
    assert response.status_code == status
    if status == 200:
        assert response.data["count"] == 0


@pytest.mark.parametrize(
    ("name", "status", "written"),
    # township staff: the county is outside their jurisdiction (400, "not in your jurisdiction")
    [("anonymous", 401, 0), ("cadre", 403, 0), ("township_staff", 400, 0), ("county_leader", 403, 0),
     ("system_admin", 403, 0), ("province", 201, 1), ("superuser", 201, 1)],
)  # fmt: skip
def test_support_create_matrix(api_for, users, cadre_user, tree, province_unit, name, status, written):
    response = api_for(who(users, cadre_user, name)).post(
        "/api/v1/support-assignments/",
        {"unit": province_unit.pk, "region": tree.county.code, "started_on": DAY.isoformat()},
        format="json",
    )
    assert response.status_code == status
    assert SupportAssignment.objects.count() == written


@pytest.mark.parametrize(
    ("name", "status", "written"),
    [("anonymous", 401, 0), ("cadre", 403, 0), ("village_cadre", 201, 1), ("township_staff", 201, 1),
     ("sibling_staff", 400, 0), ("county_leader", 403, 0), ("system_admin", 403, 0), ("superuser", 201, 1)],
)  # fmt: skip
def test_link_create_matrix(api_for, users, cadre_user, tree, units, name, status, written):
    response = api_for(who(users, cadre_user, name)).post(
        "/api/v1/village-links/",
        {"unit": units.county.pk, "region": tree.village.code, "started_on": DAY.isoformat()},
        format="json",
    )
    assert response.status_code == status, response.data
    assert VillageLink.objects.count() == written


@pytest.mark.parametrize(
    ("name", "status", "written"),
    [("cadre", 403, 0), ("township_staff", 201, 1), ("sibling_staff", 400, 0), ("county_leader", 403, 0),
     ("province", 201, 1)],
)  # fmt: skip
def test_project_training_stay_create_matrix(api_for, users, cadre_user, tree, link, cadres, name, status, written):
    client = api_for(who(users, cadre_user, name))
    project = client.post("/api/v1/link-projects/", {"link": link.pk, "name": "通村路", "kind": "roads",
                                                     "funds_fen": 100, "planned_on": DAY.isoformat()}, format="json")  # fmt: skip
    training = client.post("/api/v1/trainings/", {"link": link.pk, "held_on": DAY.isoformat(), "topic": "养殖",
                                                  "person_times": 12}, format="json")  # fmt: skip
    stay = client.post("/api/v1/stays/", {"cadre": cadres.other.pk, "region": tree.village.code,
                                          "started_on": DAY.isoformat(), "purpose": "蹲点调研"}, format="json")  # fmt: skip
    assert (project.status_code, training.status_code, stay.status_code) == (status,) * 3
    assert (LinkProject.objects.count(), Training.objects.count(), Stay.objects.count()) == (written,) * 3


def test_api_bad_input_changes_nothing(api_for, users, tree, link):
    client = api_for(users.township_staff)
    bad = client.post("/api/v1/link-projects/", {"link": link.pk, "name": "x", "kind": "water", "funds_fen": -5,
                                                 "planned_on": DAY.isoformat()}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "funds_fen" in bad.data
    bad = client.post("/api/v1/trainings/", {"link": link.pk, "held_on": DAY.isoformat(), "topic": "x",
                                             "person_times": 0}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "person_times" in bad.data
    assert not LinkProject.objects.exists() and not Training.objects.exists()


def test_api_project_advance_and_version_check(api_for, users, link):
    staff = api_for(users.township_staff)
    created = staff.post("/api/v1/link-projects/", {"link": link.pk, "name": "安置房", "kind": "housing",
                                                    "funds_fen": 1000, "planned_on": DAY.isoformat()}, format="json")  # fmt: skip
    url = f"/api/v1/link-projects/{created.data['id']}/"
    assert staff.patch(url, {"funds_fen": 2000}, format="json").status_code == 400  # no version
    assert staff.patch(url, {"funds_fen": 2000, "version": 1}, format="json").status_code == 200
    assert staff.patch(url, {"funds_fen": 3000, "version": 1}, format="json").status_code == 409
    skip = staff.post(f"{url}advance/", {"version": 2, "status": "completed", "on": LATER.isoformat()}, format="json")
    assert skip.status_code == 400
    assert api_for(users.county_leader).post(f"{url}advance/", {"version": 2, "status": "under_way",
                                                                "on": DAY.isoformat()}, format="json").status_code == 403  # fmt: skip
    assert api_for(users.sibling_staff).post(f"{url}advance/", {"version": 2, "status": "under_way",
                                                                "on": DAY.isoformat()}, format="json").status_code == 404  # fmt: skip
    started = staff.post(f"{url}advance/", {"version": 2, "status": "under_way", "on": DAY.isoformat()}, format="json")
    assert started.status_code == 200 and started.data["status"] == "under_way"
    project = LinkProject.objects.get()
    assert (project.funds_fen, project.status, project.version) == (2000, "under_way", 3)


def test_api_send_cadres(api_for, users, tree, link, assignment, cadres):
    staff = api_for(users.township_staff)
    response = staff.post(f"/api/v1/village-links/{link.pk}/cadres/",
                          {"cadre": cadres.other.pk, "started_on": DAY.isoformat()}, format="json")  # fmt: skip
    assert response.status_code == 201 and [c["cadre_name"] for c in response.data["cadres"]] == ["李认亲"]
    denied = api_for(users.county_leader).post(f"/api/v1/village-links/{link.pk}/cadres/",
                                               {"cadre": cadres.own.pk, "started_on": DAY.isoformat()}, format="json")  # fmt: skip
    assert denied.status_code == 403 and LinkCadre.objects.count() == 1
    denied = staff.post(f"/api/v1/support-assignments/{assignment.pk}/cadres/",
                        {"cadre": cadres.own.pk, "started_on": DAY.isoformat()}, format="json")  # fmt: skip
    assert denied.status_code == 404 and not SupportCadre.objects.exists()  # the county is not theirs
    sent = api_for(users.province).post(f"/api/v1/support-assignments/{assignment.pk}/cadres/",
                                        {"cadre": cadres.own.pk, "started_on": DAY.isoformat()}, format="json")  # fmt: skip
    assert sent.status_code == 201 and len(sent.data["cadres"]) == 1
    assert api_for(users.township_staff).get(f"/api/v1/support-assignments/{assignment.pk}/").status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_api_list_query_count_is_bounded(api_for, users, tree, units, cadres, endpoint):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_for(users.superuser)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/{endpoint}/").status_code == 200
        return len(ctx.captured_queries)

    def add_rows(unit, village):
        link = village_link_create(actor=users.superuser, data={"unit": unit, "region": village, "started_on": DAY})
        assignment = support_assignment_create(
            actor=users.superuser, data={"unit": unit, "region": tree.county, "started_on": DAY}
        )
        for cadre in (cadres.own, cadres.other):
            link_cadre_add(actor=users.superuser, link=link, data={"cadre": cadre, "started_on": DAY})
            support_cadre_add(actor=users.superuser, assignment=assignment, data={"cadre": cadre, "started_on": DAY})
        link_project_create(
            actor=users.superuser, data={"link": link, "name": "路", "kind": "roads", "planned_on": DAY}
        )
        training_create(actor=users.superuser, data={"link": link, "held_on": DAY, "topic": "x", "person_times": 3})
        stay_create(actor=users.superuser, data={"cadre": cadres.own, "region": village, "started_on": DAY,
                                                 "purpose": "调研"})  # fmt: skip

    add_rows(units.county, tree.village)
    one = count()
    add_rows(units.town, tree.village2)
    add_rows(units.sibling, tree.sibling_village)
    assert count() == one


# --- list pages ---------------------------------------------------------------------------------
PAGES = ["support", "village-links", "link-projects", "trainings", "stays"]


@pytest.mark.parametrize("page", PAGES)
def test_list_pages_are_scoped(client_for, users, tree, link, assignment, cadres, page):
    link_project_create(actor=users.township_staff, data={"link": link, "name": "饮水工程", "kind": "water",
                                                          "funds_fen": 12345, "planned_on": DAY})  # fmt: skip
    training_create(actor=users.township_staff, data={"link": link, "held_on": DAY, "topic": "种植", "person_times": 5})
    stay_create(actor=users.township_staff, data={"cadre": cadres.own, "region": tree.village, "started_on": DAY,
                                                  "purpose": "调研"})  # fmt: skip
    url = f"/pairings/{page}/"
    assert client_for(None).get(url).status_code == 302
    seen = client_for(users.county_leader).get(url)
    assert seen.status_code == 200 and seen.context["page_obj"].paginator.count == 1
    assert client_for(users.sibling_staff).get(url).context["page_obj"].paginator.count == 0
    assert client_for(users.county_leader).get(url, {"ordering": "nonsense"}).status_code == 400
