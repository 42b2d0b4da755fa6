"""SQL built from the registry's facts, for PostgreSQL and SQLite.

- `contribution_select`: a fact's rows turned into (region_code, period, metric, value) rows;
  used by the change-log triggers (over the written rows) and by the tests.
- `wide_select`: a fact's per-(village, month) sums, one column per measure; the full refresh.
- `install_triggers`: the change-log triggers. On every insert, update and delete of a fact
  table they write to `reports_summarydelta` what the statement took from and added to each
  village's figures (old rows negative, new rows positive, netted per statement). When a
  parent row changes (an appeal's registered_on, a household's status), its children's
  contributions move with it. PostgreSQL: statement-level triggers with transition tables;
  SQLite: row-level triggers.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import zoneinfo

from django.apps import apps
from django.conf import settings

from reports.metrics import Fact, load_sources

DELTA_TABLE = "reports_summarydelta"
_SAFE = re.compile(r"^[A-Za-z0-9_./+\-]*$")


def lit(value: str) -> str:
    """A SQL string literal for a code-defined constant (metric keys, choice values)."""
    if not _SAFE.match(value):
        raise ValueError(f"unexpected characters in SQL constant {value!r}")
    return f"'{value}'"


def in_list(column: str, values) -> str:
    return f"{column} IN ({', '.join(lit(str(v)) for v in values)})"


def flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def utc_offset_hours() -> int:
    """The local zone's offset from UTC. Asia/Shanghai has kept +8 without daylight saving since 1991."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    offsets = {zone.utcoffset(datetime.datetime(year, month, 1)) for year in (2000, 2025, 2030) for month in (1, 7)}
    if len(offsets) != 1:
        raise ValueError(f"{settings.TIME_ZONE} has daylight saving: local dates need per-row conversion")
    seconds = offsets.pop().total_seconds()
    if seconds % 3600:
        raise ValueError(f"{settings.TIME_ZONE} is not a whole-hour offset")
    return int(seconds // 3600)


class Dialect:
    def __init__(self, vendor: str):
        if vendor not in ("postgresql", "sqlite"):
            raise ValueError(f"summaries support PostgreSQL and SQLite, not {vendor}")
        self.vendor = vendor

    @property
    def pg(self) -> bool:
        return self.vendor == "postgresql"

    def month_of_date(self, column: str) -> str:
        return f"to_char({column}, 'YYYY-MM')" if self.pg else f"substr({column}, 1, 7)"

    def month_of_timestamp(self, column: str) -> str:
        if self.pg:
            return f"to_char({column} AT TIME ZONE {lit(settings.TIME_ZONE)}, 'YYYY-MM')"
        return f"strftime('%Y-%m', {column}, '{utc_offset_hours():+d} hours')"

    def date_of_timestamp(self, column: str) -> str:
        """The local calendar date of a timestamp (comparable with a DATE column)."""
        if self.pg:
            return f"({column} AT TIME ZONE {lit(settings.TIME_ZONE)})::date"
        return f"date({column}, '{utc_offset_hours():+d} hours')"

    def prefix(self, column: str, length: int) -> str:
        return f"left({column}, {length})" if self.pg else f"substr({column}, 1, {length})"


def table_of(model_label: str) -> str:
    return apps.get_model(model_label)._meta.db_table


def _metric_list(fact: Fact) -> str:
    return " UNION ALL ".join(f"SELECT {lit(key)} AS metric" for key, _sql in fact.measures)


def _value_case(fact: Fact, dialect: Dialect) -> str:
    whens = " ".join(f"WHEN {lit(key)} THEN ({sql(dialect)})" for key, sql in fact.measures)
    return f"CASE m.metric {whens} END"


def contribution_select(
    fact: Fact, dialect: Dialect, *, rows: str, parent_rows: str | None = None, sign: int = 1
) -> str:
    """(region_code, period, metric, value) for every nonzero measure of the fact rows in `rows`
    (a table name or a subquery), joined to their parents in `parent_rows` (default: the table)."""
    join = ""
    if fact.parent is not None:
        parent = parent_rows or table_of(fact.parent.model)
        join = f" JOIN {parent} p ON p.id = t.{fact.parent.fk}"
    sign_sql = "" if sign == 1 else " * -1"
    return (
        f"SELECT x.region_code, x.period, x.metric, x.value{sign_sql} AS value FROM ("
        f"SELECT {fact.region} AS region_code, {fact.period(dialect)} AS period, m.metric AS metric, "
        f"{_value_case(fact, dialect)} AS value "
        f"FROM {rows} t{join} CROSS JOIN ({_metric_list(fact)}) m"
        f") x WHERE x.value <> 0"
    )


def wide_select(fact: Fact, dialect: Dialect) -> tuple[str, list[str]]:
    """Per (region, month) sums of every measure, over the whole table: the full refresh's input."""
    join = ""
    if fact.parent is not None:
        join = f" JOIN {table_of(fact.parent.model)} p ON p.id = t.{fact.parent.fk}"
    keys = [key for key, _sql in fact.measures]
    sums = ", ".join(f"SUM({sql(dialect)}) AS m{index}" for index, (_key, sql) in enumerate(fact.measures))
    sql = (
        f"SELECT {fact.region} AS region_code, {fact.period(dialect)} AS period, {sums} "
        f"FROM {table_of(fact.model)} t{join} GROUP BY 1, 2"
    )
    return sql, keys


# --- Change-log triggers -----------------------------------------------------------------------
def _netted(selects: list[str]) -> str:
    """Insert the union of signed contributions, netted so an edit that moves no figure logs nothing."""
    union = " UNION ALL ".join(selects)
    return (
        f"INSERT INTO {DELTA_TABLE} (region_code, period, metric, value) "
        f"SELECT u.region_code, u.period, u.metric, SUM(u.value) FROM ({union}) u "
        f"GROUP BY u.region_code, u.period, u.metric HAVING SUM(u.value) <> 0"
    )


def _pseudo_row(prefix: str, columns) -> str:
    """SQLite: NEW/OLD as a one-row subquery."""
    return "(SELECT " + ", ".join(f"{prefix}.{c} AS {c}" for c in ("id", *columns)) + ")"


def _children_of(table_model: str) -> list[Fact]:
    return [f for f in load_sources().facts.values() if f.parent is not None and f.parent.model == table_model]


def _own_facts(table_model: str) -> list[Fact]:
    return [f for f in load_sources().facts.values() if f.model == table_model]


def _trigger_tables() -> list[str]:
    models = []
    for fact in load_sources().facts.values():
        for label in (fact.model, fact.parent.model if fact.parent else None):
            if label and label not in models:
                models.append(label)
    return models


def _statements(model_label: str, event: str, dialect: Dialect) -> list[str]:
    """The INSERT ... SELECT a trigger on `model_label` runs for `event` (insert/update/delete)."""
    pg = dialect.pg
    new_rows = "new_rows" if pg else None
    old_rows = "old_rows" if pg else None
    selects = []
    for fact in _own_facts(model_label):
        columns = (*fact.columns, *((fact.parent.fk,) if fact.parent else ()))
        new = new_rows or _pseudo_row("NEW", columns)
        old = old_rows or _pseudo_row("OLD", columns)
        if event in ("update", "delete"):
            selects.append(contribution_select(fact, dialect, rows=old, sign=-1))
        if event in ("insert", "update"):
            selects.append(contribution_select(fact, dialect, rows=new))
    if event == "update":
        # A parent's change moves its children's contributions (region, month, conditions).
        for fact in _children_of(model_label):
            child_table = table_of(fact.model)
            new = new_rows or _pseudo_row("NEW", fact.parent.columns)
            old = old_rows or _pseudo_row("OLD", fact.parent.columns)
            selects.append(contribution_select(fact, dialect, rows=child_table, parent_rows=old, sign=-1))
            selects.append(contribution_select(fact, dialect, rows=child_table, parent_rows=new))
    return [_netted(selects)] if selects else []


def trigger_sql(dialect: Dialect) -> tuple[list[str], list[str]]:
    """(drop statements, create statements) for every fact table and parent table."""
    drops, creates = [], []
    for label in _trigger_tables():
        table = table_of(label)
        for event in ("insert", "update", "delete"):
            statements = _statements(label, event, dialect)
            name = f"reports_log_{table}_{event}"
            if dialect.pg:
                drops.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                drops.append(f"DROP FUNCTION IF EXISTS {name}_fn()")
                if not statements:
                    continue
                body = ";\n  ".join(statements)
                creates.append(
                    f"CREATE FUNCTION {name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  {body};\n"
                    f"  RETURN NULL;\nEND $$"
                )
                referencing = {
                    "insert": "REFERENCING NEW TABLE AS new_rows",
                    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                    "delete": "REFERENCING OLD TABLE AS old_rows",
                }[event]
                creates.append(
                    f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} {referencing} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {name}_fn()"
                )
            else:
                drops.append(f"DROP TRIGGER IF EXISTS {name}")
                if not statements:
                    continue
                body = ";\n  ".join(statements)
                creates.append(
                    f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} FOR EACH ROW BEGIN\n  {body};\nEND"
                )
    return drops, creates


