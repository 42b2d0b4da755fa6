"""The ledgers' part of the seed data: ledger books, livelihood appeals with residents' ratings,
households in difficulty (hardship types, members, help records), stability matters (mediation
steps) and the villages' "four knowings".

Figures at scale 1.0 follow the source text as the dashboard counts them (the definitions in
`reports/sources/ledgers.py`; `expected_figures` derives the averages from the constants below):
problems registered 600,000 exactly (540,000 appeals + 60,000 stability matters); problems resolved
about 501,000 (~456,000 appeals resolved, disclosed or rated + ~45,000 matters resolved); about
212,000 appeals resolved with funds spent ("livelihood problems solved", 200,000+); funds invested
about 2.68 billion yuan (help records ~0.34 billion, appeals the rest); residents' satisfaction
(score 3 and above) about 93 % of the scored ratings; 300,000 households. Every village and
township gets at least one entry of each ledger at scale 1.0, so ledgers = 3 x (villages +
townships) (112,569 for Sichuan's 34,412 villages and 3,111 townships: the most the three kinds
allow; the source text says 120,000).

Personal numbers are encrypted exactly as the services do (`core.crypto`): ID numbers (valid GB
11643, area code of the real county, check digit) and phones on one household in five ("with
papers") and on their members; phones on one appeal in ten; health notes of disabled members.
The other rows leave them blank (the fields are optional): Fernet costs ~13 us per value.
"""

from __future__ import annotations

import datetime
import math

from core.crypto import encrypt, keyed_hash
from core.validators import id_number_check_digit
from ledgers.choices import (
    SATISFIED_MIN_SCORE,
    AppealStatus,
    HouseholdStatus,
    LedgerKindCode,
    MatterOutcome,
    MatterStatus,
    Relation,
    RiskLevel,
)
from ledgers.models import (
    HardshipHousehold,
    HelpRecord,
    HouseholdHardship,
    HouseholdMember,
    Ledger,
    LedgerKind,
    LivelihoodAppeal,
    MediationStep,
    RatingInvitation,
    StabilityMatter,
    VillageProfile,
)
from seeding.generators import Clock, GenerationContext, SourceGenerator, register
from seeding.generators import texts as T

# Figures at scale 1.0, as the dashboard counts them (reports/sources/ledgers.py): problems
# registered = appeals + stability matters; problems resolved = appeals resolved (incl. disclosed,
# rated) + matters resolved; funds invested = appeal funds + help records.
PROBLEMS_FULL = 600_000
MATTERS_FULL = 60_000  # one problem in ten is a stability matter
APPEALS_FULL = PROBLEMS_FULL - MATTERS_FULL
HOUSEHOLDS_FULL = 300_000
FUNDS_TOTAL_FEN = 268_000_000_000  # 2.68 billion yuan
DAYS = 730  # the last 24 months
AGE_SKEW = 1.15  # an entry's age in days is int(DAYS * u ** AGE_SKEW): slightly more entries recently
# Share of entries still open by age: ((younger than this many days, share), ...).
APPEAL_OPEN_BY_AGE = ((15, 0.6), (60, 0.25), (DAYS, 0.13))
MATTER_OPEN_BY_AGE = ((20, 0.7), (90, 0.3), (DAYS, 0.06))
PLANNED_SHARE = 0.3  # of appeals, triaged as planned (the rest immediate)
FUNDED_SHARE = {"immediate": 0.32, "planned": 0.8}  # of resolved appeals, with funds spent
# Risk levels of a village's and a township's matters (low, medium, high), and the share of
# finished matters escalated per risk level; another 10 % are closed without being resolved.
MATTER_RISK = {"village": (0.72, 0.24, 0.04), "township": (0.45, 0.43, 0.12)}
MATTER_ESCALATED = (0.02, 0.08, 0.25)
MATTER_CLOSED = 0.1
APPEAL_OPEN_STATUSES = {"registered": 25, "in_progress": 63, "reopened": 12}
APPEAL_DONE_STATUSES = {"resolved": 18, "disclosed": 24, "rated": 58}
# Scores of a rating that confirms the resolution, and of one that reopens the appeal.
SCORES_RATED = {5: 55, 4: 30, 3: 11, 2: 3, 1: 1}
SCORES_REOPENED = {1: 40, 2: 45, 3: 15}
HELP_COUNTS = {0: 10, 1: 30, 2: 30, 3: 20, 4: 10}  # help records per household
FUNDS_SIGMA = 1.2
TIBETAN_PREFIXES = ("5132", "5133", "513422")
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def _weighted(weights: dict) -> list:
    return [key for key, weight in weights.items() for _ in range(weight)]


