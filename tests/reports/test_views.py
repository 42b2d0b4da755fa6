"""Dashboard pages: landing, scoping (permission matrix), figures, export, monthly report, refresh."""

import io

import openpyxl
import pytest

from reports.choices import RunStatus
from reports.models import RefreshRun
from reports.services import summary_refresh_full
from tests.reports.conftest import direct_counts


@pytest.fixture
def refreshed(tree):
    from tests.reports.conftest import build_dataset

    dataset = build_dataset(tree, seed=3, appeals=14, households=5, matters=6)
    summary_refresh_full()
    return dataset


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("township_staff", "/reports/510121113/"),
        ("village_cadre", "/reports/510121113001/"),
        ("county_leader", "/reports/510121/"),
        ("province", "/reports/51/"),
        ("superuser", "/reports/51/"),
    ],
)
def test_reports_home_sends_each_user_to_their_own_region(users, client_for, who, expected):
    response = client_for(getattr(users, who)).get("/reports/")
    assert response.status_code == 302
    assert response["Location"] == expected


@pytest.mark.parametrize(("who", "status"), [("system_admin", 403), ("auditor", 403), ("no_post", 403)])
def test_reports_home_refuses_users_without_the_reports_permission(users, client_for, who, status):
    assert client_for(getattr(users, who)).get("/reports/").status_code == status


