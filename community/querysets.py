import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from community.choices import ORDER_OPEN_STATUSES, ORDER_WAITING_STATUSES, ReportStatus

DEFAULT_TAKE_HOURS = 24


def take_hours() -> int:
    """Hours an order may wait for a Party member to take it before the branch is warned
    (setting JICENG_SERVICE_ORDER_TAKE_HOURS, default 24)."""
    return int(getattr(settings, "JICENG_SERVICE_ORDER_TAKE_HOURS", DEFAULT_TAKE_HOURS))


def take_deadline_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(hours=take_hours())


class CommunityReportQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=ReportStatus.ACTIVE)


class ServiceOrderQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=ORDER_OPEN_STATUSES)

    def waiting(self):
        return self.filter(status__in=ORDER_WAITING_STATUSES)

    def not_taken_in_time(self, now: datetime.datetime | None = None):
        """Still waiting for a member to take it more than `take_hours()` after it was placed (or
        reopened): computed from `waiting_since`, never typed."""
        return self.waiting().filter(waiting_since__lt=take_deadline_cutoff(now))
