"""Models of cadre–household pairings (结对帮扶、结对认亲), re-exported from their modules."""

from pairings.models.imports import ImportJob
from pairings.models.pairs import Household, Pair
from pairings.models.support import (
    LinkCadre,
    LinkProject,
    Stay,
    SupportAssignment,
    SupportCadre,
    Training,
    VillageLink,
)
from pairings.models.units import Cadre, Unit
from pairings.models.visits import Campaign, MustVisitEvent, OwedVisit, Visit

__all__ = [
    "Cadre",
    "Campaign",
    "Household",
    "ImportJob",
    "LinkCadre",
    "LinkProject",
    "Stay",
    "SupportAssignment",
    "SupportCadre",
    "Training",
    "VillageLink",
    "MustVisitEvent",
    "OwedVisit",
    "Pair",
    "Unit",
    "Visit",
]
