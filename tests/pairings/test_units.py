"""Units and cadres: creation, updates, scope, personal numbers stored like the ledgers'."""

import pytest
from django.db import connection

from audit.models import AuditEvent, ChangeRecord
from core.crypto import keyed_hash
from core.exceptions import ConcurrentEditError, OutOfScope, ServiceError
from pairings.choices import UnitKind, UnitLevel
from pairings.models import Cadre, Unit
from pairings.selectors import cadre_list, unit_list, unit_pickable
from pairings.services import cadre_create, cadre_update, unit_create, unit_update

ID = "11010519491231002X"


def test_unit_create_in_scope_records_history(tree, users):
    unit = unit_create(
        actor=users.township_staff,
        data={
            "name": "竹篙镇党政办",
            "level": UnitLevel.TOWNSHIP,
            "region": tree.town,
            "kind": UnitKind.PARTY_GOVERNMENT,
        },
    )
    assert unit.created_by == users.township_staff
    assert AuditEvent.objects.filter(object_type="pairings.unit", object_id=str(unit.pk), action="create").exists()


def test_unit_create_out_of_scope_changes_nothing(tree, users):
    with pytest.raises(OutOfScope):
        unit_create(
            actor=users.sibling_staff,
            data={"name": "x", "level": UnitLevel.TOWNSHIP, "region": tree.town, "kind": UnitKind.PARTY_GOVERNMENT},
        )
    with pytest.raises(OutOfScope):
        unit_create(
            actor=users.county_leader,  # a leader reads; staff write
            data={"name": "x", "level": UnitLevel.COUNTY, "region": tree.county, "kind": UnitKind.PARTY_GOVERNMENT},
        )
    assert Unit.objects.count() == 0


def test_unit_level_must_match_region(tree, users):
    with pytest.raises(ServiceError) as exc:
        unit_create(
            actor=users.superuser,
            data={"name": "x", "level": UnitLevel.COUNTY, "region": tree.town, "kind": UnitKind.STATE_ENTERPRISE},
        )
    assert "level" in exc.value.message_dict


def test_unit_parent_must_be_above(tree, users, units):
    with pytest.raises(ServiceError) as exc:
        unit_create(
            actor=users.superuser,
            data={
                "name": "x",
                "level": UnitLevel.TOWNSHIP,
                "region": tree.town,
                "kind": UnitKind.PARTY_GOVERNMENT,
                "parent": units.sibling,
            },
        )
    assert "parent" in exc.value.message_dict


def test_unit_update_refuses_stale_version(tree, users, units):
    unit_update(actor=users.township_staff, unit=units.town, expected_version=1, data={"name": "竹篙镇政府"})
    with pytest.raises(ConcurrentEditError):
        unit_update(actor=users.township_staff, unit=units.town, expected_version=1, data={"name": "再改"})
    units.town.refresh_from_db()
    assert units.town.name == "竹篙镇政府" and units.town.version == 2


def test_cadre_numbers_are_encrypted_hashed_and_audited_masked(tree, users, units):
    cadre = cadre_create(
        actor=users.township_staff,
        data={
            "name": "赵干部",
            "unit": units.county,  # a county department's cadre, registered by the township
            "home_region": tree.town,
            "phone": "13812345678",
            "id_number": ID.lower(),
            "is_party_member": True,
        },
    )
    cadre.refresh_from_db()
    assert cadre.id_number == ID and cadre.id_hash == keyed_hash(ID)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM pairings_cadre WHERE id = %s", [cadre.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert ID not in raw_id and "13812345678" not in raw_phone
    event = ChangeRecord.objects.get(object_type="pairings.cadre", object_id=str(cadre.pk))
    text = str(event.changes)
    assert ID not in text and "13812345678" not in text and "138****5678" in text


def test_cadre_bad_id_number_is_refused(tree, users, units):
    with pytest.raises(ServiceError) as exc:
        cadre_create(
            actor=users.township_staff,
            data={"name": "x", "unit": units.town, "home_region": tree.town, "id_number": "110105194912310021"},
        )
    assert "id_number" in exc.value.message_dict
    assert Cadre.objects.count() == 0


def test_cadre_duplicate_id_number_is_refused(tree, users, units):
    data = {"name": "x", "unit": units.town, "home_region": tree.town, "id_number": ID}
    cadre_create(actor=users.township_staff, data=data)
    with pytest.raises(ServiceError):
        cadre_create(actor=users.township_staff, data=dict(data, name="y"))
    assert Cadre.objects.count() == 1


def test_cadre_of_sibling_unit_cannot_be_registered(tree, users, units):
    with pytest.raises(ServiceError) as exc:
        cadre_create(actor=users.township_staff, data={"name": "x", "unit": units.sibling, "home_region": tree.town})
    assert "unit" in exc.value.message_dict


def test_unit_pickable_includes_units_above_not_siblings(tree, users, units):
    picked = set(unit_pickable(user=users.township_staff))
    assert picked == {units.county, units.town}


def test_cadre_scope_and_owner(tree, users, cadres, cadre_user):
    assert set(cadre_list(user=users.township_staff)) == {cadres.own, cadres.other}
    assert set(cadre_list(user=users.sibling_staff)) == {cadres.sibling}
    assert set(cadre_list(user=users.county_leader)) == {cadres.own, cadres.other, cadres.sibling}
    # A cadre who signs in sees their own record wherever it is registered.
    assert set(cadre_list(user=cadre_user)) == {cadres.own}
    assert list(unit_list(user=users.sibling_staff)) == [cadres.sibling.unit]


def test_cadre_update_link_user_and_stale(tree, users, cadres):
    from tests.factories import UserFactory

    account = UserFactory(username="li")
    cadre_update(actor=users.township_staff, cadre=cadres.other, expected_version=1, data={"user": account})
    cadres.other.refresh_from_db()
    assert cadres.other.user == account and cadres.other.version == 2
    with pytest.raises(ServiceError) as exc:
        cadre_update(actor=users.township_staff, cadre=cadres.own, expected_version=1, data={"user": account})
    assert "user" in exc.value.message_dict
    with pytest.raises(OutOfScope):
        cadre_update(actor=users.sibling_staff, cadre=cadres.other, expected_version=2, data={"name": "x"})
    cadres.other.refresh_from_db()
    assert cadres.other.name == "李认亲"
