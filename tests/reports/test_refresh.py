"""Refreshing the summaries: full refresh equals a direct count; incremental equals full."""

import pytest

from regions.choices import LEVEL_BY_LENGTH, Level
from reports.choices import RunKind, RunStatus
from reports.models import SummaryDelta, SummaryState
from reports.services import summary_refresh_full, summary_refresh_incremental
from tests.reports.conftest import direct_counts, summary_rows


def test_full_refresh_equals_a_direct_count_of_every_metric_at_every_level(dataset):
    # given a generated data set over the tree
    # when a full refresh runs
    run = summary_refresh_full()
    # then every figure of every region and period equals a direct count over the raw rows
    assert run.status == RunStatus.SUCCEEDED
    assert run.kind == RunKind.FULL
    expected = direct_counts()
    assert summary_rows() == expected
    assert run.rows == len(summary_rows(source=None))
    assert SummaryState.objects.get(pk=1).active_generation == run.pk
    assert SummaryDelta.objects.count() == 0


def _random_changes(dataset, tree, count=40):
    """Creates, edits, transitions and deletes, through the services and in bulk."""
    import datetime

    from ledgers.choices import AppealCategory, AppealStatus, HardshipType, MatterStatus, RiskLevel
    from ledgers.models import HardshipHousehold, LivelihoodAppeal, StabilityMatter
    from ledgers.services import (
        appeal_transition,
        appeal_update,
        household_exit,
        household_reactivate,
        household_update,
        matter_transition,
        matter_update,
    )
    from tests.reports.conftest import add_appeal, add_household, add_matter

    rng, actor = dataset.rng, dataset.actor
    for step in range(count):
        kind = step % 10
        if kind == 0:
            add_appeal(rng, actor, rng.choice(dataset.places))
        elif kind == 1:
            add_household(rng, actor, rng.choice(dataset.places))
        elif kind == 2:
            add_matter(rng, actor, rng.choice(dataset.places))
        elif kind == 3:
            appeal = rng.choice(list(LivelihoodAppeal.objects.all()))
            appeal_update(
                actor=actor,
                appeal=appeal,
                expected_version=appeal.version,
                data={
                    "category": rng.choice(AppealCategory.values),
                    "registered_on": appeal.registered_on - datetime.timedelta(days=rng.randrange(0, 60)),
                    "funds_spent_fen": rng.choice([0, 99]),
                },
            )
        elif kind == 4:
            open_appeals = list(LivelihoodAppeal.objects.filter(status=AppealStatus.IN_PROGRESS))
            if open_appeals:
                appeal_transition(
                    actor=actor, appeal=rng.choice(open_appeals), target=AppealStatus.RESOLVED, resolution="办结"
                )
        elif kind == 5:
            household = rng.choice(list(HardshipHousehold.objects.all()))
            if household.status == "active":
                household_exit(actor=actor, household=household, exited_on=household.registered_on, reason="脱困")
            else:
                household_reactivate(actor=actor, household=household)
            household.refresh_from_db()
            household_update(
                actor=actor,
                household=household,
                expected_version=household.version,
                data={"registered_on": household.registered_on + datetime.timedelta(days=31)},
                hardship_types=rng.sample(HardshipType.values, 2),
            )
        elif kind == 6:
            matter = rng.choice(list(StabilityMatter.objects.all()))
            matter_update(
                actor=actor,
                matter=matter,
                expected_version=matter.version,
                data={"risk_level": rng.choice(RiskLevel.values), "deadline": None},
            )
            if matter.status == MatterStatus.REGISTERED:
                matter_transition(actor=actor, matter=matter, target=MatterStatus.MEDIATING)
        elif kind == 7:
            rng.choice(list(LivelihoodAppeal.objects.all())).delete()
        elif kind == 8:
            rng.choice(list(HardshipHousehold.objects.all())).delete()
            rng.choice(list(StabilityMatter.objects.all())).delete()
        else:
            # A bulk statement touching many rows at once (one statement-level trigger on PostgreSQL).
            LivelihoodAppeal.objects.filter(region=tree.village).update(promised_date=datetime.date(2026, 1, 1))
            StabilityMatter.objects.filter(region__code__startswith=tree.sibling_town.code).update(
                region_id=tree.village.code
            )


