"""A small world for the API fuzzer: the shared region tree and users, a few ledger records on
both sides of the township boundary, a refreshed summary generation, and a way in for each role."""

import datetime
from types import SimpleNamespace

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from ledgers.choices import AppealStatus, HardshipType, MatterType
from ledgers.services import (
    appeal_create,
    appeal_transition,
    household_create,
    matter_create,
    profile_update,
)
from reports.metrics import all_metrics
from reports.services import summary_refresh_full


@pytest.fixture(scope="session")
def api_schema(django_db_setup, django_db_blocker):
    """The schema exactly as /api/schema/ serves it, with the WSGI application to call."""
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def _records(actor, village):
    appeal = appeal_create(
        actor=actor,
        region=village,
        data={
            "category": "drinking_water",
            "raiser_name": "王大爷",
            "raiser_phone": "13800001234",
            "title": "三组自来水管破裂",
            "responsible_person": "刘芳",
            "promised_date": datetime.date(2030, 12, 31),
        },
    )
    resolved = appeal_create(
        actor=actor,
        region=village,
        data={
            "category": "roads",
            "raiser_name": "赵四",
            "title": "村道坑洼",
            "responsible_person": "刘芳",
            "promised_date": datetime.date(2030, 12, 31),
        },
    )
    resolved = appeal_transition(actor=actor, appeal=resolved, target=AppealStatus.IN_PROGRESS)
    resolved = appeal_transition(actor=actor, appeal=resolved, target=AppealStatus.RESOLVED, resolution="已修好")
    household = household_create(
        actor=actor,
        region=village,
        data={"head_name": "李秀英", "phone": "13900002222", "member_count": 2},
        hardship_types=[HardshipType.EMPTY_NEST],
    )
    matter = matter_create(
        actor=actor,
        region=village,
        data={"matter_type": MatterType.NEIGHBOUR, "title": "宅基地边界争议", "parties": "张某、李某"},
    )
    profile = profile_update(actor=actor, region=village, expected_version=None, data={"problems": "饮水不稳定"})
    return [appeal, resolved, household, matter, profile]


def _pairing_records(actor, village):
    """A unit, a cadre, a household, a pair, a visit, a must-visit event and its owed visit."""
    import datetime

    from pairings.services import (
        cadre_create,
        household_register,
        link_project_create,
        must_visit_event_record,
        pair_create,
        stay_create,
        training_create,
        unit_create,
        village_link_create,
        visit_record,
    )

    town = village.parent
    today = datetime.date.today()
    unit = unit_create(
        actor=actor, data={"name": f"{town.name}政府", "level": 4, "region": town, "kind": "party_government"}
    )
    cadre = cadre_create(
        actor=actor, data={"name": "王帮扶", "unit": unit, "home_region": town, "phone": "13700001111"}
    )
    household = household_register(actor=actor, region=village, data={"head_name": "赵结对", "member_count": 3})
    pair = pair_create(actor=actor, cadre=cadre, household=household, kind="help", started_on=today)
    visit = visit_record(actor=actor, pair=pair, data={"visited_on": today, "kind": "routine"})
    event = must_visit_event_record(actor=actor, household=household, kind="illness", occurred_on=today)
    # 联村帮户 and 蹲点 (a county is supported by a province unit: see _support_records)
    link = village_link_create(actor=actor, data={"unit": unit, "region": village, "started_on": today})
    project = link_project_create(
        actor=actor, data={"link": link, "name": "饮水工程", "kind": "water", "funds_fen": 100_000, "planned_on": today}
    )
    training = training_create(actor=actor, data={"link": link, "held_on": today, "topic": "种植", "person_times": 30})
    stay = stay_create(actor=actor, data={"cadre": cadre, "region": village, "started_on": today, "purpose": "调研"})
    return [
        {
            "/api/v1/village-links/": link.pk,
            "/api/v1/link-projects/": project.pk,
            "/api/v1/trainings/": training.pk,
            "/api/v1/stays/": stay.pk,
            "/api/v1/units/": unit.pk,
            "/api/v1/cadres/": cadre.pk,
            "/api/v1/pairs/": pair.pk,
            "/api/v1/visits/": visit.pk,
            "/api/v1/must-visit-events/": event.pk,
            "/api/v1/owed-visits/": event.owed_visits.get().pk,
        }
    ]


def _support_records(users, tree):
    """对口支援: a province unit supports the county."""
    import datetime

    from pairings.services import support_assignment_create, unit_create

    unit = unit_create(
        actor=users.superuser,
        data={"name": "省农业农村厅", "level": 1, "region": tree.province, "kind": "party_government"},
    )
    assignment = support_assignment_create(
        actor=users.superuser, data={"unit": unit, "region": tree.county, "started_on": datetime.date.today()}
    )
    return {"/api/v1/support-assignments/": [assignment.pk]}


