"""机关单位 and 帮扶干部: create and update."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields
from core.exceptions import ServiceError
from pairings.models import Cadre, Unit
from pairings.services.common import clean_id_number, clean_phone, full_clean, versioned_update
from regions.choices import Level
from regions.scoping import ensure_region

UNIT_EDITABLE_FIELDS = ("name", "level", "region", "kind", "parent", "is_active")
CADRE_EDITABLE_FIELDS = (
    "name",
    "unit",
    "post",
    "is_party_member",
    "phone",
    "id_number",
    "home_region",
    "user",
    "is_active",
    "is_unit_leader",
)
_CADRE_AUDITED = CADRE_EDITABLE_FIELDS  # every editable field of a cadre is audited


def _check_unit(data: dict, *, instance: Unit | None = None) -> None:
    region = data.get("region") or (instance.region if instance else None)
    level = data.get("level", instance.level if instance else None)
    parent = data.get("parent", instance.parent if instance else None)
    if region is not None and region.level == Level.VILLAGE:
        raise ServiceError({"region": [_("机关单位所在区划应为省、市（州）、县（市、区）或乡镇（街道）。")]})
    if region is not None and level is not None and region.level != level:
        raise ServiceError({"level": [_("单位层级应与所在区划的层级一致。")]})
    if parent is not None:
        if instance is not None and parent.pk == instance.pk:
            raise ServiceError({"parent": [_("上级单位不能是本单位。")]})
        if parent.level > (level or parent.level) or not region.code.startswith(parent.region_id):
            raise ServiceError({"parent": [_("上级单位应为同级或上级区划的单位。")]})


@transaction.atomic
def unit_create(*, actor, data: dict) -> Unit:
    """Register an organ or unit in a region the actor may add units in."""
    data = {k: v for k, v in data.items() if k in UNIT_EDITABLE_FIELDS}
    region = data.get("region")
    if region is None:
        raise ServiceError({"region": [_("请选择所在区划。")]})
    ensure_region(actor, "pairings.add_unit", region.code)
    _check_unit(data)
    unit = Unit(created_by=actor, **data)
    full_clean(unit, exclude=["created_by"])
    unit.save()
    audit_record(actor=actor, action=Action.CREATE, obj=unit, changes=diff_fields({}, data))
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, expected_version: int, data: dict) -> Unit:
    data = {k: v for k, v in data.items() if k in UNIT_EDITABLE_FIELDS}
    if "region" in data and data["region"].pk != unit.region_id:
        ensure_region(actor, "pairings.add_unit", data["region"].code)
    _check_unit(data, instance=unit)
    return versioned_update(
        unit, actor=actor, expected_version=expected_version, data=data, audited_fields=UNIT_EDITABLE_FIELDS
    )


def _check_cadre(actor, data: dict, *, instance: Cadre | None = None) -> None:
    from pairings.selectors import unit_pickable

    unit = data.get("unit")
    changed_unit = unit is not None and (instance is None or unit.pk != instance.unit_id)
    if changed_unit and not unit_pickable(user=actor).filter(pk=unit.pk).exists():
        raise ServiceError({"unit": [_("该单位不存在或不在您可选择的范围内。")]})
    clean_id_number(data, "id_number", "id_hash")
    clean_phone(data, "phone", "phone_hash")
    if data.get("id_hash"):
        duplicate = Cadre.objects.filter(id_hash=data["id_hash"])
        if instance is not None:
            duplicate = duplicate.exclude(pk=instance.pk)
        if duplicate.exists():
            raise ServiceError({"id_number": [_("该身份证号的干部已登记，请勿重复登记。")]})
    user = data.get("user")
    if user is not None:
        taken = Cadre.objects.filter(user=user)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise ServiceError({"user": [_("该系统账号已关联其他干部。")]})


@transaction.atomic
def cadre_create(*, actor, data: dict) -> Cadre:
    """Register a cadre of a unit, in a home region the actor may add cadres in."""
    data = {k: v for k, v in data.items() if k in CADRE_EDITABLE_FIELDS}
    home_region = data.get("home_region")
    if home_region is None:
        raise ServiceError({"home_region": [_("请选择所在区划。")]})
    if data.get("unit") is None:
        raise ServiceError({"unit": [_("请选择所在单位。")]})
    ensure_region(actor, "pairings.add_cadre", home_region.code)
    _check_cadre(actor, data)
    cadre = Cadre(created_by=actor, **data)
    full_clean(cadre, exclude=["created_by", "id_hash", "phone_hash"])
    cadre.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=cadre,
        changes=diff_fields({}, {k: v for k, v in data.items() if k in _CADRE_AUDITED}),
    )
    return cadre


@transaction.atomic
def cadre_update(*, actor, cadre: Cadre, expected_version: int, data: dict) -> Cadre:
    data = {k: v for k, v in data.items() if k in CADRE_EDITABLE_FIELDS}
    if "home_region" in data and data["home_region"].pk != cadre.home_region_id:
        ensure_region(actor, "pairings.add_cadre", data["home_region"].code)
    _check_cadre(actor, data, instance=cadre)
    previous_user = cadre.user_id
    updated = versioned_update(
        cadre,
        actor=actor,
        expected_version=expected_version,
        data=data,
        audited_fields=_CADRE_AUDITED,
        clean_exclude=["created_by", "id_hash", "phone_hash"],
    )
    if updated.user_id != previous_user:
        # "A cadre sees their own" reads the account repeated on their pairs, visits and owed visits.
        from pairings.models import OwedVisit, Pair, Visit

        for model in (Pair, Visit, OwedVisit):
            model.objects.filter(cadre=updated).update(cadre_user_id=updated.user_id)
    return updated
