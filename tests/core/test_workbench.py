"""The workbench registry: cards shown by permission and `applies`, items rendered on the home page."""

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
