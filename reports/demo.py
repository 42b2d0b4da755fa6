"""Demo data for the dashboards: the summaries of whatever the other demo seeders created."""

from reports.models import SummaryDelta, SummaryState
from reports.services import summary_refresh_full, summary_refresh_incremental


def seed_demo_summaries() -> str:
    """Refresh the summaries so the dashboards show the demo data (idempotent: a rerun with no
    new changes does nothing)."""
    state = SummaryState.objects.filter(pk=1).first()
    if state is None or state.visible_generation is None:
        run = summary_refresh_full()
    elif SummaryDelta.objects.exists():
        run = summary_refresh_incremental()
    else:
        return ""
    return f"统计汇总已刷新 / summaries refreshed: {run.get_kind_display()} #{run.pk}, {run.rows} rows"
