"""The ledgers' workbench cards: scoped, bounded counts per role, each linking to a list that shows
the same number; the home page's query count per role."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.workbench import cards_for
from ledgers.choices import AppealStatus
from ledgers.models import ImportBatch, ImportStatus, LivelihoodAppeal, StabilityMatter
from ledgers.workbench import week_start
from tests.ledgers.test_views import make_appeal, make_household, make_matter

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def todo(users, tree):
    """In 竹篙镇: one overdue, one due in 2 days, one reopened, one far off (by the superuser);
    one entered by the township's staff this week; one overdue appeal and matter in 五凤镇 (sibling)."""
    root = users.superuser
    overdue = make_appeal(root, tree.village, registered_on=days(-20))
    LivelihoodAppeal.objects.filter(pk=overdue.pk).update(promised_date=days(-1))
    make_appeal(root, tree.village2, promised_date=days(2))
    reopened = make_appeal(root, tree.village)
    LivelihoodAppeal.objects.filter(pk=reopened.pk).update(status=AppealStatus.REOPENED)
    make_appeal(root, tree.village, promised_date=days(30), registered_on=days(-30))
    make_appeal(users.township_staff, tree.village, promised_date=days(20), registered_on=week_start())
    sibling = make_appeal(root, tree.sibling_village, registered_on=days(-20))
    LivelihoodAppeal.objects.filter(pk=sibling.pk).update(promised_date=days(-3))
    late_matter = make_matter(root, tree.village, registered_on=days(-10))
    StabilityMatter.objects.filter(pk=late_matter.pk).update(deadline=days(-1))
    make_matter(users.township_staff, tree.village2, deadline=days(1))
    other = make_matter(root, tree.sibling_village, registered_on=days(-10))
    StabilityMatter.objects.filter(pk=other.pk).update(deadline=days(-1))
    make_household(users.township_staff, tree.village)
    ImportBatch.objects.create(kind="households", file_name="a.xlsx", created_by=users.township_staff)
    ImportBatch.objects.create(
        kind="appeals", file_name="b.xlsx", created_by=users.township_staff, status=ImportStatus.DONE
    )
    ImportBatch.objects.create(kind="appeals", file_name="c.xlsx", created_by=users.sibling_staff)


def card_items(user, key):
    cards = {rendered.card.key: rendered.items for rendered in cards_for(user)}
    return cards.get(key)


def counts(user, key):
    return [(str(item.label), item.count) for item in card_items(user, key)]


def test_township_staff_sees_own_scope_counts(users, todo):
    assert counts(users.township_staff, "ledgers.appeals") == [
        ("已逾期", 1),
        ("3 天内到期", 1),
        ("群众评价“未解决”，待重新办理", 1),
        ("本周我登记的", 1),
    ]
    assert counts(users.township_staff, "ledgers.matters") == [
        ("已超过化解期限", 1),
        ("3 天内到期", 1),
        ("本周我登记的", 1),
    ]
    assert counts(users.township_staff, "ledgers.mine") == [("本周我登记的困难户", 1), ("待处理的导入批次", 1)]
    # The sibling township's staff sees its own overdue appeal only, and none of the other's imports.
    assert counts(users.sibling_staff, "ledgers.appeals")[0] == ("已逾期", 1)
    assert counts(users.sibling_staff, "ledgers.mine") == [("本周我登记的困难户", 0), ("待处理的导入批次", 1)]


def test_village_cadre_sees_only_their_village(users, todo):
    assert counts(users.village_cadre, "ledgers.appeals")[:3] == [
        ("已逾期", 1),
        ("3 天内到期", 0),  # due soon is in the other village
        ("群众评价“未解决”，待重新办理", 1),
    ]


@pytest.mark.parametrize("key", ["ledgers.appeals", "ledgers.matters", "ledgers.mine"])
def test_each_link_lists_exactly_the_counted_rows(client_for, users, todo, key):
    client = client_for(users.township_staff)
    for item in card_items(users.township_staff, key):
        if not item.url or "import" in item.url:
            continue
        response = client.get(item.url)
        assert response.status_code == 200, item.url
        assert response.context["page_obj"].paginator.count == item.count, (item.label, item.url)


def test_leaders_see_their_region_not_their_own_entries(users, todo):
    keys = [rendered.card.key for rendered in cards_for(users.county_leader)]
    assert "ledgers.region" in keys and "ledgers.region_matters" in keys
    assert "ledgers.appeals" not in keys and "ledgers.mine" not in keys
    assert counts(users.county_leader, "ledgers.region") == [
        ("已逾期", 2),
        ("3 天内到期", 1),
        ("群众评价“未解决”，待重新办理", 1),
    ]
    assert counts(users.township_leader, "ledgers.region_matters") == [("已超过化解期限", 1), ("3 天内到期", 1)]
    assert card_items(users.township_staff, "ledgers.region") is None  # staff are no leaders


def test_counts_are_bounded_by_the_list_cap(settings, users, todo):
    settings.JICENG_LIST_COUNT_CAP = 1
    items = card_items(users.county_leader, "ledgers.region")
    assert items[0].count == 2 and items[0].display == "1+"


def test_mine_filter_lists_only_my_entries(client_for, users, todo):
    response = client_for(users.township_staff).get(reverse("ledgers:livelihoodappeal_list"), {"mine": "true"})
    assert [a.created_by_id for a in response.context["page_obj"]] == [users.township_staff.pk]
    # The API's FilterSet knows the caller too.
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(users.township_staff)
    assert api.get("/api/v1/livelihood-appeals/", {"mine": "true"}).json()["count"] == 1


@pytest.mark.parametrize(
    "name, bound",
    [
        # The whole home page: the ledgers' cards plus every other app's (petitions, pairings,
        # community service), each a fixed number of bounded counts whatever the region's size
        # (staff and village cadres, who may register link projects, also get the support card's three).
        ("township_staff", 22),
        ("village_cadre", 21),
        ("township_leader", 17),
        ("county_leader", 17),
        ("prefecture_leader", 17),
        ("province", 17),
        ("auditor", 6),
    ],
)
def test_home_page_query_count_is_bounded_per_role(client_for, users, todo, django_assert_max_num_queries, name, bound):
    client = client_for(getattr(users, name))
    client.get(reverse("core:home"))  # warm-up: content types, caches
    with django_assert_max_num_queries(bound):
        response = client.get(reverse("core:home"))
    assert response.status_code == 200
