"""Writes to the ledgers. Every create and state change is one function here; form views, the
API, imports and tasks all call these. Each is atomic, checks permission and jurisdiction,
enforces the status machine, refuses stale edits, and records history in the audit trail.

`data` arguments are already-cleaned field values (from a form or serializer); the services
enforce the rules that involve more than one field or the database.
"""

from ledgers.services.appeals import (
    APPEAL_EDITABLE_FIELDS,
    RATING_LINK_DAYS,
    RATING_SALT,
    appeal_bulk_transition,
    appeal_create,
    appeal_rate,
    appeal_transition,
    appeal_update,
    appeal_void,
    rating_invitation_create,
    rating_invitation_from_token,
    rating_token,
)
from ledgers.services.base import BulkResult, bulk_apply, ledger_open
from ledgers.services.households import (
    HOUSEHOLD_EDITABLE_FIELDS,
    help_record_add,
    household_create,
    household_exit,
    household_member_add,
    household_reactivate,
    household_update,
    household_void,
)
from ledgers.services.imports import (
    import_batch_execute,
    import_batch_get,
    import_batch_prepare,
    import_batch_recent,
    import_batch_start,
    import_template,
    ledger_export_audit,
)
from ledgers.services.matters import (
    ESCALATION_HANDLERS,
    MATTER_EDITABLE_FIELDS,
    matter_create,
    matter_escalate,
    matter_step_add,
    matter_transition,
    matter_update,
    matter_void,
)
from ledgers.services.profiles import PROFILE_FIELDS, profile_create, profile_update

__all__ = [
    "APPEAL_EDITABLE_FIELDS",
    "ESCALATION_HANDLERS",
    "HOUSEHOLD_EDITABLE_FIELDS",
    "MATTER_EDITABLE_FIELDS",
    "PROFILE_FIELDS",
    "RATING_LINK_DAYS",
    "RATING_SALT",
    "BulkResult",
    "appeal_bulk_transition",
    "appeal_create",
    "appeal_rate",
    "appeal_transition",
    "appeal_update",
    "appeal_void",
    "bulk_apply",
    "help_record_add",
    "household_create",
    "household_exit",
    "household_member_add",
    "household_reactivate",
    "household_update",
    "household_void",
    "import_batch_execute",
    "import_batch_get",
    "import_batch_prepare",
    "import_batch_recent",
    "import_batch_start",
    "import_template",
    "ledger_export_audit",
    "ledger_open",
    "matter_create",
    "matter_escalate",
    "matter_step_add",
    "matter_transition",
    "matter_update",
    "matter_void",
    "profile_create",
    "profile_update",
    "rating_invitation_create",
    "rating_invitation_from_token",
    "rating_token",
]
