"""The seed-scale benchmark (`make bench`): one run, every figure with its target and ratio.

Figures: data generation time; full summary refresh against a hand-written SQL lower bound over the
same data in the same run; incremental refresh after 10,000 changed appeals (and that it equals a
full refresh); dashboard page and stats API latency (median and p95, server side, in-process test
client) for the province, a prefecture and a township; the appeals list page of a prefecture.
Parts another app has not built yet print "not available". Exit status 0: this is a report.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
import platform
import random
import resource
import secrets
import statistics
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from core.warmup import settle_process
from ledgers.choices import (
    APPEAL_OPEN_STATUSES,
    APPEAL_RESOLVED_STATUSES,
    SATISFIED_MIN_SCORE,
    AppealCategory,
    AppealStatus,
    HardshipType,
    HouseholdStatus,
    MatterOutcome,
    MatterStatus,
    MatterType,
    RiskLevel,
)
from regions.choices import CODE_LENGTH, LEVEL_BY_LENGTH, Level

CHANGED_ROWS = 10_000
REQUESTS = 50
WARMUP = 5
RURAL = "rr.level = 5 AND NOT rr.is_community"  # a village (村), not an urban community
TARGETS = {
    "fold_s": 0.5,
    "fold_after_full_s": 1.0,
    "dashboard_p95_ms": 50.0,
    "list_p95_ms": 150.0,
    "full_over_true_bound": 1.3,
}
REPETITIONS = 3
RESULTS_DIR = Path(settings.BASE_DIR) / "var"


# --- The hand-written lower bound -----------------------------------------------------------------
def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# Per-village counts fit a 4-byte integer; summing those in the roll-up stays in 8-byte integers
# (PostgreSQL sums 8-byte integers into numeric, several times slower).
COUNT = "CAST(COUNT(*) AS INTEGER)"


def _flag(condition: str) -> str:
    return f"CAST(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS INTEGER)"


def _choices(prefix: str, column: str, choices, extra: str = "") -> list[tuple[str, str]]:
    condition = f" AND {extra}" if extra else ""
    return [(f"{prefix}.{v}", _flag(f"{column} = '{v}'{condition}")) for v in choices.values]


def _lower_bound_facts(vendor: str) -> list[tuple[str, str, str, str, list[tuple[str, str]]]]:
    """(name, FROM clause, region column, month expression, [(metric, aggregate)]) per source table:
    the same figures the summaries store, written directly in SQL."""
    if vendor == "postgresql":
        tz = settings.TIME_ZONE.replace("'", "")

        def month(col):
            return f"to_char({col}, 'YYYY-MM')"

        def month_ts(col):
            return f"to_char({col} AT TIME ZONE '{tz}', 'YYYY-MM')"

        def day_ts(col):
            return f"({col} AT TIME ZONE '{tz}')::date"
    else:
        offset = datetime.datetime.now(timezone.get_current_timezone()).utcoffset()
        hours = f"'{int(offset.total_seconds() // 3600):+d} hours'"

        def month(col):
            return f"strftime('%Y-%m', {col})"

        def month_ts(col):
            return f"strftime('%Y-%m', {col}, {hours})"

        def day_ts(col):
            return f"date({col}, {hours})"

    resolved = f"t.status IN {_in(APPEAL_RESOLVED_STATUSES)}"
    matter_resolved = f"t.status = '{MatterStatus.RESOLVED}'"
    active = f"p.status = '{HouseholdStatus.ACTIVE}'"
    return [
        (
            "appeal",
            "ledgers_livelihoodappeal t",
            "t.region_id",
            month("t.registered_on"),
            [
                ("appeals_registered", COUNT),
                ("appeals_responded", _flag("t.responded_at IS NOT NULL")),
                ("appeals_resolved", _flag(resolved)),
                ("appeals_open", _flag(f"t.status IN {_in(APPEAL_OPEN_STATUSES)}")),
                ("appeals_solved_funded", _flag(f"{resolved} AND t.funds_spent_fen > 0")),
                ("appeals_resolved_on_time", _flag(f"{resolved} AND {day_ts('t.resolved_at')} <= t.promised_date")),
                ("appeal_funds_fen", "CAST(SUM(t.funds_spent_fen) AS BIGINT)"),
                *_choices("appeals_by_status", "t.status", AppealStatus),
                *_choices("appeals_by_category", "t.category", AppealCategory),
            ],
        ),
        (
            "rating",
            "ledgers_ratinginvitation t JOIN ledgers_livelihoodappeal p ON p.id = t.appeal_id "
            "JOIN regions_region rr ON rr.code = p.region_id",
            "p.region_id",
            month("p.registered_on"),
            [
                ("ratings_count", _flag("t.score IS NOT NULL")),
                ("ratings_satisfied", _flag(f"t.score >= {int(SATISFIED_MIN_SCORE)}")),
                ("ratings_count_rural", _flag(f"t.score IS NOT NULL AND {RURAL}")),
                ("ratings_satisfied_rural", _flag(f"t.score >= {int(SATISFIED_MIN_SCORE)} AND {RURAL}")),
            ],
        ),
        (
            "household",
            "ledgers_hardshiphousehold t",
            "t.region_id",
            month("t.registered_on"),
            [
                ("households_registered", COUNT),
                ("households_active", _flag(f"t.status = '{HouseholdStatus.ACTIVE}'")),
            ],
        ),
        (
            "hardship",
            "ledgers_householdhardship t JOIN ledgers_hardshiphousehold p ON p.id = t.household_id",
            "p.region_id",
            month("p.registered_on"),
            _choices("households_by_type", "t.type", HardshipType, active),
        ),
        (
            "help",
            "ledgers_helprecord t JOIN ledgers_hardshiphousehold p ON p.id = t.household_id",
            "p.region_id",
            month("t.given_on"),
            [("help_funds_fen", "CAST(SUM(t.amount_fen) AS BIGINT)")],
        ),
        (
            "matter",
            "ledgers_stabilitymatter t",
            "t.region_id",
            month("t.registered_on"),
            [
                ("matters_registered", COUNT),
                ("matters_resolved", _flag(matter_resolved)),
                ("matters_resolved_with_deadline", _flag(f"{matter_resolved} AND t.deadline IS NOT NULL")),
                (
                    "matters_resolved_on_time",
                    _flag(f"{matter_resolved} AND t.deadline IS NOT NULL AND {day_ts('t.resolved_at')} <= t.deadline"),
                ),
                *_choices("matters_by_risk", "t.risk_level", RiskLevel),
                *_choices("matters_by_status", "t.status", MatterStatus),
                *_choices("matters_by_outcome", "t.outcome", MatterOutcome),
                *_choices("matters_by_type", "t.matter_type", MatterType),
            ],
        ),
        ("ledger", "ledgers_ledger t", "t.region_id", month_ts("t.opened_at"), [("ledgers_built", COUNT)]),
    ]


@dataclass
class LowerBound:
    seconds: float
    rows: int
    figures: dict = field(default_factory=dict)


def lower_bound(*, collect: bool = False, facts: list | None = None) -> LowerBound:
    """The least work any refresh must do: one GROUP BY per village (and township) and month over each
    source table, then one roll-up by code prefix to every level, in total and per month where the
    summaries keep months (one pass with GROUPING SETS on PostgreSQL). Results stay in temporary
    tables (dropped at the end); `collect` reads them back as {(region code, period or "", metric):
    value} for tests. `facts`: other tables' (same shape as `_lower_bound_facts`), instead of the ledgers'."""
    vendor = connection.vendor
    facts = _lower_bound_facts(vendor) if facts is None else facts
    figures: dict = {}
    rows = 0
    levels = "(SELECT 2 AS n UNION ALL SELECT 4 UNION ALL SELECT 6 UNION ALL SELECT 9 UNION ALL SELECT 12)"
    monthly_length = CODE_LENGTH[Level(int(getattr(settings, "REPORTS_MONTHLY_MIN_LEVEL", Level.TOWNSHIP)))]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
        for name, source, region, month, measures in facts:
            columns = [f"m{i}" for i in range(len(measures))]
            aggregates = ", ".join(f"{sql} AS {col}" for (_key, sql), col in zip(measures, columns, strict=True))
            cursor.execute(f"DROP TABLE IF EXISTS lb_{name}")
            cursor.execute(
                f"CREATE TEMP TABLE lb_{name} AS SELECT {region} AS code, {month} AS period, {aggregates} "
                f"FROM {source} GROUP BY 1, 2"
            )
            sums = ", ".join(f"SUM(b.{col}) AS {col}" for col in columns)
            key = "substr(b.code, 1, l.n)"
            joined = f"FROM lb_{name} b JOIN {levels} l ON length(b.code) >= l.n"
            cursor.execute(f"DROP TABLE IF EXISTS lb_{name}_up")
            if vendor == "postgresql":
                # Months only where the summaries keep them (REPORTS_MONTHLY_MIN_LEVEL and above).
                month_key = f"CASE WHEN l.n <= {monthly_length} THEN b.period END"
                cursor.execute(
                    f"CREATE TEMP TABLE lb_{name}_up AS SELECT code, COALESCE(period, '') AS period, "
                    f"{', '.join(columns)} FROM (SELECT {key} AS code, {month_key} AS period, "
                    f"GROUPING({month_key}) AS total, "
                    f"{sums} {joined} GROUP BY GROUPING SETS (({key}, {month_key}), ({key}))) g "
                    f"WHERE total = 1 OR period IS NOT NULL"
                )
            else:
                cursor.execute(
                    f"CREATE TEMP TABLE lb_{name}_up AS SELECT {key} AS code, b.period AS period, {sums} {joined} "
                    f"WHERE l.n <= {monthly_length} GROUP BY 1, 2 "
                    f"UNION ALL SELECT {key} AS code, '' AS period, {sums} {joined} GROUP BY 1"
                )
            rows += max(cursor.rowcount, 0)
        seconds = time.perf_counter() - started
        if collect:
            for name, _source, _region, _month, measures in facts:
                cursor.execute(f"SELECT * FROM lb_{name}_up")
                for code, period, *values in cursor.fetchall():
                    for (metric, _sql), value in zip(measures, values, strict=True):
                        if value:
                            figures[(code, period, metric)] = int(value)
        for name, *_rest in facts:
            cursor.execute(f"DROP TABLE IF EXISTS lb_{name}")
            cursor.execute(f"DROP TABLE IF EXISTS lb_{name}_up")
    return LowerBound(seconds=seconds, rows=rows, figures=figures)


# --- The true lower bound ---------------------------------------------------------------------
TRUE_BOUND_TABLE = "bench_true_bound"


@dataclass
class TrueBound:
    seconds: float
    rows: int


def true_bound(sources: set[str] | None = None) -> TrueBound:
    """The least work a full refresh must do, written by hand over the registry's facts (any
    registered source): per fact table ONE scan with GROUP BY GROUPING SETS ((place), (township,
    month)) (the month prefix is the deepest level any of its metrics keeps months at), then those
    small results rolled up by code prefix to every level and unpivoted to (region, period, metric,
    value) rows under each metric's depth limits, into a new unlogged table, then its unique index.
    The table stays until the next call (`compare_with_active` reads it). `sources` limits it to
    those metric sources' facts. PostgreSQL only."""
    from reports.aggregation import LENGTHS, stored_limits
    from reports.metrics import load_sources
    from reports.sql import Dialect, lit, table_of

    dialect = Dialect("postgresql")
    limits = stored_limits()
    levels = ", ".join(f"({n}, {int(LEVEL_BY_LENGTH[n])})" for n in LENGTHS)
    rows = 0
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"DROP TABLE IF EXISTS {TRUE_BOUND_TABLE}")
        cursor.execute(
            f"CREATE UNLOGGED TABLE {TRUE_BOUND_TABLE} AS SELECT region_code, period, metric, value "
            "FROM reports_summary WITH NO DATA"
        )
        for fact in load_sources().facts.values():
            if sources is not None and fact.source not in sources:
                continue
            measures = [(key, sql(dialect)) for key, sql in fact.measures if key in limits]
            if not measures:
                continue
            month_level = max(limits[key][1] for key, _sql in measures)
            month_length = CODE_LENGTH[Level(month_level)] if month_level else 0
            join = f" JOIN {table_of(fact.parent.model)} p ON p.id = t.{fact.parent.fk}" if fact.parent else ""
            region, period = fact.region, fact.period(dialect)
            sums = ", ".join(f"SUM({sql}) AS m{i}" for i, (_key, sql) in enumerate(measures))
            grouping = f"GROUPING SETS (({region}), (left({region}, {month_length}), {period}))"
            cursor.execute(
                f"CREATE TEMP TABLE tb_scan ON COMMIT DROP AS SELECT {region} AS place, "
                + (f"left({region}, {month_length}) AS mplace, {period} AS period, " if month_length else "")
                + f"GROUPING({region}) AS g, {sums} FROM {table_of(fact.model)} t{join} GROUP BY "
                + (grouping if month_length else region)
            )
            for monthly in (False, True) if month_length else (False,):
                chosen = [(i, key) for i, (key, _sql) in enumerate(measures) if not monthly or limits[key][1]]
                depth = {key: limits[key][1] if monthly else limits[key][0] for _i, key in chosen}
                place = "s.mplace" if monthly else "s.place"
                unpivot = ", ".join(f"({lit(key)}, r.m{i}::bigint, {depth[key]})" for i, key in chosen)
                cursor.execute(
                    f"INSERT INTO {TRUE_BOUND_TABLE} SELECT r.code, r.period, u.metric, u.value FROM ("
                    f"SELECT left({place}, l.n) AS code, l.level, "
                    + ("s.period" if monthly else "''")
                    + " AS period, "
                    + ", ".join(f"SUM(s.m{i}) AS m{i}" for i, _key in chosen)
                    + f" FROM tb_scan s JOIN (VALUES {levels}) l(n, level) ON l.n <= length({place}) "
                    f"AND l.level <= {max(depth.values())} WHERE s.g = {int(monthly)} GROUP BY 1, 2, 3) r "
                    f"CROSS JOIN LATERAL (VALUES {unpivot}) u(metric, value, depth) "
                    "WHERE u.value <> 0 AND r.level <= u.depth"
                )
                rows += cursor.rowcount
            cursor.execute("DROP TABLE tb_scan")
        cursor.execute(
            f"CREATE UNIQUE INDEX {TRUE_BOUND_TABLE}_key ON {TRUE_BOUND_TABLE} (region_code, period, metric)"
        )
    return TrueBound(seconds=time.perf_counter() - started, rows=rows)


