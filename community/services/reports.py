"""双报到: reporting organisations and members, registrations and withdrawals."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields, snapshot
from community.choices import (
    REPORT_TRANSITIONS,
    ReportBasis,
    ReporterKind,
    ReportStatus,
)
from community.models import (
    CommunityReport,
    ReportingMember,
    ReportingOrganisation,
)
from community.services.base import _check_version, _only, _text, check_community, clean_phone
from core.concurrency import save_versioned
from core.crypto import keyed_hash
from core.exceptions import ServiceError
from regions.models import Region
from regions.scoping import can, ensure, ensure_region

# --- 报到党组织 / 报到党员 ---------------------------------------------------------------------
ORGANISATION_FIELDS = ("name", "organ_name", "organ_level", "party_member_count", "contact_name", "phone")
MEMBER_FIELDS = ("name", "phone", "workplace", "username", "cadre")


def _clean_organisation(data: dict) -> dict:
    from community.choices import OrganLevel

    clean = {
        "name": _text(data, "name", label=_("党组织名称"), max_length=100),
        "organ_name": _text(data, "organ_name", label=_("所属机关（单位）"), max_length=100),
        "organ_level": data.get("organ_level") or OrganLevel.OTHER,
        "contact_name": _text(data, "contact_name", label=_("联系人"), max_length=50, required=False),
        "phone": clean_phone(data.get("phone", "")),
    }
    if clean["organ_level"] not in OrganLevel.values:
        raise ServiceError({"organ_level": [_("请选择机关层级。")]})
    count = data.get("party_member_count") or 0
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = -1
    if not 0 <= count <= 100_000:
        raise ServiceError({"party_member_count": [_("党员人数应为 0 到 100000 之间的整数。")]})
    clean["party_member_count"] = count
    return clean


@transaction.atomic
def organisation_create(*, actor, region: Region, data: dict) -> ReportingOrganisation:
    """Record an organ's Party organisation in the community where the organ sits."""
    _only(data, ORGANISATION_FIELDS)
    check_community(region)
    ensure_region(actor, "community.add_reportingorganisation", region.code)
    clean = _clean_organisation(data)
    if ReportingOrganisation.objects.filter(region=region, name=clean["name"]).exists():
        raise ServiceError({"name": [_("本社区已登记同名的党组织。")]})
    organisation = ReportingOrganisation.objects.create(region=region, created_by=actor, **clean)
    audit_record(actor=actor, action=Action.CREATE, obj=organisation, changes=diff_fields({}, clean))
    return organisation


@transaction.atomic
def organisation_update(
    *, actor, organisation: ReportingOrganisation, expected_version: int, data: dict
) -> ReportingOrganisation:
    _only(data, ORGANISATION_FIELDS)
    ensure(actor, "change", organisation)
    clean = _clean_organisation({**snapshot(organisation, ORGANISATION_FIELDS), **data})
    if (
        ReportingOrganisation.objects.filter(region_id=organisation.region_id, name=clean["name"])
        .exclude(pk=organisation.pk)
        .exists()
    ):
        raise ServiceError({"name": [_("本社区已登记同名的党组织。")]})
    before = snapshot(organisation, clean.keys())
    changes = diff_fields(before, clean)
    if not changes:
        return organisation
    for name, value in clean.items():
        setattr(organisation, name, value)
    save_versioned(organisation, expected_version=expected_version, fields=list(clean))
    audit_record(actor=actor, action=Action.UPDATE, obj=organisation, changes=changes)
    return organisation


def _member_user(username: str):
    username = (username or "").strip()
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ServiceError({"username": [_("没有名为“%(name)s”的有效账号。") % {"name": username[:50]}]})
    return user


def _member_cadre(actor, cadre):
    """A cadre record the actor may see, flagged as Party member."""
    if cadre is None:
        return None
    if not can(actor, "view", cadre):
        raise ServiceError({"cadre": [_("该干部档案不存在或不在您的管辖范围内。")]})
    if not cadre.is_party_member:
        raise ServiceError({"cadre": [_("“%(name)s”的干部档案未标注为中共党员。") % {"name": cadre.name}]})
    return cadre


