import datetime

from django.db import models
from django.utils import timezone

from petitions.choices import OFFICE_OWES, OPEN_STATUSES, PetitionStatus

DUE_SOON_DAYS = 3


class PetitionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def owed(self):
        """Cases where the office owes the next step (a deadline runs against it)."""
        return self.filter(status__in=OFFICE_OWES, current_due__isnull=False)

    def overdue(self, today: datetime.date | None = None):
        return self.owed().filter(current_due__lt=today or timezone.localdate())

    def due_soon(self, today: datetime.date | None = None):
        """Due today or within the next 3 days, not yet overdue."""
        today = today or timezone.localdate()
        return self.owed().filter(
            current_due__gte=today, current_due__lte=today + datetime.timedelta(days=DUE_SOON_DAYS)
        )

    def resolved(self):
        return self.filter(status=PetitionStatus.CLOSED, outcome="resolved")