def matters_count(ctx: GenerationContext) -> int:
    """Stability matters: what the appeals leave of the problems, so that appeals + matters is the
    scaled PROBLEMS_FULL exactly at every scale."""
    return ctx.count(PROBLEMS_FULL) - ctx.count(APPEALS_FULL)


def _mean(weights: dict) -> float:
    return sum(value * weight for value, weight in weights.items()) / sum(weights.values())


def share_by_age(schedule) -> float:
    """The expected share over the entries' ages (`_Plan.entries`: P(age < d) = (d / DAYS) ** (1 /
    AGE_SKEW)) of a share given by age, `((younger than d days, share), ...)`."""
    total, below = 0.0, 0
    for days, share in schedule:
        total += share * ((days / DAYS) ** (1 / AGE_SKEW) - (below / DAYS) ** (1 / AGE_SKEW))
        below = days
    return total


def share_per_age(schedule) -> list[float]:
    """The share for each age 0 .. DAYS - 1 (a lookup for the generating loop)."""
    return [next(share for days, share in schedule if age < days) for age in range(DAYS)]


def help_mean_fen() -> float:
    """The expected amount of a help record: low + int(u * (high - low)) // 100 * 100 is uniform over
    low, low + 100, ..., high - 100 (0 for help in kind)."""
    means = {k: (low + (high - low - 100) / 2 if high else 0) for k, (_d, low, high) in T.HELP_KINDS.items()}
    return sum(means[k] * w for k, w in T.HELP_KIND_WEIGHTS.items()) / sum(T.HELP_KIND_WEIGHTS.values())


def expected_figures(scale: float = 1.0) -> dict[str, float]:
    """The province's dashboard figures that the constants above produce on average at `scale` (the
    draws vary around them): their calibration against the source text. Matters are counted with a
    village's risk levels (townships hold a few per cent of them, slightly riskier)."""
    appeals, matters = APPEALS_FULL * scale, MATTERS_FULL * scale
    appeal_resolved = 1 - share_by_age(APPEAL_OPEN_BY_AGE)
    funded = PLANNED_SHARE * FUNDED_SHARE["planned"] + (1 - PLANNED_SHARE) * FUNDED_SHARE["immediate"]
    escalated = sum(r * e for r, e in zip(MATTER_RISK["village"], MATTER_ESCALATED, strict=True))
    matter_resolved = (1 - share_by_age(MATTER_OPEN_BY_AGE)) * (1 - MATTER_CLOSED - escalated)
    help_fen = HOUSEHOLDS_FULL * scale * _mean(HELP_COUNTS) * help_mean_fen()
    # Scored ratings: every rated appeal (confirming) and every reopened one (not confirming).
    rated = appeal_resolved * APPEAL_DONE_STATUSES["rated"] / sum(APPEAL_DONE_STATUSES.values())
    reopened = (1 - appeal_resolved) * APPEAL_OPEN_STATUSES["reopened"] / sum(APPEAL_OPEN_STATUSES.values())

    def satisfied(scores):
        return sum(w for score, w in scores.items() if score >= SATISFIED_MIN_SCORE) / sum(scores.values())

    return {
        "problems_registered": appeals + matters,
        "problems_resolved": appeals * appeal_resolved + matters * matter_resolved,
        "appeals_resolved": appeals * appeal_resolved,
        "appeals_solved_funded": appeals * appeal_resolved * funded,
        "funds_invested_fen": FUNDS_TOTAL_FEN * scale,
        "help_funds_fen": help_fen,
        "appeal_funds_fen": FUNDS_TOTAL_FEN * scale - help_fen,
        "satisfaction_rate": (rated * satisfied(SCORES_RATED) + reopened * satisfied(SCORES_REOPENED))
        / (rated + reopened),
    }


# The appeals' funds are what the help records leave of the total: the mean of a funded appeal
# (lognormal) is set so that the expected total is FUNDS_TOTAL_FEN.
_EXPECTED = expected_figures()
FUNDS_MEAN_FEN = _EXPECTED["appeal_funds_fen"] / _EXPECTED["appeals_solved_funded"]
FUNDS_MU = math.log(FUNDS_MEAN_FEN) - FUNDS_SIGMA**2 / 2


