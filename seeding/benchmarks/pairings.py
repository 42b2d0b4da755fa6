"""The pairings part of `make bench` (`bench --parts pairings`): issue 12's figures in one run.

- Generating the pairings source (2.2 million active pairs at scale 1.0, with its units, cadres,
  households, visits, must-visit events and owed visits) against a plain `COPY` of the same rows
  into new tables like them, then their indexes and foreign keys built as a restore does: ≤ 2×.
- A cadre's home, a township's owed-visit list and a county's pair list: p95 under 50 ms server
  side (in-process test client, one request at a time, many requests).
- The province's active pairs by prefecture read from the summaries: p95 under 20 ms.
- The daily overdue task over the province: under 10 s (after putting every overdue owed visit
  back to "owed", so the task marks them all again; then once more, which must change nothing).
- The full reports refresh (every registered source, pairings included) against its hand-written
  SQL lower bound (`bench.true_bound`): ≤ 1.5×, both in this run, and equal row for row.

The part regenerates the pairings source at BENCH_SCALE: its rows are deleted first (not
measured), the other sources' rows stay. It ends with a full refresh, so the summaries match.
"""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.warmup import settle_process

TARGETS = {
    "generation_over_copy": 2.0,
    "page_p95_ms": 50.0,
    "summary_count_p95_ms": 20.0,
    "overdue_task_s": 10.0,
    "refresh_over_bound": 1.5,
}
COPY_PREFIX = "bench_copy_"
INDEX_DEF = re.compile(r"^CREATE (?P<unique>UNIQUE )?INDEX \S+ ON \S+ (?P<rest>.*)$")


def run(command, *, scale: float, requests: int, repetitions: int) -> None:
    """Measure everything above and append the figures to `command.figures` (a bench Command)."""
    from seeding.management.commands import bench

    if connection.vendor != "postgresql":
        command.figures.append(bench.Figure("pairings: generation / plain COPY", None, "x", note="needs PostgreSQL"))
        return
    say = command.say
    generation, rows = _generate(say, scale)
    copy_seconds, copied, built = _plain_copy(say)
    command.figures += [
        bench.Figure(
            f"pairings generation ({rows['pairs']:,} pairs, {sum(rows.values()):,} rows)",
            round(generation.seconds, 1),
            "s",
            note=f"scale {scale}; {bench.spread([generation])}",
        ),
        bench.Figure(
            "pairings generation / plain COPY of the same rows",
            round(generation.seconds / copy_seconds, 2) if copy_seconds else None,
            "x",
            TARGETS["generation_over_copy"],
            note=f"COPY of the {copied:,} rows into new tables with their check constraints, then their {built} "
            f"built and validated (as a restore does): {copy_seconds:.1f} s; generation {generation.seconds:.1f} s",
        ),
    ]
    _vacuum()
    _refresh(command, repetitions)
    _overdue_task(command)
    _summary_counts(command, requests)
    _pages(command, max(requests, 100))


# --- generation and the plain COPY ----------------------------------------------------------------
def _pairings_models():
    from seeding.generators import GENERATORS, load_generators

    load_generators()
    return GENERATORS["pairings"], list(GENERATORS["pairings"].models)


def _dependents():
    """The generators that read the pairings' rows (support: its cadres and units), whose rows go
    with them and are made again afterwards (not measured)."""
    from seeding.generators import load_generators

    return [g for g in load_generators() if "pairings" in g.requires]


def _generate(say, scale: float):
    from seeding.generators import _reset, seed_province
    from seeding.management.commands.bench import measure

    generator, models = _pairings_models()
    dependents = _dependents()
    remake = [g.key for g in dependents if g.existing_rows(settings.JICENG_PROVINCE_CODE)]
    province = settings.JICENG_PROVINCE_CODE
    started = time.perf_counter()
    with transaction.atomic():
        deleted = _truncate(models, [m for g in dependents for m in g.models])
        if deleted is None:  # other rows reference these: row by row, keeping theirs
            deleted = _reset(province, [generator, *dependents])  # deleted in reverse: dependents first
    say(f"pairings: deleted {deleted:,} rows in {time.perf_counter() - started:.1f}s (not measured)")
    sample, result = measure(
        lambda: seed_province(scale=scale, seed=42, province=province, sources=["pairings"], log=say)
    )
    say(f"pairings: generated in {sample.seconds:.1f}s (load {sample.load_before}→{sample.load_after})")
    if remake:  # put back what read the pairings (not measured)
        seed_province(scale=scale, seed=42, province=province, sources=remake, log=say)
    return sample, result.rows


