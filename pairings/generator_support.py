"""The seed data of counterpart support (对口支援), village links (联村帮户) with their cadres,
projects and trainings, and stationed cadres (蹲点), registered in seeding.generators as "support".

It builds on the units and cadres of the pairings generator (which runs first) and refuses with a
clear message when the province has none. Figures at scale 1.0, as the source text gives them
(`expected_figures` derives them from the constants below; a test holds the generated data to them):
- counterpart support: every Tibetan-area county (regions flagged `is_tibetan_area`; 32 in Sichuan)
  is supported by one of the 16 supporting cities (the first 16 prefectures, by code, that hold no
  Tibetan-area county; their city government, each city two counties) and by one provincial
  department; 1,377 cadres sent, cadres of the supporting city's or department's units, each once;
- village links: 168 units (of province, prefecture and county level) linked to 760 villages, each
  village linked once; the villages drawn from the counties hit hardest by the Wenchuan (2008) and
  Lushan (2013) earthquakes, topped up from the province's other villages; 684 industry projects
  among 2,164 projects (the other kinds are not given by the source text: plausible numbers);
  380 trainings of 15,200 person-times;
- stationed cadres: 400,000 stays in villages and communities, by cadres of the county (mostly),
  the prefecture or the province.
All dates fall within the two years before `as_of`, and keep the services' rules: periods end
after they start and inside their assignment's or link's, a project's dates match its status,
`first_for_*` flags mark the first record of each county, village and unit.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import chain

from django.utils.translation import gettext as _

from core.exceptions import ServiceError
from pairings.choices import ProjectKind, ProjectStatus, UnitKind
from pairings.models import (
    Cadre,
    LinkCadre,
    LinkProject,
    Stay,
    SupportAssignment,
    SupportCadre,
    Training,
    Unit,
    VillageLink,
)
from regions.choices import Level
from regions.models import Region
from seeding.generators import Clock, GenerationContext, SourceGenerator, register
from seeding.generators.ledgers import spread

SUPPORT_CADRES_FULL = 1_377
SUPPORTING_CITIES = 16
LINK_UNITS_FULL = 168
LINK_VILLAGES_FULL = 760
LINK_CADRES_PER_VILLAGE = (1, 2, 2, 3)  # drawn per link
PROJECTS_FULL = {
    ProjectKind.INDUSTRY: 684,
    ProjectKind.WATER: 420,
    ProjectKind.ROADS: 380,
    ProjectKind.HOUSING: 520,
    ProjectKind.OTHER: 160,
}
# Funds per project, in yuan: (lowest, highest) by kind.
PROJECT_FUNDS_YUAN = {
    ProjectKind.INDUSTRY: (50_000, 2_000_000),
    ProjectKind.WATER: (30_000, 800_000),
    ProjectKind.ROADS: (100_000, 3_000_000),
    ProjectKind.HOUSING: (200_000, 5_000_000),
    ProjectKind.OTHER: (10_000, 300_000),
}
PROJECT_STATUSES = ((ProjectStatus.COMPLETED, 65), (ProjectStatus.UNDER_WAY, 25), (ProjectStatus.PLANNED, 10))
TRAININGS_FULL = 380
TRAINING_PERSON_TIMES_FULL = 15_200
STAYS_FULL = 400_000
DAYS = 730
# The counties hit hardest by the 2008 Wenchuan and 2013 Lushan earthquakes (national codes of 2023).
AFFECTED_COUNTIES = (
    "513221", "513222", "513223", "510726", "510727", "510705", "510683", "510682", "510181", "510182",
    "510822", "511826", "511827", "511825", "511822", "511803", "511802",
)  # fmt: skip
PROJECT_NAMES = {
    ProjectKind.INDUSTRY: ("特色种植基地", "生态养殖合作社", "农产品加工坊", "乡村旅游民宿", "电商服务站"),
    ProjectKind.WATER: ("人饮安全工程", "灌溉渠修复", "山坪塘整治", "堤防加固"),
    ProjectKind.ROADS: ("通组公路硬化", "便民桥重建", "产业路修建"),
    ProjectKind.HOUSING: ("农房重建", "危房加固", "集中安置点建设"),
    ProjectKind.OTHER: ("村级活动阵地建设", "卫生室改造", "文化广场建设"),
}
TRAINING_TOPICS = ("种养殖实用技术", "农村电商", "家政服务技能", "建筑施工技能", "乡村旅游接待", "防灾减灾知识",
                   "农机操作与维修", "特色农产品加工")  # fmt: skip
STAY_PURPOSES = ("调研群众生产生活困难", "指导村（社区）换届选举", "化解矛盾纠纷", "推动民生项目落地",
                 "帮助建强基层党组织", "灾后恢复重建督导")  # fmt: skip
STAY_WORK = ("走访农户，收集意见建议并登记台账", "召开院坝会，宣讲政策", "协调解决饮水、道路问题",
             "帮助完善村规民约", "指导成立产业合作社", "")  # fmt: skip
STAY_DAYS = (3, 5, 7, 7, 10, 15, 30)
SUPPORT_TERMS = (365, 548, 730, 1095)  # a cadre serves one year, eighteen months, two or three years


def expected_figures(scale: float = 1.0, *, tibetan_counties: int = 32) -> dict[str, int]:
    """The province's figures the constants give at `scale`, when the province has enough units,
    cadres and villages (as a seeded province has)."""

    def count(full: int) -> int:
        return max(0, round(full * scale))

    projects = {kind: count(n) for kind, n in PROJECTS_FULL.items()}
    return {
        "support_counties": tibetan_counties,
        "support_assignments": 2 * tibetan_counties,
        "support_cadres_sent": count(SUPPORT_CADRES_FULL) if tibetan_counties else 0,
        "link_units": max(1, count(LINK_UNITS_FULL)) if count(LINK_VILLAGES_FULL) else 0,
        "link_villages": count(LINK_VILLAGES_FULL),
        "village_links": count(LINK_VILLAGES_FULL),
        "link_projects": sum(projects.values()),
        **{f"link_projects_by_kind.{kind}": n for kind, n in projects.items()},
        "link_trainings": count(TRAININGS_FULL),
        "link_training_person_times": count(TRAINING_PERSON_TIMES_FULL),
        "stay_person_times": count(STAYS_FULL),
    }


def _weighted(pairs) -> list:
    return [key for key, weight in pairs for _ in range(weight)]


@register
class SupportGenerator(SourceGenerator):
    key = "support"
    requires = ("pairings",)
    models = (SupportAssignment, SupportCadre, VillageLink, LinkCadre, LinkProject, Training, Stay)
    region_paths = {
        "pairings.SupportAssignment": "region__code",
        "pairings.SupportCadre": "region__code",
        "pairings.VillageLink": "region__code",
        "pairings.LinkCadre": "region__code",
        "pairings.LinkProject": "region__code",
        "pairings.Training": "region__code",
        "pairings.Stay": "region__code",
    }

    def existing_rows(self, province: str) -> int:
        return sum(
            model.objects.filter(region__code__startswith=province).count()
            for model in (SupportAssignment, VillageLink, Stay)
        )

    def generate(self, ctx: GenerationContext) -> dict[str, int]:
        self.ctx = ctx
        self.clock = ctx.writer.clock
        self.today = ctx.as_of.toordinal()
        self.created = self.clock.moment(ctx.now)
        self._read(ctx)
        rows = {}
        rows.update(self._support())
        rows.update(self._links())
        rows["stays"] = self._stays()
        return rows

    # --- what the pairings generator made ---------------------------------------------------------
    def _read(self, ctx) -> None:
        province = ctx.province
        self.units = list(
            Unit.objects.filter(region__code__startswith=province, is_active=True)
            .order_by("id")
            .values_list("id", "region_id", "level", "kind")
        )
        cadres_by_unit: dict[int, list[int]] = defaultdict(list)
        cadres_by_home: dict[str, list[int]] = defaultdict(list)
        for pk, unit_id, home in (
            Cadre.objects.filter(home_region__code__startswith=province, is_active=True)
            .order_by("id")
            .values_list("id", "unit_id", "home_region_id")
            .iterator(chunk_size=20_000)
        ):
            cadres_by_unit[unit_id].append(pk)
            # Pooled by county (or the prefecture or province a unit sits in) for the stays.
            cadres_by_home[home[:6] if len(home) >= 6 else home].append(pk)
        if not self.units or not cadres_by_home:
            raise ServiceError(
                _(
                    "生成对口支援、联村帮户和蹲点数据需要 %(code)s 的机关单位和干部：请先（或同时）生成结对帮扶数据（pairings）。"
                )
                % {"code": province},
                code="no_cadres",
            )
        self.cadres_by_unit, self.cadres_by_home = cadres_by_unit, cadres_by_home
        regions = list(
            Region.objects.filter(code__startswith=province, level__in=(Level.PREFECTURE, Level.COUNTY))
            .order_by("code")
            .values_list("code", "level", "is_tibetan_area")
        )
        # Only the counties of this run's places (the demo generates the province in two passes),
        # and not one supported already: each county's support is generated once.
        here = {place.code[:6] for place in ctx.villages}
        supported = set(
            SupportAssignment.objects.filter(region__code__startswith=province).values_list("region_id", flat=True)
        )
        self.tibetan_counties = [
            code
            for code, level, tib in regions
            if level == Level.COUNTY and tib and code in here and code not in supported
        ]
        self.linked_units = set(
            VillageLink.objects.filter(region__code__startswith=province).values_list("unit_id", flat=True)
        )
        self.linked_villages = set(
            VillageLink.objects.filter(region__code__startswith=province).values_list("region_id", flat=True)
        )
        tibetan_prefectures = {code[:4] for code in self.tibetan_counties}
        self.cities = [
            code for code, level, _t in regions if level == Level.PREFECTURE and code not in tibetan_prefectures
        ][:SUPPORTING_CITIES]

    def _period(self, start: int, days: int) -> tuple[str, str | None]:
        end = start + days
        return self.clock.day(start), (self.clock.day(end) if end <= self.today else None)

    # --- 对口支援 ------------------------------------------------------------------------------------
    def _support(self) -> dict[str, int]:
        ctx, clock = self.ctx, self.clock
        rng = ctx.rng("support:counterpart")
        r = rng.random
        counties = self.tibetan_counties
        by_region = defaultdict(list)
        for pk, region, _level, kind in self.units:
            by_region[region].append((pk, kind))
        city_units = []
        for city in self.cities:
            units = by_region.get(city) or []
            government = [pk for pk, kind in units if kind == UnitKind.CITY_GOVERNMENT]
            if units:
                city_units.append((government or [units[0][0]])[0])
        departments = [pk for pk, _kind in by_region.get(ctx.province, [])]
        assignments = []  # (id, unit, county, start ordinal)
        sink = ctx.writer.sink(SupportAssignment, ("id", "created_at", "updated_at", "version", "created_by", "unit",
                                                   "region", "started_on", "ended_on", "note", "first_for_county"))  # fmt: skip
        assignment_id = ctx.writer.next_id(SupportAssignment)
        start = self.today - DAYS + 30  # the current round began about two years ago
        for index, county in enumerate(counties):
            supporters = []
            if city_units:
                supporters.append(("city", city_units[index * len(city_units) // len(counties)]))
            if departments:
                supporters.append(("department", departments[index % len(departments)]))
            for position, (role, unit) in enumerate(supporters):
                began = start + int(r() * 30)
                sink.add((assignment_id, self.created, self.created, 1, None, unit, county, clock.day(began), None,
                          "", position == 0))  # fmt: skip
                assignments.append((assignment_id, unit, county, began, role))
                assignment_id += 1
        sink.flush()
        # Cadres: of the supporting unit first, then of the city's (or the province's) other units; each once.
        unit_region = {pk: region for pk, region, _l, _k in self.units}
        used: set[int] = set()
        cadre_sink = ctx.writer.sink(SupportCadre, ("id", "created_at", "updated_at", "version", "created_by",
                                                    "assignment", "cadre", "region", "started_on", "ended_on"))  # fmt: skip
        cadre_id = ctx.writer.next_id(SupportCadre)
        weights = [2.0 if role == "city" else 1.0 for *_rest, role in assignments]
        counts = spread(rng, ctx.count(SUPPORT_CADRES_FULL), weights) if assignments else []
        same_region = defaultdict(list)
        for other, region in unit_region.items():
            same_region[region].append(other)
        anywhere = [pk for pks in self.cadres_by_home.values() for pk in pks[:20]]
        for (pk, unit, county, began, _role), n in zip(assignments, counts, strict=True):
            region = unit_region[unit]
            # The unit's own cadres, then its city's (or the province's) other units', then any.
            pool = chain(
                self.cadres_by_unit.get(unit, ()),
                (c for other in same_region[region] for c in self.cadres_by_unit.get(other, ())),
                anywhere,
            )
            picked = []
            for cadre in pool:
                if len(picked) == n:
                    break
                if cadre not in used:
                    used.add(cadre)
                    picked.append(cadre)
            for cadre in picked:
                served = began + int(r() * max(1, self.today - began))
                started, ended = self._period(served, SUPPORT_TERMS[int(r() * len(SUPPORT_TERMS))])
                cadre_sink.add((cadre_id, self.created, self.created, 1, None, pk, cadre, county, started, ended))
                cadre_id += 1
        ctx.writer.complete(SupportAssignment, SupportCadre)
        return {"support_assignments": sink.count, "support_cadres": cadre_sink.count}

    # --- 联村帮户 ------------------------------------------------------------------------------------
    def _villages(self, rng) -> list:
        rural = [p for p in self.ctx.villages if not p.is_community and p.code not in self.linked_villages]
        affected = [p for p in rural if p.code[:6] in AFFECTED_COUNTIES]
        others = [p for p in rural if p.code[:6] not in AFFECTED_COUNTIES]
        n = self.ctx.count(LINK_VILLAGES_FULL)
        picked = rng.sample(affected, min(n, len(affected)))
        if len(picked) < n:
            picked += rng.sample(others, min(n - len(picked), len(others)))
        return sorted(picked, key=lambda p: p.code)

    def _links(self) -> dict[str, int]:
        ctx, clock, writer = self.ctx, self.clock, self.ctx.writer
        rng = ctx.rng("support:links")
        r = rng.random
        villages = self._villages(rng)
        candidates = [pk for pk, _region, level, _kind in self.units if level <= Level.COUNTY]
        units = sorted(rng.sample(candidates, min(max(1, ctx.count(LINK_UNITS_FULL)), len(candidates), len(villages))))
        links = writer.sink(VillageLink, ("id", "created_at", "updated_at", "version", "created_by", "unit", "region",
                                          "started_on", "ended_on", "note", "first_for_village", "first_for_unit"))  # fmt: skip
        link_cadres = writer.sink(LinkCadre, ("id", "created_at", "updated_at", "version", "created_by", "link",
                                              "cadre", "region", "started_on", "ended_on"))  # fmt: skip
        link_id, link_cadre_id = writer.next_id(VillageLink), writer.next_id(LinkCadre)
        made = []  # (link id, village code, start ordinal)
        seen_units: set[int] = set(self.linked_units)  # a unit counts once, on its first link
        for index, village in enumerate(villages if units else []):
            # Each unit takes a run of neighbouring villages (the villages are sorted by code).
            unit = units[index * len(units) // len(villages)]
            began = self.today - DAYS + int(r() * 180)
            links.add((link_id, self.created, self.created, 1, None, unit, village.code, clock.day(began), None, "",
                       True, unit not in seen_units))  # fmt: skip
            seen_units.add(unit)
            pool = self.cadres_by_unit.get(unit) or self.cadres_by_home.get(village.code[:6]) or []
            n = LINK_CADRES_PER_VILLAGE[int(r() * len(LINK_CADRES_PER_VILLAGE))]
            offset = int(r() * max(1, len(pool)))
            for cadre in dict.fromkeys(pool[(offset + k) % len(pool)] for k in range(min(n, len(pool)))):
                started, ended = self._period(began + int(r() * 60), 365 + int(r() * 365))
                link_cadres.add((link_cadre_id, self.created, self.created, 1, None, link_id, cadre, village.code,
                                 started, ended))  # fmt: skip
                link_cadre_id += 1
            made.append((link_id, village, began))
            link_id += 1
        writer.complete(VillageLink, LinkCadre)
        rows = {"village_links": links.count, "link_cadres": link_cadres.count}
        rows["link_projects"] = self._projects(rng, made)
        rows["trainings"] = self._trainings(rng, made)
        return rows

    def _projects(self, rng, links) -> int:
        writer, clock, r = self.ctx.writer, self.clock, rng.random
        sink = writer.sink(LinkProject, ("id", "created_at", "updated_at", "version", "created_by", "link", "region",
                                         "name", "kind", "funds_fen", "status", "planned_on", "started_on",
                                         "completed_on"))  # fmt: skip
        project_id = writer.next_id(LinkProject)
        statuses = _weighted(PROJECT_STATUSES)
        for kind, full in PROJECTS_FULL.items():
            names = PROJECT_NAMES[kind]
            low, high = PROJECT_FUNDS_YUAN[kind]
            for _n in range(self.ctx.count(full) if links else 0):
                link, village, began = links[int(r() * len(links))]
                planned = began + int(r() * max(1, self.today - began - 30))
                status = statuses[int(r() * len(statuses))]
                started = completed = None
                if status != ProjectStatus.PLANNED:
                    started = min(planned + 15 + int(r() * 60), self.today)
                if status == ProjectStatus.COMPLETED:
                    completed = min(started + 30 + int(r() * 240), self.today)
                version = {ProjectStatus.PLANNED: 1, ProjectStatus.UNDER_WAY: 2, ProjectStatus.COMPLETED: 3}[status]
                funds = (low + int(r() * (high - low)) // 1000 * 1000) * 100
                sink.add((project_id, self.created, self.created, version, None, link, village.code,
                          f"{village.name}{names[int(r() * len(names))]}", kind, funds, status, clock.day(planned),
                          None if started is None else clock.day(started),
                          None if completed is None else clock.day(completed)))  # fmt: skip
                project_id += 1
        writer.complete(LinkProject)
        return sink.count

    def _trainings(self, rng, links) -> int:
        writer, clock, r = self.ctx.writer, self.clock, rng.random
        sink = writer.sink(Training, ("id", "created_at", "updated_at", "version", "created_by", "link", "region",
                                      "held_on", "topic", "person_times"))  # fmt: skip
        n = self.ctx.count(TRAININGS_FULL) if links else 0
        total = self.ctx.count(TRAINING_PERSON_TIMES_FULL) if n else 0
        n = min(n, total)
        # Each training at least one person-time; the rest spread over them, some larger than others.
        extra = spread(rng, total - n, [0.5 + r() for _ in range(n)])
        training_id = writer.next_id(Training)
        for index in range(n):
            link, village, began = links[index * len(links) // n] if n <= len(links) else links[index % len(links)]
            held = began + 1 + int(r() * max(1, self.today - began - 1))
            sink.add((training_id, self.created, self.created, 1, None, link, village.code, clock.day(min(held, self.today)),
                      TRAINING_TOPICS[int(r() * len(TRAINING_TOPICS))], 1 + extra[index]))  # fmt: skip
            training_id += 1
        writer.complete(Training)
        return sink.count

    # --- 蹲点 ------------------------------------------------------------------------------------------
    def _stays(self) -> int:
        ctx, writer, clock = self.ctx, self.ctx.writer, self.clock
        rng = ctx.rng("support:stays")
        r = rng.random
        villages = ctx.villages
        counts = spread(rng, ctx.count(STAYS_FULL), [1.0] * len(villages))
        by_home = self.cadres_by_home
        anywhere = [pk for pks in by_home.values() for pk in pks[:20]]
        sink = writer.sink(Stay, ("id", "created_at", "updated_at", "version", "created_by", "cadre", "region",
                                  "started_on", "ended_on", "purpose", "work_done"))  # fmt: skip
        stay_id = writer.next_id(Stay)
        moment = clock.moment
        for village, n in zip(villages, counts, strict=True):
            if not n:
                continue
            code = village.code
            pools = [by_home.get(code[:6]), by_home.get(code[:4]), by_home.get(code[:2])]
            pools = [p for p in pools if p] or [anywhere]
            for _n in range(n):
                x = r()
                pool = pools[0] if x < 0.7 or len(pools) == 1 else pools[1] if x < 0.9 or len(pools) == 2 else pools[2]
                cadre = pool[int(r() * len(pool))]
                start = self.today - int(r() * DAYS)
                end = start + STAY_DAYS[int(r() * len(STAY_DAYS))]
                created = moment(Clock.local_midnight(start) + 32_400)
                if end > self.today:  # still there
                    sink.add((stay_id, created, created, 1, None, cadre, code, clock.day(start), None,
                              STAY_PURPOSES[int(r() * len(STAY_PURPOSES))], ""))  # fmt: skip
                else:
                    sink.add((stay_id, created, created, 1, None, cadre, code, clock.day(start), clock.day(end),
                              STAY_PURPOSES[int(r() * len(STAY_PURPOSES))], STAY_WORK[int(r() * len(STAY_WORK))]))  # fmt: skip
                stay_id += 1
        writer.complete(Stay)
        return sink.count
