"""Seed-scale data for dashboards, demos and the benchmark (`manage.py seed_province`).

Each source of figures (the ledgers now; petitions and pairings later) contributes one
`SourceGenerator`, registered here by module path in `GENERATOR_MODULES`. A generator fills its
tables in bulk through the `BulkWriter` of the run (COPY on PostgreSQL, batched multi-row
inserts on SQLite), spread over the real villages and townships of the `Region` table.

Rules every generator keeps:
- deterministic: all randomness comes from `ctx.rng(<name>)`, seeded by the run's seed, and all
  dates from `ctx.as_of`; the same seed over the same region tree gives the same rows;
- every model constraint and status invariant holds, as if the rows had been written through the
  services (generated rows are not user activity: no audit events, `created_by` empty);
- sizes are `ctx.count(<figure at scale 1.0>)`.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
import time
from dataclasses import dataclass, field
from importlib import import_module

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ServiceError
from regions.choices import Level

# Modules that define and register a generator; later sources append theirs.
GENERATOR_MODULES: list[str] = ["reports.generators.ledgers"]

GENERATORS: dict[str, SourceGenerator] = {}

CHINA = datetime.timezone(datetime.timedelta(hours=8))  # Asia/Shanghai has had no DST since 1991


class SourceGenerator:
    """One source's part of the seed data. Subclasses set `key`, `models` (parents first) and
    `region_paths` (model label -> path of its region code, for a reset by prefix), and implement
    `generate(ctx) -> {label: rows}`."""

    key: str = ""
    models: tuple = ()
    region_paths: dict = {}

    def generate(self, ctx: GenerationContext) -> dict[str, int]:  # pragma: no cover - interface
        raise NotImplementedError

    def existing_rows(self, province: str) -> int:
        model = self.models[0]
        return model.objects.filter(**{f"{self.region_paths[model._meta.label]}__startswith": province}).count()


def register(generator_class):
    GENERATORS[generator_class.key] = generator_class()
    return generator_class


def load_generators() -> list[SourceGenerator]:
    for dotted in GENERATOR_MODULES:
        import_module(dotted)
    return list(GENERATORS.values())


@dataclass(frozen=True)
class Place:
    """A village or township that entries can belong to."""

    index: int
    code: str
    name: str
    level: int
    is_community: bool
    township_name: str


@dataclass
class GenerationContext:
    scale: float
    seed: int
    province: str
    as_of: datetime.date
    writer: BulkWriter
    villages: list[Place]
    townships: list[Place]
    stats: dict = field(default_factory=dict)

    @property
    def places(self) -> list[Place]:
        return self.villages + self.townships

    @property
    def now(self) -> datetime.datetime:
        """The latest moment any generated event happens: 18:00 on `as_of`, China time."""
        return datetime.datetime.combine(self.as_of, datetime.time(18), tzinfo=CHINA)

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")

    def count(self, full: int) -> int:
        return max(0, round(full * self.scale))


# --- Bulk writing -------------------------------------------------------------------------
class TableSink:
    """Rows for one table, in the order of `columns`, flushed every `batch_size` rows."""

    def __init__(self, writer: BulkWriter, model, columns: tuple[str, ...]):
        self.writer, self.model = writer, model
        self.table = model._meta.db_table
        fields = [model._meta.get_field(name) for name in columns]
        self.columns = tuple(f.column for f in fields)
        quote = connection.ops.quote_name
        not_null = ", ".join(quote(f.column) for f in fields if not f.null)
        self.copy_sql = (
            f"COPY {quote(self.table)} ({', '.join(quote(c) for c in self.columns)}) FROM STDIN "
            f"WITH (FORMAT csv{f', FORCE_NOT_NULL ({not_null})' if not_null else ''})"
        )
        self.rows: list = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.writer.batch_size:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write(self, self.rows)
            self.count += len(self.rows)
            self.rows = []


class BulkWriter:
    """Writes generated rows fast: PostgreSQL `COPY ... FROM STDIN`, SQLite `executemany` of one
    prepared INSERT in batches. Primary keys are assigned by the generators (`next_id`), so children
    can reference parents without reading ids back; sequences are moved past them at the end."""

    def __init__(self, batch_size: int = 50_000):
        self.vendor = connection.vendor
        self.batch_size = batch_size if self.vendor == "postgresql" else 5_000
        self.sinks: list[TableSink] = []
        self.touched: list = []
        self.dropped: list = []
        self.timings: dict[str, float] = {"format": 0.0, "copy": 0.0, "rebuild": 0.0}
        self._sqlite_dt = connection.ops.adapt_datetimefield_value

    def sink(self, model, columns) -> TableSink:
        sink = TableSink(self, model, tuple(columns))
        self.sinks.append(sink)
        if model not in self.touched:
            self.touched.append(model)
        return sink

    def next_id(self, model) -> int:
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # Keep concurrent writers out while ids are handed out by the generator.
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(model._meta.pk.column)}), 0) FROM {table}")
            return cursor.fetchone()[0] + 1

    def write(self, sink: TableSink, rows: list) -> None:
        if self.vendor == "postgresql":
            # CSV through the C csv writer: str() of each value, quoting only where needed. Columns
            # that cannot be NULL read an empty field as an empty string (FORCE_NOT_NULL); None in a
            # nullable column is written as an empty field, which COPY reads as NULL.
            started = time.perf_counter()
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            buffer.seek(0)
            copying = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(sink.copy_sql, buffer)
            self.timings["format"] += copying - started
            self.timings["copy"] += time.perf_counter() - copying
            return
        adapt = self._sqlite_dt

        def convert(value):
            if isinstance(value, datetime.datetime):
                return adapt(value)
            if isinstance(value, datetime.date):
                return value.isoformat()
            return value

        columns = ", ".join(connection.ops.quote_name(c) for c in sink.columns)
        placeholders = ", ".join(["%s"] * len(sink.columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(sink.table)} ({columns}) VALUES ({placeholders})",
                [tuple(convert(v) for v in row) for row in rows],
            )

    def prepare(self, models) -> None:
        """PostgreSQL: take the tables' secondary indexes and foreign keys off for the load, as a restore
        does; `finish()` rebuilds them, which validates every foreign key in one pass instead of one
        trigger call per row. Primary keys, unique and check constraints stay on throughout."""
        if self.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in models:
                table = model._meta.db_table
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    [table],
                )
                foreign_keys = cursor.fetchall()
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = %s AND indexname NOT IN "
                    "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY indexname",
                    [table, table],
                )
                indexes = cursor.fetchall()
                quoted = connection.ops.quote_name(table)
                for name, _definition in foreign_keys:
                    cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
                for name, _definition in indexes:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                self.dropped.append((quoted, foreign_keys, indexes))

    def finish(self) -> None:
        for sink in self.sinks:
            sink.flush()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if self.dropped:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _quoted, _foreign_keys, indexes in self.dropped:
                for _name, definition in indexes:
                    cursor.execute(definition)
            for quoted, foreign_keys, _indexes in self.dropped:
                for name, definition in foreign_keys:
                    cursor.execute(
                        f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
                    )
        self.dropped = []
        self.timings["rebuild"] += time.perf_counter() - started
        statements = connection.ops.sequence_reset_sql(no_style(), self.touched)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- The run ------------------------------------------------------------------------------
@dataclass
class SeedResult:
    seed: int
    scale: float
    province: str
    seconds: float
    rows: dict[str, int]
    places: int
    reset_rows: int = 0


def places_of(province: str) -> tuple[list[Place], list[Place]]:
    from regions.models import Region

    rows = list(
        Region.objects.filter(code__startswith=province, level__in=(Level.TOWNSHIP, Level.VILLAGE))
        .order_by("code")
        .values_list("code", "name", "level", "is_community")
    )
    township_names = {code: name for code, name, level, _c in rows if level == Level.TOWNSHIP}
    villages, townships = [], []
    for code, name, level, is_community in rows:
        if level == Level.VILLAGE:
            villages.append(Place(0, code, name, level, is_community, township_names.get(code[:9], "")))
        else:
            townships.append(Place(0, code, name, level, False, name))
    ordered = villages + townships
    ordered = [Place(i, p.code, p.name, p.level, p.is_community, p.township_name) for i, p in enumerate(ordered)]
    return ordered[: len(villages)], ordered[len(villages) :]


def existing_rows(province: str) -> dict[str, int]:
    return {g.key: n for g in load_generators() if (n := g.existing_rows(province))}


def _reset(province: str, generators: list[SourceGenerator]) -> int:
    """Delete every row of the generators' tables in `province` (generated or not)."""
    from regions.models import Region

    models = [model for g in generators for model in g.models]
    whole_database = not Region.objects.exclude(code__startswith=province).exists()
    deleted = sum(model.objects.count() for model in models) if whole_database else 0
    if connection.vendor == "postgresql" and whole_database:
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {tables}")
            return deleted
        except Exception:  # another table references these rows: fall back to DELETE below
            pass
    deleted = 0
    for g in reversed(generators):
        for model in reversed(g.models):
            path = g.region_paths[model._meta.label]
            deleted += model.objects.filter(**{f"{path}__startswith": province})._raw_delete(connection.alias)
    return deleted


