"""Editing a case and its owners through the API: PATCH with the version check (stale → 409),
owner assign/remove actions (history, reason), scoped; denied writes change nothing; the
officials an accusation names never reach the case."""

import pytest

from audit.models import AuditEvent
from petitions.choices import EventKind
from petitions.models import Petition, PetitionEvent, PetitionOwner
from tests.petitions.conftest import id_number

pytestmark = pytest.mark.django_db
URL = "/api/v1/petitions/"


@pytest.fixture
def case(make_petition):
    return make_petition()


def state(petition):
    petition = Petition.objects.get(pk=petition.pk)
    return (
        petition.version,
        petition.title,
        petition.top_owner_level,
        list(petition.petitioners.values_list("name", flat=True)),
        list(PetitionOwner.objects.filter(petition=petition).values_list("leader_id", "is_lead")),
        PetitionEvent.objects.filter(petition=petition).count(),
    )


def test_patch_changes_only_the_fields_sent_with_the_version(api_for, pusers, case):
    c = api_for(pusers.staff)
    response = c.patch(f"{URL}{case.pk}/", {"version": 1, "title": "补偿款发放不足额"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == "补偿款发放不足额" and body["version"] == 2
    assert body["content"] == case.content and body["petitioners"][0]["name"] == "张三"
    assert PetitionEvent.objects.filter(petition=case, kind=EventKind.UPDATED).count() == 1
    assert [e.changes for e in AuditEvent.objects.filter(object_id=str(case.pk), action="update")] == [
        {"fields": ["title"]}
    ]
    stale = c.patch(f"{URL}{case.pk}/", {"version": 1, "title": "又改"}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_edit"
    assert Petition.objects.get(pk=case.pk).title == "补偿款发放不足额"


def test_patch_replaces_petitioners_and_refuses_bad_input(api_for, pusers, case):
    c = api_for(pusers.staff)
    before = state(case)
    assert c.patch(f"{URL}{case.pk}/", {"title": "无版本"}, format="json").status_code == 400
    bad_id = c.patch(
        f"{URL}{case.pk}/", {"version": 1, "petitioners": [{"name": "李四", "id_number": "123"}]}, format="json"
    )
    assert bad_id.status_code == 400 and "petitioners" in bad_id.json()
    six = [{"name": f"代表{i}", "is_representative": True} for i in range(6)]
    group = c.patch(
        f"{URL}{case.pk}/", {"version": 1, "is_group": True, "group_size": 30, "petitioners": six}, format="json"
    )
    assert group.status_code == 400 and "第二十条" in str(group.json())
    future = c.patch(f"{URL}{case.pk}/", {"version": 1, "received_on": "2999-01-01"}, format="json")
    assert future.status_code == 400
    assert c.put(f"{URL}{case.pk}/", {"version": 1, "title": "x"}, format="json").status_code == 405
    assert state(case) == before
    ok = c.patch(
        f"{URL}{case.pk}/",
        {"version": 1, "petitioners": [{"name": "李四", "id_number": id_number(12)}, {"name": "王五"}]},
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert [p["name"] for p in ok.json()["petitioners"]] == ["李四", "王五"]
    assert id_number(12) not in ok.content.decode()


def test_denied_patches_change_nothing(api_for, users, pusers, make_petition):
    secret = make_petition(petition_type="accusation", named_officials=[{"user": pusers.named}])
    before = state(secret)
    for user, expected in (
        (None, 401),
        (pusers.sibling_staff, 404),  # out of scope
        (users.province, 403),  # sees the case, may not change it
        (users.auditor, 404),
        (pusers.named, 404),  # named by the accusation: the case does not exist for them
    ):
        response = api_for(user).patch(f"{URL}{secret.pk}/", {"version": 1, "title": "改"}, format="json")
        assert response.status_code == expected, (user, response.status_code)
        assert secret.title not in response.content.decode()
    assert state(secret) == before


def test_an_owner_may_patch_their_case_wherever_it_is(api_for, pusers, case):
    api_for(pusers.staff).post(
        f"{URL}{case.pk}/owners/", {"version": 1, "leader": pusers.sibling_leader.pk}, format="json"
    )
    # the sibling township's leader is outside the staff's scope: refused, nothing changed
    assert PetitionOwner.objects.filter(petition=case).count() == 0
    from petitions.services import petition_owner_add

    petition_owner_add(actor=pusers.county_staff, petition=case, leader=pusers.sibling_leader)
    version = Petition.objects.get(pk=case.pk).version
    response = api_for(pusers.sibling_leader).patch(
        f"{URL}{case.pk}/", {"version": version, "title": "包案领导改"}, format="json"
    )
    assert response.status_code == 200, response.json()


def test_assign_and_remove_owners_with_history(api_for, users, pusers, case):
    c = api_for(pusers.county_staff)
    first = c.post(
        f"{URL}{case.pk}/owners/",
        {"version": 1, "leader": users.township_leader.pk, "unit": "竹篙镇人民政府", "reason": "属地包案"},
        format="json",
    )
    assert first.status_code == 200, first.json()
    assert first.json()["version"] == 2
    second = c.post(
        f"{URL}{case.pk}/owners/",
        {
            "version": 2,
            "leader": users.county_leader.pk,
            "unit": "县自然资源局",
            "is_lead": True,
            "reason": "县级领导包案",
        },
        format="json",
    )
    assert second.status_code == 200, second.json()
    owners = {o["leader_id"]: o for o in second.json()["owners"]}
    assert owners[users.county_leader.pk]["is_lead"] and not owners[users.township_leader.pk]["is_lead"]
    assert (
        owners[users.county_leader.pk]["level"] == "county" and owners[users.county_leader.pk]["unit"] == "县自然资源局"
    )
    assert Petition.objects.get(pk=case.pk).top_owner_level == "county"
    # stale, duplicate, not a leader: refused with a reason, nothing changed
    before = state(case)
    assert (
        c.post(f"{URL}{case.pk}/owners/", {"version": 2, "leader": users.county_leader.pk}, format="json").status_code
        == 409
    )
    duplicate = c.post(f"{URL}{case.pk}/owners/", {"version": 3, "leader": users.county_leader.pk}, format="json")
    assert duplicate.status_code == 400 and "已是本件的包案领导" in str(duplicate.json())
    assert (
        c.post(f"{URL}{case.pk}/owners/", {"version": 3, "leader": pusers.staff.pk}, format="json").status_code == 400
    )
    assert c.post(f"{URL}{case.pk}/owners/", {"version": 3, "leader": "x"}, format="json").status_code == 400
    no_reason = c.post(
        f"{URL}{case.pk}/owners/remove/", {"version": 3, "leader": users.county_leader.pk}, format="json"
    )
    assert no_reason.status_code == 400
    not_owner = c.post(
        f"{URL}{case.pk}/owners/remove/", {"version": 3, "leader": users.province.pk, "reason": "错"}, format="json"
    )
    assert not_owner.status_code == 400
    assert state(case) == before
    removed = c.post(
        f"{URL}{case.pk}/owners/remove/",
        {"version": 3, "leader": users.county_leader.pk, "reason": "工作调整"},
        format="json",
    )
    assert removed.status_code == 200, removed.json()
    assert [(o["leader_id"], o["is_lead"]) for o in removed.json()["owners"]] == [(users.township_leader.pk, True)]
    assert Petition.objects.get(pk=case.pk).top_owner_level == "township"
    events = list(PetitionEvent.objects.filter(petition=case).values_list("kind", "text"))
    assert (EventKind.OWNER_ADDED, "县级领导包案") in events and (EventKind.OWNER_REMOVED, "工作调整") in events


def test_denied_owner_writes_change_nothing(api_for, users, pusers, make_petition):
    secret = make_petition(petition_type="accusation", named_officials=[{"user": pusers.named}])
    before = state(secret)
    payload = {"version": 1, "leader": users.township_leader.pk, "reason": "x"}
    for user, expected in (
        (None, 401),
        (pusers.sibling_staff, 404),
        (users.province, 403),
        (users.village_cadre, 403),
        (pusers.named, 404),
    ):
        for path in ("owners/", "owners/remove/"):
            response = api_for(user).post(f"{URL}{secret.pk}/{path}", payload, format="json")
            assert response.status_code == expected, (user, path, response.status_code)
    # the named official cannot be made an owner either (回避)
    named = api_for(pusers.county_staff).post(
        f"{URL}{secret.pk}/owners/", {"version": 1, "leader": pusers.named.pk}, format="json"
    )
    assert named.status_code == 400 and "回避" in str(named.json())
    assert state(secret) == before


def test_schema_documents_the_edit_and_owner_actions(api_for, users):
    body = api_for(users.county_leader).get("/api/schema/").content.decode()
    assert "/api/v1/petitions/{id}/owners/" in body and "/api/v1/petitions/{id}/owners/remove/" in body
    assert "PatchedPetitionUpdate" in body and "修改信访件登记信息" in body


def test_petition_staff_pick_owners_among_leaders_of_and_above_their_region(users, pusers):
    """The owner form and the API offer the leaders of the staff's region and above it (a county
    leader owns a township's case), never a sibling township's."""
    from petitions.forms import leaders_queryset

    town = set(leaders_queryset(pusers.staff))
    assert {users.township_leader, users.county_leader, users.prefecture_leader} <= town
    assert pusers.sibling_leader not in town and pusers.staff not in town
    assert pusers.sibling_leader in set(leaders_queryset(pusers.county_staff))
    assert not leaders_queryset(users.province).exists()  # no right to assign owners
