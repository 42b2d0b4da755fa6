"""Computing summary rows: per-village figures rolled up by code prefix.

Roll-up rules (one place, used by the full refresh and the incremental fold alike):
- every stored metric has a total ("" period) at every level from the village up, except
  breakdown members (by category, status, type ...), kept from township level up;
- metrics marked `monthly` also have one row per month from REPORTS_MONTHLY_MIN_LEVEL up
  (township by default: village x month barely compresses).
Rows whose value is 0 are not written by a full refresh; readers treat a missing row as 0.
"""

from __future__ import annotations

import re
from collections import defaultdict

from django.conf import settings

from regions.choices import CODE_LENGTH, LEVEL_BY_LENGTH, Level
from reports.choices import TOTAL_PERIOD
from reports.metrics import load_sources
from reports.sql import DELTA_TABLE, Dialect, lit, table_of, wide_select

SUMMARY_TABLE = "reports_summary"
# Free space on each page of a generation's table, so the fold's updates are HOT (no new index entries).
SUMMARY_FILLFACTOR = 80
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


def generation_table(generation: int) -> str:
    """The table holding one generation's rows on PostgreSQL: a partition of `reports_summary`
    (partitioned by generation, migration 0004), created by the full refresh that writes it and
    dropped when pruned, so generations never churn rows or bloat an index shared with others."""
    return f"{SUMMARY_TABLE}_g{int(generation)}"


