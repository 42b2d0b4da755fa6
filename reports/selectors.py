"""Reads for the dashboards, exports and the API: summaries only, always through the user's scope.

A dashboard reads the active generation's rows for one region and its children (a handful of
indexed queries), never the raw ledger rows; the one exception is the overdue list, a bounded
indexed query (top N) through `restrict` on the appeal model.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ledgers.models import LivelihoodAppeal, StabilityMatter
from regions.choices import CODE_LENGTH, Level
from regions.models import Region
from regions.scoping import can_at_region, restrict, scope_prefixes
from reports.aggregation import monthly_min_level
from reports.choices import TOTAL_PERIOD
from reports.metrics import Figure, Metric, figure, get_metric, load_sources, stored_keys_for
from reports.models import RefreshRun, Summary, SummarySeal, SummaryState

VIEW_PERMISSION = "reports.view_summary"
HEADLINE = (
    "ledgers_built",
    "problems_registered",
    "problems_resolved",
    "satisfaction_rate",
    "rural_satisfaction_rate",
    "appeals_solved_funded",
    "funds_invested_fen",
)
HOTLINE = ("response_rate", "resolution_rate", "satisfaction_rate")
ON_TIME = ("appeal_on_time_rate", "matter_on_time_rate")
CHILD_COLUMNS = (
    "problems_registered",
    "problems_resolved",
    "resolution_rate",
    "satisfaction_rate",
    "appeal_on_time_rate",
    "funds_invested_fen",
    "households_active",
    "matters_registered",
    "ledgers_built",
)
RANKED = ("resolution_rate", "satisfaction_rate", "appeal_on_time_rate", "response_rate")
TREND = ("problems_registered", "problems_resolved", "satisfaction_rate")
TREND_MONTHS = 24
OVERDUE_LIMIT = 10


def ranking_min_sample() -> int:
    return int(getattr(settings, "REPORTS_RANKING_MIN_SAMPLE", 30))


def summary_state() -> SummaryState | None:
    """The state row, annotated with whether its active generation is sealed (see
    `SummaryState.visible_generation`): one query.

    Every dashboard, report and stats call reads it, so it is one fixed statement: the ORM spent
    0.8 ms of CPU compiling the same query on every request, `raw()` 0.1 ms."""
    return next(iter(SummaryState.objects.raw(_STATE_SQL)), None)


def latest_run() -> RefreshRun | None:
    """The newest refresh run (the "立即刷新" status line): one fixed statement, as above."""
    return next(iter(RefreshRun.objects.raw(_LATEST_RUN_SQL)), None)


_STATE_SQL = (
    f'SELECT s.*, EXISTS (SELECT 1 FROM "{SummarySeal._meta.db_table}" seal'
    f" WHERE seal.generation = s.active_generation) AS sealed"
    f' FROM "{SummaryState._meta.db_table}" s WHERE s.id = 1'
)
_LATEST_RUN_SQL = f'SELECT * FROM "{RefreshRun._meta.db_table}" ORDER BY id DESC LIMIT 1'


def summary_queryset(*, user, state: SummaryState | None = None):
    """The active generation's rows the user may see (none before the first refresh)."""
    state = state if state is not None else summary_state()
    queryset = (
        Summary.objects.none()
        if state is None or state.visible_generation is None
        else (Summary.objects.filter(generation=state.visible_generation))
    )
    return restrict(queryset, user)


def dashboard_roots(*, user) -> list[Region]:
    """The highest regions whose figures the user may see: where /reports/ sends them."""
    prefixes = scope_prefixes(user, VIEW_PERMISSION)
    if prefixes is None:
        prefixes = [settings.JICENG_PROVINCE_CODE]
    return list(Region.objects.filter(code__in=prefixes).order_by("code"))


def region_names(codes) -> dict[str, str]:
    """Names of regions whose figures the caller already read through the scope."""
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


def dashboard_region_get(*, user, code: str) -> tuple[Region, list[Region]]:
    """The region whose dashboard `user` asked for, and its ancestors (province first), read in one
    query; 404 outside the user's scope. Region codes are prefixes of their descendants' codes, so
    the ancestors are the prefixes of the code's level lengths."""
    prefixes = [code[:length] for level, length in CODE_LENGTH.items() if length <= len(code)]
    region = None
    if code.isdigit() and code in prefixes and can_at_region(user, VIEW_PERMISSION, code):
        found = Region.objects.in_bulk(prefixes)
        region = found.get(code)
    if region is None:
        raise Http404(_("未找到区划代码为 %(code)s 的统计数据，或它不在您的管辖范围内。") % {"code": code[:20]})
    return region, [found[c] for c in region.ancestor_codes if c in found]


def child_regions(*, user, region: Region) -> list[Region]:
    if region.level >= Level.VILLAGE:
        return []
    return list(restrict(Region.objects.filter(parent_id=region.code), user, VIEW_PERMISSION).order_by("code"))


