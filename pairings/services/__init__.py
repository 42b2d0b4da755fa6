"""Writes of the pairings app. Every create and state change is one function here; form views,
the API, imports and tasks all call these. Each is atomic, checks permission and jurisdiction,
refuses stale edits and records history in the audit trail."""

from pairings.services.pairs import (
    HOUSEHOLD_EDITABLE_FIELDS,
    household_for_hardship,
    household_register,
    household_update,
    pair_bulk_create_rows,
    pair_bulk_plan,
    pair_counters_refresh,
    pair_create,
    pair_end,
)
from pairings.services.units import (
    CADRE_EDITABLE_FIELDS,
    UNIT_EDITABLE_FIELDS,
    cadre_create,
    cadre_update,
    unit_create,
    unit_update,
)
from pairings.services.visits import (
    VISIT_FIELDS,
    campaign_create,
    can_record_visit,
    must_visit_due_days,
    must_visit_event_from_hardship,
    must_visit_event_record,
    owed_visits_mark_overdue,
    visit_record,
)

__all__ = [
    "HOUSEHOLD_EDITABLE_FIELDS",
    "VISIT_FIELDS",
    "campaign_create",
    "can_record_visit",
    "household_for_hardship",
    "household_register",
    "household_update",
    "must_visit_due_days",
    "must_visit_event_from_hardship",
    "must_visit_event_record",
    "owed_visits_mark_overdue",
    "pair_bulk_create_rows",
    "pair_bulk_plan",
    "pair_counters_refresh",
    "pair_create",
    "pair_end",
    "visit_record",
    "CADRE_EDITABLE_FIELDS",
    "UNIT_EDITABLE_FIELDS",
    "cadre_create",
    "cadre_update",
    "unit_create",
    "unit_update",
]
