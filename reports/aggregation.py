"""Computing summary rows: per-village figures rolled up by code prefix.

Roll-up rules (one place, used by the full refresh and the incremental fold alike):
- every stored metric has a total ("" period) at every level from the village up, except
  breakdown members (by category, status, type ...), kept from township level up;
- metrics marked `monthly` also have one row per month from REPORTS_MONTHLY_MIN_LEVEL up
  (township by default: village x month barely compresses).
Rows whose value is 0 are not written by a full refresh; readers treat a missing row as 0.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings

from regions.choices import CODE_LENGTH, LEVEL_BY_LENGTH, Level
from reports.choices import TOTAL_PERIOD
from reports.metrics import load_sources
from reports.sql import DELTA_TABLE, Dialect, lit, wide_select

SUMMARY_TABLE = "reports_summary"
LENGTHS = tuple(sorted(CODE_LENGTH.values()))
BREAKDOWN_MIN_LEVEL = Level.TOWNSHIP


def monthly_min_level() -> int:
    return int(getattr(settings, "REPORTS_MONTHLY_MIN_LEVEL", Level.TOWNSHIP))


def depth_limits(metric) -> tuple[int, int]:
    """(deepest level with a total row, deepest level with month rows, 0 for none) of a stored
    metric: the roll-up rules above, in the one form the Python roll-up and both SQL paths use."""
    total = int(BREAKDOWN_MIN_LEVEL) if metric.breakdown else int(Level.VILLAGE)
    month = min(total, monthly_min_level()) if metric.monthly else 0
    return total, month


def stored_limits() -> dict[str, tuple[int, int]]:
    return {key: depth_limits(metric) for key, metric in load_sources().metrics.items() if metric.is_stored}


def limits_values(limits: dict[str, tuple[int, int]]) -> str:
    """The limits as a SQL VALUES list: (metric, total_level, month_level)."""
    return ", ".join(f"({lit(key)}, {total}, {month})" for key, (total, month) in limits.items())


def rollup(rows, *, into=None) -> dict[tuple[str, str, str], int]:
    """{(region_code, period, metric): value} from per-village (region_code, month, metric, value) rows."""
    limits = stored_limits()
    out = into if into is not None else defaultdict(int)
    for code, period, key, value in rows:
        if key not in limits or not value:
            continue
        total_level, month_level = limits[key]
        size = len(code)
        for length in LENGTHS:
            if length > size:
                break
            level = LEVEL_BY_LENGTH[length]
            if level > total_level:
                break
            prefix = code[:length]
            out[(prefix, TOTAL_PERIOD, key)] += value
            if level <= month_level:
                out[(prefix, period, key)] += value
    return out


def compute_python(connection) -> dict[tuple[str, str, str], int]:
    """Every summary row, computed with one GROUP BY per fact and a roll-up in Python (SQLite)."""
    dialect = Dialect(connection.vendor)
    out: dict = defaultdict(int)
    with connection.cursor() as cursor:
        for fact in load_sources().facts.values():
            sql, keys = wide_select(fact, dialect)
            cursor.execute(sql)
            for region_code, period, *sums in cursor.fetchall():
                rollup(
                    ((region_code, period, key, int(value or 0)) for key, value in zip(keys, sums, strict=True)),
                    into=out,
                )
    return {key: value for key, value in out.items() if value}


def write_rows(connection, generation: int, rows: dict, *, add: bool = False) -> int:
    """Write {(code, period, metric): value}; `add` adds to existing rows (the incremental fold)."""
    items = [(code, period, metric, value) for (code, period, metric), value in rows.items() if value or add]
    if not items:
        return 0
    conflict = (
        f" ON CONFLICT (generation, region_code, period, metric) DO UPDATE SET value = {SUMMARY_TABLE}.value + "
        "EXCLUDED.value"
        if add
        else ""
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            codes, periods, metrics, values = (list(column) for column in zip(*items, strict=True))
            cursor.execute(
                f"INSERT INTO {SUMMARY_TABLE} (generation, region_code, period, metric, value) "
                "SELECT %s, * FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::bigint[])" + conflict,
                [generation, codes, periods, metrics, values],
            )
        else:
            cursor.executemany(
                f"INSERT INTO {SUMMARY_TABLE} (generation, region_code, period, metric, value) "
                "VALUES (%s, %s, %s, %s, %s)" + conflict,
                [(generation, *item) for item in items],
            )
    return len(items)


def write_full_postgresql(connection, generation: int) -> int:
    """Every summary row, per fact: its rows grouped per (village, month) into a temporary table,
    then two INSERT ... SELECT from it, each one GROUPING SETS pass unpivoted to one row per metric
    under each metric's depth limits (`depth_limits`): the totals of every measure at every level,
    and the months of the monthly measures only, at the levels that keep months. (Summing every
    measure for every month at every level, as one statement did, was a third of the work for rows
    that are then thrown away.)"""
    dialect = Dialect("postgresql")
    limits = stored_limits()
    level_of = " ".join(f"WHEN {n} THEN {int(LEVEL_BY_LENGTH[n])}" for n in LENGTHS)
    prefixes = ", ".join(
        f"CASE WHEN length(w.region_code) >= {n} THEN left(w.region_code, {n}) END AS p{n}" for n in LENGTHS[:-1]
    )
    rows = 0
    with connection.cursor() as cursor:
        for fact in load_sources().facts.values():
            wide, keys = wide_select(fact, dialect)
            columns = {key: f"m{index}" for index, key in enumerate(keys)}
            cursor.execute("DROP TABLE IF EXISTS reports_full_wide")
            cursor.execute(f"CREATE TEMPORARY TABLE reports_full_wide ON COMMIT DROP AS {wide}")
            month_keys = [key for key in keys if limits[key][1]]
            deepest_month = max((limits[key][1] for key in month_keys), default=0)
            passes = [(keys, list(LENGTHS), False)]
            if month_keys:
                passes.append((month_keys, [n for n in LENGTHS if LEVEL_BY_LENGTH[n] <= deepest_month], True))
            for pass_keys, lengths, monthly in passes:
                sets = [f"(p{n}, period)" if monthly else f"(p{n})" for n in lengths]
                values = ", ".join(
                    f"({lit(key)}, r.{columns[key]}, {limits[key][0]}, {limits[key][1]})" for key in pass_keys
                )
                keep = "v.level <= u.month_level" if monthly else "v.level <= u.total_level"
                sql = (
                    f"INSERT INTO {SUMMARY_TABLE} (generation, region_code, period, metric, value) "
                    f"SELECT %s, r.code, r.period, u.metric, u.value FROM ("
                    f"SELECT COALESCE({', '.join(f'a.p{n}' for n in reversed(lengths))}) AS code, "
                    + ("a.period AS period, " if monthly else "'' AS period, ")
                    + ", ".join(f"SUM(a.{columns[key]})::bigint AS {columns[key]}" for key in pass_keys)
                    + f" FROM (SELECT CASE WHEN length(w.region_code) = {LENGTHS[-1]} THEN w.region_code END "
                    f"AS p{LENGTHS[-1]}, {prefixes}, w.period, "
                    + ", ".join(f"w.{columns[key]}" for key in pass_keys)
                    + f" FROM reports_full_wide w) a GROUP BY GROUPING SETS ({', '.join(sets)})"
                    f") r CROSS JOIN LATERAL (VALUES {values}) AS u(metric, value, total_level, month_level) "
                    f"CROSS JOIN LATERAL (SELECT CASE length(r.code) {level_of} END AS level) AS v "
                    f"WHERE r.code IS NOT NULL AND u.value <> 0 AND {keep}"
                )
                cursor.execute(sql, [generation])
                rows += cursor.rowcount
            cursor.execute("DROP TABLE reports_full_wide")
    return rows


def write_full(connection, generation: int) -> int:
    if connection.vendor == "postgresql":
        return write_full_postgresql(connection, generation)
    return write_rows(connection, generation, compute_python(connection))


def fold_deltas_postgresql(connection, generation: int) -> tuple[int, int]:
    """The fold in one statement: the change log netted per (village, month, metric), rolled up by
    prefix under the same limits as `rollup` (a hash join with the limits table, one row per level
    and period kept) and added to the summary rows with ON CONFLICT; then the folded change-log
    rows deleted. Metrics no longer registered drop out at the join."""
    levels = ", ".join(f"({n}, {int(LEVEL_BY_LENGTH[n])})" for n in LENGTHS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SUMMARY_TABLE} (generation, region_code, period, metric, value) "
            "SELECT %(generation)s, x.code, x.period, x.metric, SUM(x.value) FROM ("
            "SELECT left(d.region_code, l.n) AS code, CASE WHEN p.month THEN d.period ELSE '' END AS period, "
            "d.metric, d.value "
            f"FROM (SELECT region_code, period, metric, SUM(value) AS value FROM {DELTA_TABLE} GROUP BY 1, 2, 3) d "
            f"JOIN (VALUES {limits_values(stored_limits())}) AS r(metric, total_level, month_level) "
            "ON r.metric = d.metric "
            f"JOIN (VALUES {levels}) AS l(n, level) ON l.n <= length(d.region_code) AND l.level <= r.total_level "
            "JOIN (VALUES (false), (true)) AS p(month) ON NOT p.month OR l.level <= r.month_level"
            ") x GROUP BY x.code, x.period, x.metric HAVING SUM(x.value) <> 0 "
            "ON CONFLICT (generation, region_code, period, metric) "
            f"DO UPDATE SET value = {SUMMARY_TABLE}.value + EXCLUDED.value",
            {"generation": generation},
        )
        written = max(cursor.rowcount, 0)
        # REPEATABLE READ: deletes exactly the rows the INSERT above read.
        cursor.execute(f"DELETE FROM {DELTA_TABLE}")
        changes = max(cursor.rowcount, 0)
    return changes, written


def fold_deltas(connection, generation: int) -> tuple[int, int]:
    """Apply every change-log row visible to this transaction to `generation`, then delete them.

    Returns (change-log rows folded, summary rows changed). Runs inside the refresh transaction
    (REPEATABLE READ on PostgreSQL), so the rows deleted are exactly the rows read.
    """
    if connection.vendor == "postgresql":
        return fold_deltas_postgresql(connection, generation)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT region_code, period, metric, SUM(value), COUNT(*) FROM {DELTA_TABLE} "
            "GROUP BY region_code, period, metric"
        )
        grouped = cursor.fetchall()
        if not grouped:
            return 0, 0
        changes = sum(row[4] for row in grouped)
        targets = rollup((code, period, metric, int(value)) for code, period, metric, value, _n in grouped)
        written = write_rows(connection, generation, {k: v for k, v in targets.items() if v}, add=True)
        cursor.execute(f"DELETE FROM {DELTA_TABLE}")
    return changes, written
