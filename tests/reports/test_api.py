"""/api/v1/stats/ and /api/v1/metrics/: figures from the summaries, scoped, documented."""

from decimal import Decimal

import pytest

from reports.services import summary_refresh_full
from tests.reports.conftest import build_dataset, direct_counts


@pytest.fixture
def refreshed(tree):
    dataset = build_dataset(tree, seed=5, appeals=14, households=5, matters=6)
    summary_refresh_full()
    return dataset


def _items(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_metrics_lists_the_registry_with_definitions(users, api_for):
    response = api_for(users.township_staff).get("/api/v1/metrics/")
    assert response.status_code == 200
    by_key = {m["key"]: m for m in response.json()}
    rate = by_key["satisfaction_rate"]
    assert (rate["kind"], rate["unit"], rate["numerator"], rate["denominator"]) == (
        "rate",
        "rate",
        ["ratings_satisfied"],
        ["ratings_count"],
    )
    assert "分母" in rate["definition"] and "分子" in rate["definition"]
    assert by_key["problems_registered"]["parts"] == ["appeals_registered", "matters_registered"]
    assert by_key["appeals_by_category.roads"]["breakdown"] == "appeals_by_category"
    for key in ("response_rate", "resolution_rate", "appeal_on_time_rate", "matter_on_time_rate", "funds_invested_fen"):
        assert key in by_key
    assert api_for(users.township_staff).get("/api/v1/metrics/resolution_rate/").json()["kind"] == "rate"
    assert api_for(users.township_staff).get("/api/v1/metrics/nope/").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/stats/", "/api/v1/metrics/"])
def test_anonymous_callers_get_401(path, tree, api_for):
    assert api_for(None).get(path).status_code == 401


def test_stats_for_a_region_with_rates_and_their_parts(refreshed, users, api_for):
    expected = direct_counts()
    items = _items(api_for(users.province).get("/api/v1/stats/?region=51&metric=satisfaction_rate,problems_registered"))
    assert [(i["region_code"], i["period"], i["metric"]) for i in items] == [
        ("51", "", "satisfaction_rate"),
        ("51", "", "problems_registered"),
    ]
    rate, problems = items
    assert (rate["numerator"], rate["denominator"]) == (
        expected.get(("51", "", "ratings_satisfied"), 0),
        expected[("51", "", "ratings_count")],
    )
    assert Decimal(str(rate["value"])).quantize(Decimal("0.0001")) == (
        Decimal(rate["numerator"]) / Decimal(rate["denominator"])
    ).quantize(Decimal("0.0001"))
    assert problems["value"] == expected[("51", "", "appeals_registered")] + expected.get(
        ("51", "", "matters_registered"), 0
    )
    assert (problems["region_name"], problems["level"], problems["unit"]) == ("四川省", 1, "count")
    # counts are whole JSON numbers, rates fractions
    response = api_for(users.province).get("/api/v1/stats/?region=51&metric=problems_registered,satisfaction_rate")
    body = response.content.decode()
    assert f'"value":{problems["value"]},' in body.replace(" ", "")
    assert isinstance(problems["value"], int) and isinstance(rate["value"], float)


def test_stats_children_and_months(refreshed, users, api_for):
    expected = direct_counts()
    items = _items(api_for(users.county_leader).get("/api/v1/stats/?parent=510121&metric=appeals_registered"))
    assert [(i["region_code"], i["value"]) for i in items] == [
        (code, expected.get((code, "", "appeals_registered"), 0)) for code in ("510121106", "510121113")
    ]
    month = sorted(p for (c, p, m) in expected if c == "510121" and p and m == "appeals_registered")[0]
    items = _items(
        api_for(users.county_leader).get(f"/api/v1/stats/?region=510121&period={month}&metric=appeals_registered")
    )
    assert [(i["period"], i["value"]) for i in items] == [(month, expected[("510121", month, "appeals_registered")])]
    items = _items(api_for(users.county_leader).get("/api/v1/stats/?level=4&metric=ledgers_built"))
    assert {i["region_code"] for i in items} == {"510121106", "510121113"}


def _all_pages(client, url):
    items, page = [], client.get(url).json()
    while True:
        items += page["results"]
        if not page["next"]:
            return items, page
        page = client.get(page["next"]).json()


def test_unfiltered_stats_page_through_every_figure_in_order(refreshed, users, api_for):
    from reports.models import Summary

    client = api_for(users.province)
    metrics = ["problems_registered", "satisfaction_rate", "ratings_count"]
    # when a caller pages through every figure of their scope, 7 at a time (pages cut across keys)
    items, last = _all_pages(client, f"/api/v1/stats/?metric={','.join(metrics)}&page_size=7")
    # then every region with a total of one of the metrics' stored rows comes once (totals are the
    # default period), in code order, with all three metrics each
    stored = {"appeals_registered", "matters_registered", "ratings_satisfied", "ratings_count"}
    keys = sorted(set(Summary.objects.filter(metric__in=stored, period="").values_list("region_code", "period")))
    assert [(i["region_code"], i["period"], i["metric"]) for i in items] == [
        (code, period, metric) for code, period in keys for metric in metrics
    ]
    assert last["count"] == len(items) and last["count_capped"] is False
    from reports.selectors import summary_state

    assert last["data_as_of"] == summary_state().data_as_of.isoformat()
    expected = direct_counts()
    by_key = {(i["region_code"], i["period"], i["metric"]): i for i in items}
    assert by_key[("510121113", "", "ratings_count")]["value"] == expected.get(("510121113", "", "ratings_count"), 0)


def test_unfiltered_stats_count_up_to_the_cap_and_read_one_page(
    refreshed, users, api_for, settings, django_assert_max_num_queries
):
    # given a list cap lower than the figures in scope
    settings.JICENG_LIST_COUNT_CAP = 20
    client = api_for(users.province)
    # when the province asks for everything, without a filter
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/stats/?page_size=15").json()
    # then the count stops at the cap and says so, and the page holds page_size items
    assert (body["count"], body["count_capped"], len(body["results"])) == (20, True, 15)
    assert len(client.get("/api/v1/stats/?page_size=15&page=2").json()["results"]) == 5
    assert client.get("/api/v1/stats/?page_size=15&page=3").status_code == 404


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("township_staff", {"510121113", "510121113001", "510121113002"}),
        ("sibling_staff", {"510121106", "510121106001", "510121106002"}),
        ("village_cadre", {"510121113001"}),
        (
            "county_leader",
            {"510121", "510121106", "510121113", "510121113001", "510121113002", "510121106001", "510121106002"},
        ),
        ("auditor", set()),
        ("system_admin", set()),
    ],
)
def test_stats_are_scoped_to_the_callers_regions(refreshed, users, api_for, who, visible):
    items = _items(api_for(getattr(users, who)).get("/api/v1/stats/?metric=appeals_registered&page_size=500"))
    codes = {i["region_code"] for i in items}
    assert codes <= visible
    assert codes == {c for c in visible if c in {k[0] for k in direct_counts() if k[2] == "appeals_registered"}}


