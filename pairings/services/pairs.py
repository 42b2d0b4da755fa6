"""结对: the households (or monasteries) cadres are paired with, pairs, ending a pair, and
bulk pairing of a unit's cadres with a village's households."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields, snapshot
from core.concurrency import save_versioned
from core.crypto import keyed_hashes
from core.exceptions import ConcurrentEditError, ServiceError
from pairings.choices import PairKind, PairStatus, TargetKind
from pairings.models import Cadre, Household, Pair, Unit
from pairings.services.common import clean_id_number, clean_phone, full_clean, versioned_update
from regions.choices import Level
from regions.models import Region
from regions.scoping import ensure, ensure_region, restrict


def pair_counters_refresh(*, cadre_ids, household_ids) -> None:
    """Recount the active (and active kin) pairs of these cadres and households from the pairs:
    two set-based UPDATEs with correlated subqueries, whatever the number of rows."""

    def counted(owner, **extra):
        rows = Pair.objects.filter(status=PairStatus.ACTIVE, **{owner: OuterRef("pk")}, **extra)
        return Coalesce(Subquery(rows.values(owner).annotate(n=Count("pk")).values("n")[:1]), Value(0))

    for model, owner, ids in ((Cadre, "cadre", cadre_ids), (Household, "household", household_ids)):
        ids = sorted(set(ids))
        for start in range(0, len(ids), 5000):
            model.objects.filter(pk__in=ids[start : start + 5000]).update(
                active_pairs=counted(owner), active_kin_pairs=counted(owner, kind=PairKind.KIN)
            )


HOUSEHOLD_EDITABLE_FIELDS = ("kind", "head_name", "head_id_number", "phone", "address", "member_count")


def _check_village(region: Region) -> None:
    if region is None or region.level != Level.VILLAGE:
        raise ServiceError({"region": [_("结对对象应属于一个村（社区）。")]})


@transaction.atomic
def household_register(*, actor, region: Region, data: dict) -> Household:
    """Register a farmer or herder household (or a monastery or institution) that is not in the
    hardship ledger, with the same household fields; ID and phone encrypted, ID hashed."""
    _check_village(region)
    ensure_region(actor, "pairings.add_household", region.code)
    data = {k: v for k, v in data.items() if k in HOUSEHOLD_EDITABLE_FIELDS}
    clean_id_number(data, "head_id_number", "head_id_hash")
    clean_phone(data, "phone")
    if (
        data.get("head_id_number")
        and Household.objects.filter(
            head_id_hash__in=keyed_hashes(data["head_id_number"])  # under every key, as the ledgers do
        ).exists()
    ):
        raise ServiceError({"head_id_number": [_("该身份证号的户主已登记为结对对象。")]})
    household = Household(region=region, created_by=actor, **data)
    full_clean(household, exclude=["created_by", "head_id_hash", "hardship_household"])
    household.save()
    audit_record(actor=actor, action=Action.CREATE, obj=household, changes=diff_fields({}, data))
    return household


@transaction.atomic
def household_update(*, actor, household: Household, expected_version: int, data: dict) -> Household:
    data = {k: v for k, v in data.items() if k in HOUSEHOLD_EDITABLE_FIELDS}
    clean_id_number(data, "head_id_number", "head_id_hash")
    clean_phone(data, "phone")
    return versioned_update(
        household,
        actor=actor,
        expected_version=expected_version,
        data=data,
        audited_fields=HOUSEHOLD_EDITABLE_FIELDS,
        clean_exclude=["created_by", "head_id_hash", "hardship_household"],
    )


@transaction.atomic
def household_for_hardship(*, actor, hardship) -> Household:
    """The pairing target of a hardship household of the ledgers: created on first use by
    copying its household fields, then reused (one target per ledger household)."""
    ensure(actor, "view", hardship)
    existing = Household.objects.filter(hardship_household=hardship).first()
    if existing is not None:
        return existing
    ensure_region(actor, "pairings.add_household", hardship.region_id)
    try:
        with transaction.atomic():
            household = Household.objects.create(
                kind=TargetKind.HOUSEHOLD,
                region_id=hardship.region_id,
                hardship_household=hardship,
                head_name=hardship.head_name,
                head_id_number=hardship.head_id_number,
                head_id_hash=hardship.head_id_hash,
                phone=hardship.phone,
                address=hardship.address,
                member_count=hardship.member_count,
                created_by=actor,
            )
    except IntegrityError:
        return Household.objects.get(hardship_household=hardship)
    audit_record(actor=actor, action=Action.CREATE, obj=household, changes={"hardship_household": [None, hardship.pk]})
    return household


def _check_pair(*, actor, cadre: Cadre, household: Household, kind: str, started_on) -> None:
    ensure_region(actor, "pairings.add_pair", household.region_id)
    if not restrict(Cadre.objects.filter(pk=cadre.pk), actor).exists():
        raise ServiceError({"cadre": [_("该干部不存在或不在您的管辖范围内。")]})
    if not cadre.is_active:
        raise ServiceError({"cadre": [_("该干部已不在岗，不能结对。")]})
    if kind not in PairKind.values:
        raise ServiceError({"kind": [_("结对类型不正确。")]})
    if kind == PairKind.KIN and not household.region.is_tibetan_area:
        raise ServiceError({"kind": [_("结对认亲只在涉藏地区县开展。")]})
    if household.kind != TargetKind.HOUSEHOLD and kind != PairKind.KIN:
        raise ServiceError({"kind": [_("寺庙或机构只能结对认亲。")]})
    if started_on is None:
        raise ServiceError({"started_on": [_("请填写结对日期。")]})
    if started_on > timezone.localdate():
        raise ServiceError({"started_on": [_("结对日期不能晚于今天。")]})


@transaction.atomic
def pair_create(*, actor, cadre: Cadre, household: Household, kind: str, started_on: datetime.date) -> Pair:
    """Pair a cadre with a household. At most one active pair per (cadre, household): refused
    with a clear message (the database constraint decides under concurrency)."""
    _check_pair(actor=actor, cadre=cadre, household=household, kind=kind, started_on=started_on)
    try:
        with transaction.atomic():
            pair = Pair.objects.create(
                cadre=cadre,
                household=household,
                region_id=household.region_id,
                kind=kind,
                started_on=started_on,
                created_by=actor,
                cadre_user_id=cadre.user_id,
            )
    except IntegrityError:
        raise ServiceError({"household": [_("该干部与该户已有进行中的结对。")]}, code="pair_duplicate")
    pair_counters_refresh(cadre_ids=[cadre.pk], household_ids=[household.pk])
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=pair,
        changes={"cadre": [None, cadre.pk], "household": [None, household.pk], "kind": [None, kind]},
    )
    return pair


@transaction.atomic
def pair_end(*, actor, pair: Pair, ended_on: datetime.date, reason: str, expected_version: int) -> Pair:
    """End an active pair (kept with its history, visits and reason)."""
    ensure(actor, "change", pair)
    locked = Pair.objects.select_for_update().get(pk=pair.pk)
    if locked.version != expected_version:
        raise ConcurrentEditError()
    if locked.status != PairStatus.ACTIVE:
        raise ServiceError(_("该结对已结束。"), code="pair_ended")
    if not (reason or "").strip():
        raise ServiceError({"end_reason": [_("请填写结束原因。")]})
    if ended_on is None or ended_on < locked.started_on:
        raise ServiceError({"ended_on": [_("结束日期不能早于结对日期。")]})
    before = snapshot(locked, ["status", "ended_on", "end_reason"])
    locked.status, locked.ended_on, locked.end_reason = PairStatus.ENDED, ended_on, reason.strip()
    save_versioned(locked, expected_version=expected_version, fields=["status", "ended_on", "end_reason"])
    pair_counters_refresh(cadre_ids=[locked.cadre_id], household_ids=[locked.household_id])
    audit_record(
        actor=actor, action=Action.TRANSITION, obj=locked, changes=diff_fields(before, snapshot(locked, before))
    )
    return locked


def pair_bulk_create_rows(*, actor, rows: list[dict], started_on_default=None) -> list[Pair]:
    """Write already-checked rows ({cadre, household, kind, started_on}) in one transaction, as
    one batched INSERT. Called by the form and the xlsx bulk pairing after their dry run; any
    failure (a pair that became a duplicate meanwhile) rolls the whole batch back."""
    if not rows:
        return []
    households = {row["household"].region_id for row in rows}
    for code in households:
        ensure_region(actor, "pairings.add_pair", code)
    objects = [
        Pair(
            cadre=row["cadre"],
            cadre_user_id=row["cadre"].user_id,
            household=row["household"],
            region_id=row["household"].region_id,
            kind=row["kind"],
            started_on=row.get("started_on") or started_on_default or timezone.localdate(),
            created_by=actor,
        )
        for row in rows
    ]
    try:
        with transaction.atomic():
            created = Pair.objects.bulk_create(objects, batch_size=1000)
            pair_counters_refresh(
                cadre_ids=[p.cadre_id for p in objects], household_ids=[p.household_id for p in objects]
            )
    except IntegrityError:
        raise ServiceError(_("部分结对与已有进行中的结对重复，本批未写入，请重新检查。"), code="pair_duplicate")
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="pairings.pair",
        region_code=_common_prefix(households),
        message=f"bulk pairing: {len(created)} pairs",
    )
    return created


def _common_prefix(codes) -> str:
    codes = sorted(codes)
    if not codes:
        return ""
    first, last = codes[0], codes[-1]
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    prefix = first[:length]
    for size in (12, 9, 6, 4, 2):
        if len(prefix) >= size:
            return prefix[:size]
    return ""


def pair_bulk_plan(*, actor, unit: Unit, village: Region, kind: str, started_on: datetime.date, per_cadre: int = 0):
    """The form's bulk pairing, planned but not written: the unit's active cadres that the actor
    may see, each given in turn one of the village's households that has no active pair with
    any cadre of this unit (round robin). Returns (rows, problems)."""
    _check_village(village)
    ensure_region(actor, "pairings.add_pair", village.code)
    cadres = list(restrict(Cadre.objects.filter(unit=unit, is_active=True), actor).order_by("id"))
    problems = []
    if not cadres:
        problems.append(_("该单位没有您可选择的在岗干部。"))
    paired = Pair.objects.filter(status=PairStatus.ACTIVE, cadre__unit=unit, region=village).values("household_id")
    targets = Household.objects.filter(region=village).exclude(pk__in=paired)
    if kind != PairKind.KIN:
        targets = targets.filter(kind=TargetKind.HOUSEHOLD)
    targets = list(targets.order_by("id"))
    if not targets:
        problems.append(_("该村（社区）没有尚未与本单位干部结对的对象。"))
    if kind == PairKind.KIN and not village.is_tibetan_area:
        problems.append(_("结对认亲只在涉藏地区县开展。"))
    if problems:
        return [], problems
    limit = per_cadre * len(cadres) if per_cadre else len(targets)
    rows = [
        {"cadre": cadres[index % len(cadres)], "household": household, "kind": kind, "started_on": started_on}
        for index, household in enumerate(targets[:limit])
    ]
    return rows, []