def _community_records(tree):
    """A registration and a service order in 老君社区 (the community app), by its Party branch."""
    from community.services import order_place, report_register_new
    from regions.choices import Role
    from tests.conftest import make_user

    branch = make_user("fuzzbranch", Role.COMMUNITY_BRANCH, tree.village2)
    report = report_register_new(
        actor=branch, community=tree.village2, kind="member", reporter_data={"name": "张党员", "phone": "13900001111"}
    )
    order = order_place(
        region=tree.village2,
        data={
            "category": "elderly",
            "need": "代买药品",
            "place": "3栋",
            "contact_name": "李阿姨",
            "phone": "13812345678",
        },
    )
    return {"/api/v1/community-reports/": [report.pk], "/api/v1/service-orders/": [order.pk]}


def _petition_records(users, tree):
    """A case in each township, a reception day and a down-visit (the petitions endpoints)."""
    from petitions.selectors import default_category
    from petitions.services import down_visit_create, petition_create, reception_day_create

    cases = []
    for leader, village in ((users.township_leader, tree.village), (users.county_leader, tree.sibling_village)):
        cases.append(
            petition_create(
                actor=leader,
                region=village,
                data={"channel": "visit", "received_on": datetime.date(2026, 11, 2), "title": "征地补偿",
                      "content": "补偿未发放", "category": default_category(), "petition_type": "claim",
                      "conflict_level": "township"},
                petitioners=[{"name": "王大爷", "id_number": "", "phone": "13800001234"}],
            )
        )  # fmt: skip
    day = reception_day_create(
        actor=users.county_leader,
        region=tree.county,
        held_on=datetime.date(2026, 11, 3),
        place="县接待中心",
        person_times=5,
    )
    visit = down_visit_create(
        actor=users.township_leader,
        region=tree.town,
        visited_on=datetime.date(2026, 11, 4),
        village_codes=[tree.village.code],
        person_times=9,
    )
    return {
        "/api/v1/petitions/": [c.pk for c in cases],
        "/api/v1/reception-days/": [day.pk],
        "/api/v1/down-visits/": [visit.pk],
    }


@pytest.fixture
def wsgi_keeps_test_connection():
    """The real WSGI handler closes "old" connections around each request, and a connection inside
    the test's transaction counts as one (on PostgreSQL it is really closed). Django's test client
    unhooks that handler for its requests; do the same for the fuzzer's."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(tree, users, wsgi_keeps_test_connection):
    """Records in the staff's village and in the sibling township; summaries refreshed."""
    own = _records(users.township_staff, tree.village)
    other = _records(users.sibling_staff, tree.sibling_village)
    pairing_ids = _pairing_records(users.township_staff, tree.village) + _pairing_records(
        users.sibling_staff, tree.sibling_village
    )
    community_ids = _community_records(tree)
    support_ids = _support_records(users, tree)
    petitions = _petition_records(users, tree)
    summary_refresh_full()
    ids = {
        **petitions,
        "/api/v1/livelihood-appeals/": [own[0].pk, own[1].pk, other[0].pk, other[1].pk],
        "/api/v1/hardship-households/": [own[2].pk, other[2].pk],
        "/api/v1/stability-matters/": [own[3].pk, other[3].pk],
        "/api/v1/village-profiles/": [own[4].pk, other[4].pk],
        **{path: [row[path] for row in pairing_ids] for path in pairing_ids[0]},
        "/api/v1/audit-events/": list(AuditEvent.objects.order_by("id").values_list("id", flat=True)[:10]),
        **community_ids,
        **support_ids,
    }
    return SimpleNamespace(
        metric_keys=sorted(metric.key for metric in all_metrics())[:20],
        tree=tree,
        users=users,
        ids=ids,
        region_codes=sorted(
            {tree.province.code, tree.prefecture.code, tree.county.code, tree.town.code, tree.sibling_town.code}
            | {tree.village.code, tree.village2.code, tree.sibling_village.code}
        ),
    )


def credentials(user, *, session: bool) -> dict:
    """Headers and cookies that sign `user` in: a token, or a session with its CSRF pair."""
    if user is None:
        return {"headers": {}, "cookies": {}}
    if not session:
        token, _created = Token.objects.get_or_create(user=user)
        return {"headers": {"Authorization": f"Token {token.key}"}, "cookies": {}}
    client = Client()
    client.force_login(user)
    secret = _get_new_csrf_string()
    return {
        "headers": {"X-CSRFToken": secret},
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": secret},
    }
