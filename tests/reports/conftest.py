"""A generated ledger data set over the `tree` fixture, and a direct count over the raw rows
(plain Python over the ORM rows, independent of the refresh's SQL) to check the summaries by."""

import datetime
import random
from collections import defaultdict
from types import SimpleNamespace

import pytest
from django.utils import timezone

from ledgers.choices import (
    APPEAL_OPEN_STATUSES,
    APPEAL_RESOLVED_STATUSES,
    AppealCategory,
    AppealStatus,
    HardshipType,
    HelpKind,
    MatterOutcome,
    MatterStatus,
    MatterType,
    RiskLevel,
)
from ledgers.models import (
    HardshipHousehold,
    HelpRecord,
    HouseholdHardship,
    Ledger,
    LivelihoodAppeal,
    RatingInvitation,
    StabilityMatter,
)
from ledgers.services import (
    appeal_create,
    appeal_rate,
    appeal_transition,
    help_record_add,
    household_create,
    household_exit,
    matter_create,
    matter_escalate,
    matter_transition,
    rating_invitation_create,
)
from regions.choices import CODE_LENGTH, LEVEL_BY_LENGTH, Level
from regions.models import Region
from reports.models import Summary, SummaryState
from tests.factories import UserFactory

START = datetime.date(2025, 9, 1)


def _day(rng, span=150):
    return START + datetime.timedelta(days=rng.randrange(span))


def add_appeal(rng, actor, region):
    registered = _day(rng)
    appeal = appeal_create(
        actor=actor,
        region=region,
        data={
            "category": rng.choice(AppealCategory.values),
            "raiser_name": "王大爷",
            "title": "问题",
            "responsible_person": "刘芳",
            "registered_on": registered,
            "promised_date": registered + datetime.timedelta(days=rng.randrange(0, 40)),
            "funds_spent_fen": rng.choice([0, 0, 150000, 2_500_000]),
        },
    )
    roll = rng.random()
    if roll < 0.2:
        return appeal
    appeal = appeal_transition(actor=actor, appeal=appeal, target=AppealStatus.IN_PROGRESS)
    if roll < 0.35:
        return appeal
    appeal = appeal_transition(actor=actor, appeal=appeal, target=AppealStatus.RESOLVED, resolution="已修好")
    # Resolved some days after registration, before or after the promised date.
    resolved_at = timezone.make_aware(
        datetime.datetime.combine(appeal.registered_on + datetime.timedelta(days=rng.randrange(0, 50)), datetime.time())
    ) + datetime.timedelta(hours=rng.choice([1, 20, 23]))
    LivelihoodAppeal.objects.filter(pk=appeal.pk).update(resolved_at=resolved_at)
    appeal.refresh_from_db()
    if roll < 0.5:
        return appeal
    appeal = appeal_transition(actor=actor, appeal=appeal, target=AppealStatus.DISCLOSED)
    if roll < 0.6:
        return appeal
    _invitation, token = rating_invitation_create(actor=actor, appeal=appeal)
    appeal_rate(token=token, score=rng.choice([1, 2, 3, 4, 5, 5, 5]), resolved_confirmed=rng.random() < 0.85)
    appeal = LivelihoodAppeal.objects.get(pk=appeal.pk)
    if rng.random() < 0.2 and appeal.status == AppealStatus.RATED:  # an invitation never answered
        rating_invitation_create(actor=actor, appeal=appeal)
    return appeal


def add_household(rng, actor, region):
    household = household_create(
        actor=actor,
        region=region,
        data={"head_name": "张三", "registered_on": _day(rng), "member_count": rng.randrange(1, 6)},
        hardship_types=rng.sample(HardshipType.values, rng.randrange(1, 3)),
    )
    for _ in range(rng.randrange(0, 3)):
        help_record_add(
            actor=actor,
            household=household,
            data={
                "given_on": _day(rng, 200),
                "kind": rng.choice(HelpKind.values),
                "amount_fen": rng.choice([0, 50000, 123456]),
            },
        )
    if rng.random() < 0.25:
        household = household_exit(
            actor=actor,
            household=household,
            exited_on=household.registered_on + datetime.timedelta(days=5),
            reason="脱困",
        )
    return household


