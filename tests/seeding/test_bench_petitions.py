"""The petitions part of the benchmark: its hand-written bound computes the summaries' petition
figures, and its 10,000 changes move figures that a fold applies exactly and a restore undoes."""

import datetime

import pytest
from django.db import connection

from petitions.models import Petition
from reports.models import Summary, SummaryState
from reports.services import summary_refresh_full, summary_refresh_incremental
from seeding.benchmarks import petitions as part
from seeding.generators import seed_province

AS_OF = datetime.date(2026, 11, 20)
SCALE = 0.005  # 500 petitions over the tree fixture
pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(tree):
    return seed_province(province="51", scale=SCALE, seed=3, as_of=AS_OF, sources=["petitions"])


def stored() -> dict:
    generation = SummaryState.objects.get().active_generation
    rows = Summary.objects.filter(generation=generation).exclude(value=0)
    return {(c, p, m): v for c, p, m, v in rows.values_list("region_code", "period", "metric", "value")}


def test_the_hand_written_bound_equals_the_summaries_petition_figures(generated):
    summary_refresh_full(actor=None)
    summaries = stored()
    facts = part.petition_bound_facts(connection.vendor)
    figures = part.lower_bound_of(facts)
    metrics = {key for _n, _f, _r, _m, measures in facts for key, _sql in measures}
    totals = {k: v for k, v in figures.items() if not k[1] and len(k[0]) <= 9}
    assert totals[("51", "", "petitions_registered")] == Petition.objects.count() == 500
    assert totals[("51", "", "petitions_owned_county_plus")] == round(10_617 * SCALE)
    assert totals == {k: v for k, v in summaries.items() if k[2] in metrics and not k[1] and len(k[0]) <= 9}


def test_changes_fold_exactly_and_the_restore_puts_everything_back(generated):
    summary_refresh_full(actor=None)
    before = stored()
    columns = ("status", "outcome", "received_on", "backlog_disposed_on", "closed_on", "accepted_on")
    rows = list(Petition.objects.order_by("pk").values_list(*columns))
    saved = part.change_petitions(300, seed=1)
    assert len(saved) == 300
    changed = list(Petition.objects.order_by("pk").values_list(*columns))
    assert sum(a != b for a, b in zip(rows, changed, strict=True)) == 300
    statuses = dict(Petition.objects.filter(pk__in=[r[0] for r in saved]).values_list("pk", "status"))
    from petitions.choices import PETITION_TRANSITIONS

    for pk, status, *_rest in saved:  # every move is one the status machine allows (or no move)
        assert statuses[pk] == status or statuses[pk] in PETITION_TRANSITIONS.transitions[status], (
            status,
            statuses[pk],
        )
    summary_refresh_incremental(actor=None)
    folded = stored()
    assert folded != before
    summary_refresh_full(actor=None)
    assert stored() == folded  # the fold equals a full computation
    part.restore_petitions(saved)
    assert list(Petition.objects.order_by("pk").values_list(*columns)) == rows
    summary_refresh_incremental(actor=None)
    assert stored() == before
