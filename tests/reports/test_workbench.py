"""The provincial office's workbench cards: headline figures from the summaries, the regions with
the most overdue items (live, scoped, cached), the last refresh."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.workbench import cards_for
from ledgers.models import LivelihoodAppeal
from reports.services import summary_refresh_full
from tests.ledgers.test_views import make_appeal

pytestmark = pytest.mark.django_db


def items(user, key):
    return {r.card.key: r.items for r in cards_for(user)}.get(key)


def test_headline_card_before_and_after_the_first_refresh(users, tree):
    # given no figures yet: the card says so, never zeros
    before = items(users.province, "reports.headline")
    assert [str(i.label) for i in before] == ["数据截至"] and before[0].text == "尚未生成统计数据"
    # when appeals are registered and the summaries refreshed
    make_appeal(users.superuser, tree.village, funds_spent_fen=1_250_000)
    make_appeal(users.superuser, tree.village2)
    run = summary_refresh_full()
    shown = {str(i.label): i.text for i in items(users.province, "reports.headline")}
    # then the province's figures, formatted as on the dashboard, and the time they were computed
    assert shown["登记问题"] == "2"
    assert shown["解决问题"] == "0"
    assert shown["群众满意率"] == "—"
    assert shown["投入资金"] == "1.25 万元"
    assert shown["数据截至"] == timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M")


def test_overdue_regions_ranked_scoped_and_linked(client_for, users, tree):
    cache.clear()
    for region, n in ((tree.village, 2), (tree.sibling_village, 1)):
        for _i in range(n):
            appeal = make_appeal(users.superuser, region, registered_on=datetime.date(2026, 1, 1))
            LivelihoodAppeal.objects.filter(pk=appeal.pk).update(promised_date=datetime.date(2026, 1, 2))
    # The province's children: 成都市 with all three.
    top = items(users.province, "reports.overdue_regions")
    assert [(i.label, i.count) for i in top] == [("成都市", 3)]
    response = client_for(users.province).get(top[0].url)
    assert response.context["page_obj"].paginator.count == 3


def test_cards_only_for_the_provincial_office(users, tree):
    for user in (users.county_leader, users.township_staff, users.auditor):
        keys = [r.card.key for r in cards_for(user)]
        assert "reports.headline" not in keys and "reports.overdue_regions" not in keys
    assert "reports.headline" in [r.card.key for r in cards_for(users.superuser)]


def test_province_home_renders_the_cards(client_for, users, tree, django_assert_max_num_queries):
    make_appeal(users.superuser, tree.village)
    summary_refresh_full()
    cache.clear()
    client = client_for(users.province)
    # A cold cache: the grouped overdue queries too, and the other apps' cards (the support card's
    # three capped counts since it came); a fixed number, whatever the data.
    with django_assert_max_num_queries(18):
        body = client.get(reverse("core:home")).content.decode()
    assert 'data-card="reports.headline"' in body and "登记问题" in body and "数据截至" in body
