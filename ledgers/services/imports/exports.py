"""The audit trace every ledger export leaves."""

from urllib.parse import unquote_plus

from django.utils.translation import gettext as _

from audit.choices import Action
from audit.services import audit_record
from core.validators import (
    mask_personal_numbers,
)
from regions.scoping import scope_prefixes


def ledger_export_audit(*, actor, model, count: int, filters: str) -> None:
    """Every export leaves a trace: who, which ledger, how many rows, with which filters."""
    permission = f"ledgers.export_{model._meta.model_name}"
    prefixes = scope_prefixes(actor, permission) or []
    region_code = prefixes[0] if len(prefixes) == 1 else ""
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        object_type=model._meta.label_lower,
        region_code=region_code,
        # The filters as typed (URL-decoded), then masked by audit_record like every message: an ID
        # number searched with spaces or full-width digits never reaches the trail in clear.
        message=_("导出%(label)s %(count)s 行；筛选条件：%(filters)s")
        % {
            "label": model._meta.verbose_name,
            "count": count,
            "filters": mask_personal_numbers(unquote_plus(filters))[:300] or _("无"),
        },
    )
