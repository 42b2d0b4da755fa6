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
import queue
import random
import threading
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
GENERATOR_MODULES: list[str] = ["seeding.generators.ledgers"]
GENERATOR_MODULES.append("pairings.generator")
GENERATOR_MODULES.append("pairings.generator_support")  # after pairings: it reads its units and cadres
GENERATOR_MODULES += ["community.generators"]
GENERATOR_MODULES.append("petitions.generators")

GENERATORS: dict[str, SourceGenerator] = {}

CHINA = datetime.timezone(datetime.timedelta(hours=8))  # Asia/Shanghai has had no DST since 1991


class SourceGenerator:
    """One source's part of the seed data. Subclasses set `key`, `models` (parents first) and
    `region_paths` (model label -> path of its region code, for a reset by prefix), optionally
    `demo_share`, and implement `generate(ctx) -> {label: rows}`."""

    key: str = ""
    # Keys of the generators whose rows this one reads (they run first); a reset of those takes
    # this one along, since their rows cannot go while this one's still point at them.
    requires: tuple = ()
    models: tuple = ()
    region_paths: dict = {}
    # The demo (`reports.demo`, `make run`) runs each generator at the demo scale times this share:
    # below 1 for a source whose rows cost the demo time without adding anything a visitor sees
    # (the pairings' hundred thousand pairs and visits at the demo scale), above 1 for one too thin
    # at it (the community orders, counted per community).
    demo_share: float = 1.0

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
    # In the order of GENERATOR_MODULES, whichever module was imported first: a generator may read
    # what an earlier one wrote (support reads the pairings' units and cadres).
    order = {dotted: index for index, dotted in enumerate(GENERATOR_MODULES)}
    return sorted(GENERATORS.values(), key=lambda g: order.get(type(g).__module__, len(order)))


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
    def now(self) -> int:
        """The latest moment any generated event happens (epoch seconds): 18:00 on `as_of`, China time."""
        return Clock.local_midnight(self.as_of.toordinal()) + 18 * 3600

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")

    def count(self, full: int) -> int:
        return max(0, round(full * self.scale))


# --- Time as integers -----------------------------------------------------------------------
EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
CHINA_OFFSET = 8 * 3600