def test_incremental_refresh_equals_full_refresh_after_random_changes(dataset, tree):
    # given summaries from a full refresh
    summary_refresh_full()
    # when records are created, edited, moved through their states and deleted
    _random_changes(dataset, tree)
    assert SummaryDelta.objects.exists()
    # and an incremental refresh runs
    run = summary_refresh_incremental()
    # then it folded the change log into the same generation
    assert run.status == RunStatus.SUCCEEDED
    assert run.kind == RunKind.INCREMENTAL
    assert run.changes > 0
    assert SummaryDelta.objects.count() == 0
    incremental = summary_rows()
    # and its figures are exactly a full refresh's, and a direct count's
    full = summary_refresh_full()
    assert incremental == summary_rows(full.generation)
    assert incremental == direct_counts()


@pytest.mark.parametrize("monthly_level", [Level.VILLAGE, Level.COUNTY])
def test_incremental_equals_full_whatever_level_keeps_months(dataset, tree, settings, monthly_level):
    # given months kept from another level than the township (a deployment setting)
    settings.REPORTS_MONTHLY_MIN_LEVEL = monthly_level
    summary_refresh_full()
    assert summary_rows() == direct_counts()
    # when records change and an incremental refresh runs
    _random_changes(dataset, tree, count=20)
    summary_refresh_incremental()
    # then the figures are a direct count's, month rows present exactly down to that level
    incremental = summary_rows()
    assert incremental == direct_counts()
    month_levels = {LEVEL_BY_LENGTH[len(code)] for code, period, _metric in incremental if period}
    assert max(month_levels) == monthly_level
    assert incremental == summary_rows(summary_refresh_full().generation)


def test_incremental_refresh_with_no_changes_changes_nothing(dataset):
    first = summary_refresh_full()
    before = summary_rows()
    run = summary_refresh_incremental()
    assert (run.status, run.kind, run.changes, run.rows, run.generation) == (
        RunStatus.SUCCEEDED,
        RunKind.INCREMENTAL,
        0,
        0,
        first.generation,
    )
    assert summary_rows() == before


def test_first_incremental_refresh_without_summaries_runs_a_full_one(dataset):
    run = summary_refresh_incremental()
    assert (run.status, run.kind) == (RunStatus.SUCCEEDED, RunKind.FULL)
    assert summary_rows() == direct_counts()


def test_an_edit_that_moves_no_figure_logs_no_change(dataset):
    from ledgers.models import LivelihoodAppeal
    from ledgers.services import appeal_update

    summary_refresh_full()
    appeal = LivelihoodAppeal.objects.first()
    appeal_update(actor=dataset.actor, appeal=appeal, expected_version=appeal.version, data={"title": "改个标题"})
    assert SummaryDelta.objects.count() == 0


@pytest.fixture
def add_broken_source():
    """Adds a source whose SQL fails, so a refresh crashes after writing the other sources' rows."""
    from reports.metrics import Fact, Metric, Source, register, registry

    def add():
        register(
            Source(
                key="zz_broken",
                label="broken",
                facts=[
                    Fact(
                        key="zz_broken.fact",
                        model="ledgers.LivelihoodAppeal",
                        columns=("region_id",),
                        region="t.region_id",
                        period=lambda d: "'2026-01'",
                        measures=(("zz_broken_metric", lambda d: "t.no_such_column"),),
                    )
                ],
                metrics=[Metric("zz_broken_metric", "broken", "broken")],
            )
        )

    yield add
    registry.unregister("zz_broken")