def values_by_region(*, user, codes, keys, periods=(TOTAL_PERIOD,), state=None) -> dict:
    """{(code, period): {stored key: value}} for the given regions, periods and stored metrics."""
    rows = summary_queryset(user=user, state=state).filter(
        region_code__in=list(codes), period__in=list(periods), metric__in=list(keys)
    )
    out: dict = defaultdict(dict)
    for code, period, metric, value in rows.values_list("region_code", "period", "metric", "value"):
        out[(code, period)][metric] = value
    return out


def figures(metrics: list[Metric], values: dict) -> list[Figure]:
    return [figure(metric, values) for metric in metrics]


def month_span(first: str, last: str, *, at_most: int) -> list[str]:
    """Consecutive calendar months ("YYYY-MM") from `first` to `last`, the latest `at_most` of them."""
    year, month = int(last[:4]), int(last[5:7])
    out: list[str] = []
    while len(out) < at_most:
        current = f"{year:04d}-{month:02d}"
        if current < first:
            break
        out.append(current)
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def monthly_values(*, user, code: str, keys, state=None, months: int = TREND_MONTHS) -> dict[str, dict]:
    """{month: {stored key: value}} for the region's latest `months` calendar months, consecutive:
    from its first month with any figure to the later of its last such month and the month the
    data is as of; a month with nothing registered is there, empty (counts 0, rates "—"), so a
    chart's axis never skips a month."""
    rows = (
        summary_queryset(user=user, state=state)
        .filter(region_code=code, metric__in=list(keys))
        .exclude(period=TOTAL_PERIOD)
        .values_list("period", "metric", "value")
    )
    out: dict = defaultdict(dict)
    for period, metric, value in rows:
        out[period][metric] = value
    if not out:
        return {}
    last = max(out)
    if state is not None and state.data_as_of is not None:
        last = max(last, timezone.localtime(state.data_as_of).strftime("%Y-%m"))
    return {month: out.get(month, {}) for month in month_span(min(out), last, at_most=months)}


@dataclass
class Ranking:
    metric: Metric
    rows: list  # (region, Figure), best first
    too_small: list  # regions below the minimum sample
    min_sample: int


def rankings(children: list[Region], values: dict, *, metrics=RANKED, min_sample: int | None = None) -> list[Ranking]:
    min_sample = ranking_min_sample() if min_sample is None else min_sample
    out = []
    for key in metrics:
        metric = get_metric(key)
        ranked, small = [], []
        for child in children:
            fig = figure(metric, values.get((child.code, TOTAL_PERIOD), {}))
            if fig.denominator is not None and fig.denominator >= min_sample and fig.value is not None:
                ranked.append((child, fig))
            else:
                small.append(child)
        ranked.sort(key=lambda item: (-item[1].value, item[0].code))
        out.append(Ranking(metric, ranked, small, min_sample))
    return out


def with_region_names(items: list) -> list:
    """Sets `region_name` on each item of a short list from its `region_id`, in one query."""
    names = region_names({item.region_id for item in items}) if items else {}
    for item in items:
        item.region_name = names.get(item.region_id, item.region_id)
    return items


def overdue_appeals(*, user, region: Region, limit: int = OVERDUE_LIMIT) -> list[LivelihoodAppeal]:
    """The region's longest-overdue open appeals (top `limit`), through the appeal's own scope;
    `dashboard_overdue` names their villages.

    One ordered, limited scan at every level: a partial index on the open appeals' (promised_date,
    id) serves the province and the prefectures (the first ten under the region's prefix), the one
    on (region, promised_date) a county or township."""
    queryset = restrict(LivelihoodAppeal.objects.overdue(), user, within=region.code)
    # Only what the list shows (no decrypting of contact fields), and no join to the regions:
    # with stale statistics PostgreSQL hashed all 37k regions for it (25 ms for a township).
    fields = ("id", "title", "status", "promised_date", "region_id")
    return list(queryset.only(*fields).order_by("promised_date", "id")[:limit])


def overdue_matters(*, user, region: Region, limit: int = OVERDUE_LIMIT) -> list[StabilityMatter]:
    """The region's longest-overdue open stability matters (past their own deadline; top `limit`),
    through the matter's own scope. Matters are far fewer than appeals (a partial index on open
    matters by region and deadline serves it): one query at every level."""
    queryset = restrict(StabilityMatter.objects.overdue(), user, within=region.code)
    fields = ("id", "title", "status", "risk_level", "deadline", "region_id")
    return list(queryset.only(*fields).order_by("deadline", "id")[:limit])


def dashboard_overdue(*, user, region: Region) -> tuple[list[LivelihoodAppeal], list[StabilityMatter]]:
    """A dashboard's two overdue lists, their villages named (`region_name`) in one query."""
    appeals = overdue_appeals(user=user, region=region)
    matters = overdue_matters(user=user, region=region)
    with_region_names([*appeals, *matters])
    return appeals, matters