def compare_with_active() -> dict:
    """The true bound's table against the active generation, row for row (rows of value 0, which a
    fold leaves where a figure went back to 0, are counted apart: readers treat them as missing)."""
    from reports.models import SummaryState

    state = SummaryState.objects.filter(pk=1).first()
    generation = state.active_generation if state else None
    active = "SELECT region_code, period, metric, value FROM reports_summary WHERE generation = %(g)s"
    bound = f"SELECT region_code, period, metric, value FROM {TRUE_BOUND_TABLE}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM ({bound} EXCEPT ALL ({active} AND value <> 0)) a), "
            f"(SELECT count(*) FROM (({active} AND value <> 0) EXCEPT ALL {bound}) b), "
            f"(SELECT count(*) FROM {TRUE_BOUND_TABLE}), "
            "(SELECT count(*) FROM reports_summary WHERE generation = %(g)s AND value = 0)",
            {"g": generation},
        )
        missing, extra, rows, zeros = cursor.fetchone()
    return {"equal": missing == 0 and extra == 0, "missing": missing, "extra": extra, "rows": rows, "zeros": zeros}


def drop_true_bound() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TRUE_BOUND_TABLE}")


# --- Machine load and server settings ---------------------------------------------------------
SERVER_SETTINGS = (
    "server_version",
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "effective_cache_size",
    "jit",
    "autovacuum",
    "max_wal_size",
    "checkpoint_timeout",
    "synchronous_commit",
    "max_parallel_workers_per_gather",
    "random_page_cost",
    "max_connections",
)