def test_reports_home_asks_anonymous_users_to_sign_in(client_for, tree):
    response = client_for(None).get("/reports/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


MATRIX = [
    # (user, county 510121, township 510121113, sibling township 510121106, province 51)
    ("village_cadre", 404, 404, 404, 404),
    ("township_staff", 404, 200, 404, 404),
    ("sibling_staff", 404, 404, 200, 404),
    ("township_leader", 404, 200, 404, 404),
    ("county_leader", 200, 200, 200, 404),
    ("prefecture_leader", 200, 200, 200, 404),
    ("province", 200, 200, 200, 200),
    ("system_admin", 404, 404, 404, 404),
    ("auditor", 404, 404, 404, 404),
    ("superuser", 200, 200, 200, 200),
]


@pytest.mark.parametrize(("who", "county", "town", "sibling", "province"), MATRIX)
def test_dashboard_permission_matrix(refreshed, users, client_for, who, county, town, sibling, province):
    client = client_for(getattr(users, who))
    got = [client.get(f"/reports/{code}/").status_code for code in ("510121", "510121113", "510121106", "51")]
    assert got == [county, town, sibling, province]


@pytest.mark.parametrize("path", ["/reports/51/", "/reports/51/monthly/", "/reports/51/export.xlsx"])
def test_dashboard_pages_ask_anonymous_users_to_sign_in(refreshed, client_for, path):
    response = client_for(None).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_unknown_or_malformed_region_code_is_404(refreshed, users, client_for):
    client = client_for(users.superuser)
    assert client.get("/reports/99/").status_code == 404
    assert client.get("/reports/51abc/").status_code == 404


def test_province_dashboard_shows_the_summary_figures_with_definitions(refreshed, users, client_for):
    # given summaries of the data set
    expected = direct_counts()
    # when the provincial office opens the province dashboard
    response = client_for(users.province).get("/reports/51/")
    # then the headline figures are the province's and each carries its definition
    assert response.status_code == 200
    page = response.content.decode()
    registered = expected[("51", "", "appeals_registered")] + expected.get(("51", "", "matters_registered"), 0)
    headline = {fig.metric.key: fig for fig in response.context["headline"]}
    assert headline["problems_registered"].value == registered
    assert headline["ledgers_built"].value == expected[("51", "", "ledgers_built")]
    satisfaction = headline["satisfaction_rate"]
    assert (satisfaction.numerator, satisfaction.denominator) == (
        expected.get(("51", "", "ratings_satisfied"), 0),
        expected[("51", "", "ratings_count")],
    )
    assert "分母：已提交的群众评价总数" in page
    assert "数据截至" in page
    # and the child table lists the prefecture with a drill-down link
    assert [child.code for child, _figs in response.context["child_rows"]] == ["5101"]
    assert 'href="/reports/5101/"' in page
    assert "vendor/echarts/echarts.min.js" in page


def test_township_dashboard_shows_only_the_townships_figures(refreshed, users, client_for):
    # given the staff of 竹篙镇
    expected = direct_counts()
    response = client_for(users.township_staff).get("/reports/510121113/")
    # then the figures are the township's, and the child table has only its villages
    headline = {fig.metric.key: fig for fig in response.context["headline"]}
    assert headline["ledgers_built"].value == expected[("510121113", "", "ledgers_built")]
    assert [child.code for child, _figs in response.context["child_rows"]] == ["510121113001", "510121113002"]
    for child, figs in response.context["child_rows"]:
        by_key = {fig.metric.key: fig for fig in figs}
        assert by_key["households_active"].value == expected.get((child.code, "", "households_active"), 0)
    # and no ancestor above the township is linked in the breadcrumbs
    assert [a.code for a in response.context["ancestors"]] == []
    assert all(appeal.region_id.startswith("510121113") for appeal in response.context["overdue"])


def test_county_dashboard_lists_overdue_appeals_of_the_county_only(refreshed, users, client_for):
    from ledgers.models import LivelihoodAppeal

    response = client_for(users.county_leader).get("/reports/510121/")
    overdue = response.context["overdue"]
    expected = list(LivelihoodAppeal.objects.overdue().order_by("promised_date", "id")[:10])
    assert [a.pk for a in overdue] == [a.pk for a in expected]
    assert overdue, "the data set has overdue appeals"
    assert f'href="/ledgers/appeals/{overdue[0].pk}/"' in response.content.decode()
    # and the whole list is one click away, on the appeals page filtered the same way
    assert 'href="/ledgers/appeals/?overdue=true&amp;region=510121"' in response.content.decode()
    listed = client_for(users.county_leader).get("/ledgers/appeals/?overdue=true&region=510121")
    assert listed.status_code == 200
    assert {a.pk for a in overdue} <= {a.pk for a in listed.context["rows"]}


@pytest.mark.parametrize(("who", "code"), [("county_leader", "510121"), ("township_staff", "510121113")])
def test_dashboard_lists_overdue_stability_matters_of_the_region_only(refreshed, users, client_for, who, code):
    from django.utils import timezone

    from ledgers.models import StabilityMatter

    response = client_for(getattr(users, who)).get(f"/reports/{code}/")
    listed = response.context["overdue_matters"]
    expected = list(
        StabilityMatter.objects.overdue().filter(region__code__startswith=code).order_by("deadline", "id")[:10]
    )
    assert [m.pk for m in listed] == [m.pk for m in expected]
    assert listed, "the data set has overdue matters"
    page = response.content.decode()
    assert f'href="/ledgers/matters/{listed[0].pk}/"' in page
    days = (timezone.localdate() - listed[0].deadline).days
    assert f'data-testid="overdue-matter-days">{days} 天<' in page
    assert f'href="/ledgers/matters/?overdue=true&amp;region={code}"' in page


def test_dashboard_runs_a_bounded_number_of_queries(refreshed, users, client_for, django_assert_max_num_queries):
    client = client_for(users.province)
    client.get("/reports/51/")
    with django_assert_max_num_queries(14):
        assert client.get("/reports/51/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/reports/510121/").status_code == 200


def test_dashboard_before_any_refresh_says_there_is_no_data_and_shows_no_zeros(tree, users, client_for):
    # given appeals recorded but no refresh run yet
    from tests.reports.conftest import build_dataset

    build_dataset(tree, seed=4, appeals=5, households=1, matters=1)
    for path in ("/reports/51/", "/reports/510121/monthly/"):
        response = client_for(users.province).get(path)
        page = response.content.decode()
        # then the page says there are no figures yet, with no figure card, table or export button
        assert response.status_code == 200
        assert "尚未生成统计数据" in page and 'data-testid="no-figures"' in page
        assert 'data-testid="value-' not in page
        assert 'data-testid="export-xlsx"' not in page and 'data-testid="report-figures"' not in page
    # and the overdue list, which reads live rows, is still there
    assert 'data-testid="overdue-' in client_for(users.province).get("/reports/51/").content.decode()


def test_dashboard_trend_has_every_calendar_month_in_its_span(refreshed, users, client_for):
    from reports.models import Summary

    # given a county whose months with figures have a gap (a month's rows taken out of the summary)
    rows = Summary.objects.filter(region_code="510121").exclude(period="")
    months = sorted(set(rows.filter(metric="appeals_registered").values_list("period", flat=True)))
    assert len(months) >= 3, "the data set spans at least three months"
    gap = months[1]
    rows.filter(period=gap).delete()
    response = client_for(users.county_leader).get("/reports/510121/")
    shown = [month for month, _figures in response.context["trend_rows"]]
    # then the trend runs through consecutive months from the first with figures
    assert shown[0] == months[0]
    for earlier, later in zip(shown, shown[1:], strict=False):
        year, month = map(int, earlier.split("-"))
        assert later == (f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}")
    # to the month the data is as of, the month without figures there and counting 0
    assert shown[-1] >= months[-1]
    figures = {fig.metric.key: fig.value for fig in dict(response.context["trend_rows"])[gap]}
    assert figures["problems_registered"] == 0


def test_rankings_need_the_minimum_sample(refreshed, users, client_for, settings):
    settings.REPORTS_RANKING_MIN_SAMPLE = 1
    response = client_for(users.county_leader).get("/reports/510121/")
    ranking = {r.metric.key: r for r in response.context["rankings"]}["resolution_rate"]
    assert all(fig.denominator >= 1 for _child, fig in ranking.rows)
    values = [fig.value for _child, fig in ranking.rows]
    assert values == sorted(values, reverse=True)
    settings.REPORTS_RANKING_MIN_SAMPLE = 10_000
    response = client_for(users.county_leader).get("/reports/510121/")
    ranking = {r.metric.key: r for r in response.context["rankings"]}["resolution_rate"]
    assert ranking.rows == []
    assert [c.code for c in ranking.too_small] == ["510121106", "510121113"]
    assert "不少于 10000" in response.content.decode()


def test_export_of_the_child_table(refreshed, users, client_for):
    from audit.models import AuditEvent

    expected = direct_counts()
    response = client_for(users.county_leader).get("/reports/510121/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("区划代码", "名称", "登记问题")
    assert [row[0] for row in rows[1:]] == ["510121", "510121106", "510121113"]
    town = rows[3]
    assert town[2] == expected[("510121113", "", "appeals_registered")] + expected.get(
        ("510121113", "", "matters_registered"), 0
    )
    assert AuditEvent.objects.filter(action="export", region_code="510121", actor=users.county_leader).count() == 1


def test_export_holds_every_dashboard_table_and_what_it_is(refreshed, users, client_for):
    response = client_for(users.county_leader).get("/reports/510121/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    dashboard = client_for(users.county_leader).get("/reports/510121/").context
    # then one sheet per table of the dashboard, and one saying what the figures are
    assert book.sheetnames == ["下级区划", "月度趋势", "分类统计", "排名", "说明"]
    trend = list(book["月度趋势"].iter_rows(values_only=True))
    assert [row[0] for row in trend[1:]] == [month for month, _figs in dashboard["trend_rows"]]
    breakdowns = list(book["分类统计"].iter_rows(values_only=True))[1:]
    assert len(breakdowns) == sum(len(item["items"]) for item in dashboard["breakdowns"]) > 0
    ranked = list(book["排名"].iter_rows(values_only=True))[1:]
    assert len(ranked) == sum(len(r.rows) + len(r.too_small) for r in dashboard["rankings"])
    about = dict(list(book["说明"].iter_rows(values_only=True))[1:])
    assert about["区划"] == "金堂县（510121）"
    assert about["数据截至"] and about["导出人"]
    assert about["登记问题"].startswith("登记的民生诉求件数")
    from urllib.parse import quote

    assert quote("统计-金堂县-", safe="") in response["Content-Disposition"]
    assert 'filename="download-' in response["Content-Disposition"]


def test_export_without_figures_is_refused_with_a_message_not_a_table_of_zeros(tree, users, client_for):
    from audit.models import AuditEvent

    # given no refresh has run yet
    client = client_for(users.county_leader)
    # when the county leader asks for the export
    response = client.get("/reports/510121/export.xlsx", follow=True)
    # then they are back on the dashboard with a message, and nothing was exported
    assert response.redirect_chain == [("/reports/510121/", 302)]
    assert "尚无可导出的统计数据" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        ("county_leader", "510121", 200),
        ("township_staff", "510121113", 200),
        ("village_cadre", "510121113001", 403),
        ("sibling_staff", "510121113", 404),
        ("township_staff", "510121", 404),
        ("superuser", "51", 200),
    ],
)
def test_export_permission_matrix(refreshed, users, client_for, who, code, status):
    assert client_for(getattr(users, who)).get(f"/reports/{code}/export.xlsx").status_code == status


def test_monthly_report_shows_the_months_figures(refreshed, users, client_for):
    expected = direct_counts()
    month = sorted(p for (code, p, m) in expected if code == "510121" and p and m == "appeals_registered")[0]
    response = client_for(users.county_leader).get(f"/reports/510121/monthly/?month={month}")
    assert response.status_code == 200
    rows = {fig.metric.key: (fig, total) for fig, total in response.context["figure_rows"]}
    assert rows["appeals_registered"][0].value == expected[("510121", month, "appeals_registered")]
    assert rows["appeals_registered"][1].value == expected[("510121", "", "appeals_registered")]
    assert "reports/print.css" in response.content.decode()


def test_village_report_has_totals_only_never_invented_month_zeros(refreshed, users, client_for):
    expected = direct_counts()
    response = client_for(users.village_cadre).get("/reports/510121113001/monthly/")
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["has_months"] is False
    assert 'data-testid="no-months"' in page
    assert 'data-testid="report-title">竹篙村 统计报告<' in page
    rows = {fig.metric.key: total for fig, total in response.context["figure_rows"]}
    assert rows["appeals_registered"].value == expected[("510121113001", "", "appeals_registered")]


def test_overdue_list_shows_days_overdue(refreshed, users, client_for):
    import re

    from django.utils import timezone

    response = client_for(users.county_leader).get("/reports/510121/")
    first = response.context["overdue"][0]
    days = (timezone.localdate() - first.promised_date).days
    cells = re.findall(r'data-testid="overdue-days">([^<]*)<', response.content.decode())
    assert cells[0] == f"{days} 天"


def test_refresh_now_goes_back_only_to_a_page_of_this_site(refreshed, users, client_for):
    client = client_for(users.province)
    assert client.post("/reports/refresh/", {"next": "/reports/5101/"})["Location"] == "/reports/5101/"
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        RefreshRun.objects.all().delete()
        assert client.post("/reports/refresh/", {"next": target})["Location"] == "/reports/"


def test_monthly_report_refuses_a_malformed_month(refreshed, users, client_for):
    response = client_for(users.county_leader).get("/reports/510121/monthly/?month=2026-13")
    assert response.status_code == 400
    assert "月份格式应为 YYYY-MM" in response.content.decode()


def test_refresh_now_queues_a_refresh_for_the_provincial_office(
    refreshed, users, client_for, settings, django_capture_on_commit_callbacks
):
    if settings.REDIS_URL:
        pytest.skip("runs the task eagerly: embedded default only (the worker test covers Redis)")
    # when the provincial office presses "refresh now"
    client = client_for(users.province)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/reports/refresh/", HTTP_HX_REQUEST="true")
    # then a run was queued on commit, and (eagerly) ran
    assert response.status_code == 200
    assert len(callbacks) == 1
    run = RefreshRun.objects.order_by("-id").first()
    assert (run.requested_by, run.status, run.kind) == (users.province, RunStatus.SUCCEEDED, "full")
    assert 'hx-trigger="every 2s"' in response.content.decode()
    # and its status is shown without further polling once finished
    status = client.get(f"/reports/runs/{run.pk}/")
    assert status.status_code == 200
    assert "已完成" in status.content.decode()
    assert "every 2s" not in status.content.decode()


def test_dashboard_opened_during_a_run_follows_its_progress(refreshed, users, client_for):
    client = client_for(users.province)
    assert 'hx-trigger="every 2s"' not in client.get("/reports/51/").content.decode()
    run = RefreshRun.objects.create(kind="full", status=RunStatus.RUNNING)
    page = client.get("/reports/51/").content.decode()
    assert f'hx-get="/reports/runs/{run.pk}/" hx-trigger="every 2s"' in page


def test_refresh_now_twice_returns_the_pending_run(refreshed, users, client_for):
    client = client_for(users.province)
    client.post("/reports/refresh/", HTTP_HX_REQUEST="true")
    client.post("/reports/refresh/", HTTP_HX_REQUEST="true")
    assert RefreshRun.objects.filter(status=RunStatus.QUEUED).count() == 1


@pytest.mark.parametrize("who", ["county_leader", "township_staff", "auditor"])
def test_refresh_now_is_refused_to_others_and_changes_nothing(refreshed, users, client_for, who):
    before = RefreshRun.objects.count()
    client = client_for(getattr(users, who))
    # (a leader may refresh their own region only, never the province's)
    assert client.post("/reports/refresh/").status_code == 403
    assert RefreshRun.objects.count() == before
    if who != "county_leader":
        assert client.get(f"/reports/runs/{RefreshRun.objects.first().pk}/").status_code == 403


def test_village_cadre_sees_only_their_villages_figures(refreshed, users, client_for):
    expected = direct_counts()
    client = client_for(users.village_cadre)
    response = client.get("/reports/510121113001/")
    assert response.status_code == 200
    headline = {fig.metric.key: fig for fig in response.context["headline"]}
    assert headline["ledgers_built"].value == expected.get(("510121113001", "", "ledgers_built"), 0)
    assert response.context["children"] == []
    assert client.get("/reports/510121113002/").status_code == 404
    assert client.get("/reports/510121113002/export.xlsx").status_code == 404


def test_overdue_row_links_equal_the_reversed_detail_urls():
    """The dashboard reverses each detail pattern once for its rows: the links must be the ones
    `reverse` gives row by row."""
    from django.urls import reverse

    from reports.views import detail_url_maker

    for name in ("ledgers:livelihoodappeal_detail", "ledgers:stabilitymatter_detail"):
        make = detail_url_maker(name)
        for pk in (1, 10, 539956):
            assert make(pk) == reverse(name, args=[pk])