def spread(rng, n: int, weights: list[float]) -> list[int]:
    """How many of `n` entries each place gets: every place one first (when n allows), the rest in
    proportion to its weight (largest remainders); fewer entries than places: a weighted sample."""
    places = len(weights)
    counts = [0] * places
    if n <= 0 or not places:
        return counts
    if n < places:
        keys = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)), reverse=True)
        for _key, i in keys[:n]:
            counts[i] = 1
        return counts
    counts = [1] * places
    rest = n - places
    total = sum(weights)
    shares = [rest * w / total for w in weights]
    floors = [int(s) for s in shares]
    counts = [c + f for c, f in zip(counts, floors, strict=True)]
    leftover = rest - sum(floors)
    by_fraction = sorted(range(places), key=lambda i: (floors[i] - shares[i], i))
    for i in by_fraction[:leftover]:
        counts[i] += 1
    return counts


class _Plan:
    """Where entries go (places, weights) and the ledger book of each (kind, place)."""

    def __init__(self, ctx: GenerationContext):
        self.ctx = ctx
        self.places = ctx.places
        rng = ctx.rng("places")
        self.weights = [
            (math.exp(rng.gauss(0, 0.5)) * (1.3 if p.is_community else 1.0)) if p.level == 5 else 0.35
            for p in self.places
        ]
        self.kinds = {k.code: k for k in LedgerKind.objects.filter(code__in=LedgerKindCode.values)}
        self.ledger_ids: dict[tuple[str, int], int] = {}
        self.opened_at: dict[int, int] = {}
        self.next_ledger_id = ctx.writer.next_id(Ledger)
        today = ctx.as_of.toordinal()
        # Per day offset (0 = as_of): the day's ordinal, its text and its local midnight (epoch s).
        self.days = [today - offset for offset in range(DAYS)]
        self.day_text = [ctx.writer.clock.day(d) for d in self.days]
        self.day_starts = [Clock.local_midnight(d) for d in self.days]

    def entries(self, kind: str, n: int, rng) -> list[tuple[int, int]]:
        """(day offset, place index) of `n` entries, oldest first (ids follow time, as in real use)."""
        counts = spread(rng, n, self.weights)
        r = rng.random
        out = []
        for index, count in enumerate(counts):
            for _ in range(count):
                # Slightly more entries recently: the campaign grew.
                out.append((int(DAYS * r() ** AGE_SKEW), index))
        out.sort(key=lambda e: (-e[0], e[1]))
        return out

    def ledger(self, kind: str, place_index: int, created_at: int) -> int:
        key = (kind, place_index)
        ledger_id = self.ledger_ids.get(key)
        if ledger_id is None:
            ledger_id = self.ledger_ids[key] = self.next_ledger_id
            self.next_ledger_id += 1
            self.opened_at[ledger_id] = created_at
        elif created_at < self.opened_at[ledger_id]:
            self.opened_at[ledger_id] = created_at
        return ledger_id

    def write_ledgers(self) -> int:
        sink = self.ctx.writer.sink(Ledger, ("id", "kind", "region", "opened_at", "opened_by"))
        for (kind, place_index), ledger_id in sorted(self.ledger_ids.items(), key=lambda item: item[1]):
            opened = self.ctx.writer.clock.moment(self.opened_at[ledger_id])
            sink.add((ledger_id, self.kinds[kind].pk, self.places[place_index].code, opened, None))
        sink.flush()
        return len(self.ledger_ids)


class _People:
    """Names, phones and ID numbers drawn from one random stream. Names come from a pool drawn once
    (thousands of distinct names; one random number per name afterwards)."""

    POOL = 8192

    def __init__(self, rng):
        self.r = r = rng.random
        surnames, given = T.SURNAME_LIST, T.GIVEN_CHARS

        def han():
            first = surnames[int(r() * len(surnames))] + given[int(r() * len(given))]
            return first + given[int(r() * len(given))] if r() < 0.75 else first

        def tibetan():
            names = T.TIBETAN_NAMES
            return names[int(r() * len(names))] + (names[int(r() * len(names))] if r() < 0.3 else "")

        self.han = [han() for _ in range(self.POOL)]
        self.tibetan = [tibetan() for _ in range(512)]

    def name(self, code: str = "") -> str:
        r = self.r
        if code.startswith(TIBETAN_PREFIXES) and r() < 0.6:
            return self.tibetan[int(r() * 512)]
        return self.han[int(r() * self.POOL)]

    def phone(self) -> str:
        prefix = ("138", "139", "135", "136", "158", "159", "187", "188", "180", "133", "153", "177")
        return prefix[int(self.r() * len(prefix))] + f"{int(self.r() * 100_000_000):08d}"

    def id_number(self, code: str, birth: datetime.date, male: bool) -> str:
        sequence = int(self.r() * 500) * 2 + (1 if male else 0)
        first17 = f"{code[:6]}{birth:%Y%m%d}{sequence:03d}"
        return first17 + id_number_check_digit(first17)


