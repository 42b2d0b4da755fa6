"""对口支援, 联村帮户 (links, their cadres, projects and trainings) and 蹲点: create, update, advance.

Rules:
- A supported region is a county (县（市、区）); a linked village is a village; a stay is in a
  village or community. The writer needs the add permission at that region.
- Periods: an end date, when given, is not before the start; a cadre's period lies within the
  assignment's or link's period.
- Project funds are integer fen ≥ 0; a training has at least one person-time.
- A project goes planned → under way → completed (core.statemachine), each step dated, never
  backwards; its dates are not before the planning date nor the previous step's.
- `first_for_county` / `first_for_village` / `first_for_unit` are set at creation, under a lock
  on the region (or unit) row, so each county, village and unit counts once in the figures.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields
from core.concurrency import save_versioned
from core.exceptions import ServiceError
from core.statemachine import StateMachine
from pairings.choices import ProjectKind, ProjectStatus
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
from pairings.services.common import full_clean, versioned_update
from regions.choices import Level
from regions.models import Region
from regions.scoping import ensure, ensure_region, restrict

PROJECT_MACHINE = StateMachine(
    ProjectStatus,
    {ProjectStatus.PLANNED: {ProjectStatus.UNDER_WAY}, ProjectStatus.UNDER_WAY: {ProjectStatus.COMPLETED}},
)
MAX_FEN = 10**13

SUPPORT_FIELDS = ("unit", "region", "started_on", "ended_on", "note")
SUPPORT_EDITABLE_FIELDS = ("started_on", "ended_on", "note")
MEMBER_FIELDS = ("cadre", "started_on", "ended_on")
MEMBER_EDITABLE_FIELDS = ("started_on", "ended_on")
LINK_FIELDS = SUPPORT_FIELDS
LINK_EDITABLE_FIELDS = SUPPORT_EDITABLE_FIELDS
PROJECT_FIELDS = ("link", "name", "kind", "funds_fen", "planned_on")
PROJECT_EDITABLE_FIELDS = ("name", "kind", "funds_fen", "planned_on")
TRAINING_FIELDS = ("link", "held_on", "topic", "person_times")
TRAINING_EDITABLE_FIELDS = ("held_on", "topic", "person_times")
STAY_FIELDS = ("cadre", "region", "started_on", "ended_on", "purpose", "work_done")
STAY_EDITABLE_FIELDS = ("started_on", "ended_on", "purpose", "work_done")


def _pick(data: dict, fields) -> dict:
    return {k: v for k, v in data.items() if k in fields}


def _check_period(start, end, *, start_key="started_on", end_key="ended_on") -> None:
    if start is None:
        raise ServiceError({start_key: [_("请填写开始日期。")]})
    if end is not None and end < start:
        raise ServiceError({end_key: [_("结束日期不能早于开始日期。")]})


def _check_within(start, end, parent) -> None:
    """A sent cadre's period lies within the assignment's or link's."""
    if start < parent.started_on:
        raise ServiceError({"started_on": [_("干部派驻开始日期不能早于支援或联系的开始日期。")]})
    if parent.ended_on is not None and (end is None or end > parent.ended_on):
        raise ServiceError({"ended_on": [_("干部派驻结束日期不能晚于支援或联系的结束日期。")]})


def _check_unit(actor, unit) -> None:
    from pairings.selectors import unit_pickable

    if unit is None:
        raise ServiceError({"unit": [_("请选择单位。")]})
    if not unit_pickable(user=actor).filter(pk=unit.pk).exists():
        raise ServiceError({"unit": [_("该单位不存在或不在您可选择的范围内。")]})


def _check_cadre(actor, cadre) -> None:
    if cadre is None:
        raise ServiceError({"cadre": [_("请选择干部。")]})
    if not restrict(Cadre.objects.all(), actor).filter(pk=cadre.pk).exists():
        raise ServiceError({"cadre": [_("该干部不存在或不在您的管辖范围内。")]})


def _region_of_level(region, *, county: bool) -> None:
    if region is None:
        raise ServiceError({"region": [_("请选择受援县。") if county else _("请选择村（社区）。")]})
    if county and region.level != Level.COUNTY:
        raise ServiceError({"region": [_("受援地应为县（市、区）。")]})
    if not county and region.level != Level.VILLAGE:
        raise ServiceError({"region": [_("应选择村或社区。")]})


def _create(actor, instance, data, exclude=()):
    full_clean(instance, exclude=["created_by", *exclude])
    instance.save()
    audit_record(actor=actor, action=Action.CREATE, obj=instance, changes=diff_fields({}, data))
    return instance


def _update(instance, *, actor, expected_version, data, fields, check):
    data = _pick(data, fields)
    merged = {name: data.get(name, getattr(instance, name)) for name in fields}
    check(merged)
    return versioned_update(instance, actor=actor, expected_version=expected_version, data=data, audited_fields=fields)


