"""Ledger services: the rules every entry point shares."""

import datetime

import pytest
from django.core import signing

from audit.models import AuditEvent
from core.exceptions import ConcurrentEditError, OutOfScope, ServiceError, TransitionNotAllowed
from ledgers.choices import AppealStatus, HardshipType, HouseholdStatus, MatterOutcome, MatterStatus
from ledgers.models import HardshipHousehold, Ledger, LivelihoodAppeal
from ledgers.services import (
    appeal_create,
    appeal_rate,
    appeal_transition,
    appeal_update,
    household_create,
    household_exit,
    matter_create,
    matter_transition,
    profile_create,
    profile_update,
    rating_invitation_create,
)

pytestmark = pytest.mark.django_db
VALID_ID = "11010519491231002X"


def test_first_appeal_opens_the_village_ledger_once(users, tree, appeal_data):
    appeal_create(actor=users.township_staff, region=tree.village, data=appeal_data)
    appeal_create(actor=users.village_cadre, region=tree.village, data=appeal_data)
    assert Ledger.objects.filter(region=tree.village, kind__code="livelihood").count() == 1


def test_sibling_staff_cannot_create_in_other_township_and_nothing_is_written(users, tree, appeal_data):
    with pytest.raises(OutOfScope):
        appeal_create(actor=users.sibling_staff, region=tree.village, data=appeal_data)
    assert LivelihoodAppeal.objects.count() == 0
    assert Ledger.objects.count() == 0


def test_leader_may_read_but_not_create(users, tree, appeal_data):
    with pytest.raises(OutOfScope):
        appeal_create(actor=users.county_leader, region=tree.village, data=appeal_data)


def test_promised_date_before_registration_is_refused(users, tree, appeal_data):
    appeal_data["promised_date"] = datetime.date.today() - datetime.timedelta(days=1)
    with pytest.raises(ServiceError) as excinfo:
        appeal_create(actor=users.township_staff, region=tree.village, data=appeal_data)
    assert "承诺办结日期" in str(excinfo.value.message_dict["promised_date"])


def test_appeal_walks_its_status_machine_and_records_history(users, appeal):
    appeal = appeal_transition(actor=users.township_staff, appeal=appeal, target=AppealStatus.IN_PROGRESS)
    appeal = appeal_transition(
        actor=users.township_staff, appeal=appeal, target=AppealStatus.RESOLVED, resolution="已更换水管"
    )
    appeal = appeal_transition(actor=users.township_staff, appeal=appeal, target=AppealStatus.DISCLOSED)
    assert appeal.status == AppealStatus.DISCLOSED
    assert appeal.responded_at and appeal.resolved_at and appeal.disclosed_at
    actions = list(AuditEvent.objects.filter(object_id=str(appeal.pk)).values_list("action", flat=True))
    assert actions.count("transition") == 3 and "create" in actions


def test_forbidden_transition_is_a_clear_error(users, appeal):
    with pytest.raises(TransitionNotAllowed) as excinfo:
        appeal_transition(actor=users.township_staff, appeal=appeal, target=AppealStatus.DISCLOSED)
    assert "不能从“已登记”变更为“已公开”" in excinfo.value.messages[0]
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REGISTERED


def test_resolving_needs_a_resolution_text(users, appeal):
    with pytest.raises(ServiceError):
        appeal_transition(actor=users.township_staff, appeal=appeal, target=AppealStatus.RESOLVED)


def test_stale_edit_is_refused_and_changes_nothing(users, appeal):
    appeal_update(actor=users.township_staff, appeal=appeal, expected_version=1, data={"title": "第一次修改"})
    stale = LivelihoodAppeal.objects.get(pk=appeal.pk)
    stale.version = 1
    with pytest.raises(ConcurrentEditError):
        appeal_update(actor=users.village_cadre, appeal=stale, expected_version=1, data={"title": "覆盖"})
    assert LivelihoodAppeal.objects.get(pk=appeal.pk).title == "第一次修改"


def _disclosed(users, appeal):
    appeal = appeal_transition(
        actor=users.township_staff, appeal=appeal, target=AppealStatus.RESOLVED, resolution="已修复"
    )
    return appeal_transition(actor=users.township_staff, appeal=appeal, target=AppealStatus.DISCLOSED)


def test_resident_rating_through_link_once(users, appeal):
    appeal = _disclosed(users, appeal)
    _, token = rating_invitation_create(actor=users.township_staff, appeal=appeal)
    appeal_rate(token=token, score=5, resolved_confirmed=True, comment="很好")
    assert LivelihoodAppeal.objects.get(pk=appeal.pk).status == AppealStatus.RATED
    with pytest.raises(ServiceError) as excinfo:
        appeal_rate(token=token, score=1, resolved_confirmed=False)
    assert excinfo.value.code == "used_link"
    assert LivelihoodAppeal.objects.get(pk=appeal.pk).status == AppealStatus.RATED