class Clock:
    """Integer time for fast generation: days are proleptic ordinals (`date.toordinal()`), moments
    are UTC epoch seconds. Text forms are made from cached parts: a date "YYYY-MM-DD", a moment
    "YYYY-MM-DD HH:MM:SS" in UTC (with "+00" on PostgreSQL; naive UTC is Django's SQLite format)."""

    def __init__(self, vendor: str):
        self._days: dict[int, str] = {}
        self._tod = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
        self._suffix = "+00" if vendor == "postgresql" else ""

    def day(self, ordinal: int) -> str:
        text = self._days.get(ordinal)
        if text is None:
            text = self._days[ordinal] = datetime.date.fromordinal(ordinal).isoformat()
        return text

    def moment(self, epoch: int) -> str:
        days, seconds = divmod(epoch, 86400)
        return f"{self.day(EPOCH_ORDINAL + days)} {self._tod[seconds]}{self._suffix}"

    @staticmethod
    def local_midnight(ordinal: int) -> int:
        """Epoch seconds of 00:00 China time on that day."""
        return (ordinal - EPOCH_ORDINAL) * 86400 - CHINA_OFFSET

    @staticmethod
    def local_day(epoch: int) -> int:
        return (epoch + CHINA_OFFSET) // 86400 + EPOCH_ORDINAL


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
        self.insert_sql = (
            f"INSERT INTO {quote(self.table)} ({', '.join(quote(c) for c in self.columns)}) "
            f"VALUES ({', '.join(['%s'] * len(self.columns))})"
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
    """Writes generated rows fast. PostgreSQL: CSV `COPY ... FROM STDIN`, sent by a background thread
    on the same connection and transaction, so the server inserts and indexes one table while
    Python generates the next; secondary indexes and foreign keys are taken off for the load and
    rebuilt after it (as a restore does: one pass each, every foreign key validated). SQLite:
    `executemany` of one prepared INSERT in batches.

    Values are ints, strings (dates and moments already as text, see `Clock`) or None. Primary keys
    are assigned by the generators (`next_id`), so children reference parents without reading ids
    back; sequences are moved past them at the end."""

    def __init__(self, batch_size: int = 50_000):
        self.vendor = connection.vendor
        self.batch_size = batch_size if self.vendor == "postgresql" else 5_000
        self.clock = Clock(self.vendor)
        self.sinks: list[TableSink] = []
        self.touched: list = []
        self.dropped: dict[str, tuple] = {}
        self.triggers_skipped: list[str] = []
        self.enable_triggers: list[str] = []
        self.timings: dict[str, float] = {"format": 0.0, "server": 0.0}
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def sink(self, model, columns) -> TableSink:
        sink = TableSink(self, model, tuple(columns))
        self.sinks.append(sink)
        if model not in self.touched:
            self.touched.append(model)
        return sink

    def next_id(self, model) -> int:
        self.wait()
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # Keep concurrent writers out while ids are handed out by the generator.
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(model._meta.pk.column)}), 0) FROM {table}")
            return cursor.fetchone()[0] + 1

    # --- the server-side worker (PostgreSQL) ---
    def _run(self, raw) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                if self._error is None:
                    started = time.perf_counter()
                    with raw.cursor() as cursor:
                        if isinstance(job, tuple):
                            cursor.copy_expert(*job)
                        else:
                            cursor.execute(job)
                    self.timings["server"] += time.perf_counter() - started
            except BaseException as exc:  # handed to the main thread at its next call
                self._error = exc
            finally:
                self._queue.task_done()

    def _submit(self, job) -> None:
        if self._error is not None:
            self.wait()
        if self._thread is None:
            connection.ensure_connection()
            self._queue = queue.Queue(maxsize=3)
            self._thread = threading.Thread(target=self._run, args=(connection.connection,), daemon=True)
            self._thread.start()
            # An ORM query on the shared connection while a COPY is under way would abort the
            # load ("COPY terminated by new PQexec"): every query waits for the worker first.
            connection.execute_wrappers.append(self._drain_first)
        self._queue.put(job)

    def _drain_first(self, execute, sql, params, many, context):
        self.wait()
        return execute(sql, params, many, context)

    def wait(self) -> None:
        """Until every submitted job has run; re-raises a worker error here."""
        if self._queue is not None:
            self._queue.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()  # the worker thread and the connection's query wrapper go, whatever happened

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = self._queue = None
            if self._drain_first in connection.execute_wrappers:
                connection.execute_wrappers.remove(self._drain_first)

    def write(self, sink: TableSink, rows: list) -> None:
        if self.vendor == "postgresql":
            # Empty fields of NOT NULL columns read as empty strings (FORCE_NOT_NULL); None in a
            # nullable column is an empty field, which COPY reads as NULL.
            started = time.perf_counter()
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            buffer.seek(0)
            self.timings["format"] += time.perf_counter() - started
            self._submit((sink.copy_sql, buffer))
            return
        with connection.cursor() as cursor:
            cursor.executemany(sink.insert_sql, rows)

    def prepare(self, models) -> None:
        """PostgreSQL: take the tables' secondary indexes and foreign keys off for the load (primary
        keys, unique and check constraints stay on throughout). User triggers on them (the summary
        change log) are switched off for the load inside this transaction and back on before it
        commits: nobody else ever sees them off, and the change log does not receive millions of
        generated rows; the caller must then recompute the summaries in full (`triggers_skipped`)."""
        if self.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            # Run the checks still pending in this transaction now: a table with pending trigger
            # events cannot be altered. Later foreign keys are deferred again, as Django declares them.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
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
                cursor.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
                    "AND tgenabled <> 'D' ORDER BY tgname",
                    [table],
                )
                triggers = [name for (name,) in cursor.fetchall()]
                quoted = connection.ops.quote_name(table)
                for name in triggers:
                    cursor.execute(f"ALTER TABLE {quoted} DISABLE TRIGGER {connection.ops.quote_name(name)}")
                    self.triggers_skipped.append(name)
                if triggers:
                    self.enable_triggers.append(
                        f"ALTER TABLE {quoted} "
                        + ", ".join(f"ENABLE TRIGGER {connection.ops.quote_name(name)}" for name in triggers)
                    )
                for name, _definition in foreign_keys:
                    cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
                for name, _definition in indexes:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                self.dropped[table] = (quoted, foreign_keys, indexes)

    def complete(self, *models) -> None:
        """These tables are fully written: rebuild their indexes and analyze them now, in the
        background, while the next tables are generated."""
        for model in models:
            for sink in self.sinks:
                if sink.model is model:
                    sink.flush()
            entry = self.dropped.get(model._meta.db_table)
            if entry is None:
                continue
            quoted, _foreign_keys, indexes = entry
            for _name, definition in indexes:
                self._submit(definition)
            self._submit(f"ANALYZE {quoted}")
            self.dropped[model._meta.db_table] = (quoted, _foreign_keys, [])

    def finish(self) -> None:
        """Flush everything, rebuild what remains, put every foreign key back (validated) and move
        the sequences past the generated ids."""
        try:
            self.complete(*self.touched)
            for quoted, foreign_keys, indexes in self.dropped.values():
                for _name, definition in indexes:
                    self._submit(definition)
                for name, definition in foreign_keys:
                    self._submit(f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
            self.dropped = {}
            for statement in self.enable_triggers:
                self._submit(statement)
            self.enable_triggers = []
            self.wait()
        finally:
            self.close()
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.touched):
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
    # Change-log triggers switched off during the load: the summaries need a full refresh.
    triggers_skipped: list = field(default_factory=list)


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
    sources: list[str] | None = None,
) -> SeedResult:
    """Fill the province with generated ledger data (and every registered source's), in bulk.

    Refuses when the province already holds such data, unless `reset` (which deletes it first).
    One transaction: a failed run leaves nothing behind. `sources` (generator keys, e.g.
    ["ledgers", "petitions"]) limits the run, its refusal and its reset to those generators (with
    `reset`, also the ones that require them: `--sources pairings --reset` remakes support too).
    """
    from django.conf import settings

    if not 0 < scale <= 10:
        raise ServiceError(_("规模系数应大于 0 且不超过 10。"), code="bad_scale")
    province = province or settings.JICENG_PROVINCE_CODE
    # The generated 24 months end at 18:00 on `as_of`; yesterday by default, so that nothing is in the future.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    as_of = as_of or yesterday
    if as_of > yesterday:
        raise ServiceError(_("截止日期最晚为昨天（生成的数据不能晚于当前时间）。"), code="bad_as_of")
    log = log or (lambda message: None)
    started = time.monotonic()
    generators = load_generators()
    if sources:
        unknown = sorted(set(sources) - {g.key for g in generators})
        if unknown:
            raise ServiceError(
                _("未知的数据来源：%(names)s。可选：%(known)s。")
                % {"names": ", ".join(unknown), "known": ", ".join(g.key for g in generators)},
                code="bad_source",
            )
        chosen = set(sources)
        # A reset deletes the chosen sources' rows: the sources that read them go too and are made again.
        while reset and (dependents := {g.key for g in generators if g.key not in chosen and chosen & set(g.requires)}):
            chosen |= dependents
        generators = [g for g in generators if g.key in chosen]
    villages, townships = places_of(province)
    if not villages:
        raise ServiceError(
            _("区划表中没有 %(code)s 的村（社区），请先运行 manage.py load_regions。") % {"code": province},
            code="no_regions",
        )
    with transaction.atomic():
        existing = {g.key: n for g in generators if (n := g.existing_rows(province))}
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
        try:
            writer.prepare([model for g in generators for model in g.models])
            for generator in generators:
                part_started = time.monotonic()
                # The COPY worker shares the connection: let it drain before a generator reads with the ORM.
                writer.wait()
                counts = generator.generate(ctx)
                rows.update(counts)
                log(f"{generator.key}: {counts} in {time.monotonic() - part_started:.1f}s")
            finishing = time.monotonic()
            writer.finish()
            if writer.vendor == "postgresql":
                log(
                    f"indexes, foreign keys and statistics completed in {time.monotonic() - finishing:.1f}s; "
                    + ", ".join(f"{k} {v:.1f}s" for k, v in writer.timings.items())
                )
        finally:
            writer.close()
    return SeedResult(
        seed=seed,
        scale=scale,
        province=province,
        seconds=time.monotonic() - started,
        rows=rows,
        places=len(villages) + len(townships),
        reset_rows=reset_rows,
        triggers_skipped=writer.triggers_skipped,
    )