def _truncate(models, dependent_models=()) -> int | None:
    """TRUNCATE the pairings tables when this database holds only one province and every table
    that references them (directly or further on) is empty: seconds instead of the minutes a
    DELETE of 5 million rows takes (with its foreign key checks and change-log triggers). None
    when that is not so (the caller deletes row by row)."""
    from regions.models import Region

    if Region.objects.exclude(code__startswith=settings.JICENG_PROVINCE_CODE).exists():
        return None
    tables = {model._meta.db_table for model in models}
    # The dependents' tables are emptied with them (their generator makes them again afterwards).
    dependent_tables = {model._meta.db_table for model in dependent_models}
    referencing: set[str] = set()
    with connection.cursor() as cursor:
        frontier = set(tables)
        while frontier:
            cursor.execute(
                "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
                "AND confrelid::regclass::text = ANY(%s)",
                [sorted(frontier)],
            )
            found = {name.strip('"') for (name,) in cursor.fetchall()} - tables - referencing
            referencing |= found
            frontier = found
        for table in sorted(referencing - dependent_tables):
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')
            if cursor.fetchone()[0]:
                return None
        rows = 0
        for table in sorted(tables):
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            rows += cursor.fetchone()[0]
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in sorted(tables | referencing)))
    return rows


def _plain_copy(say) -> tuple[float, int]:
    """Dump each pairings table (COPY TO, not measured); then, measured, in one transaction: COPY
    the rows into new tables with the same columns and check constraints, build the same primary
    keys, unique and secondary indexes on them and add the same foreign keys, validated (as a
    restore does; faster than a COPY into indexed tables); then drop those tables."""
    _generator, models = _pairings_models()
    directory = Path(settings.BASE_DIR) / "var"
    directory.mkdir(exist_ok=True)
    connection.ensure_connection()
    raw = connection.connection
    files, rows, indexes, keys = [], 0, [], []
    tables = [model._meta.db_table for model in models]
    try:
        for model in models:
            table = model._meta.db_table
            path = directory / f"{COPY_PREFIX}{table}.copy"
            with open(path, "w", encoding="utf-8") as out, raw.cursor() as cursor:
                cursor.copy_expert(f'COPY "{table}" TO STDOUT', out)
                rows += cursor.rowcount
            files.append((table, path))
        with connection.cursor() as cursor:
            for table, _path in files:
                copy = f"{COPY_PREFIX}{table}"
                cursor.execute(f'DROP TABLE IF EXISTS "{copy}" CASCADE')
                cursor.execute(f'CREATE TABLE "{copy}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
                cursor.execute(
                    "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
                    "ORDER BY indexname",
                    [table],
                )
                for number, (definition,) in enumerate(cursor.fetchall()):
                    match = INDEX_DEF.match(definition)
                    indexes.append(
                        (
                            table,
                            f'CREATE {match["unique"] or ""}INDEX bc{number}_{table[:50]} ON "{copy}" {match["rest"]}',
                        )
                    )
                cursor.execute(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                    "AND contype = 'f' ORDER BY conname",
                    [table],
                )
                for number, (definition,) in enumerate(cursor.fetchall()):
                    # References among the pairings' own tables point at the copies (loaded parents first).
                    for other in tables:
                        definition = definition.replace(f"REFERENCES {other}(", f"REFERENCES {COPY_PREFIX}{other}(")
                    keys.append(f'ALTER TABLE "{copy}" ADD CONSTRAINT bcfk{number}_{table[:50]} {definition}')
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # as the generator's load has
            for table, path in files:
                with open(path, encoding="utf-8") as source, raw.cursor() as copying:
                    copying.copy_expert(f'COPY "{COPY_PREFIX}{table}" FROM STDIN', source)
                for _table, statement in (i for i in indexes if i[0] == table):
                    cursor.execute(statement)
            for statement in keys:  # validated here, as the generator's load validates its own
                cursor.execute(statement)
        seconds = time.perf_counter() - started
        built = f"{len(indexes)} indexes (keys, unique, secondary) and {len(keys)} foreign keys"
        say(f"pairings: plain COPY of {rows:,} rows, then {built}, in {seconds:.1f}s")
    finally:
        with connection.cursor() as cursor:
            for table, _path in reversed(files):
                cursor.execute(f'DROP TABLE IF EXISTS "{COPY_PREFIX}{table}" CASCADE')
        for _table, path in files:
            path.unlink(missing_ok=True)
    return seconds, rows, built


def _vacuum() -> None:
    _generator, models = _pairings_models()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) " + ", ".join(f'"{m._meta.db_table}"' for m in models))


