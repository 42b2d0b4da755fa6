"""The petitions part of the seed-scale benchmark (`manage.py bench --parts petitions`, issue 11
item 10), called by seeding/management/commands/bench.py:

- pages, server side (in-process test client, after warm-up): a county leader's "我的包案" (the
  seeded county leader who owns the most open cases) and a prefecture's case list, its page 50
  and the API list: median and p95 of many requests, with the load; target p95 ≤ 50 ms;
- the full reports refresh (every source, petitions included) against two hand-written bounds
  over the same data in the same run: the true lower bound (bench.true_bound: one GROUPING SETS
  scan per registered fact, the petition tables included, written as the summary's rows with
  their unique index), target full ≤ 1.5× it; and, for information, the per-table bound
  (bench.lower_bound) extended to the petition tables here (`petition_bound_facts`), which
  stops at grouped temporary tables;
- the incremental refresh (fold) after 10,000 changed petitions, each one plain UPDATE one step
  along the status machine (a closed case, which has no next step, gets a correction: its backlog
  disposed, its outcome re-assessed), one in ten instead a date of receipt corrected a month
  back (as the appeals' part does), checked once against a full computation, then the petitions
  restored and folded again; target ≤ 0.5 s.
"""

from __future__ import annotations

import random
import statistics

from django.db import connection
from django.utils import timezone

from petitions.choices import DeadlineKind, PetitionStatus

TARGETS = {"page_p95_ms": 50.0, "full_over_bound": 1.5, "fold_s": 0.5}
CHANGED = 10_000

S = PetitionStatus
# One step along the status machine per current status (a plain UPDATE's SET clause).
NEXT_STEP = {
    S.REGISTERED: "status = 'accepted', decided_on = %(today)s, accepted_on = %(today)s",
    S.TRANSFERRED: "status = 'accepted', accepted_on = %(today)s",
    S.ACCEPTED: "status = 'in_handling'",
    S.IN_HANDLING: "status = 'replied', replied_on = %(today)s, reply_opinion = 'explained'",
    S.REPLIED: "status = 'closed', closed_on = %(today)s, outcome = 'resolved'",
    S.REVIEW_REQUESTED: "status = 'review_answered', review_answered_on = %(today)s",
    S.REVIEW_ANSWERED: "status = 'closed', closed_on = %(today)s, outcome = 'resolved'",
    S.REREVIEW_REQUESTED: "status = 'rereview_answered', rereview_answered_on = %(today)s",
    S.REREVIEW_ANSWERED: "status = 'closed', closed_on = %(today)s, outcome = 'unresolved'",
    S.NOT_ACCEPTED: "status = 'closed', closed_on = %(today)s",
}
# A closed case has no next step: the corrections a closed case gets (checked in this order).
CLOSED_BACKLOG = "backlog_disposed_on = closed_on, outcome = 'resolved'"  # 积案化解销号
CLOSED_UNRESOLVED = "outcome = 'resolved'"  # re-assessed as resolved
CLOSED_RESOLVED = "outcome = 'unresolved', backlog_disposed_on = NULL"  # re-assessed as not resolved
# A corrected date of receipt (one change in ten, any status).
MOVED = {"postgresql": "received_on = received_on - 31", "sqlite": "received_on = date(received_on, '-31 days')"}
COLUMNS = (
    "status", "decided_on", "accepted_on", "replied_on", "reply_opinion", "review_answered_on",
    "rereview_answered_on", "closed_on", "outcome", "received_on", "backlog_disposed_on", "is_backlog", "version",
    "updated_at",
)  # fmt: skip