def add_matter(rng, actor, region):
    registered = _day(rng)
    matter = matter_create(
        actor=actor,
        region=region,
        data={
            "matter_type": rng.choice(MatterType.values),
            "title": "纠纷",
            "parties": "甲、乙",
            "risk_level": rng.choice(RiskLevel.values),
            "registered_on": registered,
            "deadline": rng.choice([None, registered + datetime.timedelta(days=rng.randrange(0, 30))]),
        },
    )
    roll = rng.random()
    if roll < 0.25:
        return matter
    matter = matter_transition(actor=actor, matter=matter, target=MatterStatus.MEDIATING)
    if roll < 0.4:
        return matter
    if roll < 0.5:
        return matter_escalate(actor=actor, matter=matter)
    if roll < 0.6:
        return matter_transition(actor=actor, matter=matter, target=MatterStatus.CLOSED, outcome=MatterOutcome.FAILED)
    matter = matter_transition(actor=actor, matter=matter, target=MatterStatus.RESOLVED, outcome=MatterOutcome.MEDIATED)
    resolved_at = timezone.make_aware(
        datetime.datetime.combine(registered + datetime.timedelta(days=rng.randrange(0, 40)), datetime.time(22, 30))
    )
    StabilityMatter.objects.filter(pk=matter.pk).update(resolved_at=resolved_at)
    return StabilityMatter.objects.get(pk=matter.pk)


def build_dataset(tree, *, seed=7, appeals=40, households=12, matters=16):
    rng = random.Random(seed)
    actor = UserFactory(username=f"builder{seed}", is_superuser=True, is_staff=True)
    places = [tree.village, tree.village2, tree.sibling_village, Region.objects.get(code="510121106002"), tree.town]
    for _ in range(appeals):
        add_appeal(rng, actor, rng.choice(places))
    for _ in range(households):
        add_household(rng, actor, rng.choice(places))
    for _ in range(matters):
        add_matter(rng, actor, rng.choice(places))
    return SimpleNamespace(actor=actor, rng=rng, places=places)


@pytest.fixture
def dataset(tree):
    return build_dataset(tree)


# --- The direct count --------------------------------------------------------------------------
def _local_date(value):
    return timezone.localtime(value).date() if value else None