def seed_province(
    *,
    scale: float,
    seed: int = 42,
    province: str | None = None,
    reset: bool = False,
    as_of: datetime.date | None = None,
    log=None,
) -> SeedResult:
    """Fill the province with generated ledger data (and every registered source's), in bulk.

    Refuses when the province already holds such data, unless `reset` (which deletes it first).
    One transaction: a failed run leaves nothing behind.
    """
    from django.conf import settings

    if not 0 < scale <= 10:
        raise ServiceError(_("规模系数应大于 0 且不超过 10。"), code="bad_scale")
    province = province or settings.JICENG_PROVINCE_CODE
    as_of = as_of or timezone.localdate()
    log = log or (lambda message: None)
    started = time.monotonic()
    generators = load_generators()
    villages, townships = places_of(province)
    if not villages:
        raise ServiceError(
            _("区划表中没有 %(code)s 的村（社区），请先运行 manage.py load_regions。") % {"code": province},
            code="no_regions",
        )
    with transaction.atomic():
        existing = existing_rows(province)
        reset_rows = 0
        if existing:
            if not reset:
                raise ServiceError(
                    _("数据库中已有 %(code)s 的台账数据（%(what)s），未重复生成。加 --reset 将先删除这些数据再生成。")
                    % {"code": province, "what": ", ".join(f"{k}: {n}" for k, n in existing.items())},
                    code="data_exists",
                )
            reset_rows = _reset(province, generators)
            log(f"reset: deleted {reset_rows} rows in {time.monotonic() - started:.1f}s")
        writer = BulkWriter()
        writer.prepare([model for g in generators for model in g.models])
        ctx = GenerationContext(
            scale=scale,
            seed=seed,
            province=province,
            as_of=as_of,
            writer=writer,
            villages=villages,
            townships=townships,
        )
        rows: dict[str, int] = {}
        for generator in generators:
            part_started = time.monotonic()
            counts = generator.generate(ctx)
            rows.update(counts)
            log(f"{generator.key}: {counts} in {time.monotonic() - part_started:.1f}s")
        writer.finish()
        log("writer: " + ", ".join(f"{k} {v:.1f}s" for k, v in writer.timings.items()))
    if connection.vendor == "postgresql":
        analyze_started = time.monotonic()
        with connection.cursor() as cursor:
            for model in writer.touched:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        log(f"analyze: {time.monotonic() - analyze_started:.1f}s")
    return SeedResult(
        seed=seed,
        scale=scale,
        province=province,
        seconds=time.monotonic() - started,
        rows=rows,
        places=len(villages) + len(townships),
        reset_rows=reset_rows,
    )
