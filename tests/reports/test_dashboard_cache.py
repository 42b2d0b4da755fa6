"""The dashboard's summary-derived part comes from Django's cache: keyed by the data's version, so a
refresh shows new figures at once, and the overdue list (live, the user's own scope) is never cached."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledgers.choices import AppealCategory
from ledgers.services import appeal_create
from reports.services import summary_refresh_full, summary_refresh_incremental
from tests.reports.conftest import add_appeal, build_dataset, direct_counts


@pytest.fixture
def refreshed(tree):
    cache.clear()
    dataset = build_dataset(tree, seed=3, appeals=14, households=5, matters=6)
    summary_refresh_full()
    return dataset


def shown(page: str, key: str) -> str:
    match = re.search(rf'data-testid="value-{key}"[^>]*>([^<]*)<', page)
    assert match, f"no figure {key} on the page"
    return match.group(1)


def figures_part(page: str) -> str:
    """The page from the headline figures to the rankings (the cached part, with the child heading)."""
    return page[page.index("主要指标") : page.index("超期未办结的民生诉求")]


def registered(code: str) -> int:
    expected = direct_counts()
    return expected.get((code, "", "appeals_registered"), 0) + expected.get((code, "", "matters_registered"), 0)


def overdue_appeal(actor, region, title):
    today = timezone.localdate()
    return appeal_create(
        actor=actor,
        region=region,
        data={
            "category": AppealCategory.values[0],
            "raiser_name": "王大爷",
            "title": title,
            "responsible_person": "刘芳",
            "registered_on": today - datetime.timedelta(days=20),
            "promised_date": today - datetime.timedelta(days=5),
            "funds_spent_fen": 0,
        },
    )


def test_second_request_runs_fewer_queries_and_shows_the_same_figures(refreshed, users, client_for):
    # given the province dashboard opened once
    client = client_for(users.province)
    with CaptureQueriesContext(connection) as first_queries:
        first = client.get("/reports/51/")
    # when it is opened again
    with CaptureQueriesContext(connection) as second_queries:
        second = client.get("/reports/51/")
    # then the second request reads fewer queries (no summaries, no child regions)
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(second_queries) < len(first_queries)
    assert not any('reports_summary"' in q["sql"] and "FROM" in q["sql"] for q in second_queries.captured_queries)
    # and renders exactly the same figures, charts' data, child table and rankings
    assert figures_part(second.content.decode()) == figures_part(first.content.decode())
    assert 'id="dashboard-data"' in second.content.decode()
    assert shown(second.content.decode(), "problems_registered") == str(registered("51"))


def test_another_user_of_the_same_region_gets_the_same_figures(refreshed, users, client_for):
    # given the township staff opened 竹篙镇's dashboard
    staff_page = client_for(users.township_staff).get("/reports/510121113/").content.decode()
    # when the township leader and the county leader open it
    leader_page = client_for(users.township_leader).get("/reports/510121113/").content.decode()
    county_page = client_for(users.county_leader).get("/reports/510121113/").content.decode()
    # then all see the same figures, with drill-down links only to the township's villages
    assert figures_part(leader_page) == figures_part(staff_page) == figures_part(county_page)
    links = set(re.findall(r'href="/reports/(\d+)/"', figures_part(staff_page)))
    assert links == {"510121113001", "510121113002"}


def test_full_refresh_shows_the_new_figures(refreshed, users, client_for):
    # given the township dashboard opened (and cached)
    client = client_for(users.township_staff)
    before = shown(client.get("/reports/510121113/").content.decode(), "problems_registered")
    assert before == str(registered("510121113"))
    # when three appeals are added and a full refresh runs
    for _ in range(3):
        add_appeal(refreshed.rng, refreshed.actor, refreshed.places[0])
    summary_refresh_full()
    # then the page shows the new figure at once
    after = shown(client.get("/reports/510121113/").content.decode(), "problems_registered")
    assert int(after) == int(before) + 3 == registered("510121113")


def test_incremental_refresh_shows_the_new_figures(refreshed, users, client_for):
    # given the county dashboard opened (and cached)
    client = client_for(users.county_leader)
    before = shown(client.get("/reports/510121/").content.decode(), "problems_registered")
    # when two appeals are added and an incremental refresh folds them in
    for _ in range(2):
        add_appeal(refreshed.rng, refreshed.actor, refreshed.places[0])
    run = summary_refresh_incremental()
    assert run.kind == "incremental"
    # then the page shows the new figure at once
    after = shown(client.get("/reports/510121/").content.decode(), "problems_registered")
    assert int(after) == int(before) + 2 == registered("510121")


def test_overdue_list_is_live_and_each_users_own(refreshed, users, client_for, tree):
    # given both townships' dashboards opened (their figures cached)
    staff, sibling = client_for(users.township_staff), client_for(users.sibling_staff)
    staff.get("/reports/510121113/")
    sibling.get("/reports/510121106/")
    # when an appeal of 竹篙镇 becomes overdue (no refresh)
    overdue_appeal(refreshed.actor, tree.village, "竹篙镇新超期诉求")
    # then 竹篙镇's staff see it at once, from a page whose figures came from the cache
    staff_page = staff.get("/reports/510121113/")
    assert "竹篙镇新超期诉求" in staff_page.content.decode()
    assert "headline" not in staff_page.context
    # and 五凤镇's staff never do, and see only their own township's appeals
    sibling_page = sibling.get("/reports/510121106/")
    assert "竹篙镇新超期诉求" not in sibling_page.content.decode()
    assert sibling_page.context["overdue"]
    assert all(a.region_id.startswith("510121106") for a in sibling_page.context["overdue"])
    assert all(a.region_id.startswith("510121113") for a in staff_page.context["overdue"])


def test_english_and_chinese_pages_are_cached_apart(refreshed, users, client_for):
    # given the province dashboard opened in Chinese
    client = client_for(users.province)
    chinese = client.get("/reports/51/").content.decode()
    # when it is opened in English
    english = client.get("/reports/51/", headers={"accept-language": "en"}).content.decode()
    # then the English page does not reuse the Chinese figures part
    assert "主要指标" in chinese
    assert "Key indicators" in english
    assert "主要指标" not in english