def server_settings() -> dict[str, str]:
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)", [list(SERVER_SETTINGS)]
        )
        found = dict(cursor.fetchall())
    return {name: found[name] for name in SERVER_SETTINGS if name in found}


def load1() -> float:
    return round(os.getloadavg()[0], 2)


@dataclass
class Sample:
    seconds: float
    load_before: float
    load_after: float
    cpu: float | None = None  # CPU seconds of this process and its database backend


def _backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine, /proc)."""
    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(function) -> tuple[Sample, object]:
    """Wall time of `function()`, with the load before and after, and the CPU time it cost (this
    process plus its PostgreSQL backend): on a shared machine the wall time is the figure, the
    CPU time says how much of it was waiting for a core."""
    before = load1()
    backend, own = _backend_cpu(), _own_cpu()
    t0 = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - t0
    backend_after = _backend_cpu()
    cpu = None
    if backend is not None and backend_after is not None:
        cpu = backend_after - backend + _own_cpu() - own
    return Sample(seconds, before, load1(), cpu), result


def _cpu(sample: Sample) -> str:
    return "?" if sample.cpu is None else f"{sample.cpu:.3f}s"


def spread(samples: list[Sample], scale: float = 1.0, unit: str = "s") -> str:
    values = sorted(s.seconds * scale for s in samples)
    loads = [x for s in samples for x in (s.load_before, s.load_after)]
    fmt = "{:.3f}" if unit == "s" else "{:.0f}"
    cpus = [s.cpu for s in samples if s.cpu is not None]
    cpu = (
        f"; CPU (Python + backend) median {statistics.median(cpus):.3f} s ({min(cpus):.3f}–{max(cpus):.3f})"
        if cpus
        else ""
    )
    return (
        f"median of {len(values)}: " + ", ".join(fmt.format(v) for v in values) + f" {unit}; "
        f"load {min(loads):.1f}–{max(loads):.1f}{cpu}"
    )


# --- Helpers ----------------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str
    target: float | None = None
    note: str = ""
    reused: bool = False
    minimum: float | None = None  # a target to reach or exceed (throughput ratios)

    @property
    def ratio(self) -> float | None:
        if self.value is None or self.reused:
            return None
        if self.minimum:
            return self.minimum / self.value if self.value else math.inf
        if not self.target:
            return None
        return self.value / self.target

    @property
    def result(self) -> str:
        if self.value is None:
            return "not available"
        if self.reused:
            return "reused"
        if self.target == 0:
            return "PASS" if self.value == 0 else "FAIL"
        if self.ratio is None:
            return ""
        return "PASS" if self.ratio <= 1 else "FAIL"


def _service(name: str):
    try:
        return getattr(import_module("reports.services"), name)
    except (ImportError, AttributeError):
        return None


def _summary_snapshot() -> dict | None:
    try:
        models = import_module("reports.models")
        state = models.SummaryState.objects.first()
    except (ImportError, AttributeError):
        return None
    if state is None or state.active_generation is None:
        return None
    return {
        (code, period, metric): value
        for code, period, metric, value in models.Summary.objects.filter(generation=state.active_generation)
        .exclude(value=0)
        .values_list("region_code", "period", "metric", "value")
    }


class Command(BaseCommand):
    help = (
        "Seed-scale benchmark on PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench): "
        "creates and migrates the database, loads regions, seeds at BENCH_SCALE (1.0) unless data exists "
        "(BENCH_RESEED=1 regenerates), then measures generation, full vs lower bound, incremental after 10,000 "
        "changes, dashboard/API and list latency. Writes var/bench-results.json and .md. Always exits 0."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=REQUESTS)
        parser.add_argument("--changes", type=int, default=CHANGED_ROWS)
        parser.add_argument("--skip-setup", action="store_true", help="do not create/migrate/load regions")
        parser.add_argument("--repetitions", type=int, default=REPETITIONS)
        parser.add_argument(
            "--parts",
            default="refresh,server,inprocess,pairings,petitions",
            help="comma-separated: refresh, server, inprocess, pairings (regenerates the pairings source), petitions",
        )

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def handle(self, *args, requests, changes, skip_setup, repetitions, parts, **options):
        self.figures: list[Figure] = []
        self.info: dict = {"load_at_start": [round(x, 1) for x in os.getloadavg()]}
        started = time.monotonic()
        if not skip_setup:
            self.setup_database()
        self.seed()
        self.info["server_settings"] = server_settings()
        self.say("PostgreSQL settings: " + ", ".join(f"{k}={v}" for k, v in self.info["server_settings"].items()))
        self.say(f"load average {os.getloadavg()}")
        parts = {p.strip() for p in parts.split(",")}
        self.vacuum_sources()
        if "refresh" in parts:
            self.refresh_figures(repetitions, changes)
            self.vacuum_sources()
        if "server" in parts:
            self.server_figures(
                users=int(os.environ.get("BENCH_USERS", "50")), duration=float(os.environ.get("BENCH_SECONDS", "30"))
            )
        if "inprocess" in parts:
            self.latencies(requests)
        if "pairings" in parts:
            import_module("seeding.benchmarks.pairings").run(
                self, scale=float(os.environ.get("BENCH_SCALE", "1.0")), requests=requests, repetitions=repetitions
            )
        if "petitions" in parts:  # issue 11 item 10: seeding/benchmarks/petitions.py
            import_module("seeding.benchmarks.petitions").run(
                self, requests=requests, repetitions=repetitions, changes=changes
            )
        self.info["bench_seconds"] = round(time.monotonic() - started, 1)
        self.report()

    # --- setup ------------------------------------------------------------------------------
    def setup_database(self) -> None:
        if connection.vendor == "postgresql":
            import psycopg2

            params = connection.settings_dict
            admin = psycopg2.connect(
                dbname="postgres",
                user=params["USER"],
                password=params["PASSWORD"] or None,
                host=params["HOST"] or None,
                port=params["PORT"] or None,
            )
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [params["NAME"]])
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{params["NAME"]}"')
                    self.say(f"created database {params['NAME']}")
            admin.close()
        else:
            self.say("WARNING: the benchmark's targets are for PostgreSQL; this run uses SQLite.")
        call_command("migrate", interactive=False, verbosity=0)
        from regions.models import Region

        if not Region.objects.filter(code__startswith=settings.JICENG_PROVINCE_CODE, level=5).exists():
            call_command("load_regions", stdout=self.stdout)

    def seed(self) -> None:
        from seeding.generators import existing_rows, seed_province

        scale = float(os.environ.get("BENCH_SCALE", "1.0"))
        province = settings.JICENG_PROVINCE_CODE
        previous = self._previous()
        existing = existing_rows(province)
        reseed = os.environ.get("BENCH_RESEED") == "1"
        if existing and not reseed:
            # Not measured in this run: shown as "reused" beside the earlier figure, never as this run's.
            old = previous.get("generation") or {}
            value = old.get("seconds")
            note = (
                f"reused: NOT measured in this run (from {old.get('when', 'an earlier run')}, load "
                f"{old.get('load_average', '?')}); BENCH_RESEED=1 regenerates"
            )
            self.say(f"data exists ({existing}); not regenerated")
            self.figures.append(Figure("data generation", value, "s", note=note, reused=True))
            self.info["generation"] = {**old, "reused": True}
            self.info["rows"] = previous.get("rows", {})
            return
        self.say(f"generating the province at scale {scale} ...")
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        result = seed_province(scale=scale, seed=42, province=province, reset=reseed, log=self.say)
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu_seconds = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
        load = os.getloadavg()[0]
        note = f"scale {scale}, {sum(result.rows.values()):,} rows; Python CPU {cpu_seconds:.0f}s; load {load:.1f}"
        self.figures.append(Figure("data generation", round(result.seconds, 1), "s", note=note))
        self.info["generation"] = {
            "seconds": round(result.seconds, 1),
            "python_cpu_seconds": round(cpu_seconds, 1),
            "load_average": round(load, 1),
            "scale": scale,
            "when": timezone.now().isoformat(timespec="seconds"),
        }
        self.info["rows"] = result.rows

    def _previous(self) -> dict:
        try:
            return json.loads((RESULTS_DIR / "bench-results.json").read_text())
        except (OSError, ValueError):
            return {}

    def vacuum_sources(self) -> None:
        """VACUUM (ANALYZE) the registered sources' tables: what autovacuum does on a production
        server (it is off on this one), so pages read a table as production would (visibility map
        set for index-only counts, no dead rows from the bulk load or this bench's changes)."""
        if connection.vendor != "postgresql":
            return
        from reports.metrics import load_sources
        from reports.sql import table_of

        tables = []
        for fact in load_sources().facts.values():
            for label in (fact.model, fact.parent.model if fact.parent else None):
                if label and table_of(label) not in tables:
                    tables.append(table_of(label))
        sample, _result = measure(lambda: self._vacuum(tables))
        self.say(
            f"VACUUM (ANALYZE) of {len(tables)} source tables, ANALYZE of the rest: {sample.seconds:.1f}s "
            f"(load {sample.load_before})"
        )

    @staticmethod
    def _vacuum(tables: list[str]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
            # and statistics of every other table (regions, users and posts the generators made,
            # petitions' own tables), as autovacuum's analyze would have them: a never-analysed
            # user table made the petition list's owner prefetch hash-join all 6,809 users.
            cursor.execute("ANALYZE")

    # --- refreshes ------------------------------------------------------------------------------
    def refresh_figures(self, repetitions: int, changes: int) -> None:
        """Interleaved repetitions, each: (the first only) the old bound, the true bound (checked against the active
        generation: the previous repetition's folds), a full refresh (checked against the true
        bound), then 10,000 changed appeals folded right after the full refresh (the first checked
        against a new true bound), restored and folded again, and another 10,000 changed and restored, each
        folded (the steady-state folds). The appeals end as they began."""
        full = _service("summary_refresh_full")
        incremental = _service("summary_refresh_incremental")
        if connection.vendor != "postgresql" or full is None or incremental is None:
            self.figures.append(Figure("full refresh / true lower bound", None, "x", TARGETS["full_over_true_bound"]))
            return
        incremental(actor=None)  # an active generation, and an empty change log
        old, true, fulls, after_full, steady = [], [], [], [], []
        checks: list[str] = []
        change_log_rows: list[int] = []
        rows = 0
        for rep in range(repetitions):
            if rep == 0:  # the old bound, for continuity: once (it is the slowest figure here)
                sample, bound = measure(lower_bound)
                old.append(sample)
                self.say(f"old bound {sample.seconds:.2f}s (load {sample.load_before})")
            self.say(f"[{rep + 1}/{repetitions}] load {load1()}")
            sample, result = measure(true_bound)
            true.append(sample)
            rows = result.rows
            check = compare_with_active()
            self.say(f"  true bound {sample.seconds:.2f}s, {result.rows:,} rows; equals active generation: {check}")
            checks.append(f"before rep {rep + 1}: {'yes' if check['equal'] else 'NO'} ({check['zeros']} zero rows)")
            sample, run = measure(lambda: full(actor=None))
            fulls.append(sample)
            check = compare_with_active()
            self.say(f"  full refresh {sample.seconds:.2f}s ({run.rows:,} rows); equals true bound: {check}")
            checks.append(f"full {rep + 1}: {'yes' if check['equal'] and not check['zeros'] else 'NO'}")
            for cycle in range(2):
                saved = self.change_appeals(changes, seed=20261125 + 7 * rep + cycle)
                sample, run = measure(lambda: incremental(actor=None))
                (after_full if cycle == 0 else steady).append(sample)
                change_log_rows.append(run.changes)
                what = "right after the full refresh" if cycle == 0 else "steady"
                self.say(
                    f"  fold {what}: {sample.seconds:.3f}s, CPU {_cpu(sample)} (load {sample.load_before}; "
                    f"{run.changes:,} change-log rows, {run.rows:,} rows)"
                )
                if cycle == 0 and rep == 0:  # checked once: a true bound over the changed data
                    measure(true_bound)
                    check = compare_with_active()
                    checks.append(f"fold {rep + 1}: {'yes' if check['equal'] else 'NO'}")
                    self.say(f"  fold equals a full computation: {check}")
                self.restore_appeals(saved)
                sample, run = measure(lambda: incremental(actor=None))
                steady.append(sample)
                change_log_rows.append(run.changes)
                self.say(
                    f"  fold of the restore: {sample.seconds:.3f}s, CPU {_cpu(sample)} (load {sample.load_before}; "
                    f"{run.changes:,} change-log rows)"
                )
        # the last restore's fold against the data as it began
        measure(true_bound)
        check = compare_with_active()
        checks.append(f"after restoring: {'yes' if check['equal'] else 'NO'}")
        drop_true_bound()
        median = statistics.median
        true_s, full_s = median(s.seconds for s in true), median(s.seconds for s in fulls)
        self.figures += [
            Figure("old bound (per village-month GROUP BY, then roll-up)", round(median(s.seconds for s in old), 3),
                   "s", note=spread(old)),
            Figure(f"true lower bound (one GROUPING SETS scan per fact; {rows:,} rows + unique index)",
                   round(true_s, 3), "s", note=spread(true)),
            Figure("full refresh", round(full_s, 3), "s", note=spread(fulls)),
            Figure("full refresh / true lower bound", round(full_s / true_s, 2), "x", TARGETS["full_over_true_bound"],
                   note=f"medians of {len(fulls)} interleaved; equal row for row: {'; '.join(checks)}"),
            Figure(f"fold of {changes:,} changed appeals right after a full refresh",
                   round(median(s.seconds for s in after_full), 3), "s", TARGETS["fold_after_full_s"],
                   note=spread(after_full)),
            Figure(f"fold of {changes:,} changed appeals, steady", round(median(s.seconds for s in steady), 3), "s",
                   TARGETS["fold_s"], note=spread(steady) + f"; change-log rows {min(change_log_rows):,}–"
                   f"{max(change_log_rows):,}"),
        ]  # fmt: skip
        self.info["checks"] = checks

    APPEAL_COLUMNS = (
        "status",
        "responded_at",
        "resolved_at",
        "resolution",
        "funds_spent_fen",
        "disclosed_at",
        "reopen_count",
        "registered_on",
        "version",
        "updated_at",
    )

    def change_appeals(self, count: int, *, seed: int) -> list[tuple]:
        """`count` appeals spread over the province, each changed by its own plain UPDATE along the
        status machine (or a funds correction, or a registration date moved a month back). Returns
        the changed rows as they were, for `restore_appeals`."""
        from ledgers.models import LivelihoodAppeal

        rng = random.Random(seed)
        first = LivelihoodAppeal.objects.order_by("pk").values_list("pk", flat=True).first()
        last = LivelihoodAppeal.objects.order_by("-pk").values_list("pk", flat=True).first()
        if first is None:
            return []
        ids = rng.sample(range(first, last + 1), min(count, last - first + 1))
        saved = list(LivelihoodAppeal.objects.filter(pk__in=ids).order_by("pk").values_list("pk", *self.APPEAL_COLUMNS))
        now = timezone.now()
        table = LivelihoodAppeal._meta.db_table
        assignments = {
            AppealStatus.REGISTERED: "status = 'in_progress', responded_at = %(now)s",
            AppealStatus.IN_PROGRESS: "status = 'resolved', resolved_at = %(now)s, resolution = '已办结', "
            "funds_spent_fen = funds_spent_fen + 200000",
            AppealStatus.RESOLVED: "status = 'disclosed', disclosed_at = %(now)s",
            AppealStatus.DISCLOSED: "funds_spent_fen = funds_spent_fen + 50000",
            AppealStatus.RATED: "status = 'reopened', resolved_at = NULL, reopen_count = reopen_count + 1",
            AppealStatus.REOPENED: "status = 'in_progress'",
        }
        statements = []
        for pk, status, *_rest in saved:
            assignment = "registered_on = registered_on - 31" if rng.random() < 0.1 else assignments[status]
            statements.append(
                (f"UPDATE {table} SET version = version + 1, updated_at = %(now)s, {assignment} WHERE id = %(pk)s",
                 {"now": now, "pk": pk})
            )  # fmt: skip
        self._execute_each(statements)
        return saved

    def restore_appeals(self, saved: list[tuple]) -> None:
        """Put the changed appeals back as they were, again one plain UPDATE each."""
        from ledgers.models import LivelihoodAppeal

        table = LivelihoodAppeal._meta.db_table
        columns = ", ".join(f"{c} = %({c})s" for c in self.APPEAL_COLUMNS)
        self._execute_each(
            [(f"UPDATE {table} SET {columns} WHERE id = %(pk)s", dict(zip(("pk", *self.APPEAL_COLUMNS), row, strict=True)))
             for row in saved]
        )  # fmt: skip

    @staticmethod
    def _execute_each(statements: list[tuple[str, dict]]) -> None:
        """Each statement on its own (its own trigger run), sent 500 to a round trip, in one transaction."""
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(statements), 500):
                chunk = statements[start : start + 500]
                cursor.execute(";\n".join(cursor.mogrify(sql, params).decode() for sql, params in chunk))

    # --- latencies --------------------------------------------------------------------------------
    def latencies(self, requests: int) -> None:
        from django.test import Client
        from django.test.utils import override_settings
        from django.urls import NoReverseMatch, reverse

        from accounts.models import User
        from regions.choices import Level, Role
        from regions.models import Post, Region

        province = settings.JICENG_PROVINCE_CODE
        prefecture = Region.objects.filter(level=Level.PREFECTURE, code__startswith=province).order_by("code").first()
        township = (
            Region.objects.filter(code=f"{province}0121113").first()
            or Region.objects.filter(level=Level.TOWNSHIP, code__startswith=province).order_by("code").first()
        )
        if prefecture is None or township is None:
            return
        office = self._user(User, Post, "bench_province", Role.PROVINCIAL_OFFICE, province)
        leader = self._user(User, Post, "bench_prefecture", Role.PREFECTURE_LEADER, prefecture.code)
        places = [("province", province), ("prefecture", prefecture.code), ("township", township.code)]
        with override_settings(ALLOWED_HOSTS=["*"]):
            client = Client()
            client.force_login(office)
            for label, code in places:
                self.timed(client, f"dashboard page, {label} {code}", f"/reports/{code}/", requests, "dashboard_p95_ms")
            # The first request after each refresh renders the figures part again (the cache key changes).
            self.timed(
                client, f"dashboard page, province {province}, figures not cached", f"/reports/{province}/", requests,
                "dashboard_p95_ms", before=lambda: self.forget_dashboard(province),
            )  # fmt: skip
            for label, code in places:
                self.timed(
                    client, f"stats API, {label} {code}", f"/api/v1/stats/?region={code}", requests, "dashboard_p95_ms"
                )
            self.timed(
                client, "stats API, province, no filter (first page)", "/api/v1/stats/", requests, "dashboard_p95_ms"
            )
            try:
                url = reverse("ledgers:livelihoodappeal_list")
            except NoReverseMatch:
                self.figures.append(Figure(f"appeals list page, prefecture {prefecture.code}", None, "ms", 150))
                return
            client = Client()
            client.force_login(leader)
            self.timed(
                client, f"appeals list page, prefecture {prefecture.code}", f"{url}?region={prefecture.code}", requests,
                "list_p95_ms",
            )  # fmt: skip

    @staticmethod
    def forget_dashboard(code: str) -> None:
        """Drop one region's cached figures part (only that key: the cache may be shared Redis)."""
        from regions.models import Region
        from reports import selectors

        region = Region.objects.get(code=code)
        cache.delete(selectors.dashboard_cache_key(region=region, state=selectors.summary_state()))

    def _user(self, User, Post, username, role, code):
        user, _created = User.objects.get_or_create(username=username, defaults={"display_name": username})
        Post.objects.get_or_create(user=user, region_id=code, role=role)
        return user

    def timed(self, client, name: str, url: str, requests: int, target_key: str, before=None) -> None:
        """Median and p95 of `requests` GETs after warm-up; `before` runs ahead of each request,
        outside the timing (the uncached dashboard clears the cache there)."""
        before = before or (lambda: None)
        before()
        response = client.get(url)
        if response.status_code != 200:
            path = urlparse(url).path
            self.say(f"{name}: {url} answered {response.status_code}: not available")
            self.figures.append(
                Figure(f"{name} p95", None, "ms", TARGETS[target_key], note=f"{path} answered {response.status_code}")
            )
            return
        t0 = time.perf_counter()
        for _ in range(WARMUP - 1):
            before()
            client.get(url)
        # Keep a slow page from taking the whole run: about a minute per figure, at least 10 requests.
        each = (time.perf_counter() - t0) / max(1, WARMUP - 1)
        settle_process()  # as a server worker does after loading (config/wsgi.py)
        requests = max(10, min(requests, int(60 / each) if each else requests))
        samples = []
        load_before = load1()
        for _ in range(requests):
            before()
            t0 = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - t0) * 1000)
        median, p95 = statistics.median(samples), percentile(samples, 0.95)
        load = f"load {load_before}→{load1()}"
        self.say(f"{name}: median {median:.1f} ms, p95 {p95:.1f} ms ({requests} requests; {load})")
        self.figures.append(
            Figure(f"{name} p95 (in process)", round(p95, 1), "ms", TARGETS[target_key],
                   note=f"median {median:.1f} ms; {requests} requests; {load}; {url}")
        )  # fmt: skip

    # --- pages through a real server --------------------------------------------------------------
    def server_figures(self, *, users: int, duration: float) -> None:
        """gunicorn with the production settings and the Redis cache on 127.0.0.1, driven by
        `seeding.benchmarks.loadclient`: `users` virtual users per target, each waiting 1 s between requests, for
        `duration` seconds per target, one target at a time; the bare signed-in page first and
        last as the yardstick."""
        import shutil
        import signal
        import socket
        import subprocess

        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        from django.test.utils import override_settings

        from accounts.middleware import LOGIN_AT, SEEN_AT
        from accounts.models import User
        from ledgers.models import LivelihoodAppeal
        from regions.choices import Role
        from regions.models import Post, Region
        from seeding.benchmarks import loadclient

        gunicorn = shutil.which("gunicorn") or str(Path(settings.BASE_DIR) / ".venv" / "bin" / "gunicorn")
        database_url = os.environ.get("DATABASE_URL")
        if connection.vendor != "postgresql" or not database_url or not Path(gunicorn).exists():
            self.figures.append(Figure("pages through gunicorn", None, "ms", note="needs PostgreSQL and gunicorn"))
            return
        province = settings.JICENG_PROVINCE_CODE
        prefecture = Region.objects.filter(level=Level.PREFECTURE, code__startswith=province).order_by("code").first()
        township = (
            Region.objects.filter(code=f"{province}0121113").first()
            or Region.objects.filter(level=Level.TOWNSHIP, code__startswith=province).order_by("code").first()
        )
        password = secrets.token_urlsafe(18)
        people = {
            "province": self._user(User, Post, "bench_province", Role.PROVINCIAL_OFFICE, province),
            "prefecture": self._user(User, Post, "bench_prefecture", Role.PREFECTURE_LEADER, prefecture.code),
            "township": self._user(User, Post, "bench_township", Role.TOWNSHIP_STAFF, township.code),
        }
        for user in people.values():
            user.set_password(password)
            user.password_changed_at = timezone.now()
            user.must_change_password = False
            user.save()
        appeal_ids = list(
            LivelihoodAppeal.objects.filter(region__code__startswith=prefecture.code)
            .order_by("-id")
            .values_list("id", flat=True)[: users * 4]
        )
        secret_key = secrets.token_urlsafe(64)
        redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/7"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secret_key,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "JICENG_BARE_PAGE": "1",
            # the seeded rows were encrypted with this process's field key: the server needs the same
            "JICENG_FIELD_KEY": getattr(settings, "JICENG_FIELD_KEY", "") or settings.SECRET_KEY,
        }
        workers = int(os.environ.get("BENCH_WORKERS", "4"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        RESULTS_DIR.mkdir(exist_ok=True)
        log_path = RESULTS_DIR / "bench-gunicorn.log"
        command = [
            gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", "sync", "--timeout", "120", "--graceful-timeout", "10",
        ]  # fmt: skip
        self.info["server"] = {"command": " ".join(command[1:]), "redis": redis_url, "users": users}
        self.say(f"starting gunicorn ({workers} sync workers) on 127.0.0.1:{port}, production settings, {redis_url}")
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=log, start_new_session=True
            )
        keys: dict[str, list[str]] = {}
        try:
            if not self._wait_for_server(loadclient, port, server):
                self.figures.append(
                    Figure("pages through gunicorn", None, "ms", note=f"server did not start: {log_path}")
                )
                return

            def sessions(user, count):
                """Signed-in sessions made as a sign-in makes them (stored in the database, signed
                with the server's key); the sign-in itself is measured apart."""
                made = []
                with override_settings(SECRET_KEY=secret_key):
                    for _ in range(count):
                        store = SessionStore()
                        store[SESSION_KEY] = str(user.pk)
                        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
                        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
                        store[LOGIN_AT] = store[SEEN_AT] = int(time.time())
                        store.create()
                        made.append(store.session_key)
                return made

            cookie = settings.SESSION_COOKIE_NAME
            keys.update({label: sessions(user, users) for label, user in people.items()})

            def page(label, path_of):
                def action(client, iteration):
                    status, _response, _body = client.get(path_of(client, iteration))
                    return status == 200, status

                return [loadclient.Client(port, {cookie: key}) for key in keys[label]], action

            def sign_in_target():
                def action(client, iteration):
                    client.cookies.clear()
                    form, posted = client.sign_in(people["province"].username, password)
                    return form == 200 and posted == 302, f"{form}/{posted}"

                return [loadclient.Client(port) for _ in range(users)], action

            list_url = "/ledgers/appeals/"
            targets = [
                ("bare signed-in page (yardstick)", *page("province", lambda c, i: "/bare/")),
                (f"dashboard, province {province}", *page("province", lambda c, i: f"/reports/{province}/")),
                (f"dashboard, prefecture {prefecture.code}", *page("prefecture", lambda c, i: f"/reports/{prefecture.code}/")),
                (f"dashboard, township {township.code}", *page("township", lambda c, i: f"/reports/{township.code}/")),
                (f"stats API, prefecture {prefecture.code}", *page("prefecture", lambda c, i: f"/api/v1/stats/?region={prefecture.code}")),
                (f"appeals list page 1, prefecture {prefecture.code}", *page("prefecture", lambda c, i: f"{list_url}?region={prefecture.code}")),
                (f"appeals list page 50, prefecture {prefecture.code}", *page("prefecture", lambda c, i: f"{list_url}?region={prefecture.code}&page=50")),
                ("appeal detail (prefecture leader)", *page("prefecture", lambda c, i: f"{list_url}{appeal_ids[(hash(id(c)) + i) % len(appeal_ids)]}/")),
                ("sign-in (form + POST, password hash)", *sign_in_target()),
                ("bare signed-in page, again", *page("province", lambda c, i: "/bare/")),
            ]  # fmt: skip
            # BENCH_ONLY=dashboard,list: only the targets whose names contain one of these words
            # (the bare page, the yardstick, always runs)
            only = [w.strip() for w in os.environ.get("BENCH_ONLY", "").split(",") if w.strip()]
            if only:
                targets = [t for t in targets if t[0].startswith("bare") or any(w in t[0] for w in only)]
            results = []
            floor = None
            for name, clients, action in targets:
                # Warm-up, not measured: two clients per worker back to back for 3 s, so that every
                # worker has served the page (templates compiled, its database connection's caches
                # filled) before the measured run. A few requests one after another could all land
                # on the same worker and leave another's first requests inside the figures.
                loadclient.run(f"{name} (warm-up)", clients[: workers * 2], action, duration=3.0, think=0.0)
                time.sleep(1.0)
                before = load1()
                result = loadclient.run(name, clients, action, duration=duration, think=1.0)
                after = load1()
                results.append((result, before, after))
                if name.startswith("sign-in"):
                    floor = self.sign_in_floor(clients[0], action)
                self.say(
                    f"{name}: {result.throughput:.1f} req/s, p50 {result.median or 0:.0f} ms, "
                    f"p95 {result.percentile(0.95) or 0:.0f} ms, p99 {result.percentile(0.99) or 0:.0f} ms, "
                    f"errors {result.errors} of {result.requests} {dict(result.statuses)} (load {before}→{after})"
                )
            self._server_report(results)
            if floor is not None:
                self._floor_report(floor, results)
        finally:
            try:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(server.pid, signal.SIGKILL)
            with connection.cursor() as cursor:  # the sessions this run made
                cursor.execute(
                    "DELETE FROM django_session WHERE session_key = ANY(%s)",
                    [[k for ks in keys.values() for k in ks]],
                )

    def sign_in_floor(self, client, action) -> dict:
        """What one sign-in costs with nothing else running: one user signing in back to back for
        10 s (no think time, so never more than one request at the server), and the password check
        alone, in this process, at the production hasher's parameters. Under load a sign-in cannot
        be faster than this floor."""
        from django.contrib.auth.hashers import get_hasher, make_password

        from seeding.benchmarks import loadclient

        time.sleep(2)  # the 50 users' last requests drain
        before = load1()
        alone = loadclient.run("sign-in, one user alone", [client], action, duration=10, think=0.0, stagger=0.0)
        hasher = get_hasher("default")  # production's first hasher (accounts.hashers): Argon2id
        encoded = make_password("bench-" + secrets.token_urlsafe(12), hasher=hasher.algorithm)
        checks = []
        for _ in range(30):
            t0 = time.process_time()
            hasher.verify("not the password", encoded)
            checks.append((time.process_time() - t0) * 1000)
        floor = {
            "p50_ms": round(alone.median or 0, 1),
            "p95_ms": round(alone.percentile(0.95) or 0, 1),
            "requests": alone.requests,
            "errors": alone.errors,
            "hash_cpu_ms": round(statistics.median(checks), 1),
            "hasher": hasher.algorithm,
            "load": f"{before}→{load1()}",
        }
        self.say(
            f"sign-in floor (one user alone): p50 {floor['p50_ms']} ms, p95 {floor['p95_ms']} ms over "
            f"{alone.requests} sign-ins; the password check alone {floor['hash_cpu_ms']} ms of CPU ({hasher.algorithm})"
        )
        return floor

    def _floor_report(self, floor: dict, results) -> None:
        target = self._page_target(results)
        note = (
            f"one user signing in back to back, nothing else running: p95 {floor['p95_ms']} ms over "
            f"{floor['requests']} sign-ins, errors {floor['errors']}; the {floor['hasher']} check alone "
            f"{floor['hash_cpu_ms']} ms of CPU; load {floor['load']}"
        )
        if target:
            verdict = "below" if floor["p50_ms"] <= target else "ABOVE"
            note += f"; the 50-user target (3x bare p95) is {target} ms: the floor is {verdict} it"
        # What the 50-user run asked of the machine for the password checks alone: sign-ins served
        # a second x one check's CPU, against the cores there are (above about half of them the
        # answers queue behind the hashing, whatever the rest of the sign-in costs).
        signed = next((r for r, _b, _a in results if r.name.startswith("sign-in")), None)
        cores = os.cpu_count() or 1
        hash_cores = None
        if signed is not None and signed.throughput:
            hash_cores = round(signed.throughput * floor["hash_cpu_ms"] / 1000, 2)
            note += (
                f"; under the 50 users, {signed.throughput:.1f} sign-ins a second x {floor['hash_cpu_ms']} ms = "
                f"{hash_cores} of the {cores} cores for the password checks alone"
            )
        self.info["sign_in_floor"] = {**floor, "target_ms": target, "hash_cores": hash_cores, "cores": cores}
        self.figures.append(Figure("sign-in floor, one user alone, p50", floor["p50_ms"], "ms", note=note))

    @staticmethod
    def _wait_for_server(loadclient, port: int, server, timeout: float = 90.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.poll() is not None:
                return False
            try:
                status, _response, _body = loadclient.Client(port, timeout=10).get("/accounts/login/")
                if status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.5)
        return False

    @staticmethod
    def _page_target(results) -> float | None:
        """3x the bare page's p95: the better of its two runs (a load spike during one of them must
        not loosen the target); None without a bare run."""
        bare = [r for r, _b, _a in results if r.name.startswith("bare")]
        bare_p95 = min((r.percentile(0.95) or 0) for r in bare) if bare else None
        return round(3 * bare_p95, 1) if bare_p95 else None

    def _server_report(self, results) -> None:
        page_target = self._page_target(results)
        dashboards = [r for r, _b, _a in results if r.name.startswith("dashboard")]
        dashboard_rate = statistics.median(r.throughput for r in dashboards) if dashboards else None
        for result, before, after in results:
            p95 = result.percentile(0.95)
            note = (
                f"{result.throughput:.1f} req/s; p50 {result.median or 0:.0f} / p99 {result.percentile(0.99) or 0:.0f} ms; "
                f"errors {result.errors} of {result.requests}; load {before}→{after}"
            )
            if result.errors:
                note += f"; answers {dict(result.statuses)}"
            target = None if result.name.startswith("bare") else page_target
            self.figures.append(
                Figure(f"{result.name} p95 (gunicorn, 50 users)", round(p95 or 0, 1), "ms", target, note=note)
            )
            self.figures.append(Figure(f"{result.name} errors", result.errors, "", 0))
        lists = [r for r, _b, _a in results if r.name.startswith("appeals list")]
        if lists and dashboard_rate:
            rate = min(r.throughput for r in lists)
            self.figures.append(
                Figure(
                    "appeals list throughput / dashboards' (median)",
                    round(rate / dashboard_rate, 2),
                    "x",
                    note=f"{rate:.1f} vs {dashboard_rate:.1f} req/s; target ≥ 0.5",
                    minimum=0.5,
                )
            )

    # --- report -----------------------------------------------------------------------------------
    def report(self) -> None:
        RESULTS_DIR.mkdir(exist_ok=True)
        db = connection.settings_dict
        data = {
            "when": timezone.now().isoformat(timespec="seconds"),
            "command": "make bench",
            "database": f"{connection.vendor} {db.get('HOST') or ''}/{db['NAME']}",
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "load_average_at_start": self.info.get("load_at_start"),
            "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
            "server_settings": self.info.get("server_settings"),
            "checks": self.info.get("checks"),
            "generation": self.info.get("generation"),
            "rows": self.info.get("rows"),
            "incremental_equals_full": self.info.get("incremental_equals_full"),
            "bench_seconds": self.info.get("bench_seconds"),
            "figures": [
                {
                    "name": f.name,
                    "value": f.value,
                    "unit": f.unit,
                    "target": f.target,
                    "ratio": None if f.ratio is None else round(f.ratio, 3),
                    "result": f.result,
                    "note": f.note,
                }
                for f in self.figures
            ],
        }
        (RESULTS_DIR / "bench-results.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        lines = [
            f"Benchmark run {data['when']} on {data['database']} ({data['machine']}; "
            f"load average (1, 5, 15 min) at the start {data['load_average_at_start']}, at the end "
            f"{data['load_average_at_end']})",
            "",
            "PostgreSQL: " + ", ".join(f"{k}={v}" for k, v in (data["server_settings"] or {}).items()),
            "",
            "| figure | value | target | ratio | result | note |",
            "|---|---|---|---|---|---|",
        ]
        self.say("")
        for f in self.figures:
            value = "not available" if f.value is None else f"{f.value:g} {f.unit}"
            if f.reused and f.value is not None:
                value = f"{value} (reused)"
            target = "" if f.target is None else (f"≤ {f.target:g} {f.unit}" if f.unit != "x" else f"≤ {f.target:g}x")
            if f.minimum is not None:
                target = f"≥ {f.minimum:g}x"
            ratio = "" if f.ratio is None else f"{f.ratio:.2f}"
            lines.append(f"| {f.name} | {value} | {target} | {ratio} | {f.result} | {f.note} |")
            self.say(f"{f.name:<52} {value:>16} {target:>12} {ratio:>6} {f.result:<13} {f.note}")
        (RESULTS_DIR / "bench-results.md").write_text("\n".join(lines) + "\n")
        self.say(f"\nwritten: {RESULTS_DIR / 'bench-results.json'} and bench-results.md")