def test_stats_for_a_region_outside_scope_are_empty(refreshed, users, api_for):
    assert _items(api_for(users.township_staff).get("/api/v1/stats/?region=51")) == []
    assert _items(api_for(users.township_staff).get("/api/v1/stats/?parent=510121106")) == []


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("metric=nope", "metric", "未知的指标"),
        ("period=2026-13", "period", "期间应为"),
        ("level=9", "level", ""),
        ("region=abc", "region", "区划代码应为"),
    ],
)
def test_bad_filters_answer_400_with_a_message(refreshed, users, api_for, query, field, message):
    response = api_for(users.province).get(f"/api/v1/stats/?{query}")
    assert response.status_code == 400
    assert field in response.json()
    assert message in " ".join(response.json()[field])


def test_stats_run_a_bounded_number_of_queries(refreshed, users, api_for, django_assert_max_num_queries):
    client = api_for(users.province)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/stats/?within=51&page_size=500").status_code == 200


def test_schema_documents_the_stats_and_metrics_endpoints(users, client_for):
    response = client_for(users.province).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"] if response["Content-Type"].startswith("application/json") else None
    text = response.content.decode()
    assert "/api/v1/stats/" in text and "/api/v1/metrics/{key}/" in text
    if paths is not None:
        names = {p["name"] for p in paths["/api/v1/stats/"]["get"]["parameters"]}
        assert {"metric", "region", "parent", "within", "level", "period"} <= names
