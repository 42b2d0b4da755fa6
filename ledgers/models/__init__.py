"""The three village ledgers, one module each over a shared abstract entry."""

from ledgers.models.appeals import LivelihoodAppeal, RatingInvitation
from ledgers.models.base import Ledger, LedgerEntry, LedgerKind
from ledgers.models.hardship import HardshipHousehold, HelpRecord, HouseholdHardship, HouseholdMember
from ledgers.models.imports import ImportBatch, ImportKind, ImportMode, ImportRow, ImportRowStatus, ImportStatus
from ledgers.models.profiles import VillageProfile
from ledgers.models.stability import MediationStep, StabilityMatter

__all__ = [
    "HardshipHousehold",
    "HelpRecord",
    "HouseholdHardship",
    "HouseholdMember",
    "ImportBatch",
    "ImportKind",
    "ImportMode",
    "ImportRow",
    "ImportRowStatus",
    "ImportStatus",
    "Ledger",
    "LedgerEntry",
    "LedgerKind",
    "LivelihoodAppeal",
    "MediationStep",
    "RatingInvitation",
    "StabilityMatter",
    "VillageProfile",
]
