"""Writes of the pairings app. Every create and state change is one function here; form views,
the API, imports and tasks all call these. Each is atomic, checks permission and jurisdiction,
refuses stale edits and records history in the audit trail."""

from pairings.services.units import (
    CADRE_EDITABLE_FIELDS,
    UNIT_EDITABLE_FIELDS,
    cadre_create,
    cadre_update,
    unit_create,
    unit_update,
)

__all__ = [
    "CADRE_EDITABLE_FIELDS",
    "UNIT_EDITABLE_FIELDS",
    "cadre_create",
    "cadre_update",
    "unit_create",
    "unit_update",
]
