"""The scoping hooks the petitions module added to regions/scoping.py."""

import pytest

from petitions.models import Petition, Petitioner
from petitions.services import petition_owner_add
from regions.scoping import can, is_excluded, is_owner, register_exclusion, restrict

pytestmark = pytest.mark.django_db


def test_owner_fields_across_a_to_many_relation_do_not_repeat_rows(make_petition, pusers, users):
    p = make_petition()
    petition_owner_add(actor=pusers.staff, petition=p, leader=users.county_leader)
    petition_owner_add(actor=pusers.staff, petition=p, leader=users.township_leader)
    petition_owner_add(actor=pusers.staff, petition=p, leader=pusers.sibling_leader)
    assert restrict(Petition.objects.all(), users.county_leader).count() == 1
    assert restrict(Petition.objects.all(), pusers.sibling_leader).count() == 1
    assert is_owner(pusers.sibling_leader, p) and not is_owner(pusers.sibling_staff, p)
    assert can(pusers.sibling_leader, "view", p)


def test_exclude_fields_apply_to_everyone_including_superusers(make_petition, pusers, users):
    p = make_petition(petition_type="accusation", named_officials=[{"user": users.superuser}, {"user": pusers.named}])
    for user in (users.superuser, pusers.named):
        assert not restrict(Petition.objects.all(), user).exists()
        assert not restrict(Petitioner.objects.all(), user).exists()
        assert is_excluded(user, p) and not can(user, "view", p)
    assert restrict(Petition.objects.all(), pusers.staff).get() == p
    assert not is_excluded(pusers.staff, p)


def test_registered_exclusions_are_idempotent(make_petition, users):
    from audit.models import AuditEvent
    from regions import scoping

    before = len(scoping._EXCLUSIONS[AuditEvent])
    register_exclusion(AuditEvent, scoping._EXCLUSIONS[AuditEvent][0])
    assert len(scoping._EXCLUSIONS[AuditEvent]) == before


def test_the_owner_clause_is_the_owned_ids_or_nothing(users, pusers, make_petition):
    """The scope reads an owner's case ids first, so the region prefix keeps its index (no
    `OR id IN (subquery)` over the whole table); a user who owns nothing gets no owner clause."""
    from petitions.models import Petition
    from petitions.services import petition_owner_add
    from regions.scoping import restrict

    case = make_petition()
    assert "petitionowner" not in str(restrict(Petition.objects.all(), users.prefecture_leader).query)
    assert list(restrict(Petition.objects.all(), pusers.sibling_leader)) == []
    petition_owner_add(actor=pusers.staff, petition=case, leader=pusers.sibling_leader)
    mine = restrict(Petition.objects.all(), pusers.sibling_leader)
    assert "petitionowner" not in str(mine.query) and list(mine) == [case]
