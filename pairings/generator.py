"""The pairings' part of the seed data: units at every level, cadres, households (farmer and
herder households, a few monasteries), 2.2 million active pairs over the real villages, visits,
must-visit events with their owed visits, and one Warm Winter campaign.

Figures at scale 1.0 (as `pairings/metrics.py` counts them; `expected_figures` derives them from
the constants below): active pairs 2,200,000 exactly; in the Tibetan-area counties (villages
flagged `is_tibetan_area`) 255,000 households paired as kin with 62,000 cadres (280,000 kin
pairs: one kin household in ten has two kin cadres); the rest help pairs, 1,650,000 households
with one or two cadres from 480,000 cadres. Kin cadres come from the provincial departments and
the other cities' units (counterpart support); help cadres from the county's, the prefecture's
and the province's units. Visits ~650,000 (routine, sending, Warm Winter in the campaign window)
plus the must-visits; 20,000 must-visit events on distinct households, each owing one visit per
active paired cadre, most fulfilled (on time or late), the rest overdue or still owed.

Rows are written in bulk (COPY on PostgreSQL), county by county; each cadre's and household's
active-pair counters are computed as the pairs are drawn, so the figures' facts hold without a
recount. Personal numbers are left blank (optional fields; encrypting costs ~13 us a value).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from pairings.choices import (
    MUST_VISIT_DUE_DAYS_DEFAULT,
    MustVisitKind,
    OwedStatus,
    PairKind,
    PairStatus,
    TargetKind,
    UnitKind,
    VisitKind,
)
from pairings.models import Cadre, Campaign, Household, MustVisitEvent, OwedVisit, Pair, Unit, Visit
from regions.choices import Level
from regions.models import Region
from seeding.generators import Clock, GenerationContext, SourceGenerator, register
from seeding.generators.ledgers import _People
from seeding.generators.ledgers import spread as spread_counts

PAIRS_FULL = 2_200_000
KIN_HOUSEHOLDS_FULL = 255_000
KIN_PAIRS_FULL = 280_000
KIN_CADRES_FULL = 62_000
HELP_HOUSEHOLDS_FULL = 1_650_000
HELP_CADRES_FULL = 480_000
ENDED_SHARE = 0.02  # ended pairs, besides the active ones
VISITS_FULL = 650_000
EVENTS_FULL = 20_000
MONASTERY_SHARE = 0.01  # of kin targets
UNITS_PER_LEVEL = {Level.PROVINCE: 60, Level.PREFECTURE: 35, Level.COUNTY: 25}
VISIT_KINDS = ((VisitKind.ROUTINE, 60), (VisitKind.SENDING, 15), (VisitKind.WARM_WINTER, 25))
EVENT_KINDS = ((MustVisitKind.ILLNESS, 40), (MustVisitKind.DISASTER, 20), (MustVisitKind.DROPOUT, 15),
               (MustVisitKind.DEATH, 15), (MustVisitKind.THINKING, 10))  # fmt: skip
FULFIL_SHARE = 0.85  # of owed visits whose cadre visits (most within the due days)
DEPARTMENTS = ("组织部", "宣传部", "统战部", "政法委", "发展和改革局", "教育局", "民政局", "财政局", "人力资源和社会保障局",
               "自然资源局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "卫生健康委员会", "应急管理局",
               "市场监督管理局", "乡村振兴局", "林业和草原局", "文化广播电视和旅游局", "医院", "中学", "供电公司",
               "农商银行", "疾病预防控制中心")  # fmt: skip
POSTS = ("科员", "副科长", "科长", "副局长", "主任科员", "干部", "医生", "教师", "技术员")


def expected_figures(scale: float = 1.0) -> dict[str, float]:
    """The province's figures the constants give at `scale` (with Tibetan-area villages present)."""
    kin_pairs = round(KIN_PAIRS_FULL * scale)
    return {
        "pairs_active": round(PAIRS_FULL * scale),
        "pairs_active_kin": kin_pairs,
        "pairs_active_help": round(PAIRS_FULL * scale) - kin_pairs,
        "pair_households_kin": round(KIN_HOUSEHOLDS_FULL * scale),
        "pair_cadres_kin": round(KIN_CADRES_FULL * scale),
        "pair_households_paired": round(KIN_HOUSEHOLDS_FULL * scale) + round(HELP_HOUSEHOLDS_FULL * scale),
        "pair_cadres_paired": round((KIN_CADRES_FULL + HELP_CADRES_FULL) * scale),
        "must_visit_events": round(EVENTS_FULL * scale),
        "pair_visits": VISITS_FULL * scale,
    }


