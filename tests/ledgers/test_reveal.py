"""Revealing a household head's full ID number: only for roles that may, with a stated purpose,
audited before it is shown, never cached, and refused when the audit trail cannot record it."""

import pytest
from django.db import DatabaseError
from django.urls import reverse

from audit.choices import Action, Outcome
from audit.models import AuditEvent
from ledgers.choices import HardshipType
from ledgers.services import household_create

pytestmark = pytest.mark.django_db
VALID_ID = "11010519491231002X"


@pytest.fixture
def household(users, tree):
    return household_create(
        actor=users.township_staff,
        region=tree.village,
        data={"head_name": "李秀英", "head_id_number": VALID_ID, "member_count": 2},
        hardship_types=[HardshipType.ELDERLY_ALONE],
    )


def _reveal(client, household, reason="核对低保申请"):
    return client.post(reverse("ledgers:hardshiphousehold_reveal", args=[household.pk]), {"reason": reason})


def _reveals(household, outcome):
    return AuditEvent.objects.filter(
        action=Action.REVEAL, object_id=str(household.pk), object_type="ledgers.hardshiphousehold", outcome=outcome
    )


def test_detail_page_shows_the_number_masked_and_offers_reveal_to_township_staff(client_for, users, household):
    html = client_for(users.township_staff).get(reverse("ledgers:hardshiphousehold_detail", args=[household.pk]))
    body = html.content.decode()
    assert VALID_ID not in body
    assert "1101**********002X" in body
    assert 'data-testid="reveal-form"' in body


def test_township_staff_sees_the_full_number_once_and_the_read_is_audited(client_for, users, household):
    # when the staff member states a purpose and asks for the full number
    response = _reveal(client_for(users.township_staff), household)
    # then it is shown on this response only, not cached, and the trail names the reader and purpose
    assert response.status_code == 200
    assert VALID_ID in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    event = _reveals(household, Outcome.SUCCESS).get()
    assert event.actor == users.township_staff
    assert "核对低保申请" in event.message
    assert VALID_ID not in str(event.changes) + event.message
    # and the next ordinary view is masked again
    again = client_for(users.township_staff).get(reverse("ledgers:hardshiphousehold_detail", args=[household.pk]))
    assert VALID_ID not in again.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("county_leader", 403), ("village_cadre", 403), ("sibling_staff", 404), ("auditor", 404)],
)
def test_roles_that_may_not_reveal_are_refused_and_see_nothing(client_for, users, household, who, status):
    response = _reveal(client_for(getattr(users, who)), household)
    assert response.status_code == status
    assert VALID_ID not in response.content.decode()
    assert not _reveals(household, Outcome.SUCCESS).exists()


def test_a_refused_reveal_in_scope_is_itself_recorded(client_for, users, household):
    _reveal(client_for(users.county_leader), household)
    assert _reveals(household, Outcome.FAILURE).get().actor == users.county_leader


def test_anonymous_is_sent_to_sign_in(client_for, household):
    response = _reveal(client_for(None), household)
    assert response.status_code == 302
    assert not _reveals(household, Outcome.SUCCESS).exists()


def test_a_reveal_without_a_purpose_is_refused(client_for, users, household):
    response = _reveal(client_for(users.township_staff), household, reason="  ")
    assert response.status_code == 400
    assert VALID_ID not in response.content.decode()
    assert "事由" in response.content.decode()
    assert not _reveals(household, Outcome.SUCCESS).exists()


def test_no_number_is_shown_when_the_audit_trail_cannot_record_the_read(client_for, users, household, monkeypatch):
    # given an audit trail that refuses writes (a failure injected into the one writer)
    import audit.services

    def refuse(**kwargs):
        raise DatabaseError("audit table unavailable")

    monkeypatch.setattr(audit.services, "audit_record", refuse)
    # when staff asks for the full number
    response = _reveal(client_for(users.township_staff), household)
    # then the read is refused with a clear message and nothing is shown
    assert response.status_code == 503
    body = response.content.decode()
    assert VALID_ID not in body
    assert "完整信息不予显示" in body
