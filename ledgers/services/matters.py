"""稳定工作: disputes and risks, mediation, escalation into petitions."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields, snapshot
from core.concurrency import save_versioned
from core.exceptions import ServiceError
from ledgers.choices import (
    MATTER_TRANSITIONS,
    MatterOutcome,
    MatterStatus,
)
from ledgers.models import (
    MediationStep,
    StabilityMatter,
)
from ledgers.services.base import _check_version, _entry_create, _entry_update, _entry_void, ensure_not_voided
from ledgers.services.rules import matter_rules, mediation_step_rules
from regions.models import Region
from regions.scoping import ensure

# --- 稳定工作 ----------------------------------------------------------------------------------
MATTER_EDITABLE_FIELDS = (
    "matter_type",
    "title",
    "parties",
    "summary",
    "risk_level",
    "mediator",
    "deadline",
    "registered_on",
)


@transaction.atomic
def matter_create(*, actor, region: Region, data: dict) -> StabilityMatter:
    """Register a dispute or risk, screened by type and risk level."""
    return _entry_create(StabilityMatter, actor=actor, region=region, data=matter_rules(data))


@transaction.atomic
def matter_update(*, actor, matter: StabilityMatter, expected_version: int, data: dict) -> StabilityMatter:
    data = matter_rules(data, current=matter)
    return _entry_update(matter, actor=actor, expected_version=expected_version, data=data)


@transaction.atomic
def matter_transition(
    *,
    actor,
    matter: StabilityMatter,
    target: str,
    outcome: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> StabilityMatter:
    """Move a matter along its status machine; resolving or closing needs an outcome. Escalation
    is refused here: it opens a petition case, so only `matter_escalate` sets it."""
    reserved = MATTER_TRANSITIONS.reserved_error(target)
    if reserved is not None:
        raise reserved
    return _matter_move(
        actor=actor, matter=matter, target=target, outcome=outcome, note=note, expected_version=expected_version
    )


def _matter_move(*, actor, matter, target, outcome="", note="", expected_version=None, via="") -> StabilityMatter:
    ensure(actor, "transition", matter)
    locked = StabilityMatter.objects.select_for_update().get(pk=matter.pk)
    _check_version(locked, expected_version)
    ensure_not_voided(locked)
    MATTER_TRANSITIONS.check(locked.status, target, via=via)
    before = snapshot(locked, ["status", "outcome", "outcome_note", "resolved_at"])
    if target in (MatterStatus.RESOLVED, MatterStatus.CLOSED):
        if outcome not in MatterOutcome.values:
            raise ServiceError({"outcome": [_("请选择化解结果。")]})
        locked.outcome, locked.outcome_note = outcome, note.strip()
        locked.resolved_at = timezone.now() if target == MatterStatus.RESOLVED else locked.resolved_at
    if target == MatterStatus.MEDIATING and locked.status in (MatterStatus.RESOLVED, MatterStatus.CLOSED):
        locked.outcome, locked.resolved_at = "", None
    if target == MatterStatus.ESCALATED:
        locked.outcome = MatterOutcome.ESCALATED
    locked.status = target
    after = snapshot(locked, before.keys())
    save_versioned(locked, expected_version=locked.version, fields=list(before.keys()))
    audit_record(actor=actor, action=Action.TRANSITION, obj=locked, changes=diff_fields(before, after))
    return locked


def matter_void(*, actor, matter: StabilityMatter, reason: str, expected_version: int | None = None):
    """作废 a matter entered by mistake: it leaves every list and figure, kept with the reason."""
    return _entry_void(StabilityMatter, actor=actor, entry=matter, reason=reason, expected_version=expected_version)


# The petitions app registers a function (matter, actor) -> reference to open a case from a
# matter; until it does, escalation only marks the matter.
ESCALATION_HANDLERS: list = []


@transaction.atomic
def matter_escalate(*, actor, matter: StabilityMatter, expected_version: int | None = None) -> StabilityMatter:
    """Escalate a matter into a petition case (稳定事项转信访)."""
    matter = _matter_move(
        actor=actor, matter=matter, target=MatterStatus.ESCALATED, expected_version=expected_version, via="escalation"
    )
    for handler in ESCALATION_HANDLERS:
        reference = handler(matter=matter, actor=actor)
        if reference:
            matter.escalated_reference = str(reference)[:40]
            StabilityMatter.objects.filter(pk=matter.pk).update(escalated_reference=matter.escalated_reference)
    return matter


@transaction.atomic
def matter_step_add(*, actor, matter: StabilityMatter, data: dict) -> MediationStep:
    ensure(actor, "change", matter)
    ensure_not_voided(matter)
    data = mediation_step_rules(data)
    step = MediationStep(matter=matter, created_by=actor, **data)
    step.full_clean(exclude=["matter", "created_by"])
    step.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=matter,
        changes={"step_added": [None, f"{step.happened_on} {step.action[:80]}"]},
    )
    return step