# --- the refresh against its bound -----------------------------------------------------------------
def _refresh(command, repetitions: int) -> None:
    from reports.services import summary_refresh_full
    from seeding.management.commands import bench

    bounds, fulls, pairing_bounds, checks = [], [], [], []
    for rep in range(max(1, repetitions)):
        sample, _result = bench.measure(lambda: bench.true_bound(sources={"pairings"}))
        pairing_bounds.append(sample)
        sample, result = bench.measure(bench.true_bound)
        bounds.append(sample)
        sample, run = bench.measure(lambda: summary_refresh_full(actor=None))
        fulls.append(sample)
        check = bench.compare_with_active()
        checks.append("yes" if check["equal"] and not check["zeros"] else f"NO {check}")
        command.say(
            f"pairings [{rep + 1}] true bound {bounds[-1].seconds:.2f}s ({result.rows:,} rows; pairings only "
            f"{pairing_bounds[-1].seconds:.2f}s); full refresh {sample.seconds:.2f}s; equal: {checks[-1]}"
        )
    bench.drop_true_bound()
    median = statistics.median
    bound_s, full_s = median(s.seconds for s in bounds), median(s.seconds for s in fulls)
    command.figures += [
        bench.Figure("true lower bound, pairings facts only", round(median(s.seconds for s in pairing_bounds), 3),
                     "s", note=bench.spread(pairing_bounds)),
        bench.Figure("true lower bound, every source (pairings included)", round(bound_s, 3), "s",
                     note=bench.spread(bounds)),
        bench.Figure("full refresh including pairings", round(full_s, 3), "s", note=bench.spread(fulls)),
        bench.Figure("full refresh including pairings / true lower bound", round(full_s / bound_s, 2), "x",
                     TARGETS["refresh_over_bound"],
                     note=f"medians of {len(fulls)} interleaved; equal row for row: {', '.join(checks)}"),
    ]  # fmt: skip


# --- the daily overdue task -----------------------------------------------------------------------
def _overdue_task(command) -> None:
    from pairings.choices import OwedStatus
    from pairings.models import OwedVisit
    from pairings.tasks import owed_visits_mark_overdue
    from seeding.management.commands import bench

    today = timezone.localdate()
    due = OwedVisit.objects.filter(status__in=(OwedStatus.OWED, OwedStatus.OVERDUE), due_on__lt=today)
    expected = due.count()
    # Every overdue owed visit back to "owed" (not measured): the task then has the whole province to mark.
    OwedVisit.objects.filter(status=OwedStatus.OVERDUE).update(status=OwedStatus.OWED)
    first, marked = bench.measure(owed_visits_mark_overdue)
    again, remarked = bench.measure(owed_visits_mark_overdue)
    overdue = OwedVisit.objects.filter(status=OwedStatus.OVERDUE).count()
    total = OwedVisit.objects.count()
    ok = marked == expected == overdue and remarked == 0
    command.say(f"pairings: overdue task marked {marked:,} in {first.seconds:.3f}s, then {remarked} in "
                f"{again.seconds:.3f}s (expected {expected:,}; {'ok' if ok else 'MISMATCH'})")  # fmt: skip
    command.figures += [
        bench.Figure(f"daily overdue task over the province ({total:,} owed visits)", round(first.seconds, 3), "s",
                     TARGETS["overdue_task_s"],
                     note=f"marked {marked:,} of {expected:,} due before {today}; {bench.spread([first])}"),
        bench.Figure("daily overdue task, run again (idempotent)", round(again.seconds, 3), "s",
                     TARGETS["overdue_task_s"],
                     note=f"changed {remarked} rows (must be 0); overdue now {overdue:,}; "
                          f"{'consistent' if ok else 'INCONSISTENT'}"),
    ]  # fmt: skip