# --- The hand-written bound over the petition tables -----------------------------------------------
def petition_bound_facts(vendor: str) -> list[tuple[str, str, str, str, list[tuple[str, str]]]]:
    """The petitions' figures written directly in SQL, in bench._lower_bound_facts's shape:
    (name, FROM clause, region column, month expression, [(metric, aggregate)])."""
    from petitions.choices import DEFAULT_CATEGORIES, Channel, PetitionType
    from seeding.management.commands.bench import COUNT, _choices, _flag

    def month(col):
        return f"to_char({col}, 'YYYY-MM')" if vendor == "postgresql" else f"strftime('%Y-%m', {col})"

    closed = f"t.status = '{S.CLOSED}'"
    kinds = (DeadlineKind.REGISTER, DeadlineKind.HANDLING, DeadlineKind.REVIEW_ANSWER, DeadlineKind.REREVIEW_ANSWER)
    deadlines = []
    for kind in kinds:
        deadlines.append((f"deadlines_met.{kind}", _flag(f"t.kind = '{kind}' AND t.met_on IS NOT NULL")))
        deadlines.append(
            (f"deadlines_on_time.{kind}", _flag(f"t.kind = '{kind}' AND t.met_on IS NOT NULL AND t.met_on <= t.due"))
        )
    return [
        (
            "petition",
            "petitions_petition t JOIN petitions_petitioncategory pc ON pc.id = t.category_id",
            "t.region_id",
            month("t.received_on"),
            [
                ("petitions_registered", COUNT),
                ("petitions_first_time", _flag("t.is_first_time")),
                ("petitions_first_time_handled", _flag("t.is_first_time AND t.decided_on IS NOT NULL")),
                ("petitions_repeat", _flag("t.is_repeat")),
                ("petitions_backlog", _flag("t.is_backlog")),
                ("petitions_backlog_disposed", _flag("t.is_backlog AND t.backlog_disposed_on IS NOT NULL")),
                ("petitions_closed", _flag(closed)),
                ("petitions_resolved", _flag(f"{closed} AND t.outcome = 'resolved'")),
                ("petitions_owned_county_plus", _flag("t.top_owner_level IN ('county', 'prefecture')")),
                ("petitions_owned", _flag("t.top_owner_level <> ''")),
                *_choices("petitions_by_type", "t.petition_type", PetitionType),
                *_choices("petitions_by_channel", "t.channel", Channel),
                *(
                    (f"petitions_by_category.{code}", _flag(f"pc.code = '{code}'"))
                    for code, _name in DEFAULT_CATEGORIES
                ),
                (
                    "petitions_by_category.added",
                    _flag("pc.code NOT IN (" + ", ".join(f"'{code}'" for code, _name in DEFAULT_CATEGORIES) + ")"),
                ),
            ],
        ),
        (
            "petition_deadline",
            "petitions_petitiondeadline t JOIN petitions_petition p ON p.id = t.petition_id",
            "p.region_id",
            month("p.received_on"),
            deadlines,
        ),
        (
            "reception",
            "petitions_receptionday t",
            "t.region_id",
            month("t.held_on"),
            [("reception_days", COUNT), ("reception_person_times", "CAST(SUM(t.person_times) AS INTEGER)")],
        ),
        (
            "down_visit",
            "petitions_downvisit t",
            "t.region_id",
            month("t.visited_on"),
            [("down_visits", COUNT), ("down_visit_person_times", "CAST(SUM(t.person_times) AS INTEGER)")],
        ),
    ]


def lower_bound_of(facts) -> dict:
    """{(region code, period or "", metric): value} of bench.lower_bound over `facts` (for tests)."""
    from seeding.management.commands.bench import lower_bound

    return lower_bound(collect=True, facts=facts).figures


def bound_with_petitions(*, collect: bool = False):
    """bench.lower_bound over the ledgers' tables and the petition tables (`collect` as there)."""
    from seeding.management.commands.bench import _lower_bound_facts, lower_bound

    vendor = connection.vendor
    return lower_bound(collect=collect, facts=_lower_bound_facts(vendor) + petition_bound_facts(vendor))


# --- Changing petitions -------------------------------------------------------------------------------
def change_petitions(count: int, *, seed: int) -> list[tuple]:
    """`count` petitions spread over the province, each changed by its own plain UPDATE one step
    along the status machine (`NEXT_STEP`). Returns the rows as they were, for `restore_petitions`."""
    from petitions.models import Petition

    rng = random.Random(seed)
    ids = list(Petition.objects.order_by("pk").values_list("pk", flat=True))
    chosen = sorted(rng.sample(ids, min(count, len(ids))))
    saved = list(Petition.objects.filter(pk__in=chosen).order_by("pk").values_list("pk", *COLUMNS))
    now, today = timezone.now(), timezone.localdate()
    table = Petition._meta.db_table
    statements = []
    for row in saved:
        values = dict(zip(("pk", *COLUMNS), row, strict=True))
        statements.append(
            (f"UPDATE {table} SET version = version + 1, updated_at = %(now)s, {_step(values, rng)} WHERE id = %(pk)s",
             {"now": now, "today": today, "pk": values["pk"]})
        )  # fmt: skip
    _execute_each(statements)
    return saved