def raw_contributions():
    """(village code, month, stored metric, value) for every raw row: the domain rules in Python."""
    out = []
    # A voided (作废) record and everything under it count in no figure.
    for a in LivelihoodAppeal.objects.filter(voided_at__isnull=True):
        month = a.registered_on.strftime("%Y-%m")
        resolved = a.status in APPEAL_RESOLVED_STATUSES
        values = {
            "appeals_registered": 1,
            "appeals_responded": int(a.responded_at is not None),
            "appeals_resolved": int(resolved),
            "appeals_open": int(a.status in APPEAL_OPEN_STATUSES),
            "appeals_solved_funded": int(resolved and a.funds_spent_fen > 0),
            "appeals_resolved_on_time": int(
                resolved and a.resolved_at is not None and _local_date(a.resolved_at) <= a.promised_date
            ),
            "appeal_funds_fen": a.funds_spent_fen,
            f"appeals_by_status.{a.status}": 1,
            f"appeals_by_category.{a.category}": 1,
        }
        out += [(a.region_id, month, key, value) for key, value in values.items()]
    for r in RatingInvitation.objects.filter(appeal__voided_at__isnull=True).select_related("appeal__region"):
        month = r.appeal.registered_on.strftime("%Y-%m")
        rural = r.appeal.region.level == Level.VILLAGE and not r.appeal.region.is_community
        rated, satisfied = r.score is not None, r.score is not None and r.score >= 3
        out.append((r.appeal.region_id, month, "ratings_count", int(rated)))
        out.append((r.appeal.region_id, month, "ratings_satisfied", int(satisfied)))
        out.append((r.appeal.region_id, month, "ratings_count_rural", int(rated and rural)))
        out.append((r.appeal.region_id, month, "ratings_satisfied_rural", int(satisfied and rural)))
    for h in HardshipHousehold.objects.filter(voided_at__isnull=True):
        month = h.registered_on.strftime("%Y-%m")
        out.append((h.region_id, month, "households_registered", 1))
        out.append((h.region_id, month, "households_active", int(h.status == "active")))
    for t in HouseholdHardship.objects.filter(household__voided_at__isnull=True).select_related("household"):
        if t.household.status == "active":
            out.append(
                (t.household.region_id, t.household.registered_on.strftime("%Y-%m"), f"households_by_type.{t.type}", 1)
            )
    for h in HelpRecord.objects.filter(household__voided_at__isnull=True).select_related("household"):
        out.append((h.household.region_id, h.given_on.strftime("%Y-%m"), "help_funds_fen", h.amount_fen))
    for m in StabilityMatter.objects.filter(voided_at__isnull=True):
        month = m.registered_on.strftime("%Y-%m")
        resolved = m.status == MatterStatus.RESOLVED
        values = {
            "matters_registered": 1,
            "matters_resolved": int(resolved),
            "matters_resolved_with_deadline": int(resolved and m.deadline is not None),
            "matters_resolved_on_time": int(
                resolved
                and m.deadline is not None
                and m.resolved_at is not None
                and _local_date(m.resolved_at) <= m.deadline
            ),
            f"matters_by_risk.{m.risk_level}": 1,
            f"matters_by_status.{m.status}": 1,
            f"matters_by_type.{m.matter_type}": 1,
        }
        if m.outcome:
            values[f"matters_by_outcome.{m.outcome}"] = 1
        out += [(m.region_id, month, key, value) for key, value in values.items()]
    for ledger in Ledger.objects.all():
        out.append((ledger.region_id, timezone.localtime(ledger.opened_at).strftime("%Y-%m"), "ledgers_built", 1))
    return out


def direct_counts():
    """{(region code, period, metric): value} for every region of the tree and every figure the
    summary keeps (breakdowns from township up; months for monthly metrics from the level
    REPORTS_MONTHLY_MIN_LEVEL names up, township by default)."""
    from django.conf import settings

    from reports.metrics import load_sources

    metrics = load_sources().metrics
    monthly_level = getattr(settings, "REPORTS_MONTHLY_MIN_LEVEL", Level.TOWNSHIP)
    contributions = raw_contributions()
    expected = defaultdict(int)
    for region in Region.objects.all():
        for code, month, key, value in contributions:
            if not code.startswith(region.code) or not value:
                continue
            metric = metrics[key]
            if metric.breakdown and region.level > Level.TOWNSHIP:
                continue
            expected[(region.code, "", key)] += value
            if metric.monthly and region.level <= monthly_level:
                expected[(region.code, month, key)] += value
    return {key: value for key, value in expected.items() if value}


def summary_rows(generation=None, *, source: str | None = "ledgers"):
    """The nonzero rows of the active (or given) generation, of the ledgers' metrics by default
    (what `direct_counts` counts: an escalated matter also makes a petition, whose figures the
    petitions' own tests check); `source=None` for every source's rows."""
    from reports.metrics import load_sources

    if generation is None:
        generation = SummaryState.objects.get(pk=1).active_generation
    rows = Summary.objects.filter(generation=generation).exclude(value=0)
    if source is not None:
        rows = rows.filter(metric__in=[key for key, m in load_sources().metrics.items() if m.source == source])
    return {(row.region_code, row.period, row.metric): row.value for row in rows}


assert LEVEL_BY_LENGTH and CODE_LENGTH  # the tree's codes follow the real lengths
