"""Querysets of the ledgers. "Overdue" and "due soon" are defined here, once: each ledger that has
due dates declares its due field and its open statuses, and lists, detail pages, exports,
serializers, template tags, selectors, the workbench and the reports' SQL all read them."""

import datetime

from django.db import models
from django.utils import timezone

from ledgers.choices import APPEAL_OPEN_STATUSES, APPEAL_RESOLVED_STATUSES, MATTER_OPEN_STATUSES, HouseholdStatus

# "Due soon": still open and due today or within this many days.
DUE_SOON_DAYS = 3


class LedgerEntryQuerySet(models.QuerySet):
    """Every ledger entry: voided ones (作废) count nowhere unless asked for."""

    @classmethod
    def live_q(cls) -> models.Q:
        return models.Q(voided_at__isnull=True)

    def live(self):
        return self.filter(self.live_q())

    def voided(self):
        return self.filter(voided_at__isnull=False)


class DueQuerySet(LedgerEntryQuerySet):
    """Records that fall due: `due_field` is the date work is owed by, `open_statuses` the
    statuses in which work is still owed. Overdue = open and due before today (computed, never
    typed); due soon = open and due between today and `DUE_SOON_DAYS` days after it."""

    due_field: str = ""
    open_statuses: tuple = ()

    # --- Conditions (for filters, annotations and aggregates) ---
    @classmethod
    def open_q(cls) -> models.Q:
        """Still owing work: an open status, and not voided."""
        return models.Q(status__in=cls.open_statuses, voided_at__isnull=True)

    @classmethod
    def overdue_q(cls, today: datetime.date | None = None) -> models.Q:
        return cls.open_q() & models.Q(**{f"{cls.due_field}__lt": today or timezone.localdate()})

    @classmethod
    def due_soon_q(cls, today: datetime.date | None = None) -> models.Q:
        today = today or timezone.localdate()
        return cls.open_q() & models.Q(
            **{f"{cls.due_field}__gte": today, f"{cls.due_field}__lte": today + datetime.timedelta(days=DUE_SOON_DAYS)}
        )

    # --- One loaded record (detail pages, serializers, template tags, exports) ---
    @classmethod
    def is_overdue(cls, record, today: datetime.date | None = None) -> bool:
        due = getattr(record, cls.due_field)
        return (
            record.status in cls.open_statuses
            and record.voided_at is None
            and due is not None
            and due < (today or timezone.localdate())
        )

    @classmethod
    def is_due_soon(cls, record, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        due = getattr(record, cls.due_field)
        return (
            record.status in cls.open_statuses
            and record.voided_at is None
            and due is not None
            and today <= due <= today + datetime.timedelta(days=DUE_SOON_DAYS)
        )

    # --- Querysets ---
    def open(self):
        return self.filter(self.open_q())

    def overdue(self, today: datetime.date | None = None):
        """Still owing work after the due date."""
        return self.filter(self.overdue_q(today))

    def not_overdue(self, today: datetime.date | None = None):
        return self.exclude(self.overdue_q(today))

    def due_soon(self, today: datetime.date | None = None):
        """Still owing work, due today or within `DUE_SOON_DAYS` days."""
        return self.filter(self.due_soon_q(today))

    def not_due_soon(self, today: datetime.date | None = None):
        return self.exclude(self.due_soon_q(today))


def due_rules(model) -> type[DueQuerySet] | None:
    """The due declarations of a ledger model (its queryset class), or None if it has no due date."""
    queryset_class = getattr(model._default_manager, "_queryset_class", None)
    return queryset_class if isinstance(queryset_class, type) and issubclass(queryset_class, DueQuerySet) else None


class LivelihoodAppealQuerySet(DueQuerySet):
    due_field = "promised_date"
    open_statuses = APPEAL_OPEN_STATUSES

    def resolved(self):
        return self.filter(status__in=APPEAL_RESOLVED_STATUSES)


class HardshipHouseholdQuerySet(LedgerEntryQuerySet):
    def active(self):
        return self.filter(status=HouseholdStatus.ACTIVE, voided_at__isnull=True)


class StabilityMatterQuerySet(DueQuerySet):
    due_field = "deadline"
    open_statuses = MATTER_OPEN_STATUSES