def _clean_member(data: dict, *, actor) -> dict:
    """A member's fields; one linked to a cadre takes the cadre's name, phone and account where
    none is typed."""
    cadre = _member_cadre(actor, data.get("cadre"))
    if cadre is not None:
        data = {
            **data,
            "name": data.get("name") or cadre.name,
            "phone": data.get("phone") or cadre.phone,
        }
    phone = clean_phone(data.get("phone", ""), required=True)
    user = _member_user(data.get("username", ""))
    if user is None and cadre is not None:
        user = cadre.user
    return {
        "name": _text(data, "name", label=_("姓名"), max_length=50),
        "phone": phone,
        "phone_hash": keyed_hash(phone),
        "workplace": _text(data, "workplace", label=_("工作单位"), max_length=100, required=False)
        or (cadre.unit.name if cadre is not None else ""),
        "user": user,
        "cadre": cadre,
    }


@transaction.atomic
def member_create(*, actor, region: Region, data: dict) -> ReportingMember:
    """Record a serving Party member in the community where they live. The same phone number twice in
    one community is refused (found through its keyed hash; the number itself is encrypted)."""
    _only(data, MEMBER_FIELDS)
    check_community(region)
    ensure_region(actor, "community.add_reportingmember", region.code)
    clean = _clean_member(data, actor=actor)
    if ReportingMember.objects.filter(region=region, phone_hash=clean["phone_hash"]).exists():
        raise ServiceError({"phone": [_("本社区已登记使用该电话的党员。")]})
    if clean["cadre"] is not None and ReportingMember.objects.filter(region=region, cadre=clean["cadre"]).exists():
        raise ServiceError({"cadre": [_("该干部已登记为本社区的报到党员。")]})
    member = ReportingMember.objects.create(region=region, created_by=actor, **clean)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=member,
        changes=diff_fields({}, {k: v for k, v in clean.items() if k != "phone_hash"}),
    )
    return member


@transaction.atomic
def member_update(*, actor, member: ReportingMember, expected_version: int, data: dict) -> ReportingMember:
    _only(data, MEMBER_FIELDS)
    ensure(actor, "change", member)
    current = {
        **snapshot(member, ("name", "phone", "workplace", "cadre")),
        "username": member.user.username if member.user else "",
    }
    clean = _clean_member({**current, **data}, actor=actor)
    if (
        ReportingMember.objects.filter(region_id=member.region_id, phone_hash=clean["phone_hash"])
        .exclude(pk=member.pk)
        .exists()
    ):
        raise ServiceError({"phone": [_("本社区已登记使用该电话的党员。")]})
    before = snapshot(member, clean.keys())
    changes = diff_fields(before, {k: v for k, v in clean.items() if k != "phone_hash"})
    if not changes:
        return member
    for name, value in clean.items():
        setattr(member, name, value)
    save_versioned(member, expected_version=expected_version, fields=list(clean))
    audit_record(actor=actor, action=Action.UPDATE, obj=member, changes=changes)
    return member


