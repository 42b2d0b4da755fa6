import datetime

from django.db import models
from django.utils import timezone

from ledgers.choices import APPEAL_OPEN_STATUSES, APPEAL_RESOLVED_STATUSES, MATTER_OPEN_STATUSES, HouseholdStatus


class LivelihoodAppealQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=APPEAL_OPEN_STATUSES)

    def resolved(self):
        return self.filter(status__in=APPEAL_RESOLVED_STATUSES)

    def overdue(self, today: datetime.date | None = None):
        """Still owing work after the promised date: computed, never typed."""
        return self.open().filter(promised_date__lt=today or timezone.localdate())

    def not_overdue(self, today: datetime.date | None = None):
        return self.exclude(pk__in=self.overdue(today).values("pk"))


class HardshipHouseholdQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=HouseholdStatus.ACTIVE)


class StabilityMatterQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=MATTER_OPEN_STATUSES)

    def overdue(self, today: datetime.date | None = None):
        return self.open().filter(deadline__lt=today or timezone.localdate())
