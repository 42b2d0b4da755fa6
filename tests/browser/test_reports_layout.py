"""The monthly report's buttons stay on one line; count charts have whole-number axes."""

import pytest

from reports.services import summary_refresh_full
from tests.ledgers.test_views import make_appeal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
TICKS = """(id) => {
  const chart = echarts.getInstanceByDom(document.getElementById(id));
  return chart.getModel().getComponent(id === 'chart-trend' ? 'yAxis' : 'xAxis', 0).axis.scale.getTicks().map(t => t.value);
}"""


@pytest.fixture
def figures(users, tree):
    make_appeal(users.superuser, tree.village)
    make_appeal(users.superuser, tree.village2)
    summary_refresh_full()


@pytest.mark.parametrize("width", [390, 1280])
def test_monthly_report_buttons_stay_on_one_line(browser, live_server, users, figures, login, width):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        login(page, users.county_leader.username)
        page.goto(f"{live_server.url}/reports/510121/monthly/")
        for testid in ("month-view", "month-print"):
            box = page.get_by_test_id(testid).bounding_box()
            assert box["height"] < 40 and box["width"] > box["height"], (testid, box)
    finally:
        context.close()


def test_count_charts_have_whole_number_ticks(browser, live_server, users, figures, login):
    # The measurement reads ECharts' own axis model: allowed past the site's CSP for the test only.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        login(page, users.county_leader.username)
        page.goto(f"{live_server.url}/reports/510121/")
        page.locator("#chart-trend canvas").first.wait_for()
        charts = [
            "chart-trend",
            *page.locator("[id^=chart-appeals_by], [id^=chart-matters_by]").evaluate_all(
                "nodes => nodes.map(n => n.id)"
            ),
        ]
        assert len(charts) > 1
        for chart in charts:
            ticks = page.evaluate(TICKS, chart)
            assert ticks and all(float(t).is_integer() for t in ticks), (chart, ticks)
    finally:
        context.close()
