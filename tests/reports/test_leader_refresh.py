""" "立即刷新" for every leader in their own region: an incremental refresh, throttled, audited; and
the page reloads itself (HX-Refresh) with the new figures when the run ends."""

import pytest

from audit.models import AuditEvent
from reports.choices import RunKind, RunStatus
from reports.models import RefreshRun
from reports.services import summary_refresh_full
from tests.ledgers.test_views import make_appeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshed(users, tree):
    make_appeal(users.superuser, tree.village)
    summary_refresh_full()


@pytest.mark.parametrize("who, code", [("county_leader", "510121"), ("township_leader", "510121113")])
def test_leaders_see_the_button_on_their_own_regions_board(refreshed, users, client_for, who, code):
    page = client_for(getattr(users, who)).get(f"/reports/{code}/").content.decode()
    assert 'data-testid="refresh-now"' in page and f'name="region" value="{code}"' in page


def test_staff_see_no_refresh_button(refreshed, users, client_for):
    page = client_for(users.township_staff).get("/reports/510121113/").content.decode()
    assert 'data-testid="refresh-now"' not in page


def test_leader_refresh_is_incremental_audited_and_throttled(
    refreshed, users, tree, client_for, eager_tasks, django_capture_on_commit_callbacks
):
    client = client_for(users.county_leader)
    make_appeal(users.superuser, tree.village2)
    # when the county leader presses "refresh now" on the county's board
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/refresh/", {"region": "510121"}, HTTP_HX_REQUEST="true")
    # then an incremental refresh ran (even if a full one was asked for elsewhere), recorded as theirs
    assert response.status_code == 200
    run = RefreshRun.objects.order_by("-id").first()
    assert (run.requested_by, run.kind, run.status) == (users.county_leader, RunKind.INCREMENTAL, RunStatus.SUCCEEDED)
    event = AuditEvent.objects.get(object_type="reports.refreshrun")
    assert (event.actor, event.region_code) == (users.county_leader, "510121")
    # and pressing again within the throttle window queues nothing and says why
    again = client.post("/reports/refresh/", {"region": "510121", "kind": "full"}, HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and "刚刚已刷新过" in again.content.decode()
    assert RefreshRun.objects.count() == 2


@pytest.mark.parametrize("code", ["51", "5101", "510122", ""])
def test_leader_refresh_outside_their_region_is_refused(refreshed, users, client_for, code):
    before = RefreshRun.objects.count()
    response = client_for(users.county_leader).post("/reports/refresh/", {"region": code})
    assert response.status_code == 403
    assert RefreshRun.objects.count() == before


def test_finished_run_makes_the_polling_page_reload(refreshed, users, client_for):
    run = RefreshRun.objects.order_by("-id").first()
    client = client_for(users.county_leader)
    assert client.get(f"/reports/runs/{run.pk}/", HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    assert "HX-Refresh" not in client.get(f"/reports/runs/{run.pk}/")
    running = RefreshRun.objects.create(kind="incremental", status=RunStatus.RUNNING)
    polled = client.get(f"/reports/runs/{running.pk}/", HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in polled and 'hx-trigger="every 2s"' in polled.content.decode()
