"""The seed-scale generator (`seed_province`) over the small `tree` fixture, and the benchmark's
hand-written lower-bound SQL against direct ORM counts. Runs on SQLite and PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q, Sum

from core.crypto import keyed_hash
from core.exceptions import ServiceError
from core.validators import validate_id_number
from ledgers.choices import APPEAL_RESOLVED_STATUSES, AppealStatus, HouseholdStatus, MatterStatus
from ledgers.models import (
    HardshipHousehold,
    HelpRecord,
    HouseholdHardship,
    HouseholdMember,
    Ledger,
    LivelihoodAppeal,
    MediationStep,
    RatingInvitation,
    StabilityMatter,
    VillageProfile,
)
from regions.models import Region
from reports.selectors import dashboard_figures
from reports.services import summary_refresh_full
from seeding.generators import ledgers as ledgers_generator
from seeding.generators import seed_province
from seeding.management.commands.bench import lower_bound

AS_OF = datetime.date(2026, 11, 20)
# 0.002 of the province: 1,200 problems (1,080 appeals + 120 matters), 600 households over 4 villages
# + 2 townships.
SCALE = 0.002
MODELS = (
    Ledger,
    VillageProfile,
    LivelihoodAppeal,
    RatingInvitation,
    HardshipHousehold,
    HouseholdHardship,
    HouseholdMember,
    HelpRecord,
    StabilityMatter,
    MediationStep,
)


def snapshot():
    """Every generated row, decrypted (ciphertexts differ per write; the values must not)."""
    rows = {}
    for model in MODELS:
        names = [f.attname for f in model._meta.concrete_fields]
        rows[model.__name__] = list(model.objects.order_by("pk").values_list(*names))
    return rows


def seed(**kwargs):
    kwargs.setdefault("scale", SCALE)
    kwargs.setdefault("seed", 42)
    kwargs.setdefault("as_of", AS_OF)
    return seed_province(province="51", **kwargs)


@pytest.fixture
def generated(tree):
    result = seed()
    return result


def test_same_seed_gives_the_same_rows(generated):
    # given the rows of a first run
    first = snapshot()
    # when the province is reset and generated again with the same seed
    seed(reset=True)
    # then every row is identical
    assert snapshot() == first
    assert len(first["LivelihoodAppeal"]) == 1080


def test_another_seed_gives_other_rows(generated):
    first = snapshot()
    seed(reset=True, seed=7)
    second = snapshot()
    assert len(second["LivelihoodAppeal"]) == len(first["LivelihoodAppeal"]) == 1080
    assert second["LivelihoodAppeal"] != first["LivelihoodAppeal"]


def test_counts_follow_the_scale_and_cover_every_place(generated):
    assert generated.rows["appeals"] == LivelihoodAppeal.objects.count() == 1080
    assert generated.rows["households"] == HardshipHousehold.objects.count() == 600
    assert generated.rows["stability_matters"] == StabilityMatter.objects.count() == 120
    # 4 villages + 2 townships, each with all three ledgers (more entries than places)
    assert generated.places == 6
    assert Ledger.objects.count() == 18
    assert VillageProfile.objects.count() == 4
    assert set(LivelihoodAppeal.objects.values_list("region_id", flat=True).distinct()) == {
        "510121113001",
        "510121113002",
        "510121106001",
        "510121106002",
        "510121113",
        "510121106",
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_sample_of_every_model_passes_full_clean(generated, model):
    sample = list(model.objects.order_by("pk")[:: max(1, model.objects.count() // 40)])
    assert sample
    for obj in sample:
        obj.full_clean()


def test_appeals_keep_their_status_invariants(generated):
    first_day = AS_OF - datetime.timedelta(days=729)
    for appeal in LivelihoodAppeal.objects.select_related("ledger", "ledger__kind"):
        assert first_day <= appeal.registered_on <= AS_OF
        assert appeal.promised_date >= appeal.registered_on
        assert appeal.ledger.region_id == appeal.region_id
        assert appeal.ledger.kind.code == "livelihood"
        assert (appeal.responded_at is None) == (appeal.status == AppealStatus.REGISTERED)
        resolved = appeal.status in APPEAL_RESOLVED_STATUSES
        assert (appeal.resolved_at is not None) == resolved
        if resolved:
            assert appeal.resolution
            assert appeal.responded_at <= appeal.resolved_at
        else:
            assert appeal.funds_spent_fen == 0
        disclosed = appeal.status in (AppealStatus.DISCLOSED, AppealStatus.RATED, AppealStatus.REOPENED)
        assert (appeal.disclosed_at is not None) == disclosed
        assert appeal.reopen_count == (1 if appeal.status == AppealStatus.REOPENED else 0)
        assert appeal.created_by_id is None


def test_ratings_match_the_appeal_status(generated):
    rated = RatingInvitation.objects.filter(score__isnull=False)
    assert rated.count() > 0
    for invitation in RatingInvitation.objects.select_related("appeal"):
        status = invitation.appeal.status
        if invitation.score is None:
            assert status == AppealStatus.DISCLOSED
            assert invitation.rated_at is None and invitation.resolved_confirmed is None
        else:
            assert invitation.resolved_confirmed == (status == AppealStatus.RATED)
            assert status in (AppealStatus.RATED, AppealStatus.REOPENED)
            assert invitation.appeal.disclosed_at <= invitation.rated_at
    # every rated appeal carries exactly one scored rating
    assert (
        LivelihoodAppeal.objects.filter(status=AppealStatus.RATED)
        .annotate(n=Count("rating_invitations", filter=Q(rating_invitations__score__isnull=False)))
        .exclude(n=1)
        .count()
        == 0
    )


def test_households_and_matters_keep_their_invariants(generated):
    for household in HardshipHousehold.objects.prefetch_related("members", "hardships", "help_records"):
        assert (household.exited_on is not None) == (household.status == HouseholdStatus.EXITED)
        assert 1 <= household.hardships.count() <= 3
        members = list(household.members.all())
        assert household.member_count == len(members)
        assert members[0].relation == "head" and members[0].name == household.head_name
        if household.head_id_number:
            validate_id_number(household.head_id_number)
            assert household.head_id_hash == keyed_hash(household.head_id_number)
            assert household.head_id_number[:6] == household.region_id[:6]
        for member in members:
            if member.id_number:
                validate_id_number(member.id_number)
                assert member.id_hash == keyed_hash(member.id_number)
            if member.is_minor or member.health_note:
                assert household.is_sensitive
        until = household.exited_on or AS_OF
        assert all(household.registered_on <= h.given_on <= until for h in household.help_records.all())
    for matter in StabilityMatter.objects.all():
        assert (matter.resolved_at is not None) == (matter.status == MatterStatus.RESOLVED)
        open_ = matter.status in (MatterStatus.REGISTERED, MatterStatus.MEDIATING)
        assert (matter.outcome == "") == open_
        assert matter.deadline >= matter.registered_on


def test_the_calibration_gives_the_source_texts_figures_at_scale_one():
    # the averages the generator's constants produce, as the dashboard's definitions count them
    expected = ledgers_generator.expected_figures(1.0)
    assert expected["problems_registered"] == 600_000  # exactly
    assert abs(expected["problems_resolved"] - 500_000) <= 5_000  # ~500,000
    assert abs(expected["funds_invested_fen"] - 268_000_000_000) <= 2_680_000_000  # 2.68 billion yuan
    assert expected["appeals_solved_funded"] >= 200_000  # 200,000+ livelihood problems solved
    assert expected["satisfaction_rate"] > 0.90
    # the appeals' funds are what the help records leave of the total, and both are substantial
    assert 0.05 <= expected["help_funds_fen"] / expected["funds_invested_fen"] <= 0.25


def test_raw_proportions_follow_the_calibration(generated):
    expected = ledgers_generator.expected_figures(SCALE)
    appeals = LivelihoodAppeal.objects
    resolved = appeals.filter(status__in=APPEAL_RESOLVED_STATUSES).count()
    funded = appeals.filter(status__in=APPEAL_RESOLVED_STATUSES, funds_spent_fen__gt=0).count()
    appeal_funds = appeals.aggregate(total=Sum("funds_spent_fen"))["total"]
    help_funds = HelpRecord.objects.aggregate(total=Sum("amount_fen"))["total"]
    # binomial counts within about 3 standard deviations of their expectation at this small scale
    assert abs(resolved - expected["appeals_resolved"]) <= 40
    assert abs(funded - expected["appeals_solved_funded"]) <= 50
    # sums of skewed amounts: within a quarter
    assert 0.75 <= appeal_funds / expected["appeal_funds_fen"] <= 1.25
    assert 0.75 <= help_funds / expected["help_funds_fen"] <= 1.25
    with_ids = HardshipHousehold.objects.exclude(head_id_number="").count() / HardshipHousehold.objects.count()
    assert 0.15 <= with_ids <= 0.25


def dashboard_headline(user):
    """The province's headline figures as its dashboard shows them: the registry's definitions over
    the summaries of a full refresh."""
    summary_refresh_full(actor=None)
    data = dashboard_figures(user=user, region=Region.objects.get(code="51"))
    return {figure.metric.key: figure.value for figure in data["headline"]}


def test_dashboard_shows_the_source_texts_figures_in_proportion(generated, users):
    # given the province generated at 0.002 of the source text's size
    # when its dashboard computes the headline figures through the metric registry
    shown = dashboard_headline(users.province)
    # then they are the source text's figures in proportion
    assert shown["problems_registered"] == 600_000 * SCALE  # exactly: 1,200
    assert abs(shown["problems_resolved"] - 500_000 * SCALE) <= 0.04 * 500_000 * SCALE
    assert 0.80 * 268_000_000_000 * SCALE <= shown["funds_invested_fen"] <= 1.20 * 268_000_000_000 * SCALE
    assert shown["appeals_solved_funded"] >= 0.9 * 200_000 * SCALE
    assert shown["satisfaction_rate"] > Decimal("0.90")
    assert shown["ledgers_built"] == 18
    # and they count exactly what the generator's calibration assumes they count
    appeals, matters = LivelihoodAppeal.objects, StabilityMatter.objects
    resolved = appeals.filter(status__in=APPEAL_RESOLVED_STATUSES)
    scored = RatingInvitation.objects.filter(score__isnull=False)
    assert shown["problems_registered"] == appeals.count() + matters.count()
    assert shown["problems_resolved"] == resolved.count() + matters.filter(status=MatterStatus.RESOLVED).count()
    assert shown["funds_invested_fen"] == (
        appeals.aggregate(s=Sum("funds_spent_fen"))["s"] + HelpRecord.objects.aggregate(s=Sum("amount_fen"))["s"]
    )
    assert shown["appeals_solved_funded"] == resolved.filter(funds_spent_fen__gt=0).count()
    assert shown["satisfaction_rate"] == Decimal(scored.filter(score__gte=3).count()) / Decimal(scored.count())


@pytest.mark.parametrize("scale", [0.0013, 0.0027, 0.0051])
def test_problems_registered_are_the_scaled_figure_at_any_scale(tree, scale):
    seed(scale=scale)
    assert LivelihoodAppeal.objects.count() + StabilityMatter.objects.count() == round(600_000 * scale)


def test_a_second_run_is_refused_and_changes_nothing(generated):
    before = snapshot()
    with pytest.raises(CommandError, match="已有 51 的台账数据"):
        call_command("seed_province", scale=SCALE, seed=1, no_refresh=True, as_of=AS_OF.isoformat())
    assert snapshot() == before


def test_reset_replaces_the_data_without_duplicates(generated):
    call_command("seed_province", scale=SCALE, seed=42, reset=True, no_refresh=True, as_of=AS_OF.isoformat())
    assert LivelihoodAppeal.objects.count() == 1080
    assert Ledger.objects.count() == 18


def test_without_regions_the_command_says_what_to_do(db):
    with pytest.raises(CommandError, match="load_regions"):
        call_command("seed_province", scale=SCALE, no_refresh=True)


def test_bad_scale_is_refused(tree):
    with pytest.raises(CommandError, match="规模系数"):
        call_command("seed_province", scale=0, no_refresh=True)


# --- the benchmark's lower bound ---------------------------------------------------------------
def test_lower_bound_sql_equals_direct_orm_counts_at_every_level(generated):
    # when the hand-written lower bound runs over the generated data
    figures = lower_bound(collect=True).figures
    # then its totals per region equal a direct count over the raw rows, at every level
    for code in ("51", "5101", "510121", "510121113", "510121106", "510121113001", "510121106002"):
        appeals = LivelihoodAppeal.objects.filter(region__code__startswith=code)
        ratings = RatingInvitation.objects.filter(appeal__region__code__startswith=code)
        households = HardshipHousehold.objects.filter(region__code__startswith=code)
        matters = StabilityMatter.objects.filter(region__code__startswith=code)
        expected = {
            "appeals_registered": appeals.count(),
            "appeals_resolved": appeals.filter(status__in=APPEAL_RESOLVED_STATUSES).count(),
            "appeals_solved_funded": appeals.filter(status__in=APPEAL_RESOLVED_STATUSES, funds_spent_fen__gt=0).count(),
            "appeal_funds_fen": appeals.aggregate(s=Sum("funds_spent_fen"))["s"] or 0,
            "appeals_by_status.rated": appeals.filter(status=AppealStatus.RATED).count(),
            "ratings_count": ratings.filter(score__isnull=False).count(),
            "ratings_satisfied": ratings.filter(score__gte=3).count(),
            "households_registered": households.count(),
            "households_active": households.filter(status=HouseholdStatus.ACTIVE).count(),
            "households_by_type.disabled": HouseholdHardship.objects.filter(
                household__in=households.filter(status=HouseholdStatus.ACTIVE), type="disabled"
            ).count(),
            "help_funds_fen": HelpRecord.objects.filter(household__in=households).aggregate(s=Sum("amount_fen"))["s"]
            or 0,
            "matters_registered": matters.count(),
            "matters_by_risk.high": matters.filter(risk_level="high").count(),
            "matters_by_outcome.mediated": matters.filter(outcome="mediated").count(),
            "ledgers_built": Ledger.objects.filter(region__code__startswith=code).count(),
        }
        got = {key: figures.get((code, "", key), 0) for key in expected}
        assert got == expected, code


def test_lower_bound_months_add_up_to_the_total(generated):
    figures = lower_bound(collect=True).figures
    months = {}
    for (code, period, key), value in figures.items():
        if code == "51" and period:
            months[key] = months.get(key, 0) + value
    assert months["appeals_registered"] == figures[("51", "", "appeals_registered")] == 1080
    assert months["ledgers_built"] == figures[("51", "", "ledgers_built")] == 18
    assert months["help_funds_fen"] == figures[("51", "", "help_funds_fen")]


def test_a_date_in_the_future_is_refused(tree):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with pytest.raises(CommandError, match="截止日期"):
        call_command("seed_province", scale=SCALE, no_refresh=True, as_of=tomorrow.isoformat())
    assert LivelihoodAppeal.objects.count() == 0


def test_lower_bound_keeps_months_where_the_summaries_do(generated):
    # months from township level up (REPORTS_MONTHLY_MIN_LEVEL = 4), totals at every level
    figures = lower_bound(collect=True).figures
    village_months = {k for k in figures if len(k[0]) == 12 and k[1]}
    township_months = {k for k in figures if k[0] == "510121113" and k[1] and k[2] == "appeals_registered"}
    assert village_months == set()
    assert sum(figures[k] for k in township_months) == figures[("510121113", "", "appeals_registered")]
    assert figures[("510121113001", "", "appeals_registered")] > 0


def test_summaries_after_a_full_refresh_equal_the_lower_bound(generated):
    # given the generated data and a full refresh (the change-log triggers may have been off)
    from reports.models import Summary, SummaryState
    from reports.services import summary_refresh_full

    summary_refresh_full(actor=None)
    generation = SummaryState.objects.get().active_generation
    stored = {
        (code, period, metric): value
        for code, period, metric, value in Summary.objects.filter(generation=generation).values_list(
            "region_code", "period", "metric", "value"
        )
    }
    # when the lower bound computes the same figures by hand
    figures = lower_bound(collect=True).figures
    metrics = {key[2] for key in figures}
    # then both agree on every figure the summaries keep (villages keep no breakdowns; months only
    # for the metrics marked monthly)
    from reports.metrics import load_sources

    monthly = {key for key, metric in load_sources().metrics.items() if metric.monthly}
    compared = {key: value for key, value in stored.items() if key[2] in metrics}
    expected = {
        (code, period, metric): value
        for (code, period, metric), value in figures.items()
        if not (len(code) == 12 and "." in metric) and (not period or metric in monthly)
    }
    assert compared == expected
    assert compared[("51", "", "appeals_registered")] == 1080


@pytest.mark.postgres
def test_change_log_triggers_are_back_on_after_the_load(tree):
    from django.db import connection

    def enabled():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger "
                "WHERE NOT tgisinternal AND (tgrelid::regclass::text LIKE 'ledgers_%%' "
                "OR tgrelid::regclass::text LIKE 'community_%%' OR tgrelid::regclass::text LIKE 'petitions_%%') ORDER BY 1, 2"
            )
            return cursor.fetchall()

    before = enabled()
    result = seed()
    assert enabled() == before
    # the ledgers' tables (the other sources' are checked with their generators)
    skipped = [name for name in result.triggers_skipped if "_ledgers_" in name]
    assert sorted(skipped) == sorted(name for _table, name, state in before if state != "D" and "_ledgers_" in name)


def test_sources_limit_the_run_to_those_generators(tree):
    from pairings.models import Pair
    from petitions.models import Petition

    result = seed(sources=["petitions"])
    assert Petition.objects.exists()
    assert not LivelihoodAppeal.objects.exists()
    assert not Pair.objects.exists()
    assert set(result.rows) and all(not label.startswith("ledgers.") for label in result.rows)
    # The refusal to generate twice looks at the chosen sources only: the ledgers can still follow.
    seed(sources=["ledgers"])
    assert LivelihoodAppeal.objects.exists()
    with pytest.raises(ServiceError) as refused:
        seed(sources=["ledgers", "nonsense"])
    assert refused.value.code == "bad_source"


@pytest.mark.django_db
def test_an_orm_query_during_a_copy_waits_for_the_copy():
    """PostgreSQL: the COPY worker shares the connection; a query of the generator's while a COPY is
    under way used to abort the load ("COPY terminated by new PQexec"). It now waits for the worker."""
    import io
    import threading
    import time

    from django.db import connection

    from seeding.generators import BulkWriter

    if connection.vendor != "postgresql":
        pytest.skip("the COPY worker runs on PostgreSQL only")

    started = threading.Event()

    class SlowBuffer(io.StringIO):
        def read(self, *args):
            started.set()
            time.sleep(0.3)  # the COPY is under way while the main thread queries
            return super().read(*args)

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copy_probe (x integer)")
    writer = BulkWriter()
    try:
        writer._submit(("COPY copy_probe (x) FROM STDIN WITH (FORMAT csv)", SlowBuffer("1\n2\n3\n")))
        assert started.wait(10)
        assert Region.objects.count() >= 0  # during the copy
        writer.wait()
    finally:
        writer.close()
    assert connection.execute_wrappers == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM copy_probe")
        assert cursor.fetchone()[0] == 3