def test_not_resolved_rating_reopens(users, appeal):
    appeal = _disclosed(users, appeal)
    _, token = rating_invitation_create(actor=users.township_staff, appeal=appeal)
    appeal_rate(token=token, score=2, resolved_confirmed=False)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REOPENED and appeal.reopen_count == 1


@pytest.mark.parametrize("mangle", ["tamper", "expired"])
def test_bad_rating_links_are_refused(users, appeal, mangle):
    appeal = _disclosed(users, appeal)
    invitation, token = rating_invitation_create(actor=users.township_staff, appeal=appeal)
    if mangle == "tamper":
        token = signing.dumps({"n": invitation.nonce + "x"}, salt="ledgers.rating")[:-2] + "AA"
    else:
        invitation.expires_at = invitation.created_at - datetime.timedelta(seconds=1)
        invitation.save()
    with pytest.raises(ServiceError):
        appeal_rate(token=token, score=5, resolved_confirmed=True)
    assert LivelihoodAppeal.objects.get(pk=appeal.pk).status == AppealStatus.DISCLOSED


def test_household_id_number_validated_encrypted_and_hashed(users, tree):
    with pytest.raises(ServiceError):
        household_create(
            actor=users.township_staff,
            region=tree.village,
            data={"head_name": "张三", "head_id_number": "110105194912310021"},
            hardship_types=[HardshipType.POOR],
        )
    household = household_create(
        actor=users.township_staff,
        region=tree.village,
        data={"head_name": "张三", "head_id_number": VALID_ID.lower()},
        hardship_types=[HardshipType.POOR, HardshipType.DISABLED],
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT head_id_number FROM ledgers_hardshiphousehold WHERE id = %s", [household.pk])
        stored = cursor.fetchone()[0]
    assert VALID_ID not in stored
    assert HardshipHousehold.objects.get(pk=household.pk).head_id_number == VALID_ID
    from core.crypto import keyed_hash

    assert HardshipHousehold.objects.filter(head_id_hash=keyed_hash(VALID_ID)).count() == 1
    assert [e.changes for e in AuditEvent.objects.all() if VALID_ID in str(e.changes)] == []


def test_household_exit_needs_reason(users, tree):
    household = household_create(
        actor=users.township_staff, region=tree.village, data={"head_name": "李四"}, hardship_types=["poor"]
    )
    with pytest.raises(ServiceError):
        household_exit(actor=users.township_staff, household=household, exited_on=datetime.date.today(), reason=" ")
    household = household_exit(
        actor=users.township_staff, household=household, exited_on=datetime.date.today(), reason="务工增收"
    )
    assert household.status == HouseholdStatus.EXITED


def test_matter_resolution_needs_outcome(users, tree):
    matter = matter_create(
        actor=users.village_cadre,
        region=tree.village,
        data={"matter_type": "land", "title": "宅基地边界", "parties": "甲、乙"},
    )
    with pytest.raises(ServiceError):
        matter_transition(actor=users.village_cadre, matter=matter, target=MatterStatus.RESOLVED)
    matter = matter_transition(
        actor=users.village_cadre, matter=matter, target=MatterStatus.RESOLVED, outcome=MatterOutcome.MEDIATED
    )
    assert matter.status == MatterStatus.RESOLVED and matter.resolved_at


def test_profile_update_creates_then_versions(users, tree):
    profile = profile_update(
        actor=users.village_cadre, region=tree.village, expected_version=None, data={"problems": "缺水"}
    )
    profile = profile_update(
        actor=users.village_cadre,
        region=tree.village,
        expected_version=profile.version,
        data={"problems": "缺水、路差"},
    )
    assert profile.version == 2
    with pytest.raises(ConcurrentEditError):
        profile_update(actor=users.township_staff, region=tree.village, expected_version=1, data={"problems": "x"})


def test_profile_create_refuses_a_second_profile_and_changes_nothing(users, tree):
    from ledgers.models import VillageProfile

    profile = profile_create(actor=users.township_staff, region=tree.village, data={"problems": "道路"})
    with pytest.raises(ServiceError) as refused:
        profile_create(actor=users.township_staff, region=tree.village, data={"problems": "别的"})
    assert refused.value.message_dict == {"region": ["该村（社区）已有四个知晓，请修改已有的记录。"]}
    assert VillageProfile.objects.get(pk=profile.pk).problems == "道路"
    with pytest.raises(OutOfScope):
        profile_create(actor=users.township_staff, region=tree.sibling_village, data={"problems": "x"})