def dashboard_cache_key(*, region: Region, state: SummaryState | None) -> str:
    """The cache key of a region's summary-derived dashboard part: it names the data's version (the
    active generation, the last refresh run and its time), the region, the language, the metric
    registry and the ranking threshold, so it changes whenever the figures can (never stale, no
    invalidation).

    The part is the same for every user allowed to open the region: scopes are region-code
    prefixes, so a user who may view `region` may view all its children and their summaries.
    """
    version = (
        "none"
        if state is None or state.visible_generation is None
        else f"{state.visible_generation}.{state.last_run_id}.{state.data_as_of.timestamp() if state.data_as_of else 0}"
    )
    return ":".join(
        (
            "reports.dashboard",
            version,
            region.code,
            get_language() or "",
            str(load_sources().digest()),
            str(ranking_min_sample()),
        )
    )


def dashboard_figures(*, user, region: Region, state: SummaryState | None = None) -> dict:
    """The summary-derived part of a dashboard (no overdue list): the same for every user who may
    open `region` (see `dashboard_cache_key`)."""
    registry = load_sources()
    state = state if state is not None else summary_state()
    children = child_regions(user=user, region=region)
    section_sources = [source for source in registry.sources.values() if source.headline]
    section_keys = [k for source in section_sources for k in source.headline]
    card_metrics = [
        get_metric(k) for k in dict.fromkeys((*HEADLINE, *HOTLINE, *ON_TIME, *CHILD_COLUMNS, *section_keys))
    ]
    breakdown_keys = [k for b in registry.breakdowns.values() for k in b.metrics]
    own_keys = stored_keys_for(card_metrics) + breakdown_keys
    child_metrics = [get_metric(k) for k in CHILD_COLUMNS]
    values = values_by_region(user=user, codes=[region.code, *(c.code for c in children)], keys=own_keys, state=state)
    own = values.get((region.code, TOTAL_PERIOD), {})
    trend_metrics = [get_metric(k) for k in TREND]
    months = monthly_values(user=user, code=region.code, keys=stored_keys_for(trend_metrics), state=state)
    breakdowns = []
    for breakdown in registry.breakdowns.values():
        items = [(get_metric(k), int(own.get(k, 0))) for k in breakdown.metrics]
        if any(value for _m, value in items):
            breakdowns.append({"breakdown": breakdown, "items": items})
    return {
        "state": state,
        "own_values": own,
        "headline": [figure(get_metric(k), own) for k in HEADLINE],
        "hotline": [figure(get_metric(k), own) for k in HOTLINE],
        "on_time": [figure(get_metric(k), own) for k in ON_TIME],
        "extra": [figure(get_metric(k), own) for k in ("households_active", "matters_registered")],
        # One section per mechanism (petitions, pairings, community service...), as each source declares.
        "sections": [
            {"source": source, "figures": [figure(get_metric(k), own) for k in source.headline]}
            for source in section_sources
        ],
        "children": children,
        "child_metrics": child_metrics,
        "child_rows": [
            (child, [figure(m, values.get((child.code, TOTAL_PERIOD), {})) for m in child_metrics])
            for child in children
        ],
        "rankings": rankings(children, values) if children else [],
        "trend": {
            "months": list(months),
            "series": [{"metric": m, "figures": [figure(m, months[month]) for month in months]} for m in trend_metrics],
        },
        "trend_rows": [(month, [figure(m, months[month]) for m in trend_metrics]) for month in months],
        "breakdowns": breakdowns,
    }


def monthly_report(*, user, region: Region, month: str, state: SummaryState | None = None) -> dict:
    """A month's figures for the region and its children (monthly metrics, from township up)."""
    state = state if state is not None else summary_state()
    children = child_regions(user=user, region=region)
    monthly = [m for m in load_sources().metrics.values() if m.is_stored and m.monthly]
    derived = [get_metric(k) for k in ("problems_registered", "problems_resolved", "satisfaction_rate")]
    keys = stored_keys_for([*monthly, *derived])
    values = values_by_region(
        user=user,
        codes=[region.code, *(c.code for c in children)],
        keys=keys,
        periods=(month, TOTAL_PERIOD),
        state=state,
    )
    columns = [*derived, *monthly]
    monthly_level = monthly_min_level()
    return {
        "state": state,
        "month": month,
        # Below the level that keeps months (villages by default) there are totals only.
        "has_months": region.level <= monthly_level,
        "figure_rows": list(
            zip(
                figures(columns, values.get((region.code, month), {})),
                figures(columns, values.get((region.code, TOTAL_PERIOD), {})),
                strict=True,
            )
        ),
        "columns": columns,
        "child_rows": [(child, figures(columns, values.get((child.code, month), {}))) for child in children],
        "children_have_months": region.level + 1 <= monthly_level,
        "months": sorted(
            summary_queryset(user=user, state=state)
            .filter(region_code=region.code, metric="appeals_registered")
            .exclude(period=TOTAL_PERIOD)
            .values_list("period", flat=True),
            reverse=True,
        ),
    }