def trigger_names(dialect: Dialect) -> list[str]:
    _drops, creates = trigger_sql(dialect)
    return [re.search(r"CREATE TRIGGER (\w+)", sql).group(1) for sql in creates if sql.startswith("CREATE TRIGGER")]


def trigger_digest(dialect: Dialect) -> str:
    _drops, creates = trigger_sql(dialect)
    return hashlib.sha256("\n".join(creates).encode()).hexdigest()


def installed_trigger_names(connection) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'reports_log_%%' AND NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'reports_log_%'")
        return {row[0] for row in cursor.fetchall()}


def triggers_current(connection) -> bool:
    return set(trigger_names(Dialect(connection.vendor))) <= installed_trigger_names(connection)


def install_triggers(connection) -> str:
    """(Re)create the change-log triggers; returns their digest. Idempotent."""
    dialect = Dialect(connection.vendor)
    drops, creates = trigger_sql(dialect)
    # Triggers of tables that no longer have facts are dropped too.
    stale = installed_trigger_names(connection) - set(trigger_names(dialect))
    with connection.cursor() as cursor:
        for name in sorted(stale):
            if dialect.pg:
                cursor.execute(
                    "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE g.tgname = %s",
                    [name],
                )
                for (table,) in cursor.fetchall():
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}_fn()")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for sql in drops + creates:
            cursor.execute(sql)
    return trigger_digest(dialect)