def _unused_head_number(number: str, used: set[str]) -> str:
    """`number`, or when another generated household's head already has it (two heads of one county
    born the same day with the same sequence), the next free sequence of the same sex. Draws no
    random number, so the rest of the generated province is unchanged."""
    sequence = int(number[14:17])
    while number in used:
        sequence = (sequence + 2) % 1000
        first17 = number[:14] + f"{sequence:03d}"
        number = first17 + id_number_check_digit(first17)
    used.add(number)
    return number


@register
class LedgerGenerator(SourceGenerator):
    key = "ledgers"

    @property
    def models(self):
        return (
            Ledger,
            VillageProfile,
            LivelihoodAppeal,
            RatingInvitation,
            HardshipHousehold,
            HouseholdHardship,
            HouseholdMember,
            HelpRecord,
            StabilityMatter,
            MediationStep,
        )

    region_paths = {
        "ledgers.Ledger": "region__code",
        "ledgers.VillageProfile": "region__code",
        "ledgers.LivelihoodAppeal": "region__code",
        "ledgers.RatingInvitation": "appeal__region__code",
        "ledgers.HardshipHousehold": "region__code",
        "ledgers.HouseholdHardship": "household__region__code",
        "ledgers.HouseholdMember": "household__region__code",
        "ledgers.HelpRecord": "household__region__code",
        "ledgers.StabilityMatter": "region__code",
        "ledgers.MediationStep": "matter__region__code",
    }

    def generate(self, ctx: GenerationContext) -> dict[str, int]:
        plan = _Plan(ctx)
        rows = {}
        rows.update(self._appeals(ctx, plan))
        rows.update(self._households(ctx, plan))
        rows.update(self._matters(ctx, plan))
        rows["ledgers"] = plan.write_ledgers()
        ctx.writer.complete(Ledger)
        rows["village_profiles"] = self._profiles(ctx, plan)
        return rows

    # --- 民生诉求 ------------------------------------------------------------------------------
    def _appeals(self, ctx: GenerationContext, plan: _Plan) -> dict[str, int]:
        rng = ctx.rng("appeals")
        r = rng.random
        people = _People(ctx.rng("appeals:people"))
        now = ctx.now
        writer = ctx.writer
        moment, day = writer.clock.moment, writer.clock.day
        appeals = writer.sink(
            LivelihoodAppeal,
            (
                "id", "created_at", "updated_at", "version", "created_by", "ledger", "region", "registered_on",
                "category", "raised_by", "raiser_name", "raiser_phone", "title", "description", "triage",
                "responsible_person", "responsible_user", "promised_date", "funds_spent_fen", "status",
                "resolution", "responded_at", "resolved_at", "disclosed_at", "reopen_count",
            ),
        )  # fmt: skip
        ratings = writer.sink(
            RatingInvitation,
            (
                "id", "appeal", "nonce", "created_at", "expires_at", "created_by", "rated_at", "score",
                "resolved_confirmed", "comment",
            ),
        )  # fmt: skip
        categories = _weighted(T.CATEGORY_WEIGHTS)
        scores_rated, scores_reopened = _weighted(SCORES_RATED), _weighted(SCORES_REOPENED)
        assert len(scores_rated) == len(scores_reopened) == 100
        registered, reopened = "registered", "reopened"
        resolved_s, disclosed_s, rated_s = "resolved", "disclosed", "rated"
        open_statuses, done_statuses = _weighted(APPEAL_OPEN_STATUSES), _weighted(APPEAL_DONE_STATUSES)
        assert len(open_statuses) == len(done_statuses) == 100
        assert {*open_statuses, *done_statuses} == set(AppealStatus.values)
        open_by_age = share_per_age(APPEAL_OPEN_BY_AGE)
        funded_immediate, funded_planned = FUNDED_SHARE["immediate"], FUNDED_SHARE["planned"]
        after_resolution = (resolved_s, disclosed_s, rated_s, reopened)
        after_disclosure = (disclosed_s, rated_s, reopened)
        appeal_id = writer.next_id(LivelihoodAppeal)
        rating_id = writer.next_id(RatingInvitation)
        places, days, day_text, day_starts = plan.places, plan.days, plan.day_text, plan.day_starts
        kind = LedgerKindCode.LIVELIHOOD
        for offset, place_index in plan.entries(kind, ctx.count(APPEALS_FULL), rng):
            place = places[place_index]
            created = day_starts[offset] + 28_800 + int(r() * 36_000)
            category = categories[int(r() * len(categories))]
            options = T.APPEALS[category]
            title, resolution_text = options[int(r() * len(options))]
            group = 1 + int(r() * 9)
            if r() < 0.15:
                raised_by, raiser = "group", f"{place.name}{group}组群众"
            else:
                raised_by, raiser = "household", people.name(place.code)
            phone = encrypt(people.phone()) if r() < 0.1 else ""
            planned = r() < PLANNED_SHARE
            window = (60 + int(r() * 180)) if planned else (7 + int(r() * 24))
            status = open_statuses[int(r() * 100)] if r() < open_by_age[offset] else done_statuses[int(r() * 100)]
            responded = resolved = disclosed = None
            resolution, funds, version, reopen_count = "", 0, 1, 0
            updated = created
            rating = None
            if status != registered:
                responded = min(created + 1800 + int(r() * 250_000), now)
                updated, version = responded, 2
            if status in after_resolution:
                # Most are done within their promised window; some run late.
                span = int(86400 * window * (0.2 + r() * (1.25 if r() < 0.15 else 0.85)))
                resolved = responded + span
                if resolved > now:
                    resolved = responded + int((now - responded) * r())
                resolution, updated, version = resolution_text, resolved, 3
                if status != reopened and r() < (funded_planned if planned else funded_immediate):
                    funds = max(5_000, int(math.exp(rng.gauss(FUNDS_MU, FUNDS_SIGMA))) // 100 * 100)
            if status in after_disclosure:
                disclosed = min(resolved + 7200 + int(r() * 340_000), now)
                updated, version = disclosed, 4
                if status == disclosed_s:
                    if r() < 0.5:  # a link handed out, not answered yet
                        rating = (None, None, None, "")
                else:
                    rated_at = min(disclosed + 21_600 + int(r() * 860_000), now)
                    confirmed = status == rated_s
                    score = (scores_rated if confirmed else scores_reopened)[int(r() * 100)]
                    comments = T.RATING_COMMENTS[score]
                    rating = (moment(rated_at), score, confirmed, comments[int(r() * len(comments))])
                    updated, version = rated_at, 5
                    if not confirmed:
                        resolved, reopen_count = None, 1
            ledger_id = plan.ledger(kind, place_index, created)
            appeals.add(
                (
                    appeal_id, moment(created), moment(updated), version, None, ledger_id, place.code, day_text[offset],
                    category, raised_by, raiser, phone, title, f"{place.name}{group}组{raiser}反映：{title}。",
                    "planned" if planned else "immediate", people.name(place.code), None, day(days[offset] + window),
                    funds, status, resolution,
                    None if responded is None else moment(responded),
                    None if resolved is None else moment(resolved),
                    None if disclosed is None else moment(disclosed),
                    reopen_count,
                )
            )  # fmt: skip
            if rating is not None:
                rated_at, score, confirmed, comment = rating
                ratings.add(
                    (
                        rating_id, appeal_id, f"{rng.getrandbits(96):024x}{rating_id:x}", moment(disclosed),
                        moment(disclosed + 30 * 86400), None, rated_at, score, confirmed, comment,
                    )
                )  # fmt: skip
                rating_id += 1
            appeal_id += 1
        writer.complete(LivelihoodAppeal, RatingInvitation)
        return {"appeals": appeals.count, "rating_invitations": ratings.count}

    # --- 困难群众 ------------------------------------------------------------------------------
    def _households(self, ctx: GenerationContext, plan: _Plan) -> dict[str, int]:
        rng = ctx.rng("households")
        r = rng.random
        people = _People(ctx.rng("households:people"))
        now, today = ctx.now, ctx.as_of.toordinal()
        writer = ctx.writer
        moment, day = writer.clock.moment, writer.clock.day
        households = writer.sink(
            HardshipHousehold,
            (
                "id", "created_at", "updated_at", "version", "created_by", "ledger", "region", "registered_on",
                "head_name", "head_id_number", "head_id_hash", "phone", "address", "member_count", "needs",
                "status", "exited_on", "exit_reason", "is_sensitive",
            ),
        )  # fmt: skip
        hardships = writer.sink(HouseholdHardship, ("id", "household", "type"))
        members = writer.sink(
            HouseholdMember,
            (
                "id",
                "household",
                "name",
                "relation",
                "id_number",
                "id_hash",
                "birth_date",
                "health_note",
                "hardship_types",
            ),
        )
        helps = writer.sink(
            HelpRecord,
            (
                "id",
                "household",
                "given_on",
                "kind",
                "amount_fen",
                "description",
                "given_by",
                "created_by",
                "created_at",
            ),
        )
        types = _weighted(T.HARDSHIP_WEIGHTS)
        sizes = [1] * 25 + [2] * 30 + [3] * 20 + [4] * 15 + [5] * 7 + [6] * 3
        help_counts = _weighted(HELP_COUNTS)
        assert len(help_counts) == 100
        help_kinds = _weighted(T.HELP_KIND_WEIGHTS)
        household_id = writer.next_id(HardshipHousehold)
        hardship_id = writer.next_id(HouseholdHardship)
        member_id = writer.next_id(HouseholdMember)
        help_id = writer.next_id(HelpRecord)
        places, days, day_text, day_starts = plan.places, plan.days, plan.day_text, plan.day_starts
        kind = LedgerKindCode.HARDSHIP
        as_of = ctx.as_of
        year = as_of.year
        head, spouse, child, grandchild, parent = (
            Relation.HEAD.value, Relation.SPOUSE.value, Relation.CHILD.value, Relation.GRANDCHILD.value,
            Relation.PARENT.value,
        )  # fmt: skip
        heads: set[str] = set()  # one household per head ID number (the constraint household_head_id_live)
        for offset, place_index in plan.entries(kind, ctx.count(HOUSEHOLDS_FULL), rng):
            place = places[place_index]
            code = place.code
            registered_on = days[offset]
            created = day_starts[offset] + 28_800 + int(r() * 36_000)
            chosen: list[str] = []
            wanted = 1 if r() < 0.55 else (2 if r() < 0.73 else 3)
            while len(chosen) < wanted:
                t = types[int(r() * len(types))]
                if t not in chosen:
                    chosen.append(t)
            elderly = "elderly_alone" in chosen or "empty_nest" in chosen
            size = (1 + int(r() * 2)) if elderly else sizes[int(r() * 100)]
            if "elderly_alone" in chosen:
                size = 1
            papers = r() < 0.2
            head_male = r() < 0.62
            head_age = (66 + int(r() * 24)) if elderly else (28 + int(r() * 50))
            # Members: (name, relation, age, male)
            head_name = people.name(code)
            family = [(head_name, head, head_age, head_male)]
            surname = head_name[0]
            for k in range(1, size):
                if k == 1 and r() < 0.75:
                    family.append((people.name(code), spouse, max(20, head_age - 5 + int(r() * 10)), not head_male))
                elif head_age >= 55 and r() < 0.5:
                    family.append((surname + people.name()[1:], grandchild, 2 + int(r() * 15), r() < 0.5))
                elif head_age <= 50 and r() < 0.2:
                    family.append((people.name(code), parent, head_age + 22 + int(r() * 10), r() < 0.5))
                else:
                    child_age = max(1, min(head_age - 20, 3 + int(r() * 30)))
                    family.append((surname + people.name()[1:], child, child_age, r() < 0.5))
            sensitive = any(age < 18 for _n, _rel, age, _m in family) or "disabled" in chosen
            head_id = head_hash = phone = ""
            exited_on, exit_reason, status, version, updated = None, "", HouseholdStatus.ACTIVE.value, 1, created
            if offset > 120 and r() < 0.15:
                exited_on = min(registered_on + 90 + int(r() * (offset - 90)), today)
                status, exit_reason, version = HouseholdStatus.EXITED.value, T.EXIT_REASONS[int(r() * 4)], 2
                updated = min(Clock.local_midnight(exited_on) + 16 * 3600, now)
            disabled_member = 0 if "disabled" in chosen and len(family) == 1 else (1 if "disabled" in chosen else -1)
            for k, (name, relation, age, male) in enumerate(family):
                birth = datetime.date(year - age, 1 + int(r() * 12), 1 + int(r() * 28))
                if birth > as_of:
                    birth = birth.replace(year=birth.year - 1)
                id_number = id_hash = ""
                if papers:
                    number = people.id_number(code, birth, male)
                    if k == 0:
                        number = _unused_head_number(number, heads)
                    id_number, id_hash = encrypt(number), keyed_hash(number)
                    if k == 0:
                        head_id, head_hash = id_number, id_hash
                health = encrypt(T.HEALTH_NOTES[int(r() * len(T.HEALTH_NOTES))]) if k == disabled_member else ""
                if k == disabled_member:
                    personal = "disabled"
                elif age < 16 and "left_behind_child" in chosen:
                    personal = "left_behind_child"
                else:
                    personal = ""
                members.add(
                    (
                        member_id,
                        household_id,
                        name,
                        relation,
                        id_number,
                        id_hash,
                        day(birth.toordinal()),
                        health,
                        personal,
                    )
                )
                member_id += 1
            if papers:
                phone = encrypt(people.phone())
            for t in sorted(chosen):
                hardships.add((hardship_id, household_id, t))
                hardship_id += 1
            span = (exited_on or today) - registered_on
            for _ in range(help_counts[int(r() * 100)]):
                help_kind = help_kinds[int(r() * len(help_kinds))]
                description, low, high = T.HELP_KINDS[help_kind]
                given_on = registered_on + int(r() * (span + 1))
                amount = (low + int(r() * (high - low)) // 100 * 100) if high else 0
                given_at = min(Clock.local_midnight(given_on) + 17 * 3600, now)
                helps.add(
                    (help_id, household_id, day(given_on), help_kind, amount, description, people.name(code), None,
                     moment(given_at))
                )  # fmt: skip
                help_id += 1
            ledger_id = plan.ledger(kind, place_index, created)
            households.add(
                (
                    household_id, moment(created), moment(updated), version, None, ledger_id, code, day_text[offset],
                    head_name, head_id, head_hash, phone, f"{place.township_name}{place.name}{1 + int(r() * 9)}组",
                    len(family), "；".join(T.HARDSHIP_NEEDS[t] for t in chosen), status,
                    None if exited_on is None else day(exited_on), exit_reason, sensitive,
                )
            )  # fmt: skip
            household_id += 1
        writer.complete(HardshipHousehold, HouseholdHardship, HouseholdMember, HelpRecord)
        return {
            "households": households.count,
            "household_hardships": hardships.count,
            "household_members": members.count,
            "help_records": helps.count,
        }

    # --- 稳定工作 ------------------------------------------------------------------------------
    def _matters(self, ctx: GenerationContext, plan: _Plan) -> dict[str, int]:
        rng = ctx.rng("matters")
        r = rng.random
        people = _People(ctx.rng("matters:people"))
        now, today = ctx.now, ctx.as_of.toordinal()
        writer = ctx.writer
        moment, day = writer.clock.moment, writer.clock.day
        matters = writer.sink(
            StabilityMatter,
            (
                "id", "created_at", "updated_at", "version", "created_by", "ledger", "region", "registered_on",
                "matter_type", "title", "parties", "summary", "risk_level", "mediator", "status", "outcome",
                "outcome_note", "deadline", "resolved_at", "escalated_reference",
            ),
        )  # fmt: skip
        steps = writer.sink(MediationStep, ("id", "matter", "happened_on", "action", "by", "created_by", "created_at"))
        matter_types = _weighted(T.MATTER_WEIGHTS)
        low, medium, high = RiskLevel.LOW.value, RiskLevel.MEDIUM.value, RiskLevel.HIGH.value
        deadline_days = {low: 15, medium: 30, high: 60}
        escalate_shares = dict(zip((low, medium, high), MATTER_ESCALATED, strict=True))
        village_low, village_medium = MATTER_RISK["village"][0], sum(MATTER_RISK["village"][:2])
        township_low, township_medium = MATTER_RISK["township"][0], sum(MATTER_RISK["township"][:2])
        open_by_age = share_per_age(MATTER_OPEN_BY_AGE)
        closing = (MatterOutcome.FAILED.value, MatterOutcome.LITIGATION.value, MatterOutcome.OTHER.value)
        matter_id = writer.next_id(StabilityMatter)
        step_id = writer.next_id(MediationStep)
        places, days, day_text, day_starts = plan.places, plan.days, plan.day_text, plan.day_starts
        kind = LedgerKindCode.STABILITY
        for offset, place_index in plan.entries(kind, matters_count(ctx), rng):
            place = places[place_index]
            code = place.code
            registered_on = days[offset]
            created = day_starts[offset] + 28_800 + int(r() * 36_000)
            matter_type = matter_types[int(r() * len(matter_types))]
            title = T.MATTERS[matter_type][int(r() * len(T.MATTERS[matter_type]))]
            township = place.level == 4
            roll = r()
            if roll < (township_low if township else village_low):
                risk = low
            elif roll < (township_medium if township else village_medium):
                risk = medium
            else:
                risk = high
            outcome, note, resolved_at, version, updated = "", "", None, 1, created
            if r() < open_by_age[offset]:
                status = MatterStatus.REGISTERED.value if r() < 0.3 else MatterStatus.MEDIATING.value
            else:
                roll = r()
                escalate_share = escalate_shares[risk]
                if roll < escalate_share:
                    status, outcome = MatterStatus.ESCALATED.value, MatterOutcome.ESCALATED.value
                elif roll < escalate_share + MATTER_CLOSED:
                    status, outcome = MatterStatus.CLOSED.value, closing[int(r() * 3)]
                else:
                    status = MatterStatus.RESOLVED.value
                    roll = r()
                    outcome = (
                        MatterOutcome.MEDIATED.value
                        if roll < 0.86
                        else (MatterOutcome.LITIGATION.value if roll < 0.92 else MatterOutcome.OTHER.value)
                    )
                note = T.OUTCOME_NOTES.get(outcome, "")
            end_day = today
            if outcome:
                span = int(86400 * deadline_days[risk] * (0.2 + r() * (1.6 if r() < 0.12 else 0.8)))
                finished = min(created + span, now)
                end_day = Clock.local_day(finished)
                updated, version = finished, 3
                if status == MatterStatus.RESOLVED:
                    resolved_at = moment(finished)
            step_count = 0 if status == MatterStatus.REGISTERED else 1 + int(r() * 3)
            if status == MatterStatus.MEDIATING:
                version = 2
            span_days = end_day - registered_on
            for k in range(step_count):
                happened = registered_on + int(span_days * (k + r()) / step_count)
                step_at = min(Clock.local_midnight(happened) + 18 * 3600, now)
                action = T.MEDIATION_ACTIONS[int(r() * len(T.MEDIATION_ACTIONS))]
                steps.add((step_id, matter_id, day(happened), action, people.name(code), None, moment(step_at)))
                step_id += 1
            parties = f"{people.name(code)}、{people.name(code)}"
            summary = f"{place.name}{parties}因{title}发生矛盾，{'已' if step_count else '待'}组织调解。"
            ledger_id = plan.ledger(kind, place_index, created)
            matters.add(
                (
                    matter_id, moment(created), moment(updated), version, None, ledger_id, code, day_text[offset],
                    matter_type, title, parties, summary, risk, people.name(code), status, outcome, note,
                    day(registered_on + deadline_days[risk]), resolved_at, "",
                )
            )  # fmt: skip
            matter_id += 1
        writer.complete(StabilityMatter, MediationStep)
        return {"stability_matters": matters.count, "mediation_steps": steps.count}

    # --- 四个知晓 ------------------------------------------------------------------------------
    def _profiles(self, ctx: GenerationContext, plan: _Plan) -> int:
        rng = ctx.rng("profiles")
        r = rng.random
        writer = ctx.writer
        sink = writer.sink(
            VillageProfile,
            (
                "id", "created_at", "updated_at", "version", "created_by", "region", "village_conditions",
                "household_conditions", "expectations", "problems",
            ),
        )  # fmt: skip
        with_ledgers = sorted({place_index for _kind, place_index in plan.ledger_ids})
        profile_id = writer.next_id(VillageProfile)
        existing = set(VillageProfile.objects.values_list("region_id", flat=True))
        for place_index in with_ledgers:
            place = plan.places[place_index]
            if place.level != 5 or place.code in existing:
                continue
            at = writer.clock.moment(plan.day_starts[int(r() * DAYS)] + 36_000)
            households = 150 + int(r() * 900)
            sink.add(
                (
                    profile_id, at, at, 1, None, place.code,
                    T.PROFILE_TEXTS[0].format(
                        groups=3 + int(r() * 12), households=households, people=int(households * (2.6 + r())),
                        industry=T.INDUSTRIES[int(r() * len(T.INDUSTRIES))],
                    ),
                    T.PROFILE_TEXTS[1].format(migrants=int(households * (0.3 + r() * 0.5))),
                    T.PROFILE_TEXTS[2].format(wish=T.WISHES[int(r() * len(T.WISHES))]),
                    T.PROFILE_TEXTS[3].format(problem=T.PROBLEMS[int(r() * len(T.PROBLEMS))]),
                )
            )  # fmt: skip
            profile_id += 1
        writer.complete(VillageProfile)
        return sink.count
