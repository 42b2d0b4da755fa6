"""List pages count up to a cap (JICENG_LIST_COUNT_CAP): past it they say "超过 N 条", offer pages
up to the cap only, and ask the user to narrow the filter; the overdue count is capped the same
way. Below the cap the counts are exact."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from core.paginator import BoundedPaginator, bounded_count, bounded_counts, page_rows
from ledgers.models import LivelihoodAppeal
from tests.ledgers.test_views import TODAY, make_appeal, make_household, make_matter

LISTS = [
    ("ledgers:livelihoodappeal_list", make_appeal),
    ("ledgers:hardshiphousehold_list", make_household),
    ("ledgers:stabilitymatter_list", make_matter),
]


def make_many(make, actor, regions, count):
    return [make(actor, regions[index % len(regions)]) for index in range(count)]


@pytest.mark.parametrize(("name", "make"), LISTS)
@override_settings(JICENG_LIST_COUNT_CAP=30)
def test_list_past_the_cap_says_more_than_cap_and_limits_the_pages(client_for, users, tree, name, make):
    # given 35 rows in the township and a cap of 30
    make_many(make, users.superuser, [tree.village, tree.village2], 35)
    c = client_for(users.township_staff)
    # when the first page is shown
    page = c.get(reverse(name)).content.decode()
    # then it says "more than 30", asks to narrow, and its last-page link is page 2 (30 rows / 20)
    assert "超过 30 条，第 1 / 2 页" in page
    assert "符合条件的记录超过 30 条，只能翻阅前 30 条。请缩小筛选范围" in page
    assert "共 35 条" not in page
    assert 'page=2" data-testid="last-page">可翻阅的末页</a>' in page
    # and page 2 holds rows 21 to 30, page 3 is out of range with the same advice
    second = c.get(reverse(name), {"page": "2"})
    assert second.status_code == 200
    assert second.content.decode().count('data-testid="row-') == 10
    third = c.get(reverse(name), {"page": "3"})
    assert third.status_code == 404
    assert "请缩小筛选范围" in third.content.decode()


@pytest.mark.parametrize(("name", "make"), LISTS)
@override_settings(JICENG_LIST_COUNT_CAP=30)
def test_list_at_the_cap_counts_exactly(client_for, users, tree, name, make):
    make_many(make, users.superuser, [tree.village], 30)
    page = client_for(users.township_staff).get(reverse(name)).content.decode()
    assert "共 30 条，第 1 / 2 页" in page
    assert 'data-testid="count-capped"' not in page
    assert 'page=2" data-testid="last-page">末页</a>' in page


@override_settings(JICENG_LIST_COUNT_CAP=20)
def test_overdue_count_past_the_cap_says_more_than_cap(client_for, users, tree):
    late = make_many(make_appeal, users.superuser, [tree.village], 21)
    LivelihoodAppeal.objects.filter(pk__in=[a.pk for a in late]).update(
        promised_date=TODAY - datetime.timedelta(days=1)
    )
    c = client_for(users.township_staff)
    everything = c.get(reverse("ledgers:livelihoodappeal_list")).content.decode()
    assert "符合条件的记录中超过 20 条已逾期。" in everything
    only_overdue = c.get(reverse("ledgers:livelihoodappeal_list"), {"overdue": "true"}).content.decode()
    assert "符合条件的记录中超过 20 条已逾期。" in only_overdue
    assert "超过 20 条" in only_overdue


@override_settings(JICENG_LIST_COUNT_CAP=20)
def test_overdue_count_at_the_cap_is_exact(client_for, users, tree):
    late = make_many(make_appeal, users.superuser, [tree.village], 20)
    LivelihoodAppeal.objects.filter(pk__in=[a.pk for a in late]).update(
        promised_date=TODAY - datetime.timedelta(days=1)
    )
    page = client_for(users.township_staff).get(reverse("ledgers:livelihoodappeal_list")).content.decode()
    assert "符合条件的记录中有 20 条已逾期。" in page


@pytest.mark.parametrize(("name", "make"), LISTS)
def test_capped_list_runs_as_many_queries_as_an_exact_one(client_for, users, tree, name, make):
    make_many(make, users.superuser, [tree.village], 25)
    c = client_for(users.township_staff)
    c.get(reverse(name))  # warm-up
    with override_settings(JICENG_LIST_COUNT_CAP=100), CaptureQueriesContext(connection) as exact:
        assert "共 25 条" in c.get(reverse(name)).content.decode()
    with override_settings(JICENG_LIST_COUNT_CAP=20), CaptureQueriesContext(connection) as capped:
        assert "超过 20 条" in c.get(reverse(name)).content.decode()
    assert len(capped) == len(exact)
    assert len(capped) <= 16


def test_bounded_count_reads_at_most_cap_plus_one_rows(users, tree):
    make_many(make_appeal, users.superuser, [tree.village], 7)
    rows = LivelihoodAppeal.objects.all()
    assert bounded_count(rows, 5) == 6
    assert bounded_count(rows, 7) == 7
    assert bounded_count(rows.filter(title="无此标题"), 5) == 0
    with CaptureQueriesContext(connection) as captured:
        bounded_count(rows, 5)
    assert len(captured) == 1
    assert "LIMIT 6" in captured[0]["sql"]


def test_bounded_counts_count_several_querysets_in_one_statement(users, tree):
    make_many(make_appeal, users.superuser, [tree.village], 7)
    rows = LivelihoodAppeal.objects.all()
    first_three = rows.filter(pk__lte=rows.order_by("pk")[2].pk)
    with CaptureQueriesContext(connection) as captured:
        counts = bounded_counts(rows, rows.filter(title="无此标题"), rows.none(), first_three, cap=5)
    assert counts == [6, 0, 0, 3]
    assert len(captured) == 1
    assert captured[0]["sql"].count("LIMIT 6") == 3
    assert bounded_counts(rows, cap=7) == [bounded_count(rows, 7)] == [7]


def test_bounded_paginator_on_a_list():
    paginator = BoundedPaginator(list(range(50)), 20, cap=30)
    assert (paginator.found, paginator.count, paginator.truncated, paginator.num_pages) == (31, 30, True, 2)
    exact = BoundedPaginator(list(range(25)), 20, cap=30)
    assert (exact.found, exact.count, exact.truncated, exact.num_pages) == (25, 25, False, 2)


@pytest.mark.parametrize(
    "ordering",
    [("-registered_on", "-id"), ("category", "id"), ("-funds_spent_fen", "-id"), ("region_id", "status", "id")],
)
def test_pages_past_the_first_are_the_rows_plain_slicing_gives(users, tree, ordering):
    # given 23 appeals in two villages, with repeated dates, categories and amounts (ties broken by id)
    for index in range(23):
        make_appeal(
            users.superuser,
            [tree.village, tree.village2][index % 2],
            registered_on=TODAY - datetime.timedelta(days=index % 4),
            category=["roads", "drinking_water", "housing"][index % 3],
            funds_spent_fen=(index % 5) * 100,
        )
    rows = LivelihoodAppeal.objects.filter(voided_at__isnull=True).order_by(*ordering)
    expected = [appeal.pk for appeal in rows.all()]  # (rows itself stays unevaluated)
    # when every page of 5 is read, and a page ending at the last row
    for bottom in range(0, 25, 5):
        with CaptureQueriesContext(connection) as captured:
            page = [appeal.pk for appeal in page_rows(rows, bottom, bottom + 5)]
        # then each is the same rows, in the same order, as slicing the whole list
        assert page == expected[bottom : bottom + 5]
        assert len(captured) == 1
        # past the first page the keys are found first (an IN over the ordered, limited keys)
        assert (" IN (SELECT " in captured[0]["sql"]) == (bottom > 0)
    assert [a.pk for a in page_rows(rows, 20, 23)] == expected[20:23]
    # a list, a distinct queryset and an unordered one are sliced as Django does
    assert page_rows(list(range(10)), 5, 8) == [5, 6, 7]
    distinct = rows.distinct()
    assert [a.pk for a in page_rows(distinct, 5, 10)] == expected[5:10]
    assert " IN (SELECT " not in str(page_rows(distinct, 5, 10).query)
    assert " IN (SELECT " not in str(page_rows(rows.order_by(), 5, 10).query)


def test_windows_to_many_expression_and_tying_orderings_are_sliced_as_before(users, tree):
    # given 12 appeals, each with one to three rating invitations
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    from ledgers.models import RatingInvitation

    for index in range(12):
        appeal = make_appeal(users.superuser, tree.village)
        for number in range(index % 3 + 1):
            RatingInvitation.objects.create(
                appeal=appeal, nonce=f"n{index:02d}{number}", expires_at=appeal.created_at + datetime.timedelta(days=30)
            )
    numbered = LivelihoodAppeal.objects.annotate(rn=Window(RowNumber(), order_by=F("id").asc())).order_by("id")
    by_invitation = LivelihoodAppeal.objects.order_by("rating_invitations__nonce", "id")
    by_expression = LivelihoodAppeal.objects.order_by(F("promised_date").asc(nulls_last=True), "id")
    tying = LivelihoodAppeal.objects.order_by("registered_on")
    for rows in (numbered, by_invitation, by_expression, tying):
        # when a later page is read, then it is plain slicing: same rows, same size, no key subquery
        assert " IN (SELECT " not in str(page_rows(rows, 5, 10).query)
        assert list(page_rows(rows, 5, 10)) == list(rows.all()[5:10])
    assert [a.rn for a in page_rows(numbered, 5, 10)] == [6, 7, 8, 9, 10]
    assert len(list(page_rows(by_invitation, 5, 10))) == 5
    # and a to-one path (the village's name) still finds the keys first
    assert " IN (SELECT " in str(page_rows(LivelihoodAppeal.objects.order_by("region__name", "id"), 5, 10).query)


def test_list_pages_past_the_first_show_the_same_rows_as_before(client_for, users, tree):
    # given 45 appeals and the list's own pages of 20
    make_many(make_appeal, users.superuser, [tree.village, tree.village2], 45)
    expected = list(LivelihoodAppeal.objects.order_by("-registered_on", "-id").values_list("pk", flat=True))
    c = client_for(users.township_staff)
    shown = []
    for number in (1, 2, 3):
        page = c.get(reverse("ledgers:livelihoodappeal_list"), {"page": str(number)}).content.decode()
        shown += [int(pk) for pk in re.findall(r'data-testid="row-(\d+)"', page)]
    # then the three pages are the 45 rows in the list's order, each once
    assert shown == expected


# --- API ------------------------------------------------------------------------------------------
API = [
    ("/api/v1/livelihood-appeals/", make_appeal),
    ("/api/v1/hardship-households/", make_household),
    ("/api/v1/stability-matters/", make_matter),
]


@pytest.mark.parametrize(("url", "make"), API)
@override_settings(JICENG_LIST_COUNT_CAP=30)
def test_api_list_past_the_cap_says_count_capped_and_ends_at_the_cap(client_for, users, tree, url, make):
    make_many(make, users.superuser, [tree.village], 35)
    c = client_for(users.township_staff)
    first = c.get(url, {"page_size": "20"}).json()
    assert (first["count"], first["count_capped"], len(first["results"])) == (30, True, 20)
    assert list(first)[:2] == ["count", "count_capped"]
    second = c.get(url, {"page_size": "20", "page": "2"}).json()
    assert (len(second["results"]), second["next"]) == (10, None)
    third = c.get(url, {"page_size": "20", "page": "3"})
    assert third.status_code == 404
    assert "请缩小筛选范围" in third.json()["detail"]


@pytest.mark.parametrize(("url", "make"), API)
@override_settings(JICENG_LIST_COUNT_CAP=30)
def test_api_list_at_the_cap_counts_exactly(client_for, users, tree, url, make):
    make_many(make, users.superuser, [tree.village], 30)
    body = client_for(users.township_staff).get(url, {"page_size": "20"}).json()
    assert (body["count"], body["count_capped"]) == (30, False)


def test_schema_documents_count_capped_on_ledger_lists():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    page = schema["components"]["schemas"]["PaginatedLivelihoodAppealList"]
    assert page["properties"]["count_capped"]["type"] == "boolean"
    assert "count_capped" in page["required"]
