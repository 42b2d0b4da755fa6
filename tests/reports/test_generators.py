"""The seed-scale generator (`seed_province`) over the small `tree` fixture, and the benchmark's
hand-written lower-bound SQL against direct ORM counts. Runs on SQLite and PostgreSQL."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q, Sum

from core.crypto import keyed_hash
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
from reports.generators import seed_province
from reports.management.commands.bench import lower_bound

AS_OF = datetime.date(2026, 11, 20)
# 0.002 of the province: 1,200 appeals, 600 households, 120 matters over 4 villages + 2 townships.
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
    assert len(first["LivelihoodAppeal"]) == 1200


def test_another_seed_gives_other_rows(generated):
    first = snapshot()
    seed(reset=True, seed=7)
    second = snapshot()
    assert len(second["LivelihoodAppeal"]) == len(first["LivelihoodAppeal"]) == 1200
    assert second["LivelihoodAppeal"] != first["LivelihoodAppeal"]


def test_counts_follow_the_scale_and_cover_every_place(generated):
    assert generated.rows["appeals"] == LivelihoodAppeal.objects.count() == 1200
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


def test_proportions_follow_the_source_text(generated):
    appeals = LivelihoodAppeal.objects
    resolved_share = appeals.filter(status__in=APPEAL_RESOLVED_STATUSES).count() / appeals.count()
    scored = RatingInvitation.objects.filter(score__isnull=False)
    satisfaction = scored.filter(score__gte=3).count() / scored.count()
    funded = appeals.filter(status__in=APPEAL_RESOLVED_STATUSES, funds_spent_fen__gt=0)
    funds = appeals.aggregate(total=Sum("funds_spent_fen"))["total"]
    # about 500,000 of 600,000 resolved; satisfaction above 90 %; 200,000+ funded; 2.68 billion yuan
    assert 0.80 <= resolved_share <= 0.88
    assert satisfaction > 0.90
    assert 0.30 <= funded.count() / appeals.count() <= 0.40
    assert 0.75 * 268_000_000_000 * SCALE <= funds <= 1.25 * 268_000_000_000 * SCALE
    with_ids = HardshipHousehold.objects.exclude(head_id_number="").count() / HardshipHousehold.objects.count()
    assert 0.15 <= with_ids <= 0.25


def test_a_second_run_is_refused_and_changes_nothing(generated):
    before = snapshot()
    with pytest.raises(CommandError, match="已有 51 的台账数据"):
        call_command("seed_province", scale=SCALE, seed=1, no_refresh=True, as_of=AS_OF.isoformat())
    assert snapshot() == before


def test_reset_replaces_the_data_without_duplicates(generated):
    call_command("seed_province", scale=SCALE, seed=42, reset=True, no_refresh=True, as_of=AS_OF.isoformat())
    assert LivelihoodAppeal.objects.count() == 1200
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
    assert months["appeals_registered"] == figures[("51", "", "appeals_registered")] == 1200
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
    assert compared[("51", "", "appeals_registered")] == 1200


@pytest.mark.postgres
def test_change_log_triggers_are_back_on_after_the_load(tree):
    from django.db import connection

    def enabled():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger "
                "WHERE NOT tgisinternal AND tgrelid::regclass::text LIKE 'ledgers_%%' ORDER BY 1, 2"
            )
            return cursor.fetchall()

    before = enabled()
    result = seed()
    assert enabled() == before
    assert sorted(result.triggers_skipped) == sorted(name for _table, name, state in before if state != "D")