# --- active pairs by prefecture from the summaries ----------------------------------------------------
def _summary_counts(command, requests: int) -> None:
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from pairings.choices import PairStatus
    from pairings.models import Pair
    from regions.choices import Role
    from regions.models import Post, Region
    from reports import selectors
    from seeding.management.commands import bench

    province = settings.JICENG_PROVINCE_CODE
    command._user(User, Post, "bench_province", Role.PROVINCIAL_OFFICE, province)
    region = Region.objects.get(code=province)

    def count():
        user = User.objects.get(username="bench_province")  # a fresh user: posts read as in a request
        children = selectors.child_regions(user=user, region=region)
        values = selectors.values_by_region(user=user, codes=[c.code for c in children], keys=["pairs_active"])
        return {c.code: values.get((c.code, ""), {}).get("pairs_active", 0) for c in children}

    figures = count()
    samples, cpu = _sampled(count, max(requests, 100))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT left(region_id, 4), count(*) FROM {Pair._meta.db_table} WHERE status = %s GROUP BY 1",
            [PairStatus.ACTIVE],
        )
        direct = dict(cursor.fetchall())
    equal = all(figures.get(code, 0) == n for code, n in direct.items()) and sum(figures.values()) == sum(
        direct.values()
    )
    p95 = bench.percentile(samples, 0.95)
    command.say(f"pairings: active pairs by prefecture from the summaries p95 {p95:.1f} ms; equal direct: {equal}")
    command.figures.append(
        bench.Figure(f"active pairs by prefecture ({len(figures)}), from the summaries, p95", round(p95, 1), "ms",
                     TARGETS["summary_count_p95_ms"],
                     note=f"median {statistics.median(samples):.1f} ms; {len(samples)} reads; {cpu}; "
                          f"{sum(figures.values()):,} pairs; equal to a direct count: {'yes' if equal else 'NO'}")
    )  # fmt: skip
    # The same read as the database executes it (EXPLAIN ANALYZE): what the machine's load leaves out.
    with CaptureQueriesContext(connection) as captured:
        count()
    statement = captured.captured_queries[-1]["sql"]
    executions = []
    with connection.cursor() as cursor:
        for _ in range(50):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement)
            executions.append(cursor.fetchone()[0][0]["Execution Time"])
    command.figures.append(
        bench.Figure("active pairs by prefecture, the summary read in the database, p95",
                     round(bench.percentile(executions, 0.95), 2), "ms", TARGETS["summary_count_p95_ms"],
                     note=f"EXPLAIN ANALYZE execution time, 50 runs, median {statistics.median(executions):.2f} ms")
    )  # fmt: skip


