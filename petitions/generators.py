"""The petitions' part of the seed data (registered in seeding.generators.GENERATOR_MODULES).

At scale 1.0 the province's dashboard shows the source text's figures from the data (definitions
in petitions/metrics.py): 100,000 petitions over the real villages and townships of the last two
years; exactly 10,617 owned by leaders at county level and above (县级以上领导包案); exactly
43,000 first-time letters and visits handled (初信初访); exactly 40,000 backlog cases disposed
(积案化解); about 650,000 person-times of cadres' reception days and down-visits (20,000
reception days and 12,500 down-visits, 20 person-times each on average).

Every case's deadlines are computed by the same rules and calendar as the services'
(`petitions.deadlines`), and stored with their rule names. Repeat cases link an earlier case.

Ownership (包案) is data, as the services write it: each owned case has owner rows
(`PetitionOwner`) for leaders of the case's own prefecture, county or township, each with the
responsible unit (by the case's category) and exactly one lead owner, the highest level; the
case's `top_owner_level` is the highest level among its rows. A county-level case is led by a
county leader (a prefecture leader for one in five), often with the township's leader as a
co-owner; about 30% of the other cases are owned by a township leader. Each owner row has the
timeline event the services write for it (`petition_owner_add`: OWNER_ADDED), at its assignment,
1 to 10 days after the case was received.

Reception days and down-visits are held by those leaders too, and link cases as the services
link them (M2M rows, which the case's timeline reads): most reception days 1 to 3 cases of their
region open on the day (received by visit that day, owned by the day's leader, or received in the
weeks before), most down-visits 1 to 3 open cases of their township's villages (the leader's own,
then backlog cases), the villages visited being those of the cases carried.

The leaders are user accounts with a leader post (县级/市级/乡镇领导干部) in their region, made
once and reused by later runs (usernames `seed-<level>-<region code>-<n>`, no usable password:
nobody signs in as them; a reset deletes the cases and owner rows, never accounts). They are
the only accounts seed_province makes.
"""

from __future__ import annotations

import datetime
import json
import zlib
from bisect import bisect_left, bisect_right

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from core.calendar import WorkCalendar
from petitions.choices import DEFAULT_CATEGORIES, Channel, DeadlineKind, EventKind, PetitionStatus, PetitionType
from petitions.deadlines import apply_rule
from petitions.models import (
    DownVisit,
    NamedOfficial,
    Petition,
    PetitionAttachment,
    PetitionCategory,
    PetitionDeadline,
    Petitioner,
    PetitionEvent,
    PetitionOwner,
    ReceptionDay,
)
from petitions.services import owner_added_data
from regions.choices import Role
from regions.models import Post, Region
from seeding.generators import Clock, GenerationContext, SourceGenerator, register

PETITIONS_FULL = 100_000
OWNED_COUNTY_PLUS_FULL = 10_617
FIRST_TIME_HANDLED_FULL = 43_000
BACKLOG_FULL = 46_000
BACKLOG_DISPOSED_FULL = 40_000
RECEPTIONS_FULL = 20_000
DOWN_VISITS_FULL = 12_500
PERSON_TIMES_MEAN = 20  # uniform over 5 .. 35
UNDECIDED_FULL = 1_000  # the most recent cases, not yet decided
DAYS = 730
NOT_ACCEPTED_SHARE = 0.08
TITLES = ("征地补偿款未足额发放", "拆迁安置房迟迟未交付", "拖欠农民工工资", "养老保险待遇核定有误", "宅基地确权纠纷",
          "企业排污影响生活", "学校周边交通安全隐患", "医疗费用报销争议", "村干部作风问题", "村道硬化申请")  # fmt: skip
# Leaders per region that own cases and hold reception days and down-visits.
LEADERS_PER_REGION = {"prefecture": 2, "county": 3, "township": 2}
LEADER_ROLES = {"prefecture": Role.PREFECTURE_LEADER, "county": Role.COUNTY_LEADER, "township": Role.TOWNSHIP_LEADER}
LEADER_TITLES = {"prefecture": ("市委副书记", "副市长"), "county": ("县委书记", "县长", "常务副县长"),
                 "township": ("党委书记", "镇长")}  # fmt: skip