def _execute_each(statements: list[tuple[str, dict]]) -> None:
    """Each statement on its own (its own trigger run), in one transaction (bench's, batched, on PostgreSQL)."""
    from django.db import transaction

    from seeding.management.commands.bench import Command

    if connection.vendor == "postgresql":
        Command._execute_each(statements)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def _step(row: dict, rng: random.Random) -> str:
    if rng.random() < 0.1:
        return MOVED[connection.vendor]
    if row["status"] != S.CLOSED:
        return NEXT_STEP[row["status"]]
    if row["is_backlog"] and row["backlog_disposed_on"] is None:
        return CLOSED_BACKLOG
    return CLOSED_UNRESOLVED if row["outcome"] != "resolved" else CLOSED_RESOLVED


def restore_petitions(saved: list[tuple]) -> None:
    """Put the changed petitions back as they were, again one plain UPDATE each."""
    from petitions.models import Petition

    table = Petition._meta.db_table
    columns = ", ".join(f"{c} = %({c})s" for c in COLUMNS)
    _execute_each(
        [(f"UPDATE {table} SET {columns} WHERE id = %(pk)s", dict(zip(("pk", *COLUMNS), row, strict=True)))
         for row in saved]
    )  # fmt: skip


# --- The part -------------------------------------------------------------------------------------
def run(command, *, requests: int, repetitions: int, changes: int = CHANGED) -> None:
    """Add the petitions' figures to `command.figures` (a bench Command)."""
    from petitions.models import Petition
    from seeding.management.commands import bench
    from seeding.management.commands.bench import Figure, load1, measure, spread

    if not Petition.objects.exists():
        command.say("petitions: no petitions in the database (seed_province --sources petitions): not available")
        command.figures.append(Figure("petitions part", None, "", note="no petitions"))
        return
    bench.TARGETS.update({f"petitions_{k}": v for k, v in TARGETS.items()})
    command.say(f"petitions: {Petition.objects.count():,} cases; load {load1()}")
    pages(command, requests)
    full = bench._service("summary_refresh_full")
    incremental = bench._service("summary_refresh_incremental")
    if connection.vendor != "postgresql" or full is None or incremental is None:
        command.figures.append(Figure("petitions: full refresh / bound", None, "x", TARGETS["full_over_bound"]))
        return
    incremental(actor=None)  # an active generation and an empty change log
    hand, true, fulls = [], [], []
    checks = []
    for rep in range(repetitions):
        sample, _result = measure(bound_with_petitions)
        hand.append(sample)
        sample, result = measure(bench.true_bound)
        true.append(sample)
        sample, run_ = measure(lambda: full(actor=None))
        fulls.append(sample)
        check = bench.compare_with_active()
        checks.append(f"full {rep + 1}: {'yes' if check['equal'] and not check['zeros'] else 'NO'}")
        command.say(
            f"  [{rep + 1}/{repetitions}] hand-written bound incl. petitions {hand[-1].seconds:.2f}s, true bound "
            f"{true[-1].seconds:.2f}s ({result.rows:,} rows), full refresh {sample.seconds:.2f}s; equal: {check}"
        )
    folds, restores, log_rows = [], [], []
    for cycle in range(repetitions):
        saved = change_petitions(changes, seed=20261205 + cycle)
        sample, run_ = measure(lambda: incremental(actor=None))
        folds.append(sample)
        log_rows.append(run_.changes)
        command.say(
            f"  fold of {len(saved):,} changed petitions: {sample.seconds:.3f}s ({run_.changes:,} change-log rows)"
        )
        if cycle == 0:
            measure(bench.true_bound)
            check = bench.compare_with_active()
            checks.append(f"fold equals a full computation: {'yes' if check['equal'] else 'NO'}")
            command.say(f"  fold equals a full computation: {check}")
        restore_petitions(saved)
        sample, run_ = measure(lambda: incremental(actor=None))
        restores.append(sample)
        command.say(f"  fold of the restore: {sample.seconds:.3f}s")
    measure(bench.true_bound)
    check = bench.compare_with_active()
    checks.append(f"after restoring: {'yes' if check['equal'] else 'NO'}")
    bench.drop_true_bound()
    median = statistics.median
    full_s = median(s.seconds for s in fulls)
    hand_s, true_s = median(s.seconds for s in hand), median(s.seconds for s in true)
    n = len(saved)
    command.figures += [
        Figure("petitions: hand-written bound, ledgers + petition tables", round(hand_s, 3), "s", note=spread(hand)),
        # For information: the per-table bound stops at grouped temporary tables, it writes no summary rows.
        Figure("petitions: full refresh incl. petitions / per-table bound", round(full_s / hand_s, 2), "x",
               note=f"full {full_s:.3f} s; the bound writes no summary rows; {'; '.join(checks)}"),
        Figure("petitions: full refresh incl. petitions / true bound (incl. petition tables)",
               round(full_s / true_s, 2), "x", TARGETS["full_over_bound"],
               note=f"true bound {true_s:.3f} s ({spread(true)}); full {spread(fulls)}"),
        Figure(f"petitions: fold of {n:,} changed petitions", round(median(s.seconds for s in folds), 3), "s",
               TARGETS["fold_s"], note=spread(folds) + f"; change-log rows {min(log_rows):,}–{max(log_rows):,}"),
        Figure(f"petitions: fold of the {n:,} restored", round(median(s.seconds for s in restores), 3), "s",
               TARGETS["fold_s"], note=spread(restores)),
    ]  # fmt: skip