# --- 双报到 ------------------------------------------------------------------------------------
@transaction.atomic
def report_register(
    *,
    actor,
    community: Region,
    organisation: ReportingOrganisation | None = None,
    member: ReportingMember | None = None,
    basis: str | None = None,
    reported_on: datetime.date | None = None,
    note: str = "",
) -> CommunityReport:
    """An organisation (where its organ sits) or a member (where they live) reports to a community.

    At most one active registration per reporter and basis: a second is refused with a clear
    message, and the database's partial unique constraint refuses it even under a race.
    """
    if (organisation is None) == (member is None):
        raise ServiceError(_("请选择报到的党组织或党员（只能选一个）。"), code="reporter")
    check_community(community, "community")
    ensure_region(actor, "community.add_communityreport", community.code)
    reporter = organisation or member
    ensure(actor, "view", reporter)
    kind = ReporterKind.ORGANISATION if organisation else ReporterKind.MEMBER
    basis = basis or (ReportBasis.WORKPLACE if organisation else ReportBasis.RESIDENCE)
    if basis not in ReportBasis.values:
        raise ServiceError({"basis": [_("请选择报到依据。")]})
    reported_on = reported_on or timezone.localdate()
    if reported_on > timezone.localdate():
        raise ServiceError({"reported_on": [_("报到日期不能晚于今天。")]})
    note = _text({"note": note}, "note", label=_("备注"), max_length=200, required=False)
    who = _("党组织") if organisation else _("党员")
    active = CommunityReport.objects.active().filter(basis=basis, organisation=organisation, member=member)
    if active.exists():
        raise ServiceError(
            _("该%(who)s已有一条有效的“%(basis)s”报到，请先撤回原报到。")
            % {"who": who, "basis": ReportBasis(basis).label},
            code="already_reported",
        )
    try:
        with transaction.atomic():
            report = CommunityReport.objects.create(
                community=community,
                kind=kind,
                basis=basis,
                organisation=organisation,
                member=member,
                reported_on=reported_on,
                note=note,
                created_by=actor,
            )
    except IntegrityError:  # another registration won the race
        raise ServiceError(
            _("该%(who)s已有一条有效的“%(basis)s”报到，请先撤回原报到。")
            % {"who": who, "basis": ReportBasis(basis).label},
            code="already_reported",
        )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=report,
        changes=diff_fields({}, {"kind": kind, "basis": basis, "reported_on": reported_on, "reporter": str(reporter)}),
    )
    return report


@transaction.atomic
def report_withdraw(
    *,
    actor,
    report: CommunityReport,
    reason: str,
    withdrawn_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> CommunityReport:
    """The reporter leaves the community's roster (moved, retired, organ relocated). Kept, with why."""
    ensure(actor, "transition", report)
    locked = CommunityReport.objects.select_for_update().get(pk=report.pk)
    _check_version(locked, expected_version)
    REPORT_TRANSITIONS.check(locked.status, ReportStatus.WITHDRAWN)
    reason = _text({"reason": reason}, "reason", label=_("撤回原因"), max_length=200)
    withdrawn_on = withdrawn_on or timezone.localdate()
    if withdrawn_on < locked.reported_on:
        raise ServiceError({"withdrawn_on": [_("撤回日期不能早于报到日期。")]})
    if withdrawn_on > timezone.localdate():
        raise ServiceError({"withdrawn_on": [_("撤回日期不能晚于今天。")]})
    before = snapshot(locked, ("status", "withdrawn_on", "withdraw_reason"))
    locked.status, locked.withdrawn_on, locked.withdraw_reason = ReportStatus.WITHDRAWN, withdrawn_on, reason
    save_versioned(locked, expected_version=locked.version, fields=["status", "withdrawn_on", "withdraw_reason"])
    audit_record(
        actor=actor, action=Action.TRANSITION, obj=locked, changes=diff_fields(before, snapshot(locked, before))
    )
    return locked


@transaction.atomic
def report_register_new(
    *,
    actor,
    community: Region,
    kind: str,
    reporter_data: dict,
    basis: str | None = None,
    reported_on: datetime.date | None = None,
    note: str = "",
) -> CommunityReport:
    """Record a new organisation (or member) in `community` and register it there, in one step:
    both or neither."""
    check_community(community, "community")
    if kind == ReporterKind.ORGANISATION:
        organisation = organisation_create(actor=actor, region=community, data=reporter_data)
        return report_register(
            actor=actor, community=community, organisation=organisation, basis=basis, reported_on=reported_on, note=note
        )
    if kind == ReporterKind.MEMBER:
        member = member_create(actor=actor, region=community, data=reporter_data)
        return report_register(
            actor=actor, community=community, member=member, basis=basis, reported_on=reported_on, note=note
        )
    raise ServiceError({"kind": [_("请选择报到类型。")]})