CODE_LENGTHS = {"prefecture": 4, "county": 6, "township": 9}
# The responsible unit (责任单位) of a county- or prefecture-level owner, by the case's category.
UNITS = {"land": "自然资源局", "relocation": "住房和城乡建设局", "labour": "人力资源和社会保障局", "rural": "农业农村局",
         "urban": "住房和城乡建设局", "environment": "生态环境局", "education_health": "教育局", "legal": "委政法委",
         "conduct": "纪委监委", "other": "信访局"}  # fmt: skip
# The cases a reception day or a down-visit links (1 to 3 where its region has any), and how far
# back it looks for cases still open on its day.
LINKED_MAX = 3
RECEPTION_WINDOW = 60
DOWN_VISIT_WINDOW = 180
OPEN = 10**7  # the `end` day of a case still open
NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("明", "华", "芳", "强", "丽", "军", "静", "伟", "秀英", "建国", "桂兰", "志强")


def expected_figures(scale: float = 1.0) -> dict[str, float]:
    """The province's dashboard figures the constants produce at `scale`."""
    return {
        "petitions_registered": PETITIONS_FULL * scale,
        "petitions_owned_county_plus": OWNED_COUNTY_PLUS_FULL * scale,
        "petitions_first_time_handled": FIRST_TIME_HANDLED_FULL * scale,
        "petitions_backlog_disposed": BACKLOG_DISPOSED_FULL * scale,
        "cadre_visit_person_times": (RECEPTIONS_FULL + DOWN_VISITS_FULL) * PERSON_TIMES_MEAN * scale,
    }


def leader_username(level: str, code: str, k: int) -> str:
    return f"seed-{level}-{code}-{k}"


