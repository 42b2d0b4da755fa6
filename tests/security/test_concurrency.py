"""No lost updates: many users saving the same record at the same moment, on PostgreSQL.

Each test starts N threads (each with its own database connection) that first read the record,
then wait at a barrier, then all write at once. Exactly one write per version may win; every
other one must be refused with ConcurrentEditError (or the transition's own error), and the
audit trail must chain without a gap: each change's "old" value is the previous change's "new".
"""

import datetime
import threading

import pytest
from django.db import connections
from django.utils import timezone

from accounts.models import User
from audit.choices import Action
from audit.models import AuditEvent, ChangeRecord
from core.exceptions import ConcurrentEditError, ServiceError, TransitionNotAllowed
from ledgers.choices import AppealCategory, AppealStatus
from ledgers.models import LivelihoodAppeal, RatingInvitation
from ledgers.services import (
    appeal_create,
    appeal_rate,
    appeal_transition,
    appeal_update,
    rating_invitation_create,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
THREADS = 16


def run_together(count, prepare, act):
    """`prepare(i)` in each thread, then all threads wait, then `act(i, prepared)` at once.

    Returns a list of ("ok", value) or ("error", exception), one per thread.
    """
    barrier = threading.Barrier(count, timeout=60)
    results = [None] * count

    def worker(index):
        try:
            prepared = prepare(index)
            barrier.wait()
            results[index] = ("ok", act(index, prepared))
        except Exception as exc:  # collected and asserted on by the test
            results[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(result is not None for result in results), "a thread did not finish"
    return results


def _winners(results):
    return [value for kind, value in results if kind == "ok"]


def _errors(results):
    return [value for kind, value in results if kind == "error"]


@pytest.fixture
def appeal(ledger_kinds, users, tree):
    return appeal_create(
        actor=users.township_staff,
        region=tree.village,
        data={
            "category": AppealCategory.DRINKING_WATER,
            "raiser_name": "王大爷",
            "raiser_phone": "13800001234",
            "title": "原始标题",
            "responsible_person": "刘芳",
            "promised_date": timezone.localdate() + datetime.timedelta(days=10),
        },
    )


def _read(users, appeal_pk):
    """What one user's browser does: load the record (and who they are) on its own connection."""
    return User.objects.get(pk=users.township_staff.pk), LivelihoodAppeal.objects.get(pk=appeal_pk)


def test_sixteen_simultaneous_edits_of_one_version_one_wins_none_is_lost(users, appeal):
    rounds = 4
    for round_number in range(1, rounds + 1):
        results = run_together(
            THREADS,
            lambda i: _read(users, appeal.pk),
            lambda i, read, n=round_number: appeal_update(
                actor=read[0],
                appeal=read[1],
                expected_version=read[1].version,
                data={"title": f"第{n}轮-用户{i}"},
            ),
        )
        winners, errors = _winners(results), _errors(results)
        assert len(winners) == 1, errors
        assert len(errors) == THREADS - 1
        assert all(isinstance(error, ConcurrentEditError) for error in errors), errors
        stored = LivelihoodAppeal.objects.get(pk=appeal.pk)
        assert stored.title == winners[0].title
        assert stored.version == round_number + 1

    # The audit trail names the field of each edit; the values are in the record's change history
    # (issue 9, item 5: they were in the audit event's changes).
    assert (
        list(
            AuditEvent.objects.filter(object_id=str(appeal.pk), action=Action.UPDATE).values_list("changes", flat=True)
        )
        == [{"fields": ["title"]}] * rounds
    )
    updates = list(
        ChangeRecord.objects.filter(object_id=str(appeal.pk), action=Action.UPDATE)
        .order_by("at", "id")
        .values_list("changes", flat=True)
    )
    assert len(updates) == rounds
    titles = [change["title"] for change in updates]
    assert titles[0][0] == "原始标题"
    # The trail chains: every edit started from the value the previous edit saved.
    assert all(titles[k][0] == titles[k - 1][1] for k in range(1, rounds))
    assert titles[-1][1] == LivelihoodAppeal.objects.get(pk=appeal.pk).title


def test_sixteen_simultaneous_transitions_move_the_appeal_once(users, appeal):
    results = run_together(
        THREADS,
        lambda i: _read(users, appeal.pk),
        lambda i, read: appeal_transition(
            actor=read[0], appeal=read[1], target=AppealStatus.IN_PROGRESS, expected_version=read[1].version
        ),
    )
    assert len(_winners(results)) == 1
    assert all(isinstance(error, ConcurrentEditError) for error in _errors(results)), _errors(results)
    stored = LivelihoodAppeal.objects.get(pk=appeal.pk)
    assert (stored.status, stored.version) == (AppealStatus.IN_PROGRESS, 2)
    assert AuditEvent.objects.filter(object_id=str(appeal.pk), action=Action.TRANSITION).count() == 1


def test_simultaneous_transitions_without_a_version_are_serialised_by_the_row_lock(users, appeal):
    results = run_together(
        THREADS,
        lambda i: _read(users, appeal.pk),
        lambda i, read: appeal_transition(actor=read[0], appeal=read[1], target=AppealStatus.IN_PROGRESS),
    )
    assert len(_winners(results)) == 1
    assert all(isinstance(error, TransitionNotAllowed) for error in _errors(results)), _errors(results)
    assert AuditEvent.objects.filter(object_id=str(appeal.pk), action=Action.TRANSITION).count() == 1


def _disclose(users, appeal):
    staff = users.township_staff
    appeal = appeal_transition(actor=staff, appeal=appeal, target=AppealStatus.IN_PROGRESS)
    appeal = appeal_transition(actor=staff, appeal=appeal, target=AppealStatus.RESOLVED, resolution="已更换水管")
    return appeal_transition(actor=staff, appeal=appeal, target=AppealStatus.DISCLOSED)


def test_one_rating_link_submitted_sixteen_times_at_once_counts_once(users, appeal):
    appeal = _disclose(users, appeal)
    _invitation, token = rating_invitation_create(actor=users.township_staff, appeal=appeal)
    results = run_together(
        THREADS,
        lambda i: None,
        lambda i, _: appeal_rate(token=token, score=5 - i % 5, resolved_confirmed=True),
    )
    assert len(_winners(results)) == 1
    errors = _errors(results)
    assert all(isinstance(error, ServiceError) and error.code == "used_link" for error in errors), errors
    assert AuditEvent.objects.filter(object_id=str(appeal.pk), action=Action.RATE).count() == 1
    assert RatingInvitation.objects.filter(appeal=appeal, rated_at__isnull=False).count() == 1
    assert LivelihoodAppeal.objects.get(pk=appeal.pk).status == AppealStatus.RATED


def test_sixteen_residents_saying_not_resolved_at_once_reopen_it_once(users, appeal):
    appeal = _disclose(users, appeal)
    tokens = [rating_invitation_create(actor=users.township_staff, appeal=appeal)[1] for _ in range(THREADS)]
    results = run_together(
        THREADS,
        lambda i: None,
        lambda i, _: appeal_rate(token=tokens[i], score=1, resolved_confirmed=False),
    )
    assert _errors(results) == []
    stored = LivelihoodAppeal.objects.get(pk=appeal.pk)
    assert (stored.status, stored.reopen_count) == (AppealStatus.REOPENED, 1)
    assert RatingInvitation.objects.filter(appeal=appeal, rated_at__isnull=False).count() == THREADS
    assert AuditEvent.objects.filter(object_id=str(appeal.pk), action=Action.RATE).count() == THREADS


def test_sixteen_simultaneous_api_saves_one_200_fifteen_409_and_nothing_overwritten(users, appeal):
    from rest_framework.test import APIClient

    url = f"/api/v1/livelihood-appeals/{appeal.pk}/"

    def prepare(index):
        client = APIClient()
        client.force_authenticate(User.objects.get(pk=users.township_staff.pk))
        return client, client.get(url).json()["version"]

    results = run_together(
        THREADS,
        prepare,
        lambda i, read: read[0].patch(url, {"title": f"接口修改-{i}", "version": read[1]}, format="json"),
    )
    responses = _winners(results)
    assert _errors(results) == []
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * (THREADS - 1)
    winner = next(response for response in responses if response.status_code == 200)
    refused = [response.json() for response in responses if response.status_code == 409]
    assert all(body["code"] == "concurrent_edit" and "已被其他人修改" in body["detail"] for body in refused)
    stored = LivelihoodAppeal.objects.get(pk=appeal.pk)
    assert (stored.title, stored.version) == (winner.json()["title"], 2)
    assert AuditEvent.objects.filter(object_id=str(appeal.pk), action=Action.UPDATE).count() == 1


def test_the_same_head_registered_at_once_gives_one_household_and_the_services_message(users, tree):
    """Many clerks register the same head's ID number at the same moment: each passes the
    service's check before any has written, so the database's one-household-per-head index
    (household_head_id_live) decides. One household is made; every other clerk gets the service's
    duplicate message (never an IntegrityError, so never an error page), and nothing else is written."""
    from ledgers.choices import HardshipType
    from ledgers.models import HardshipHousehold
    from ledgers.services import household_create, ledger_open

    # The village's ledger exists already: its first opening would serialize the clerks.
    ledger_open(kind_code=HardshipHousehold.ledger_kind_code, region=tree.village)
    number = "11010519491231002X"
    before = HardshipHousehold.objects.count()
    results = run_together(
        THREADS,
        prepare=lambda i: User.objects.get(pk=users.township_staff.pk),
        act=lambda i, actor: household_create(
            actor=actor,
            region=tree.village,
            data={"head_name": f"张{i}", "head_id_number": number},
            hardship_types=[HardshipType.POOR],
        ),
    )
    assert len(_winners(results)) == 1
    errors = _errors(results)
    assert len(errors) == THREADS - 1
    for error in errors:
        assert isinstance(error, ServiceError), repr(error)
        assert "head_id_number" in error.message_dict
        assert "该户主身份证号已登记" in error.message_dict["head_id_number"][0]
    assert HardshipHousehold.objects.count() == before + 1