# --- pages ---------------------------------------------------------------------------------------
def _pages(command, requests: int) -> None:
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from accounts.models import User
    from pairings.choices import OWED_OPEN_STATUSES, PairStatus
    from pairings.models import Cadre, OwedVisit, Pair, Visit
    from regions.choices import Role
    from regions.models import Post

    # The cadre with an open owed visit and the most active pairs: their home is the fullest.
    owed = (
        OwedVisit.objects.filter(status__in=OWED_OPEN_STATUSES)
        .order_by("-cadre__active_pairs", "cadre_id")
        .values_list("cadre_id", "region_id")
        .first()
    )
    if owed is None:
        command.say("pairings: no open owed visit; pages not measured")
        return
    cadre_id, village = owed
    user, _created = User.objects.get_or_create(username="bench_cadre", defaults={"display_name": "bench_cadre"})
    with transaction.atomic():
        Cadre.objects.filter(user=user).exclude(pk=cadre_id).update(user=None)
        Cadre.objects.filter(pk=cadre_id).update(user=user)
        for model in (Pair, Visit, OwedVisit):  # what pairings.services.units.cadre_update keeps
            model.objects.filter(cadre_id=cadre_id).update(cadre_user=user)
    township = _busiest(OwedVisit, 9) or village[:9]
    county = _busiest(Pair, 6, status=PairStatus.ACTIVE) or village[:6]
    staff = command._user(User, Post, "bench_township_staff", Role.TOWNSHIP_STAFF, township)
    leader = command._user(User, Post, "bench_county", Role.COUNTY_LEADER, county)
    # One post each (an earlier run at another scale may have picked another township or county).
    Post.objects.filter(user=staff).exclude(region_id=township).delete()
    Post.objects.filter(user=leader).exclude(region_id=county).delete()
    active = Pair.objects.filter(cadre_id=cadre_id, status=PairStatus.ACTIVE).count()
    targets = [
        (user, f"cadre's home ({active} active pairs)", reverse("pairings:home")),
        (staff, f"township {township} owed-visit list", reverse("pairings:owedvisit_list")),
        (leader, f"county {county} pair list", reverse("pairings:pair_list")),
    ]
    with override_settings(ALLOWED_HOSTS=["*"]):
        for who, name, url in targets:
            client = Client()
            client.force_login(who)
            _timed(command, client, name, url, requests)


def _busiest(model, length: int, **filters) -> str | None:
    """The region (by code prefix of `length`) with the most rows: the heaviest list."""
    with connection.cursor() as cursor:
        where = " AND ".join(f"{k} = %s" for k in filters) or "TRUE"
        cursor.execute(
            f"SELECT left(region_id, {length}) FROM {model._meta.db_table} WHERE {where} "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            list(filters.values()),
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _timed(command, client, name: str, url: str, requests: int) -> None:
    from seeding.management.commands import bench

    response = client.get(url)
    if response.status_code != 200:
        command.say(f"pairings: {name}: {url} answered {response.status_code}")
        command.figures.append(bench.Figure(f"{name} p95", None, "ms", TARGETS["page_p95_ms"],
                                            note=f"{url} answered {response.status_code}"))  # fmt: skip
        return
    for _ in range(4):
        client.get(url)
    settle_process()  # as a server worker does after loading (config/wsgi.py)
    load_before = bench.load1()
    samples, cpu = _sampled(lambda: client.get(url), requests)
    p95 = bench.percentile(samples, 0.95)
    load = f"load {load_before}→{bench.load1()}"
    command.say(f"pairings: {name}: median {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms ({load}; {cpu})")
    command.figures.append(
        bench.Figure(f"{name} p95 (in process)", round(p95, 1), "ms", TARGETS["page_p95_ms"],
                     note=f"median {statistics.median(samples):.1f} ms; {requests} requests; {cpu}; {load}; {url}")
    )  # fmt: skip


def _sampled(function, count: int) -> tuple[list[float], str]:
    """Wall milliseconds of `count` calls, and the mean CPU per call (this process and its database
    backend): on a loaded machine the gap between the two is time spent waiting for a core."""
    from seeding.management.commands import bench

    backend, own = bench._backend_cpu(), bench._own_cpu()
    samples = []
    for _ in range(count):
        t0 = time.perf_counter()
        function()
        samples.append((time.perf_counter() - t0) * 1000)
    backend_after, own_after = bench._backend_cpu(), bench._own_cpu()
    if backend is None or backend_after is None:
        return samples, "CPU not measured"
    return samples, f"CPU (Python + backend) {(backend_after - backend + own_after - own) * 1000 / count:.1f} ms a call"