def test_a_crashed_full_refresh_leaves_the_previous_generation_visible(dataset, add_broken_source):
    from reports.models import RefreshRun, Summary

    # given summaries of a good refresh
    good = summary_refresh_full()
    before = summary_rows()
    as_of = SummaryState.objects.get(pk=1).data_as_of
    # when a full refresh crashes midway (a source's SQL fails after the others were written)
    add_broken_source()
    with pytest.raises(Exception, match="no_such_column"):
        summary_refresh_full()
    # then the run log holds the error, and the previous generation is still the one shown
    failed = RefreshRun.objects.order_by("-id").first()
    assert failed.status == RunStatus.FAILED
    assert "no_such_column" in failed.error
    assert failed.finished_at is not None
    state = SummaryState.objects.get(pk=1)
    assert (state.active_generation, state.data_as_of) == (good.generation, as_of)
    assert summary_rows() == before
    assert not Summary.objects.filter(generation=failed.pk).exists()


def test_every_derived_metric_at_every_level_equals_a_direct_count(dataset, users):
    """Sums and rates, read the way the dashboards read them, against ORM counts over the raw rows."""
    from decimal import Decimal

    from django.db.models import Sum
    from django.utils import timezone

    from ledgers.choices import APPEAL_RESOLVED_STATUSES, MatterStatus
    from ledgers.models import HelpRecord, LivelihoodAppeal, RatingInvitation, StabilityMatter
    from regions.models import Region
    from reports.metrics import all_metrics, figure
    from reports.selectors import values_by_region

    summary_refresh_full()
    # The ledgers' figures (each source tests its own: tests/petitions/test_metrics.py).
    derived = [m for m in all_metrics() if not m.is_stored and m.source == "ledgers"]
    codes = list(Region.objects.values_list("code", flat=True))
    keys = {k for m in derived for k in m.stored_keys}
    stored = values_by_region(user=users.superuser, codes=codes, keys=keys)

    def local(value):
        return timezone.localtime(value).date()

    for code in codes:
        appeals = LivelihoodAppeal.objects.filter(region__code__startswith=code)
        matters = StabilityMatter.objects.filter(region__code__startswith=code)
        resolved = appeals.filter(status__in=APPEAL_RESOLVED_STATUSES)
        matters_resolved = matters.filter(status=MatterStatus.RESOLVED)
        with_deadline = matters_resolved.exclude(deadline=None)
        ratings = RatingInvitation.objects.filter(appeal__region__code__startswith=code, score__isnull=False)
        rural = ratings.filter(appeal__region__level=5, appeal__region__is_community=False)
        expected = {
            "problems_registered": (appeals.count() + matters.count(), None, None),
            "problems_resolved": (resolved.count() + matters_resolved.count(), None, None),
            "funds_invested_fen": (
                (appeals.aggregate(s=Sum("funds_spent_fen"))["s"] or 0)
                + (
                    HelpRecord.objects.filter(household__region__code__startswith=code).aggregate(s=Sum("amount_fen"))[
                        "s"
                    ]
                    or 0
                ),
                None,
                None,
            ),
            "satisfaction_rate": (None, ratings.filter(score__gte=3).count(), ratings.count()),
            "rural_satisfaction_rate": (None, rural.filter(score__gte=3).count(), rural.count()),
            "response_rate": (None, appeals.exclude(responded_at=None).count(), appeals.count()),
            "resolution_rate": (None, resolved.count(), appeals.count()),
            "appeal_on_time_rate": (
                None,
                sum(1 for a in resolved if a.resolved_at and local(a.resolved_at) <= a.promised_date),
                resolved.count(),
            ),
            "matter_on_time_rate": (
                None,
                sum(1 for m in with_deadline if m.resolved_at and local(m.resolved_at) <= m.deadline),
                with_deadline.count(),
            ),
        }
        for metric in derived:
            value, numerator, denominator = expected[metric.key]
            got = figure(metric, stored.get((code, ""), {}))
            if metric.is_rate:
                assert (got.numerator, got.denominator) == (numerator, denominator), (code, metric.key)
                assert got.value == (Decimal(numerator) / Decimal(denominator) if denominator else None)
            else:
                assert got.value == value, (code, metric.key)
    # the data set rates appeals of villages and of the urban community alike: the rural rate differs
    province = stored.get(("51", ""), {})
    assert 0 < province.get("ratings_count_rural", 0) < province["ratings_count"]