def county_leader_with_most_cases():
    """The seeded county leader who owns the most open cases (None when nobody does)."""
    from django.db.models import Count

    from petitions.choices import OPEN_STATUSES
    from petitions.models import PetitionOwner

    row = (
        PetitionOwner.objects.filter(level="county", petition__status__in=OPEN_STATUSES)
        .values("leader")
        .annotate(n=Count("id"))
        .order_by("-n", "leader")
        .first()
    )
    if row is None:
        return None, 0
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=row["leader"]), row["n"]


def pages(command, requests: int) -> None:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import User
    from regions.choices import Level, Role
    from regions.models import Post, Region
    from seeding.management.commands.bench import Figure

    province = settings.JICENG_PROVINCE_CODE
    prefecture = Region.objects.filter(level=Level.PREFECTURE, code__startswith=province).order_by("code").first()
    leader, owned = county_leader_with_most_cases()
    with override_settings(ALLOWED_HOSTS=["*"]):
        if leader is None:
            command.figures.append(Figure("petitions: county leader's 我的包案 p95", None, "ms", TARGETS["page_p95_ms"],
                                          note="no county leader owns an open case"))  # fmt: skip
        else:
            client = Client()
            client.force_login(leader)
            command.say(f"  county leader {leader.username}: {owned} open cases owned")
            command.timed(client, f"petitions: county leader's 我的包案 ({owned} open cases)", "/petitions/mine/",
                          requests, "petitions_page_p95_ms")  # fmt: skip
        if prefecture is not None:
            user = command._user(User, Post, "bench_prefecture", Role.PREFECTURE_LEADER, prefecture.code)
            client = Client()
            client.force_login(user)
            for name, url in (
                (f"petitions: case list, prefecture {prefecture.code}", f"/petitions/?region={prefecture.code}"),
                (f"petitions: case list page 20, prefecture {prefecture.code}",
                 f"/petitions/?region={prefecture.code}&page=20"),
                (f"petitions: API list, prefecture {prefecture.code}", f"/api/v1/petitions/?region={prefecture.code}"),
            ):  # fmt: skip
                command.timed(client, name, url, requests, "petitions_page_p95_ms")
