"""Ledger selectors: scope first, then filters; 404 outside the scope; readable history."""

import datetime

import pytest
from django.http import Http404, QueryDict

from ledgers.choices import AppealCategory, AppealStatus, HardshipType, MatterType
from ledgers.selectors import (
    appeal_get,
    appeal_list,
    entry_history,
    household_get,
    household_list,
    ledger_overview,
    matter_get,
    matter_list,
    profile_list,
)
from ledgers.services import (
    appeal_create,
    appeal_transition,
    appeal_update,
    household_create,
    matter_create,
    profile_update,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def make_appeal(actor, region, **extra):
    data = {
        "category": AppealCategory.ROADS,
        "raiser_name": "张三",
        "title": "修路",
        "responsible_person": "李四",
        "promised_date": TODAY + datetime.timedelta(days=5),
    }
    data.update(extra)
    return appeal_create(actor=actor, region=region, data=data)


@pytest.fixture
def two_appeals(users, tree):
    return make_appeal(users.superuser, tree.village), make_appeal(users.superuser, tree.sibling_village)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("village_cadre", ["mine"]),
        ("township_staff", ["mine"]),
        ("county_leader", ["mine", "sibling"]),
        ("sibling_staff", ["sibling"]),
        ("superuser", ["mine", "sibling"]),
        ("system_admin", []),
        ("no_post", []),
    ],
)
def test_appeal_list_is_scoped(users, two_appeals, who, expected):
    mine, sibling = two_appeals
    names = {mine.pk: "mine", sibling.pk: "sibling"}
    filterset, rows = appeal_list(user=getattr(users, who))
    assert sorted(names[a.pk] for a in rows) == expected


def test_appeal_list_region_filter_outside_scope_gives_nothing(users, tree, two_appeals):
    filterset, rows = appeal_list(user=users.township_staff, filters=QueryDict(f"region={tree.sibling_town.code}"))
    assert filterset.is_valid() is True
    assert list(rows) == []


def test_malformed_filters_give_errors_and_no_rows(users, two_appeals):
    filterset, rows = appeal_list(user=users.superuser, filters=QueryDict("overdue=perhaps"))
    assert filterset.errors["overdue"] == ["应为 true 或 false。"]
    assert list(rows) == []


def test_appeal_get_outside_scope_is_404(users, two_appeals):
    mine, sibling = two_appeals
    assert appeal_get(user=users.township_staff, pk=mine.pk) == mine
    with pytest.raises(Http404):
        appeal_get(user=users.township_staff, pk=sibling.pk)
    with pytest.raises(Http404):
        appeal_get(user=users.township_staff, pk="abc")
    with pytest.raises(Http404):
        appeal_get(user=users.township_staff, pk=999999)


def test_household_and_matter_selectors_are_scoped(users, tree):
    household = household_create(
        actor=users.superuser, region=tree.village, data={"head_name": "陈"}, hardship_types=[HardshipType.POOR]
    )
    matter = matter_create(
        actor=users.superuser,
        region=tree.sibling_village,
        data={"matter_type": MatterType.LAND, "title": "地界", "parties": "甲"},
    )
    assert [h.pk for h in household_list(user=users.township_staff)[1]] == [household.pk]
    assert list(matter_list(user=users.township_staff)[1]) == []
    assert household_get(user=users.county_leader, pk=household.pk) == household
    with pytest.raises(Http404):
        matter_get(user=users.township_staff, pk=matter.pk)
    with pytest.raises(Http404):
        household_get(user=users.sibling_staff, pk=household.pk)


def test_profile_list_is_scoped(users, tree):
    profile_update(actor=users.superuser, region=tree.village, expected_version=None, data={"problems": "缺水"})
    profile_update(actor=users.superuser, region=tree.sibling_village, expected_version=None, data={})
    assert [p.region_id for p in profile_list(user=users.village_cadre)[1]] == [tree.village.code]


def test_ledger_overview_counts_what_the_user_may_see(users, tree, two_appeals):
    make_appeal(users.superuser, tree.village2, promised_date=TODAY, registered_on=TODAY - datetime.timedelta(days=9))
    from ledgers.models import LivelihoodAppeal

    LivelihoodAppeal.objects.filter(region=tree.village2).update(promised_date=TODAY - datetime.timedelta(days=1))
    overview = ledger_overview(user=users.township_staff, region=tree.county)
    assert overview["appeals"] == {"total": 2, "open": 2, "overdue": 1}
    assert overview["households"] == {"total": 0, "active": 0}
    assert overview["matters"] == {"total": 0, "open": 0, "overdue": 0}


def test_entry_history_uses_verbose_names_and_choice_labels(users, two_appeals):
    appeal, _ = two_appeals
    appeal = appeal_update(
        actor=users.township_staff,
        appeal=appeal,
        expected_version=appeal.version,
        data={"category": AppealCategory.DRINKING_WATER, "funds_spent_fen": 12345},
    )
    appeal_transition(actor=users.township_staff, appeal=appeal, target=AppealStatus.IN_PROGRESS)
    history = entry_history(appeal)
    assert [row["action_code"] for row in history] == ["transition", "update", "create"]
    transition, update, _create = history
    assert transition["actor"] == "staff"
    assert {"field": "status", "label": "状态", "old": "已登记", "new": "办理中"} in transition["changes"]
    assert {"field": "category", "label": "类别", "old": "行路", "new": "饮水"} in update["changes"]
    assert {"field": "funds_spent_fen", "label": "投入资金", "old": "0.00 元", "new": "123.45 元"} in update["changes"]