# --- 对口支援 ----------------------------------------------------------------------------------------
@transaction.atomic
def support_assignment_create(*, actor, data: dict) -> SupportAssignment:
    """A supporting unit supports a county, from a date (until a date, when known)."""
    data = _pick(data, SUPPORT_FIELDS)
    region = data.get("region")
    _region_of_level(region, county=True)
    ensure_region(actor, "pairings.add_supportassignment", region.code)
    _check_unit(actor, data.get("unit"))
    _check_period(data.get("started_on"), data.get("ended_on"))
    Region.objects.select_for_update().filter(pk=region.pk).exists()
    first = not SupportAssignment.objects.filter(region=region).exists()
    return _create(actor, SupportAssignment(created_by=actor, first_for_county=first, **data), data)


@transaction.atomic
def support_assignment_update(*, actor, assignment: SupportAssignment, expected_version: int, data: dict):
    def check(merged):
        _check_period(merged["started_on"], merged["ended_on"])

    return _update(assignment, actor=actor, expected_version=expected_version, data=data,
                   fields=SUPPORT_EDITABLE_FIELDS, check=check)  # fmt: skip


@transaction.atomic
def support_cadre_add(*, actor, assignment: SupportAssignment, data: dict) -> SupportCadre:
    """A cadre the supporting unit sent to the county, with the period they serve there."""
    ensure(actor, "change", assignment)
    data = _pick(data, MEMBER_FIELDS)
    _check_cadre(actor, data.get("cadre"))
    _check_period(data.get("started_on"), data.get("ended_on"))
    _check_within(data["started_on"], data.get("ended_on"), assignment)
    if SupportCadre.objects.filter(assignment=assignment, cadre=data["cadre"], ended_on__isnull=True).exists():
        raise ServiceError({"cadre": [_("该干部已在本次对口支援中（尚未结束），请勿重复登记。")]})
    member = SupportCadre(created_by=actor, assignment=assignment, region_id=assignment.region_id, **data)
    return _create(actor, member, data, exclude=["assignment", "region"])


# --- 联村帮户 ----------------------------------------------------------------------------------------
@transaction.atomic
def village_link_create(*, actor, data: dict) -> VillageLink:
    """A unit linked to a village."""
    data = _pick(data, LINK_FIELDS)
    region = data.get("region")
    _region_of_level(region, county=False)
    ensure_region(actor, "pairings.add_villagelink", region.code)
    unit = data.get("unit")
    _check_unit(actor, unit)
    _check_period(data.get("started_on"), data.get("ended_on"))
    if VillageLink.objects.filter(unit=unit, region=region, ended_on__isnull=True).exists():
        raise ServiceError({"region": [_("该单位已联系此村（尚未结束），请勿重复登记。")]})
    Region.objects.select_for_update().filter(pk=region.pk).exists()
    Unit.objects.select_for_update().filter(pk=unit.pk).exists()
    link = VillageLink(
        created_by=actor,
        first_for_village=not VillageLink.objects.filter(region=region).exists(),
        first_for_unit=not VillageLink.objects.filter(unit=unit).exists(),
        **data,
    )
    return _create(actor, link, data)


@transaction.atomic
def village_link_update(*, actor, link: VillageLink, expected_version: int, data: dict) -> VillageLink:
    def check(merged):
        _check_period(merged["started_on"], merged["ended_on"])

    return _update(link, actor=actor, expected_version=expected_version, data=data,
                   fields=LINK_EDITABLE_FIELDS, check=check)  # fmt: skip


@transaction.atomic
def link_cadre_add(*, actor, link: VillageLink, data: dict) -> LinkCadre:
    """A cadre the linked unit sent to the village, with the period."""
    ensure(actor, "change", link)
    data = _pick(data, MEMBER_FIELDS)
    _check_cadre(actor, data.get("cadre"))
    _check_period(data.get("started_on"), data.get("ended_on"))
    _check_within(data["started_on"], data.get("ended_on"), link)
    if LinkCadre.objects.filter(link=link, cadre=data["cadre"], ended_on__isnull=True).exists():
        raise ServiceError({"cadre": [_("该干部已派驻此村（尚未结束），请勿重复登记。")]})
    member = LinkCadre(created_by=actor, link=link, region_id=link.region_id, **data)
    return _create(actor, member, data, exclude=["link", "region"])


def _check_project(merged: dict) -> None:
    if not (merged.get("name") or "").strip():
        raise ServiceError({"name": [_("请填写项目名称。")]})
    if merged.get("kind") not in ProjectKind.values:
        raise ServiceError({"kind": [_("请选择项目类型。")]})
    funds = merged.get("funds_fen")
    if funds is None or not isinstance(funds, int) or funds < 0 or funds > MAX_FEN:
        raise ServiceError({"funds_fen": [_("项目资金应为不小于 0 的整数（单位：分）。")]})
    if merged.get("planned_on") is None:
        raise ServiceError({"planned_on": [_("请填写立项日期。")]})


