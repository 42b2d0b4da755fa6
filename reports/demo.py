"""Demo data for `make run`: a living province from the seed generators, and the summaries.

`seed_demo_province` fills the province with the registered seed generators (seeding/generators) at
a small scale, in two passes over disjoint places: outside the demo users' county, three townships
of every county (`DEMO_TOWNSHIPS_PER_COUNTY`, with their villages) at `DEMO_SCALE` (every
prefecture and county gets figures, and the rankings of prefectures and counties have their
minimum samples), then the demo county (金堂县), all of it, at `DEMO_COUNTY_SCALE`, denser, so that
its townships are ranked too and 竹篙镇 has enough of every record to click through every page. Each
generator runs at the pass's scale times its `demo_share`. Dates cover the last 24 months up to
yesterday; on-time and satisfaction rates are the generators' calibrated ones. Idempotent: once the
province holds generated rows, a rerun does nothing. Places that already keep a ledger (entered by
hand) are left out, so it never collides with them.
"""

from __future__ import annotations

import dataclasses
import datetime
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reports.models import SummaryDelta, SummaryState
from reports.services import summary_refresh_full, summary_refresh_incremental
from reports.sql import Dialect, install_triggers, trigger_sql

DEMO_COUNTY = "510121"  # 金堂县: the demo users' county (accounts.demo)
DEMO_SCALE = 0.03  # of the source text's province: ~16,000 appeals, ~9,000 households, ~1,800 matters
DEMO_COUNTY_SCALE = 0.01  # of the province's figures, all in the demo county: ~5,400 appeals there
DEMO_SEED = 42
# Outside the demo county, the generated rows go to this many townships of each county (and their
# villages): 549 of Sichuan's 3,111 townships. Every county has figures; a fifth of the places
# means a fifth of the village summaries, ledger books and village profiles to write.
DEMO_TOWNSHIPS_PER_COUNTY = 3


def _reindexed(places):
    from seeding.generators import Place

    return [Place(i, p.code, p.name, p.level, p.is_community, p.township_name) for i, p in enumerate(places)]


def _sampled_townships(townships, per_county: int) -> set[str]:
    """Up to `per_county` townships of every county, evenly spaced over its list (so a county's
    towns and its urban subdistricts both appear): every county and prefecture gets figures while
    the summaries and ledger books stay a few times smaller than with every township."""
    by_county: dict[str, list[str]] = {}
    for place in townships:
        by_county.setdefault(place.code[:6], []).append(place.code)
    picked = set()
    for codes in by_county.values():
        step = max(1, len(codes) / per_county)
        picked.update(codes[int(i * step)] for i in range(min(per_county, len(codes))))
    return picked


def _passes(province: str, county: str, scale: float, county_scale: float):
    from ledgers.models import Ledger
    from seeding.generators import places_of

    villages, townships = places_of(province)
    # A place that keeps a ledger already (hand-entered demo rows, a user's own) is left alone: the
    # generator opens one ledger book per (kind, place).
    taken = set(Ledger.objects.filter(region__code__startswith=province).values_list("region_id", flat=True))
    sampled = _sampled_townships([t for t in townships if not t.code.startswith(county)], DEMO_TOWNSHIPS_PER_COUNTY)
    for inside, pass_scale, seed in ((False, scale, DEMO_SEED), (True, county_scale, DEMO_SEED + 1)):
        pick = [
            p
            for p in villages + townships
            if p.code.startswith(county) == inside and p.code not in taken and (inside or p.code[:9] in sampled)
        ]
        if not pick or pass_scale <= 0:
            continue
        places = _reindexed(pick)
        yield [p for p in places if p.level == 5], [p for p in places if p.level != 5], pass_scale, seed


def seed_demo_province(
    *,
    province: str | None = None,
    county: str = DEMO_COUNTY,
    scale: float | None = None,
    county_scale: float | None = None,
) -> str:
    from ledgers.models import LivelihoodAppeal
    from seeding.generators import BulkWriter, GenerationContext, load_generators

    province = province or settings.JICENG_PROVINCE_CODE
    scale = DEMO_SCALE if scale is None else scale
    county_scale = DEMO_COUNTY_SCALE if county_scale is None else county_scale
    if LivelihoodAppeal.objects.filter(created_by__isnull=True, region__code__startswith=province).exists():
        return ""  # generated before: a second `make run` keeps the data
    started = time.monotonic()
    as_of = timezone.localdate() - datetime.timedelta(days=1)
    generators = load_generators()
    rows: dict[str, int] = {}
    with transaction.atomic():
        if connection.vendor == "sqlite":
            # The row triggers would log every generated row to the change log, which the full
            # refresh below discards anyway: off for the load, back on before it commits (as the
            # generator does on PostgreSQL). A third less time on SQLite.
            drops, _creates = trigger_sql(Dialect(connection.vendor))
            with connection.cursor() as cursor:
                for statement in drops:
                    cursor.execute(statement)
        for villages, townships, pass_scale, seed in _passes(province, county, scale, county_scale):
            writer = BulkWriter()
            ctx = GenerationContext(
                scale=pass_scale,
                seed=seed,
                province=province,
                as_of=as_of,
                writer=writer,
                villages=villages,
                townships=townships,
            )
            try:
                writer.prepare([model for g in generators for model in g.models])
                for generator in generators:
                    writer.wait()  # the COPY worker shares the connection (PostgreSQL)
                    part = dataclasses.replace(ctx, scale=pass_scale * generator.demo_share)
                    for name, count in generator.generate(part).items():
                        rows[name] = rows.get(name, 0) + count
                writer.finish()
            finally:
                writer.close()
        if connection.vendor == "sqlite":
            install_triggers(connection)
    if not rows:
        return "跳过演示省份数据：区划表为空 / skipped the demo province: no regions loaded"
    generated = time.monotonic() - started
    run = summary_refresh_full()  # the generator may switch the change-log triggers off (PostgreSQL)
    total = time.monotonic() - started
    detail = ", ".join(f"{name} {count:,}" for name, count in rows.items())
    return (
        f"演示省份数据已生成 / demo province generated in {generated:.1f}s, summaries #{run.pk} "
        f"in {total - generated:.1f}s: {detail}"
    )


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