def create_generation_table(connection, generation: int) -> str:
    """An empty unlogged table shaped like the summaries for `generation`, not yet attached (so
    creating and filling it takes no lock readers would wait on). Its CHECK constraint lets the
    ATTACH skip the validation scan."""
    table = generation_table(generation)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE UNLOGGED TABLE {table} (LIKE {SUMMARY_TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
            f"CONSTRAINT {table}_generation CHECK (generation = {int(generation)})) "
            f"WITH (fillfactor = {SUMMARY_FILLFACTOR})"
        )
    return table


def attach_generation_table(connection, generation: int) -> None:
    """Index the filled table on its key and attach it as the generation's partition (a SHARE
    UPDATE EXCLUSIVE lock on the parent: readers go on reading the active generation)."""
    table = generation_table(generation)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNIQUE INDEX {table}_key ON {table} (region_code, period, metric)")
        cursor.execute(f"ALTER TABLE {SUMMARY_TABLE} ATTACH PARTITION {table} FOR VALUES IN ({int(generation)})")


def generation_tables(connection) -> dict[int, str]:
    """{generation: table} of the partitions attached to the summaries (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [SUMMARY_TABLE],
        )
        found = {}
        for (name,) in cursor.fetchall():
            match = re.fullmatch(rf"{SUMMARY_TABLE}_g(\d+)", name)
            if match:
                found[int(match.group(1))] = name
        return found


def _scan_sql(fact, dialect: Dialect, limits: dict, month_length: int) -> tuple[str, list[str]]:
    """One scan of the fact table: GROUP BY GROUPING SETS ((place), (place's prefix at the deepest
    level keeping months, month)); `g` is 0 for place totals, 1 for month rows."""
    join = ""
    if fact.parent is not None:
        join = f" JOIN {table_of(fact.parent.model)} p ON p.id = t.{fact.parent.fk}"
    keys = [key for key, _sql in fact.measures]
    sums = ", ".join(f"SUM({sql(dialect)}) AS m{index}" for index, (_key, sql) in enumerate(fact.measures))
    region, period = fact.region, fact.period(dialect)
    if month_length:
        month_place = f"left({region}, {month_length})"
        return (
            f"SELECT {region} AS place, {month_place} AS month_place, {period} AS period, "
            f"GROUPING({region}) AS g, {sums} FROM {table_of(fact.model)} t{join} "
            f"GROUP BY GROUPING SETS (({region}), ({month_place}, {period}))"
        ), keys
    return (
        f"SELECT {region} AS place, NULL AS month_place, NULL AS period, 0 AS g, {sums} "
        f"FROM {table_of(fact.model)} t{join} GROUP BY {region}"
    ), keys


def write_full_postgresql(connection, generation: int) -> int:
    """Every summary row into the generation's own table: per fact ONE scan of its table with
    GROUPING SETS ((place), (township, month)) into a small temporary table (34,000 place totals and
    about 110,000 township months for the appeals, instead of 390,000 village months), then two
    INSERT ... SELECT rolling those rows up by code prefix to every level and unpivoting them to
    one row per metric under each metric's depth limits (`depth_limits`): the totals of every
    measure, and the months of the monthly measures at the levels that keep months. (Writing the
    rows sorted by key cost half again the refresh's time under load and did not make the fold
    measurably faster.)"""
    dialect = Dialect("postgresql")
    limits = stored_limits()
    table = create_generation_table(connection, generation)
    levels = ", ".join(f"({n}, {int(LEVEL_BY_LENGTH[n])})" for n in LENGTHS)
    rows = 0
    with connection.cursor() as cursor:
        for fact in load_sources().facts.values():
            keys = [key for key, _sql in fact.measures]
            deepest_month = max((limits[key][1] for key in keys if key in limits), default=0)
            month_length = CODE_LENGTH[Level(deepest_month)] if deepest_month else 0
            scan, keys = _scan_sql(fact, dialect, limits, month_length)
            cursor.execute("DROP TABLE IF EXISTS reports_full_scan")
            cursor.execute(f"CREATE TEMPORARY TABLE reports_full_scan ON COMMIT DROP AS {scan}")
            passes = [("totals", [k for k in keys if k in limits])]
            if month_length:
                passes.append(("months", [k for k in keys if k in limits and limits[k][1]]))
            for kind, pass_keys in passes:
                if not pass_keys:
                    continue
                monthly = kind == "months"
                index = {key: f"m{keys.index(key)}" for key in pass_keys}
                deepest = max(limits[k][1] if monthly else limits[k][0] for k in pass_keys)
                values = ", ".join(
                    f"({lit(key)}, r.{index[key]}::bigint, {limits[key][1] if monthly else limits[key][0]})"
                    for key in pass_keys
                )
                place = "s.month_place" if monthly else "s.place"
                sql = (
                    f"INSERT INTO {table} (generation, region_code, period, metric, value) "
                    f"SELECT %s, r.code, r.period, u.metric, u.value FROM ("
                    f"SELECT left({place}, l.n) AS code, l.level, "
                    + ("s.period" if monthly else "''")
                    + " AS period, "
                    + ", ".join(f"SUM(s.{column}) AS {column}" for column in index.values())
                    + f" FROM reports_full_scan s JOIN (VALUES {levels}) AS l(n, level) "
                    f"ON l.n <= length({place}) AND l.level <= {deepest} "
                    f"WHERE s.g = {1 if monthly else 0} GROUP BY 1, 2, 3"
                    f") r CROSS JOIN LATERAL (VALUES {values}) AS u(metric, value, depth) "
                    "WHERE u.value <> 0 AND r.level <= u.depth"
                )
                cursor.execute(sql, [generation])
                rows += cursor.rowcount
            cursor.execute("DROP TABLE reports_full_scan")
    attach_generation_table(connection, generation)
    return rows


def write_full_sqlite(connection, generation: int) -> int:
    """Every summary row on SQLite, rolled up inside the database (the same rows `compute_python`
    gives, at a fraction of its time: the demo's refresh went from 25 s of Python to a few seconds).
    Per fact: its per-(village, month) sums (`wide_select`) into a temporary table, then one INSERT
    ... SELECT rolling them up by code prefix to the levels each measure keeps, totals and months
    in one union, unpivoted to one row per metric by a join with the metrics' depth limits."""
    dialect = Dialect("sqlite")
    limits = stored_limits()
    levels = ", ".join(f"({n}, {int(LEVEL_BY_LENGTH[n])})" for n in LENGTHS)
    rows = 0
    with connection.cursor() as cursor:
        for fact in load_sources().facts.values():
            scan, keys = wide_select(fact, dialect)
            stored = [(index, key) for index, key in enumerate(keys) if key in limits]
            if not stored:
                continue
            cursor.execute("DROP TABLE IF EXISTS temp.reports_full_scan")
            cursor.execute(f"CREATE TEMPORARY TABLE reports_full_scan AS {scan}")
            columns = ", ".join(f"SUM(s.m{index}) AS m{index}" for index, _key in stored)
            value = "CASE u.idx " + " ".join(f"WHEN {index} THEN r.m{index}" for index, _key in stored) + " END"
            metrics = ", ".join(f"({lit(key)}, {index}, {limits[key][0]}, {limits[key][1]})" for index, key in stored)
            deepest_total = max(limits[key][0] for _index, key in stored)
            deepest_month = max(limits[key][1] for _index, key in stored)
            rolled = (
                f"SELECT substr(s.region_code, 1, l.n) AS code, l.level AS level, '' AS period, {columns} "
                "FROM reports_full_scan s JOIN l ON l.n <= length(s.region_code) "
                f"AND l.level <= {deepest_total} GROUP BY 1, 2"
            )
            if deepest_month:
                rolled += (
                    f" UNION ALL SELECT substr(s.region_code, 1, l.n), l.level, s.period, {columns} "
                    "FROM reports_full_scan s JOIN l ON l.n <= length(s.region_code) "
                    f"AND l.level <= {deepest_month} GROUP BY 1, 2, 3"
                )
            cursor.execute(
                f"WITH l(n, level) AS (VALUES {levels}), u(metric, idx, total_level, month_level) AS (VALUES {metrics}) "
                f"INSERT INTO {SUMMARY_TABLE} (generation, region_code, period, metric, value) "
                f"SELECT %s, x.code, x.period, x.metric, x.value FROM ("
                f"SELECT r.code, r.period, u.metric, {value} AS value FROM ({rolled}) r "
                "JOIN u ON r.level <= CASE WHEN r.period = '' THEN u.total_level ELSE u.month_level END"
                ") x WHERE x.value <> 0",
                [generation],
            )
            cursor.execute("SELECT changes()")  # the cursor's rowcount is -1 after a WITH ... INSERT
            rows += cursor.fetchone()[0]
            cursor.execute("DROP TABLE temp.reports_full_scan")
    return rows


def write_full(connection, generation: int) -> int:
    if connection.vendor == "postgresql":
        return write_full_postgresql(connection, generation)
    return write_full_sqlite(connection, generation)


def fold_rollup_sql(limits: dict[str, tuple[int, int]]) -> str:
    """The fold's targets as one SELECT of (code, period, metric, value), sorted by key: the change
    log netted per (place, period, metric) with a total ('') row and, for monthly metrics, a month
    row; then rolled up one level at a time, each level grouping the (already netted, nonzero) rows
    of the level below, and kept under the metrics' depth limits (`depth_limits`). Rows go up one
    level at a time instead of being copied to every level and grouped at once (about 130,000 rows
    hashed instead of 290,000 for 10,000 changed appeals), and the sort for the upsert is on the
    58,000 results, byte-wise ("C": the keys are ASCII, so that is the index's order), not on the
    copies with the database's collation (0.41 s of CPU before, 0.2 s now, for the same rows).
    Assumes region codes of at most the deepest level's length (RegionCodeField)."""
    deepest_first = sorted(LENGTHS, reverse=True)
    stages = [
        f"lim(metric, total_level, month_level) AS (VALUES {limits_values(limits)})",
        # netted per place: the total row, and the month row of monthly metrics
        f"s{deepest_first[0]} AS MATERIALIZED (SELECT x.region_code AS code, p.period, x.metric, "
        f"SUM(x.value)::bigint AS value FROM {DELTA_TABLE} x JOIN lim r ON r.metric = x.metric "
        "CROSS JOIN LATERAL (SELECT '' AS period UNION ALL SELECT x.period WHERE r.month_level > 0) p "
        "GROUP BY 1, 2, 3 HAVING SUM(x.value) <> 0)",
    ]
    # A place shallower than a level (a township's own facts at village level) keeps its code up to
    # its own level, where it joins its villages' rows: each level's rows are those as long as its codes.
    outputs = []
    for index, length in enumerate(deepest_first):
        if index:
            stages.append(
                f"s{length} AS MATERIALIZED (SELECT left(code, {length}) AS code, period, metric, "
                f"SUM(value)::bigint AS value FROM s{deepest_first[index - 1]} GROUP BY 1, 2, 3 "
                "HAVING SUM(value) <> 0)"
            )
        outputs.append(
            f"SELECT code, period, metric, value, {int(LEVEL_BY_LENGTH[length])} AS level FROM s{length} "
            f"WHERE length(code) = {length}"
        )
    return (
        "WITH " + ", ".join(stages) + " "
        "SELECT a.code, a.period, a.metric, a.value FROM (" + " UNION ALL ".join(outputs) + ") a "
        "JOIN lim r ON r.metric = a.metric "
        "WHERE a.level <= CASE WHEN a.period = '' THEN r.total_level ELSE r.month_level END "
        # in key order: the index probes and heap pages of one place come together
        'ORDER BY a.code COLLATE "C", a.period COLLATE "C", a.metric COLLATE "C"'
    )


def fold_deltas_postgresql(connection, generation: int) -> tuple[int, int]:
    """The fold in one statement: the change log rolled up level by level (`fold_rollup_sql`, the
    same limits as `rollup`) and added to the rows of the generation's own table with ON CONFLICT
    on its key, in key order; then the folded change-log rows deleted. Metrics no longer
    registered drop out at the join."""
    table = generation_table(generation)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (generation, region_code, period, metric, value) "
            f"SELECT %(generation)s, t.code, t.period, t.metric, t.value FROM ({fold_rollup_sql(stored_limits())}) t "
            "ON CONFLICT (region_code, period, metric) "
            f"DO UPDATE SET value = {table}.value + EXCLUDED.value",
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
