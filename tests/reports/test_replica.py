"""Dashboards and the stats API read the summaries from the replica (DATABASE_REPLICA_URL), here
pointing at the primary (a test mirror): the summary state, seal and rows on the replica
alias, the session, the user's posts, regions and live rows on the primary."""

import pytest
from django.core.cache import cache
from django.db import connections
from django.test.utils import CaptureQueriesContext

from core.dbrouter import REPLICA, ReplicaRouter, replica_reads
from reports.models import Summary
from reports.services import summary_refresh_full
from tests.reports.conftest import build_dataset

pytestmark = pytest.mark.postgres


def test_the_router_sends_summary_reads_to_the_replica_only_inside_replica_reads(settings):
    settings.DATABASES = {**settings.DATABASES, REPLICA: settings.DATABASES["default"]}
    settings.JICENG_REPLICA_OFF = False
    router = ReplicaRouter()
    assert router.db_for_read(Summary) is None
    with replica_reads():
        assert router.db_for_read(Summary) == REPLICA
        assert router.db_for_write(Summary) is None
    settings.JICENG_REPLICA_OFF = True
    with replica_reads():
        assert router.db_for_read(Summary) is None
    assert router.allow_migrate(REPLICA, "reports") is False


@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])
def test_dashboard_and_stats_api_read_the_summaries_from_the_replica(tree, users, client_for, api_for, settings):
    cache.clear()
    build_dataset(tree, seed=3, appeals=14, households=5, matters=6)
    summary_refresh_full()
    settings.JICENG_REPLICA_OFF = False
    with (
        CaptureQueriesContext(connections[REPLICA]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        page = client_for(users.province).get("/reports/51/")
        api = api_for(users.province).get("/api/v1/stats/?region=51")
    assert page.status_code == 200
    assert "数据截至" in page.content.decode()
    assert api.status_code == 200
    assert api.json()["results"]
    on_replica = " ".join(q["sql"] for q in replica.captured_queries)
    on_primary = " ".join(q["sql"] for q in primary.captured_queries)
    assert '"reports_summary"' in on_replica
    assert '"reports_summarystate"' in on_replica
    assert '"reports_summary"' not in on_primary
    # the user's session and posts, and the live overdue rows, come from the primary
    assert '"regions_post"' in on_primary
    assert '"ledgers_livelihoodappeal"' in on_primary
