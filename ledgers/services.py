"""Writes to the ledgers. Every create and state change is one function here; form views, the
API, imports and tasks all call these."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from core.exceptions import ServiceError
from ledgers.models import Ledger, LedgerKind
from regions.choices import Level
from regions.models import Region


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
