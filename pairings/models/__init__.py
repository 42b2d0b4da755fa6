"""Models of cadre–household pairings (结对帮扶、结对认亲), re-exported from their modules."""

from pairings.models.units import Cadre, Unit

__all__ = [
    "Cadre",
    "Unit",
]