def test_summaries_are_unlogged_on_postgresql_and_the_change_log_is_not(db, on_postgres):
    if not on_postgres:
        pytest.skip("unlogged tables are a PostgreSQL feature")
    from django.db import connection

    from reports.aggregation import generation_table

    # given a full refresh: its generation is its own partition of the summaries
    run = summary_refresh_full()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relpersistence FROM pg_class WHERE relname IN "
            "(%s, 'reports_summaryseal', 'reports_summarydelta') AND relkind = 'r'",
            [generation_table(run.generation)],
        )
        persistence = dict(cursor.fetchall())
    # derived figures skip the WAL; the change log, which nothing else could rebuild incrementally, keeps it
    assert persistence == {
        generation_table(run.generation): "u",
        "reports_summaryseal": "u",
        "reports_summarydelta": "p",
    }


def test_a_full_refresh_drops_the_previous_generations_table_on_postgresql(db, on_postgres):
    if not on_postgres:
        pytest.skip("partitions are a PostgreSQL feature")
    from django.db import connection

    from reports.aggregation import generation_tables

    first = summary_refresh_full()
    second = summary_refresh_full()
    # only the active generation keeps a table: no dead rows of old generations anywhere
    assert generation_tables(connection) == {second.generation: f"reports_summary_g{second.generation}"}
    assert first.generation != second.generation


def _lose_the_unlogged_tables():
    """What PostgreSQL's crash recovery does to unlogged tables: empty them (both at once)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE reports_summary, reports_summaryseal")
        else:
            cursor.execute("DELETE FROM reports_summary")
            cursor.execute("DELETE FROM reports_summaryseal")


def test_summaries_lost_in_a_crash_show_as_recomputing_never_as_zeros(dataset, tree, users, client_for, api_for):
    from reports.selectors import summary_state

    # given dashboards showing a full refresh's figures
    summary_refresh_full()
    page = client_for(users.province).get("/reports/51/").content.decode()
    assert "数据截至" in page
    assert api_for(users.province).get("/api/v1/stats/?region=51").json()["results"]
    # when a database crash empties the unlogged summaries and their seal
    _lose_the_unlogged_tables()
    # then nobody is shown a generation: the page says the figures are being recomputed
    state = summary_state()
    assert state.active_generation is not None
    assert state.visible_generation is None and state.summaries_lost
    page = client_for(users.province).get("/reports/51/").content.decode()
    assert "统计数据正在重新计算" in page and "数据截至" not in page
    # and the API has no figures rather than zeros
    body = api_for(users.province).get("/api/v1/stats/?region=51").json()
    assert (body["results"], body["data_as_of"]) == ([], None)
    # when the next scheduled incremental refresh runs after more changes
    _random_changes(dataset, tree, count=10)
    run = summary_refresh_incremental()
    # then it recomputed everything: a direct count's figures, sealed and shown again
    assert run.kind == RunKind.FULL and run.status == RunStatus.SUCCEEDED
    assert summary_rows() == direct_counts()
    assert summary_state().visible_generation == run.generation
    assert "数据截至" in client_for(users.province).get("/reports/51/").content.decode()


def test_a_full_refresh_keeps_one_seal_for_the_active_generation(dataset):
    from reports.models import SummarySeal

    first = summary_refresh_full()
    second = summary_refresh_full()
    assert list(SummarySeal.objects.values_list("generation", flat=True)) == [second.generation]
    assert first.generation != second.generation
    # an incremental refresh folds into the sealed generation and keeps the seal
    summary_refresh_incremental()
    assert list(SummarySeal.objects.values_list("generation", flat=True)) == [second.generation]


def test_full_refresh_on_sqlite_rolls_up_in_sql_exactly_as_the_python_roll_up(dataset):
    from django.db import connection

    from reports.aggregation import compute_python

    if connection.vendor != "sqlite":
        pytest.skip("the SQLite roll-up")
    # given a generated data set (the ledgers' rows and an escalated matter's petition)
    # when a full refresh runs
    summary_refresh_full()
    # then every source's rows equal the Python roll-up of the same per-village sums
    assert summary_rows(source=None) == compute_python(connection)
