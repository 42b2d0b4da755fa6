"""Ledger books and the create/update steps every ledger entry shares."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields, snapshot
from core.concurrency import save_versioned
from core.exceptions import ServiceError
from ledgers.models import (
    Ledger,
    LedgerKind,
)
from regions.choices import Level
from regions.models import Region
from regions.scoping import ensure, ensure_region


# --- Ledger books -------------------------------------------------------------------------
def ledger_open(*, kind_code: str, region: Region, actor=None) -> Ledger:
    """The ledger of `kind_code` for `region` (a village or a township), opened on first use.

    Safe under concurrency: two first items at once both end up in the one ledger.
    """
    if region.level not in (Level.VILLAGE, Level.TOWNSHIP):
        raise ServiceError(_("台账只能建在村（社区）或乡镇（街道）。"), code="ledger_region_level")
    kind = LedgerKind.objects.filter(code=kind_code, is_active=True).first()
    if kind is None:
        raise ServiceError(_("台账类别不存在或已停用。"), code="ledger_kind")
    ledger = Ledger.objects.filter(kind=kind, region=region).first()
    if ledger is not None:
        return ledger
    try:
        with transaction.atomic():
            return Ledger.objects.create(kind=kind, region=region, opened_by=actor)
    except IntegrityError:
        return Ledger.objects.get(kind=kind, region=region)


def _entry_create(model, *, actor, region: Region, data: dict, extra_changes: dict | None = None):
    """Create a ledger entry; its creation entry in the history holds every field it was created
    with, and `extra_changes` (what the service writes beside the row: a household's hardship types)."""
    ensure_region(actor, f"{model._meta.app_label}.add_{model._meta.model_name}", region.code)
    ledger = ledger_open(kind_code=model.ledger_kind_code, region=region, actor=actor)
    data = dict(data)
    data.setdefault("registered_on", timezone.localdate())
    instance = model(ledger=ledger, region=region, created_by=actor, **data)
    instance.full_clean(exclude=["ledger", "region", "created_by"])
    instance.save()
    changes = {**diff_fields({}, _created_values(instance)), **(extra_changes or {})}
    audit_record(actor=actor, action=Action.CREATE, obj=instance, changes=changes)
    return instance


def _created_values(instance) -> dict:
    """A creation entry of the history: every field the record was created with (defaults
    included), not only those the caller passed."""
    skip = {"ledger", "region", "created_by"}
    names = [f.name for f in instance._meta.concrete_fields if f.editable and not f.primary_key and f.name not in skip]
    return {name: value for name, value in snapshot(instance, names).items() if value not in (None, "")}


def _entry_update(instance, *, actor, expected_version: int, data: dict):
    ensure(actor, "change", instance)
    ensure_not_voided(instance)
    # A stale version is refused even when nothing would change: the caller decided on old values.
    _check_version(instance, expected_version)
    before = snapshot(instance, data.keys())
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=["ledger", "region", "created_by"])
    changes = diff_fields(before, data)
    if not changes:
        return instance
    save_versioned(instance, expected_version=expected_version, fields=list(data))
    audit_record(actor=actor, action=Action.UPDATE, obj=instance, changes=changes)
    return instance


def ensure_not_voided(instance) -> None:
    """A voided record (作废) is kept as it was: no edit, no status change."""
    if getattr(instance, "voided_at", None) is not None:
        raise ServiceError(_("该记录已作废，不能再修改或变更状态。"), code="voided")


@transaction.atomic
def _entry_void(model, *, actor, entry, reason: str, expected_version: int | None = None):
    """作废: a record entered by mistake leaves every list and figure, kept with who voided it, when
    and why (never deleted). Needs the right to change the record; audited."""
    ensure(actor, "change", entry)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"void_reason": [_("请填写作废原因。")]})
    if len(reason) > 200:
        raise ServiceError({"void_reason": [_("作废原因不能超过 200 个字。")]})
    locked = model.objects.select_for_update().get(pk=entry.pk)
    _check_version(locked, expected_version)
    ensure_not_voided(locked)
    locked.voided_at, locked.voided_by, locked.void_reason = timezone.now(), actor, reason
    save_versioned(locked, expected_version=locked.version, fields=["voided_at", "voided_by", "void_reason"])
    audit_record(
        actor=actor,
        action=Action.TRANSITION,
        obj=locked,
        changes={"voided": [None, True], "void_reason": [None, reason]},
        message=_("作废"),
    )
    return locked


def _check_version(instance, expected_version):
    if expected_version is not None and instance.version != expected_version:
        from core.exceptions import ConcurrentEditError

        raise ConcurrentEditError()


@dataclass
class BulkResult:
    done: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (object, message)


def bulk_apply(objects, action) -> BulkResult:
    """Apply `action` (one service call) to each object; each succeeds or fails on its own, with
    its reason, so a bulk status change never stops half-way without saying which ones failed."""
    result = BulkResult()
    for obj in objects:
        try:
            result.done.append(action(obj))
        except ServiceError as exc:
            result.failed.append((obj, " ".join(str(m) for m in exc.messages)))
    return result