def _weighted(pairs) -> list:
    return [key for key, weight in pairs for _ in range(weight)]


def _even(index: int, total: int, extra: int) -> bool:
    """Whether item `index` of `total` is one of `extra` spread evenly (exactly `extra` of them)."""
    return total > 0 and (index + 1) * extra // total != index * extra // total


@register
class PairingGenerator(SourceGenerator):
    key = "pairings"
    demo_share = 0.3  # 20,000 active pairs in the demo province rather than 66,000
    models = (Unit, Cadre, Household, Pair, Visit, MustVisitEvent, OwedVisit, Campaign)
    region_paths = {
        "pairings.Unit": "region__code",
        "pairings.Cadre": "home_region__code",
        "pairings.Household": "region__code",
        "pairings.Pair": "region__code",
        "pairings.Visit": "region__code",
        "pairings.MustVisitEvent": "region__code",
        "pairings.OwedVisit": "region__code",
        "pairings.Campaign": "region__code",
    }

    def generate(self, ctx: GenerationContext) -> dict[str, int]:
        self.ctx, w = ctx, ctx.writer
        self.clock = w.clock
        self.as_of = ctx.as_of.toordinal()
        self.created = self.clock.moment(ctx.now)
        self.people = _People(ctx.rng("pairings:people"))
        self.rng = ctx.rng("pairings")
        rows = {"pair_units": self._units()}
        w.complete(Unit)
        self.sinks = {
            "cadres": w.sink(Cadre, ("id", "created_at", "updated_at", "version", "created_by", "name", "unit", "post",
                                     "is_party_member", "phone", "phone_hash", "id_number", "id_hash", "home_region",
                                     "user", "is_active", "active_pairs", "active_kin_pairs")),
            "households": w.sink(Household, ("id", "created_at", "updated_at", "version", "created_by", "kind", "region",
                                             "hardship_household", "head_name", "head_id_number", "head_id_hash",
                                             "phone", "address", "member_count", "active_pairs", "active_kin_pairs")),
            "pairs": w.sink(Pair, ("id", "created_at", "updated_at", "version", "created_by", "cadre", "household",
                                   "region", "kind", "status", "started_on", "ended_on", "end_reason", "cadre_user")),
            "visits": w.sink(Visit, ("id", "created_at", "updated_at", "pair", "cadre", "household", "region",
                                     "visited_on", "kind", "found", "help_money_fen", "help_goods", "help_service",
                                     "follow_up_needed", "follow_up", "first_of_season", "created_by", "cadre_user")),
            "events": w.sink(MustVisitEvent, ("id", "created_at", "updated_at", "household", "region", "kind",
                                              "occurred_on", "note", "source_hardship", "source_matter",
                                              "recorded_by")),
            "owed": w.sink(OwedVisit, ("id", "event", "pair", "cadre", "household", "region", "kind", "event_on",
                                       "due_on", "status", "visit", "fulfilled_on", "on_time", "created_at", "cadre_user")),
        }  # fmt: skip
        self.ids = {name: w.next_id(model) for name, model in (("cadres", Cadre), ("households", Household),
                    ("pairs", Pair), ("visits", Visit), ("events", MustVisitEvent), ("owed", OwedVisit))}  # fmt: skip
        self.counts = defaultdict(int)
        self._campaign_window()
        self._pairs()
        for sink in self.sinks.values():
            sink.flush()
        names = ("cadres", "households", "pairs", "visits", "events", "owed")
        rows.update({("pairs" if name == "pairs" else f"pair_{name}"): self.counts[name] for name in names})
        rows["pair_campaigns"] = self._campaign()
        return rows

    # --- units -------------------------------------------------------------------------------------
    def _units(self) -> int:
        ctx = self.ctx
        regions = list(
            Region.objects.filter(code__startswith=ctx.province, level__lte=Level.COUNTY)
            .order_by("code")
            .values_list("code", "name", "level", "is_tibetan_area")
        )
        self.tibetan_counties = {code for code, _n, level, tib in regions if level == Level.COUNTY and tib}
        self.tibetan_villages = set(
            Region.objects.filter(code__startswith=ctx.province, level=Level.VILLAGE, is_tibetan_area=True).values_list(
                "code", flat=True
            )
        )
        sink = self.ctx.writer.sink(Unit, ("id", "created_at", "updated_at", "version", "created_by", "name", "level",
                                            "region", "kind", "parent", "is_active"))  # fmt: skip
        unit_id = ctx.writer.next_id(Unit)
        self.units_by_region: dict[str, list[int]] = defaultdict(list)
        self.unit_region: dict[int, str] = {}
        # Units a previous pass made (the demo generates the province, then one county densely):
        # reused, never made twice (a unit's name is unique in its region).
        existing: set[tuple[str, str]] = set()
        for pk, code, name in Unit.objects.filter(region__code__startswith=ctx.province).values_list(
            "id", "region_id", "name"
        ):
            existing.add((code, name))
            self.units_by_region[code].append(pk)
            self.unit_region[pk] = code
        for code, name, level, _tib in regions:
            n = max(1, ctx.count(UNITS_PER_LEVEL[level]))
            for index in range(n):
                department = DEPARTMENTS[index % len(DEPARTMENTS)]
                suffix = "" if index < len(DEPARTMENTS) else str(index // len(DEPARTMENTS) + 1)
                kind = (UnitKind.STATE_ENTERPRISE if department in ("供电公司", "农商银行") else
                        UnitKind.PUBLIC_INSTITUTION if department in ("医院", "中学", "疾病预防控制中心") else
                        UnitKind.PARTY_GOVERNMENT)  # fmt: skip
                parent = self.units_by_region[code[:-2] if level > Level.PROVINCE else ""][:1]
                if (code, f"{name}{department}{suffix}") in existing:
                    continue
                sink.add((unit_id, self.created, self.created, 1, None, f"{name}{department}{suffix}", int(level), code,
                          kind, parent[0] if parent else None, True))  # fmt: skip
                self.units_by_region[code].append(unit_id)
                self.unit_region[unit_id] = code
                unit_id += 1
            # A city's own government (the 16 supporting cities of counterpart support are cities).
            if level == Level.PREFECTURE and (code, f"{name}人民政府") not in existing:
                sink.add((unit_id, self.created, self.created, 1, None, f"{name}人民政府", int(level), code,
                          UnitKind.CITY_GOVERNMENT, (self.units_by_region[code[:2]] or [None])[0], True))  # fmt: skip
                self.units_by_region[code].append(unit_id)
                self.unit_region[unit_id] = code
                unit_id += 1
        for place in ctx.townships:
            if (place.code, f"{place.name}人民政府") in existing:
                continue
            sink.add((unit_id, self.created, self.created, 1, None, f"{place.name}人民政府", int(Level.TOWNSHIP),
                      place.code, UnitKind.PARTY_GOVERNMENT, (self.units_by_region[place.code[:6]] or [None])[0],
                      True))  # fmt: skip
            self.units_by_region[place.code].append(unit_id)
            self.unit_region[unit_id] = place.code
            unit_id += 1
        sink.flush()
        return sink.count

    # --- pairs ------------------------------------------------------------------------------------
    def _pairs(self) -> None:
        ctx, rng = self.ctx, self.rng
        villages = ctx.villages
        weights = [1.0 for _ in villages]
        kin_places = [i for i, v in enumerate(villages) if v.code in self.tibetan_villages]
        kin_households = ctx.count(KIN_HOUSEHOLDS_FULL) if kin_places else 0
        kin_pairs = min(ctx.count(KIN_PAIRS_FULL), 2 * kin_households) if kin_places else 0
        help_pairs = ctx.count(PAIRS_FULL) - kin_pairs
        help_households = min(ctx.count(HELP_HOUSEHOLDS_FULL), help_pairs)
        help_counts = spread_counts(rng, help_households, weights)
        kin_counts = [0] * len(villages)
        for i, n in zip(kin_places, spread_counts(rng, kin_households, [1.0] * len(kin_places)), strict=True):
            kin_counts[i] = n
        # Per county: the households and pairs its villages get.
        by_county: dict[str, list[int]] = defaultdict(list)
        for i, v in enumerate(villages):
            by_county[v.code[:6]].append(i)
        counties = sorted(by_county)
        county_help_pairs, county_kin_pairs = {}, {}
        help_index, kin_index = 0, 0
        self.double = {}
        for county in counties:
            hp = kp = 0
            for i in by_county[county]:
                for _ in range(help_counts[i]):
                    two = _even(help_index, help_households, help_pairs - help_households)
                    hp += 2 if two else 1
                    help_index += 1
                for _ in range(kin_counts[i]):
                    two = _even(kin_index, kin_households, kin_pairs - kin_households)
                    kp += 2 if two else 1
                    kin_index += 1
            county_help_pairs[county], county_kin_pairs[county] = hp, kp
        help_cadres = spread_counts(rng, ctx.count(HELP_CADRES_FULL), [county_help_pairs[c] or 0.001 for c in counties])
        kin_cadres = spread_counts(rng, ctx.count(KIN_CADRES_FULL) if kin_pairs else 0,
                                   [county_kin_pairs[c] or 0.001 for c in counties])  # fmt: skip
        # Units kin cadres come from: the province's and the non-Tibetan prefectures' (counterpart support).
        support_units = [u for code, ids in self.units_by_region.items() if len(code) <= 4
                         and not (len(code) == 4 and code in {c[:4] for c in self.tibetan_counties}) for u in ids]  # fmt: skip
        help_index = kin_index = 0
        for county, help_n, kin_n in zip(counties, help_cadres, kin_cadres, strict=True):
            help_pool = self._cadres(county, min(max(help_n, 2), county_help_pairs[county]), None)
            kin_pool = self._cadres(county, min(max(kin_n, 2), county_kin_pairs[county]), support_units)
            help_cursor = kin_cursor = 0
            for i in by_county[county]:
                village = villages[i]
                for kin, count in ((False, help_counts[i]), (True, kin_counts[i])):
                    pool = kin_pool if kin else help_pool
                    for _ in range(count):
                        if kin:
                            two = _even(kin_index, kin_households, kin_pairs - kin_households)
                            kin_index += 1
                            cadres = [pool[kin_cursor % len(pool)], pool[(kin_cursor + 1) % len(pool)]][: 1 + two]
                            kin_cursor += len(cadres)
                        else:
                            two = _even(help_index, help_households, help_pairs - help_households)
                            help_index += 1
                            cadres = [pool[help_cursor % len(pool)], pool[(help_cursor + 1) % len(pool)]][: 1 + two]
                            help_cursor += len(cadres)
                        self._household(village, cadres, kin)
            for cadre in help_pool + kin_pool:
                self._write_cadre(cadre)

    def _cadres(self, county: str, n: int, support_units) -> list[dict]:
        r = self.rng.random
        pool = []
        local = self.units_by_region.get(county) or self.units_by_region.get(county[:4]) or [
            u for ids in self.units_by_region.values() for u in ids[:1]]  # fmt: skip
        prefecture = self.units_by_region.get(county[:4], local)
        province = self.units_by_region.get(county[:2], local)
        for _ in range(n):
            if support_units:
                unit = support_units[int(r() * len(support_units))]
            else:
                x = r()
                choice = local if x < 0.7 else prefecture if x < 0.9 else province
                unit = choice[int(r() * len(choice))]
            pool.append({"id": self.ids["cadres"], "unit": unit, "active": 0, "kin": 0,
                         "name": self.people.name(county), "party": r() < 0.8})  # fmt: skip
            self.ids["cadres"] += 1
        return pool

    def _write_cadre(self, cadre: dict) -> None:
        post = POSTS[cadre["id"] % len(POSTS)]
        self.sinks["cadres"].add((cadre["id"], self.created, self.created, 1, None, cadre["name"], cadre["unit"], post,
                                  cadre["party"], "", "", "", "", self.unit_region[cadre["unit"]], None, True,
                                  cadre["active"], cadre["kin"]))  # fmt: skip
        self.counts["cadres"] += 1

    def _household(self, village, cadres: list[dict], kin: bool) -> None:
        r = self.rng.random
        household_id = self.ids["households"]
        self.ids["households"] += 1
        kind = TargetKind.MONASTERY if kin and r() < MONASTERY_SHARE else TargetKind.HOUSEHOLD
        name = f"{village.name}寺" if kind == TargetKind.MONASTERY else self.people.name(village.code)
        pair_kind = PairKind.KIN if kin else PairKind.HELP
        n = len(cadres)
        self.sinks["households"].add((household_id, self.created, self.created, 1, None, kind, village.code, None, name,
                                      "", "", "", f"{village.township_name}{village.name}{1 + int(r() * 9)}组",
                                      1 + int(r() * 6), n, n if kin else 0))  # fmt: skip
        self.counts["households"] += 1
        pairs = []
        for cadre in cadres:
            pair_id = self.ids["pairs"]
            self.ids["pairs"] += 1
            started = self.as_of - 450 - int(r() * 1100)
            self.sinks["pairs"].add((pair_id, self.created, self.created, 1, None, cadre["id"], household_id,
                                     village.code, pair_kind, PairStatus.ACTIVE, self.clock.day(started), None, "", None))  # fmt: skip
            self.counts["pairs"] += 1
            cadre["active"] += 1
            cadre["kin"] += int(kin)
            pairs.append((pair_id, cadre["id"]))
            if r() < ENDED_SHARE:
                self._ended_pair(cadres, household_id, village, pair_kind, started)
        self._visits(village, household_id, pairs)

    def _ended_pair(self, cadres, household_id, village, pair_kind, started) -> None:
        pair_id = self.ids["pairs"]
        self.ids["pairs"] += 1
        begun = started - 400 - int(self.rng.random() * 300)
        self.sinks["pairs"].add((pair_id, self.created, self.created, 2, None, cadres[0]["id"], household_id,
                                 village.code, pair_kind, PairStatus.ENDED, self.clock.day(begun),
                                 self.clock.day(started - 1), "工作调动", None))  # fmt: skip
        self.counts["pairs"] += 1

    # --- visits, events, owed visits -------------------------------------------------------------------
    def _campaign_window(self) -> None:
        as_of = self.ctx.as_of
        year = as_of.year if as_of >= datetime.date(as_of.year, 2, 28) else as_of.year - 1
        self.window = (datetime.date(year, 1, 10).toordinal(), datetime.date(year, 2, 28).toordinal())
        self.visit_kinds = _weighted(VISIT_KINDS)
        self.event_kinds = _weighted(EVENT_KINDS)
        self.visit_share = VISITS_FULL / PAIRS_FULL
        self.event_share = EVENTS_FULL / (KIN_HOUSEHOLDS_FULL + HELP_HOUSEHOLDS_FULL)

    def _visit(self, pair_id, cadre_id, household_id, code, day, kind, first=False) -> int:
        visit_id = self.ids["visits"]
        self.ids["visits"] += 1
        moment = self.clock.moment(Clock.local_midnight(day) + 15 * 3600)
        money = 50_000 if kind == VisitKind.WARM_WINTER else 0
        goods = "米、油、棉被" if kind == VisitKind.WARM_WINTER else ""
        self.sinks["visits"].add((visit_id, moment, moment, pair_id, cadre_id, household_id, code, self.clock.day(day),
                                  kind, "", money, goods, "", False, "", first, None, None))  # fmt: skip
        self.counts["visits"] += 1
        return visit_id

    def _visits(self, village, household_id, pairs) -> None:
        r = self.rng.random
        for pair_id, cadre_id in pairs:
            if r() < self.visit_share:
                kind = self.visit_kinds[int(r() * len(self.visit_kinds))]
                if kind == VisitKind.WARM_WINTER and self.window[1] <= self.as_of:
                    day = self.window[0] + int(r() * (self.window[1] - self.window[0] + 1))
                else:
                    kind = VisitKind.ROUTINE if kind == VisitKind.WARM_WINTER else kind
                    day = self.as_of - int(r() * 365)
                self._visit(pair_id, cadre_id, household_id, village.code, day, kind, kind == VisitKind.WARM_WINTER)
        if r() < self.event_share:
            self._event(village, household_id, pairs)

    def _event(self, village, household_id, pairs) -> None:
        r = self.rng.random
        event_id = self.ids["events"]
        self.ids["events"] += 1
        kind = self.event_kinds[int(r() * len(self.event_kinds))]
        occurred = self.as_of - int(r() * 180)
        due = occurred + MUST_VISIT_DUE_DAYS_DEFAULT[kind]
        moment = self.clock.moment(Clock.local_midnight(occurred) + 10 * 3600)
        self.sinks["events"].add((event_id, moment, moment, household_id, village.code, kind, self.clock.day(occurred),
                                  "", None, None, None))  # fmt: skip
        self.counts["events"] += 1
        for pair_id, cadre_id in pairs:
            owed_id = self.ids["owed"]
            self.ids["owed"] += 1
            visit_id = fulfilled = on_time = None
            if r() < FULFIL_SHARE:
                day = occurred + int(r() * (MUST_VISIT_DUE_DAYS_DEFAULT[kind] + 4))
                if day <= self.as_of:
                    visit_id = self._visit(pair_id, cadre_id, household_id, village.code, day, VisitKind.MUST_VISIT)
                    fulfilled, on_time = self.clock.day(day), day <= due
            if visit_id is not None:
                status = OwedStatus.FULFILLED
            else:
                status = OwedStatus.OVERDUE if due < self.as_of else OwedStatus.OWED
            self.sinks["owed"].add((owed_id, event_id, pair_id, cadre_id, household_id, village.code, kind,
                                    self.clock.day(occurred), self.clock.day(due), status, visit_id, fulfilled,
                                    on_time, moment, None))  # fmt: skip
            self.counts["owed"] += 1

    def _campaign(self) -> int:
        sink = self.ctx.writer.sink(Campaign, ("id", "name", "region", "starts_on", "ends_on", "created_by",
                                               "created_at"))  # fmt: skip
        start, end = self.window
        year = datetime.date.fromordinal(end).year
        sink.add((self.ctx.writer.next_id(Campaign), f"{year}年春节暖冬行动", self.ctx.province, self.clock.day(start),
                  self.clock.day(end), None, self.created))  # fmt: skip
        sink.flush()
        return 1
