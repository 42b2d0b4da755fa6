"""The workbench registry: cards shown by permission and `applies`, items rendered on the home page."""

import datetime

import pytest
from django.urls import reverse

from core import workbench
from core.workbench import Card, CardItem, cards_for


@pytest.fixture
def isolated_registry(monkeypatch):
    monkeypatch.setattr(workbench, "_REGISTRY", {})
    return workbench


def test_cards_shown_by_permission_and_applies(isolated_registry, users):
    # given a ledger card, a card for everybody narrowed by `applies`, and a reports card
    workbench.register(Card("a", "A", "ledgers.view_livelihoodappeal", lambda u: [CardItem("x", 3)], order=2))
    workbench.register(Card("b", "B", None, lambda u: [CardItem("y", 1)], applies=lambda u: u.username == "staff"))
    workbench.register(Card("c", "C", "reports.refresh_summary", lambda u: [], order=1))
    # when / then
    assert [r.card.key for r in cards_for(users.township_staff)] == ["a", "b"]
    assert [r.card.key for r in cards_for(users.village_cadre)] == ["a"]
    assert [r.card.key for r in cards_for(users.auditor)] == []


def test_item_display_caps_at_list_cap(settings):
    settings.JICENG_LIST_COUNT_CAP = 100
    assert CardItem("x", 100).display == "100"
    assert CardItem("x", 101).display == "100+"
    assert CardItem("x", 101).over_cap


@pytest.mark.django_db
def test_home_renders_registered_cards(isolated_registry, users, client_for):
    workbench.register(
        Card("t", "测试卡片", "ledgers.view_livelihoodappeal", lambda u: [CardItem("已超期", 7, "/x/", "danger")])
    )
    body = client_for(users.township_staff).get(reverse("core:home")).content.decode()
    assert 'data-card="t"' in body and "测试卡片" in body and ">7</span>" in body
    assert 'data-card="t"' not in client_for(users.auditor).get(reverse("core:home")).content.decode()


@pytest.mark.parametrize("role, where", [("petition_staff", "county"), ("community_branch", "village2")])
def test_module_roles_home_page_queries_do_not_grow_with_their_records(client_for, tree, role, where):
    """The petitions' and the three-order cards on the home page of the people who work on them: a
    fixed number of queries, whether the region holds one record or ten."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from community.services import order_place
    from core.calendar import seed_year
    from petitions.models import PetitionCategory
    from petitions.selectors import ensure_default_categories
    from petitions.services import petition_create
    from regions.choices import Role
    from tests.conftest import make_user

    # given a user of the role, and a way to add records their cards count
    received = datetime.date(2026, 11, 20)  # a year the working-day calendar covers
    seed_year(2026, notify=False)
    ensure_default_categories()
    user = make_user("worker", Role(role), getattr(tree, where))

    def add_records(n):
        for i in range(n):
            if role == "petition_staff":
                petition_create(
                    actor=user,
                    region=tree.village,
                    data={"channel": "visit", "received_on": received, "title": f"事由{i}", "content": "内容",
                          "category": PetitionCategory.objects.get(code="land"), "petition_type": "claim",
                          "conflict_level": "township"},
                    petitioners=[{"name": f"张{i}", "address": "三组"}],
                )  # fmt: skip
            else:
                order_place(
                    region=tree.village2,
                    data={"category": "elderly", "need": f"买药{i}", "place": "3栋", "contact_name": "李",
                          "phone": "13812345678"},
                )  # fmt: skip

    client = client_for(user)

    def home_queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("core:home"))
        assert response.status_code == 200
        return len(captured)

    add_records(1)
    client.get(reverse("core:home"))  # warm-up: content types, caches
    # when the region's records grow tenfold
    one = home_queries()
    add_records(9)
    ten = home_queries()
    # then the home page runs the same number of queries, and few
    assert one == ten
    assert ten <= 20