@transaction.atomic
def link_project_create(*, actor, data: dict) -> LinkProject:
    """A project the linked unit runs in the village; it starts planned."""
    data = _pick(data, PROJECT_FIELDS)
    data.setdefault("funds_fen", 0)
    link = data.get("link")
    if link is None:
        raise ServiceError({"link": [_("请选择联村帮户记录。")]})
    ensure_region(actor, "pairings.add_linkproject", link.region_id)
    _check_project(data)
    project = LinkProject(created_by=actor, region_id=link.region_id, status=ProjectStatus.PLANNED, **data)
    return _create(actor, project, data, exclude=["link", "region"])


@transaction.atomic
def link_project_update(*, actor, project: LinkProject, expected_version: int, data: dict) -> LinkProject:
    def check(merged):
        _check_project(merged)
        if project.started_on and merged["planned_on"] > project.started_on:
            raise ServiceError({"planned_on": [_("立项日期不能晚于开工日期。")]})

    return _update(project, actor=actor, expected_version=expected_version, data=data,
                   fields=PROJECT_EDITABLE_FIELDS, check=check)  # fmt: skip


@transaction.atomic
def link_project_advance(*, actor, project: LinkProject, expected_version: int, status: str, on) -> LinkProject:
    """planned → under way (开工, `on` is the start date) → completed (`on` is the completion date)."""
    ensure(actor, "change", project)
    PROJECT_MACHINE.check(project.status, status)
    if on is None:
        raise ServiceError({"on": [_("请填写日期。")]})
    before = {"status": project.status}
    if status == ProjectStatus.UNDER_WAY:
        if on < project.planned_on:
            raise ServiceError({"on": [_("开工日期不能早于立项日期。")]})
        project.started_on = on
        fields = ["status", "started_on"]
    else:
        if on < project.started_on:
            raise ServiceError({"on": [_("完成日期不能早于开工日期。")]})
        project.completed_on = on
        fields = ["status", "completed_on"]
    project.status = status
    save_versioned(project, expected_version=expected_version, fields=fields)
    audit_record(actor=actor, action=Action.UPDATE, obj=project,
                 changes=diff_fields(before, {"status": status}), message=f"{status} on {on}")  # fmt: skip
    return project


def _check_training(merged: dict) -> None:
    if merged.get("held_on") is None:
        raise ServiceError({"held_on": [_("请填写培训日期。")]})
    if not (merged.get("topic") or "").strip():
        raise ServiceError({"topic": [_("请填写培训内容。")]})
    times = merged.get("person_times")
    if not isinstance(times, int) or times < 1:
        raise ServiceError({"person_times": [_("培训人次应为不小于 1 的整数。")]})


@transaction.atomic
def training_create(*, actor, data: dict) -> Training:
    """A training the linked unit gave in the village."""
    data = _pick(data, TRAINING_FIELDS)
    link = data.get("link")
    if link is None:
        raise ServiceError({"link": [_("请选择联村帮户记录。")]})
    ensure_region(actor, "pairings.add_training", link.region_id)
    _check_training(data)
    if data["held_on"] < link.started_on:
        raise ServiceError({"held_on": [_("培训日期不能早于联系开始日期。")]})
    training = Training(created_by=actor, region_id=link.region_id, **data)
    return _create(actor, training, data, exclude=["link", "region"])


@transaction.atomic
def training_update(*, actor, training: Training, expected_version: int, data: dict) -> Training:
    return _update(training, actor=actor, expected_version=expected_version, data=data,
                   fields=TRAINING_EDITABLE_FIELDS, check=_check_training)  # fmt: skip


# --- 蹲点 ----------------------------------------------------------------------------------------------
def _check_stay(merged: dict) -> None:
    _check_period(merged.get("started_on"), merged.get("ended_on"))
    if not (merged.get("purpose") or "").strip():
        raise ServiceError({"purpose": [_("请填写蹲点目的。")]})


@transaction.atomic
def stay_create(*, actor, data: dict) -> Stay:
    """A cadre's stay in a village or community (one person-time)."""
    data = _pick(data, STAY_FIELDS)
    region = data.get("region")
    _region_of_level(region, county=False)
    ensure_region(actor, "pairings.add_stay", region.code)
    _check_cadre(actor, data.get("cadre"))
    _check_stay(data)
    return _create(actor, Stay(created_by=actor, **data), data)


@transaction.atomic
def stay_update(*, actor, stay: Stay, expected_version: int, data: dict) -> Stay:
    return _update(stay, actor=actor, expected_version=expected_version, data=data,
                   fields=STAY_EDITABLE_FIELDS, check=_check_stay)  # fmt: skip
