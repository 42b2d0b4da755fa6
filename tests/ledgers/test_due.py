""" "Overdue" and "due soon" are defined once, on the ledgers' querysets (due field, open statuses),
and every reader agrees with them: lists and their filter, the API's `is_overdue`, the template
tags, the export column, the overview counts and the dashboards' overdue list."""

import datetime

import pytest
from django.urls import reverse

from ledgers.choices import AppealCategory, AppealStatus, MatterStatus, MatterType
from ledgers.models import LivelihoodAppeal, StabilityMatter
from ledgers.querysets import DUE_SOON_DAYS, LivelihoodAppealQuerySet, StabilityMatterQuerySet, due_rules
from ledgers.selectors import ledger_overview
from ledgers.services import appeal_create, appeal_transition, matter_create
from ledgers.templatetags.ledger_tags import is_due_soon, is_overdue

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


def make_appeal(users, tree, due, title):
    appeal = appeal_create(
        actor=users.township_staff,
        region=tree.village,
        data={
            "category": AppealCategory.ROADS,
            "raiser_name": "张三",
            "title": title,
            "responsible_person": "李四",
            "registered_on": TODAY - 30 * DAY,
            "promised_date": TODAY + 30 * DAY,
        },
    )
    LivelihoodAppeal.objects.filter(pk=appeal.pk).update(promised_date=due)
    return LivelihoodAppeal.objects.get(pk=appeal.pk)


@pytest.fixture
def appeals(users, tree):
    """Yesterday (overdue), today, today + 3 (due soon), today + 4 (neither), and a resolved one
    past its date (closed: neither)."""
    rows = {
        "late": make_appeal(users, tree, TODAY - DAY, "逾期"),
        "today": make_appeal(users, tree, TODAY, "今天到期"),
        "soon": make_appeal(users, tree, TODAY + DUE_SOON_DAYS * DAY, "三天后到期"),
        "later": make_appeal(users, tree, TODAY + (DUE_SOON_DAYS + 1) * DAY, "四天后到期"),
    }
    done = make_appeal(users, tree, TODAY - 5 * DAY, "已解决")
    rows["done"] = appeal_transition(
        actor=users.township_staff, appeal=done, target=AppealStatus.RESOLVED, resolution="已修复"
    )
    return rows


def titles(queryset):
    return sorted(a.title for a in queryset)


def test_the_querysets_define_overdue_and_due_soon(appeals):
    assert titles(LivelihoodAppeal.objects.overdue()) == ["逾期"]
    assert titles(LivelihoodAppeal.objects.due_soon()) == ["三天后到期", "今天到期"]
    assert titles(LivelihoodAppeal.objects.not_overdue()) == ["三天后到期", "今天到期", "四天后到期", "已解决"]
    for name, appeal in appeals.items():
        assert LivelihoodAppealQuerySet.is_overdue(appeal) == (name == "late")
        assert LivelihoodAppealQuerySet.is_due_soon(appeal) == (name in ("today", "soon"))
        # the template tags read the same definition
        assert is_overdue(appeal) == (name == "late")
        assert is_due_soon(appeal) == (name in ("today", "soon"))


def test_matters_declare_their_own_due_field(users, tree):
    late = matter_create(
        actor=users.township_staff,
        region=tree.village,
        data={"matter_type": MatterType.LAND, "title": "界址", "parties": "甲", "registered_on": TODAY - 9 * DAY},
    )
    StabilityMatter.objects.filter(pk=late.pk).update(deadline=TODAY - DAY)
    no_deadline = matter_create(
        actor=users.township_staff,
        region=tree.village,
        data={"matter_type": MatterType.LAND, "title": "无期限", "parties": "乙"},
    )
    assert (
        due_rules(StabilityMatter) is StabilityMatterQuerySet
        and due_rules(LivelihoodAppeal) is LivelihoodAppealQuerySet
    )
    assert (StabilityMatterQuerySet.due_field, StabilityMatterQuerySet.open_statuses) == (
        "deadline",
        (MatterStatus.REGISTERED, MatterStatus.MEDIATING),
    )
    assert list(StabilityMatter.objects.overdue()) == [StabilityMatter.objects.get(pk=late.pk)]
    assert list(StabilityMatter.objects.not_overdue()) == [no_deadline]
    assert is_overdue(StabilityMatter.objects.get(pk=late.pk)) and not is_overdue(no_deadline)


def test_list_filters_api_and_overview_agree(appeals, api_for, client_for, users, tree):
    api = api_for(users.township_staff)
    rows = api.get("/api/v1/livelihood-appeals/?page_size=50").json()["results"]
    assert sorted(r["title"] for r in rows if r["is_overdue"]) == ["逾期"]
    soon = api.get("/api/v1/livelihood-appeals/?due_soon=true").json()["results"]
    assert sorted(r["title"] for r in soon) == ["三天后到期", "今天到期"]
    page = client_for(users.township_staff).get(reverse("ledgers:livelihoodappeal_list") + "?due_soon=true")
    assert titles(page.context["rows"]) == ["三天后到期", "今天到期"]
    overdue_page = client_for(users.township_staff).get(reverse("ledgers:livelihoodappeal_list") + "?overdue=true")
    assert titles(overdue_page.context["rows"]) == ["逾期"]
    overview = ledger_overview(user=users.township_staff, region=tree.village)
    assert (overview["appeals"]["open"], overview["appeals"]["overdue"]) == (4, 1)