def seed_leaders(ctx: GenerationContext, keys) -> dict[tuple[str, str, int], int]:
    """{(level, region code, n): user id} of the generated leaders, made where missing: an account
    with a leader post in that region (the post's role gives the owner level). Reused by later runs."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    ctx.writer.wait()  # the COPY worker shares the connection
    User = get_user_model()
    names = {leader_username(*key): key for key in keys}
    found = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
    missing = [name for name in names if name not in found]
    if missing:
        unusable = make_password(None)
        User.objects.bulk_create(
            [
                User(username=name, password=unusable, display_name=_person(zlib.crc32(name.encode())))
                for name in missing
            ],
            batch_size=2000,
        )
        found.update(User.objects.filter(username__in=missing).values_list("username", "pk"))
    region_names = dict(Region.objects.filter(code__in={code for _l, code, _k in keys}).values_list("code", "name"))
    posts = []
    for name, (level, code, k) in names.items():
        titles = LEADER_TITLES[level]
        posts.append(Post(user_id=found[name], region_id=code, role=LEADER_ROLES[level],
                          title=f"{region_names.get(code, '')}{titles[k % len(titles)]}"))  # fmt: skip
    Post.objects.bulk_create(posts, batch_size=2000, ignore_conflicts=True)
    return {key: found[name] for name, key in names.items()}


def _person(number: int) -> str:
    return NAMES[number % len(NAMES)] + GIVEN[(number // len(NAMES)) % len(GIVEN)]


def _sample(rng, population: list[int], k: int) -> set[int]:
    return set(rng.sample(population, min(k, len(population))))


def _pick(rng, tiers, k: int) -> list[tuple]:
    """Up to `k` distinct cases, from the first tier first, at random within a tier."""
    chosen, seen = [], set()
    for tier in tiers:
        if len(chosen) >= k:
            break
        fresh = [case for case in tier if case[0] not in seen]
        for case in rng.sample(fresh, min(k - len(chosen), len(fresh))):
            chosen.append(case)
            seen.add(case[0])
    return chosen


@register
class PetitionGenerator(SourceGenerator):
    key = "petitions"

    @property
    def models(self):
        return (
            Petition,
            Petitioner,
            NamedOfficial,
            PetitionOwner,
            PetitionDeadline,
            PetitionEvent,
            PetitionAttachment,
            ReceptionDay,
            ReceptionDay.cases.through,
            DownVisit,
            DownVisit.villages.through,
            DownVisit.cases.through,
        )

    region_paths = {
        "petitions.Petition": "region__code",
        "petitions.Petitioner": "petition__region__code",
        "petitions.NamedOfficial": "petition__region__code",
        "petitions.PetitionOwner": "petition__region__code",
        "petitions.PetitionDeadline": "petition__region__code",
        "petitions.PetitionEvent": "petition__region__code",
        "petitions.PetitionAttachment": "petition__region__code",
        "petitions.ReceptionDay": "region__code",
        "petitions.ReceptionDay_cases": "receptionday__region__code",
        "petitions.DownVisit": "region__code",
        "petitions.DownVisit_villages": "downvisit__region__code",
        "petitions.DownVisit_cases": "downvisit__region__code",
    }

    def generate(self, ctx: GenerationContext) -> dict[str, int]:
        rows, cases, owners = self._petitions(ctx)
        rows["petition_owners"], owned = self._owners(ctx, owners)
        rows.update(self._visits(ctx, cases, owned))
        return rows

    def _petitions(self, ctx: GenerationContext) -> tuple[dict[str, int], list[tuple], list[tuple]]:
        """The cases, their petitioners and deadlines. Also returns each case as (id, region code,
        received, end, by visit, backlog) in the order received (`end`: the day it was closed or not
        accepted, `OPEN` while open), and the owned ones as (id, region code, top level, category
        code, received)."""
        rng = ctx.rng("petitions")
        r = rng.random
        writer = ctx.writer
        day, moment = writer.clock.day, writer.clock.moment
        today = ctx.as_of.toordinal()
        # Every year a deadline can fall in, read up front: a query during the load waits for the
        # COPY worker (BulkWriter), which would stall the pipeline at the first deadline of a new year.
        calendar = WorkCalendar().load(range(ctx.as_of.year - DAYS // 365 - 1, ctx.as_of.year + 2))
        categories = {
            c.code: c.pk for c in PetitionCategory.objects.filter(code__in=[c for c, _n in DEFAULT_CATEGORIES])
        }
        category_ids = [categories[c] for c, _n in DEFAULT_CATEGORIES if c in categories]
        category_codes = {pk: code for code, pk in categories.items()}
        owners: list[tuple[int, str, str, str, int]] = []
        cases: list[tuple[int, str, int, int, bool, bool]] = []
        places = ctx.places
        n = ctx.count(PETITIONS_FULL)
        # Oldest first, so ids follow time and a repeat case links an earlier id.
        received = sorted(today - 1 - int(r() * DAYS) for _ in range(n))
        where = [places[int(r() * len(places))] for _ in range(n)]
        undecided = set(range(max(0, n - ctx.count(UNDECIDED_FULL)), n))
        decided = [i for i in range(n) if i not in undecided]
        old = [i for i in decided if today - received[i] > 150]
        backlog = list(rng.sample(old, min(ctx.count(BACKLOG_FULL), len(old))))
        disposed = set(backlog[: ctx.count(BACKLOG_DISPOSED_FULL)])
        backlog = set(backlog)
        rest = [i for i in decided if i not in backlog]
        not_accepted = _sample(rng, rest, int(len(rest) * NOT_ACCEPTED_SHARE))
        first_pool = [i for i in decided if i != 0]
        first_time = _sample(rng, first_pool, ctx.count(FIRST_TIME_HANDLED_FULL) - (0 in decided))
        if n:
            first_time.add(0)  # the oldest case has nothing before it
        first_time |= {i for i in undecided if r() < 0.43}
        owned = _sample(rng, list(range(n)), ctx.count(OWNED_COUNTY_PLUS_FULL))

        fields = list(Petition._meta.concrete_fields)
        columns = tuple(f.name for f in fields)
        defaults = {f.name: f.get_default() for f in fields}
        petitions = writer.sink(Petition, columns)
        people = writer.sink(
            Petitioner, ("id", "petition", "name", "id_number", "id_hash", "phone", "address", "is_representative")
        )
        deadlines = writer.sink(
            PetitionDeadline, ("id", "petition", "kind", "rule", "start", "due", "provisional", "met_on")
        )
        petition_id = writer.next_id(Petition)
        first_id = petition_id
        person_id = writer.next_id(Petitioner)
        deadline_id = writer.next_id(PetitionDeadline)
        types = PetitionType.values
        channels = (
            Channel.VISIT,
            Channel.VISIT,
            Channel.LETTER,
            Channel.ONLINE,
            Channel.ONLINE,
            Channel.PHONE,
            Channel.FAX,
        )
        for i in range(n):
            got = received[i]
            place = where[i]
            row = dict(defaults)
            title = TITLES[int(r() * len(TITLES))]
            created = Clock.local_midnight(got) + 9 * 3600 + int(r() * 28_800)
            row.update(
                id=petition_id, created_at=moment(created), updated_at=moment(created), version=1,
                number=f"XF{datetime.date.fromordinal(got):%Y}{petition_id:07d}", channel=channels[int(r() * len(channels))],
                received_on=day(got), region=place.code, title=title, content=f"{place.name}群众反映{title}。",
                category=category_ids[int(r() * len(category_ids))], petition_type=types[int(r() * 3)],
                conflict_level="township" if place.level == 4 else ("village" if r() < 0.6 else "township"),
                is_first_time=i in first_time, is_repeat=i not in first_time, is_backlog=i in backlog,
                top_owner_level=("prefecture" if r() < 0.2 else "county") if i in owned else ("township" if r() < 0.3 else ""),
            )  # fmt: skip
            if row["top_owner_level"]:
                owners.append((petition_id, place.code, row["top_owner_level"], category_codes[row["category"]], got))
            if i not in first_time:
                row["earlier"] = first_id + int(r() * i)
            register = apply_rule("art22-23.register.15d", datetime.date.fromordinal(got), calendar=calendar)
            status, decided_on, accepted, replied, closed, outcome = (
                PetitionStatus.REGISTERED,
                None,
                None,
                None,
                None,
                "",
            )
            current = register
            if i not in undecided:
                decided_on = min(got + 1 + int(r() * (16 if r() < 0.93 else 30)), today)
                current = None
                if i in not_accepted:
                    status = PetitionStatus.NOT_ACCEPTED
                    row["not_accepted_reason"] = "属于诉讼程序，已告知信访人向人民法院起诉。"
                else:
                    accepted = decided_on
                    handling = apply_rule("art34.handling.60d", datetime.date.fromordinal(accepted), calendar=calendar)
                    if i not in backlog and today - got < 80 and r() < 0.5:
                        status, current = PetitionStatus.IN_HANDLING, handling
                    else:
                        replied = min(accepted + 10 + int(r() * (50 if r() < 0.9 else 80)), today)
                        closed = min(replied + 1 + int(r() * 5), today)
                        status = PetitionStatus.CLOSED
                        outcome = "resolved" if (i in disposed or (i not in backlog and r() < 0.8)) else "unresolved"
                        row.update(replied_on=day(replied), reply_opinion="supported" if outcome == "resolved" else "explained",
                                   reply_text="经调查核实，依据有关政策作出处理。", closed_on=day(closed), outcome=outcome)  # fmt: skip
                        if i in disposed:
                            row["backlog_disposed_on"] = day(closed)
                    row["accepted_on"] = day(accepted)
                    deadlines.add((deadline_id, petition_id, DeadlineKind.HANDLING.value, handling.rule, handling.start.isoformat(),
                                   handling.due.isoformat(), handling.provisional, day(replied) if replied else None))  # fmt: skip
                    deadline_id += 1
                row["decided_on"] = day(decided_on)
            deadlines.add((deadline_id, petition_id, DeadlineKind.REGISTER.value, register.rule, register.start.isoformat(),
                           register.due.isoformat(), register.provisional, day(decided_on) if decided_on else None))  # fmt: skip
            deadline_id += 1
            row["status"] = status.value if hasattr(status, "value") else status
            if current is not None:
                row.update(
                    current_due=current.due.isoformat(), current_rule=current.rule, due_provisional=current.provisional
                )
            petitions.add(tuple(row[c] for c in columns))
            end = closed if closed is not None else (decided_on if status == PetitionStatus.NOT_ACCEPTED else OPEN)
            cases.append((petition_id, place.code, got, end, row["channel"] == Channel.VISIT, i in backlog))
            name = NAMES[int(r() * len(NAMES))] + GIVEN[int(r() * len(GIVEN))]
            people.add((person_id, petition_id, name, "", "", "", place.name, False))
            person_id += 1
            petition_id += 1
        writer.complete(Petition, Petitioner, PetitionDeadline)
        rows = {"petitions": petitions.count, "petitioners": people.count, "petition_deadlines": deadlines.count}
        return rows, cases, owners

    def _owners(self, ctx: GenerationContext, cases: list[tuple]) -> tuple[int, dict[tuple, list[tuple[int, int]]]]:
        """The owner rows of the owned cases: the lead owner at the case's top level, in the case's
        own prefecture, county or township; co-owners below it (a county leader under a prefecture
        lead for 30%, the township's leader under a county or prefecture lead for half).

        Each row is written as `petition_owner_add` writes it, with its timeline event (OWNER_ADDED,
        the reason as text, `owner_added_data`): assigned 1 to 10 days after the case was received
        (the lead first, each co-owner five minutes later), by nobody (generated rows have no
        actor, like `created_by`). Returns the row count and {leader key: [(day assigned, case id)]}."""
        rng = ctx.rng("petition-owners")
        r = rng.random
        when = ctx.rng("petition-owner-times").random
        writer = ctx.writer
        today = ctx.as_of.toordinal()
        planned = []  # (petition id, key, is lead, category code, received)

        def key(level, code):
            return (level, code[: CODE_LENGTHS[level]], int(r() * LEADERS_PER_REGION[level]))

        for petition_id, code, top, category, got in cases:
            planned.append((petition_id, key(top, code), True, category, got))
            if top == "prefecture" and r() < 0.3:
                planned.append((petition_id, key("county", code), False, category, got))
            if top != "township" and len(code) >= 9 and r() < 0.5:
                planned.append((petition_id, key("township", code), False, category, got))
        ids = seed_leaders(ctx, [k for _p, k, _l, _c, _g in planned])
        names = dict(Region.objects.filter(code__in={k[1] for _p, k, *_rest in planned}).values_list("code", "name"))
        leader_names = {
            pk: display or username
            for pk, display, username in get_user_model()
            .objects.filter(pk__in=set(ids.values()))
            .values_list("pk", "display_name", "username")
        }
        sink = writer.sink(
            PetitionOwner,
            ("id", "petition", "leader", "level", "unit", "is_lead", "assigned_by", "assigned_at", "reason"),
        )
        events = writer.sink(PetitionEvent, ("id", "petition", "kind", "at", "actor", "text", "data"))
        owner_id = writer.next_id(PetitionOwner)
        event_id = writer.next_id(PetitionEvent)
        moment = writer.clock.moment
        owned: dict[tuple, list[tuple[int, int]]] = {}
        assigned = 0
        for petition_id, leader_key, lead, category, got in planned:
            level, code, _k = leader_key
            if lead:  # a case's rows are planned lead first
                day = min(got + 1 + int(when() * 10), today)
                assigned = Clock.local_midnight(day) + 9 * 3600 + int(when() * 28_000)
            else:
                assigned += 300
            unit = f"{names.get(code, '')}{'人民政府' if level == 'township' else UNITS.get(category, '信访局')}"
            reason = "县级以上领导包案化解" if lead and level != "township" else ""
            leader = ids[leader_key]
            at = moment(assigned)
            sink.add((owner_id, petition_id, leader, level, unit, lead, None, at, reason))
            data = owner_added_data(leader_names[leader], level, lead, unit)
            events.add((event_id, petition_id, EventKind.OWNER_ADDED.value, at, None, reason, json.dumps(data)))
            owned.setdefault(leader_key, []).append((day, petition_id))
            owner_id += 1
            event_id += 1
        writer.complete(PetitionOwner, PetitionEvent)
        return sink.count, owned

    def _visits(self, ctx: GenerationContext, cases: list[tuple], owned: dict[tuple, list]) -> dict[str, int]:
        """The reception days and down-visits of the generated leaders, with the cases they link
        (`_reception_cases`, `_carried_cases`; links are M2M rows only, as the services write them:
        the case's timeline reads them from there)."""
        rng = ctx.rng("petition-visits")
        r = rng.random
        writer = ctx.writer
        day, moment = writer.clock.day, writer.clock.moment
        today = ctx.as_of.toordinal()
        townships = ctx.townships or ctx.villages
        counties = sorted({p.code[:6] for p in townships})
        villages_of: dict[str, list] = {}
        for v in ctx.villages:
            villages_of.setdefault(v.code[:9], []).append(v.code)
        receptions = writer.sink(ReceptionDay, ("id", "created_at", "updated_at", "leader", "leader_name", "region", "held_on", "place",
                                                "person_times", "notes", "created_by"))  # fmt: skip
        visits = writer.sink(DownVisit, ("id", "created_at", "updated_at", "leader", "leader_name", "region", "visited_on",
                                         "person_times", "outcome", "created_by"))  # fmt: skip
        visit_villages = writer.sink(DownVisit.villages.through, ("id", "downvisit", "region"))
        reception_cases = writer.sink(ReceptionDay.cases.through, ("id", "receptionday", "petition"))
        visit_cases = writer.sink(DownVisit.cases.through, ("id", "downvisit", "petition"))
        reception_id = writer.next_id(ReceptionDay)
        visit_id = writer.next_id(DownVisit)
        link_id = writer.next_id(DownVisit.villages.through)
        reception_case_id = writer.next_id(ReceptionDay.cases.through)
        visit_case_id = writer.next_id(DownVisit.cases.through)
        pick = ctx.rng("petition-visit-leaders").random
        # Its own stream: the calibrated days, places and person-times above stay the same.
        linking = ctx.rng("petition-visit-cases")
        index = _CaseIndex(cases, owned)
        reception_rows, visit_rows = [], []
        for _ in range(ctx.count(RECEPTIONS_FULL)):
            held = today - int(r() * DAYS)
            at = moment(Clock.local_midnight(held) + 9 * 3600)
            county_level = counties and r() < 0.4
            region = counties[int(r() * len(counties))] if county_level else townships[int(r() * len(townships))].code
            r()  # a draw kept from when the leader was only a name: the calibrated rows stay the same
            level = "county" if county_level else "township"
            leader = (level, region, int(pick() * LEADERS_PER_REGION[level]))
            reception_rows.append((reception_id, at, at, leader, region, day(held), "信访接待室" if county_level else "乡镇便民服务中心",
                                   5 + int(r() * 31), "", None))  # fmt: skip
            for case in index.reception_cases(linking, leader, region, held):
                reception_cases.add((reception_case_id, reception_id, case[0]))
                reception_case_id += 1
            reception_id += 1
        for _ in range(ctx.count(DOWN_VISITS_FULL)):
            visited = today - int(r() * DAYS)
            at = moment(Clock.local_midnight(visited) + 9 * 3600)
            township = townships[int(r() * len(townships))]
            r()
            leader = ("township", township.code, int(pick() * LEADERS_PER_REGION["township"]))
            visit_rows.append(
                (visit_id, at, at, leader, township.code, day(visited), 5 + int(r() * 31), "现场答复群众诉求。", None)
            )
            carried = index.carried_cases(linking, leader, township.code, visited)
            for case in carried:
                visit_cases.add((visit_case_id, visit_id, case[0]))
                visit_case_id += 1
            # The villages of the cases carried; a visit that carries none goes to the township's first village.
            for code in sorted({case[1] for case in carried}) or villages_of.get(township.code[:9], [])[:1]:
                visit_villages.add((link_id, visit_id, code))
                link_id += 1
            visit_id += 1
        ids = seed_leaders(ctx, [row[3] for row in reception_rows + visit_rows])
        names = dict(get_user_model().objects.filter(pk__in=set(ids.values())).values_list("pk", "display_name"))
        for row in reception_rows:
            leader = ids[row[3]]
            receptions.add((*row[:3], leader, names[leader], *row[4:]))
        for row in visit_rows:
            leader = ids[row[3]]
            visits.add((*row[:3], leader, names[leader], *row[4:]))
        writer.complete(
            ReceptionDay, DownVisit, DownVisit.villages.through, ReceptionDay.cases.through, DownVisit.cases.through
        )
        return {
            "reception_days": receptions.count,
            "reception_day_cases": reception_cases.count,
            "down_visits": visits.count,
            "down_visit_cases": visit_cases.count,
        }


class _CaseIndex:
    """The generated cases by region (county and township codes) in the order received, and the
    cases each leader owns, for the cases a reception day or a down-visit links. A case is
    (id, region code, received, end, by visit, backlog); it is open on a day from the day it was
    received to its `end`."""

    def __init__(self, cases: list[tuple], owned: dict[tuple, list[tuple[int, int]]]):
        self.by_region: dict[str, list[tuple]] = {}
        for case in cases:  # oldest first
            code = case[1]
            self.by_region.setdefault(code[:6], []).append(case)
            if len(code) >= 9:
                self.by_region.setdefault(code[:9], []).append(case)
        self.received = {code: [case[2] for case in rows] for code, rows in self.by_region.items()}
        by_id = {case[0]: case for case in cases}
        # {leader key: [(day assigned, case)]}
        self.owned = {key: [(day, by_id[pk]) for day, pk in rows] for key, rows in owned.items()}

    def _open(self, region: str, on: int, window: int) -> list[tuple]:
        """The cases of the region's subtree received in the `window` days up to `on`, still open on it."""
        rows, received = self.by_region.get(region, ()), self.received.get(region, ())
        start, stop = bisect_left(received, on - window), bisect_right(received, on)
        return [case for case in rows[start:stop] if case[3] >= on]

    def _owned(self, leader: tuple, on: int) -> list[tuple]:
        return [case for day, case in self.owned.get(leader, ()) if day <= on <= case[3]]

    def reception_cases(self, rng, leader: tuple, region: str, held: int) -> list[tuple]:
        """A reception day's cases (1 to 3 where there are any): the visits of its region received
        that day (registered there), then the open cases its leader owns, then open cases of the
        region received by visit in the weeks before, then any open case of the region."""
        recent = self._open(region, held, RECEPTION_WINDOW)
        registered = [case for case in recent if case[2] == held and case[4]]
        visits = [case for case in recent if case[4]]
        return _pick(rng, (registered, self._owned(leader, held), visits, recent), 1 + int(rng.random() * LINKED_MAX))

    def carried_cases(self, rng, leader: tuple, township: str, visited: int) -> list[tuple]:
        """A down-visit's cases (1 to 3 where there are any), each of a village of the township
        and open on the day: those its leader owns, then backlog cases, then the others."""
        owned = [case for case in self._owned(leader, visited) if len(case[1]) > 9]
        recent = [case for case in self._open(township, visited, DOWN_VISIT_WINDOW) if len(case[1]) > 9]
        backlog = [case for case in recent if case[5]]
        return _pick(rng, (owned, backlog, recent), 1 + int(rng.random() * LINKED_MAX))
