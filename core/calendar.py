"""The working-day calendar and the day arithmetic every deadline rule is built from.

Conventions (shared by every rule, documented in the README):
- the day a period starts from (receipt, acceptance, the written reply) is not counted: a 15-day
  period from 1 March ends on 16 March;
- a period in natural days whose last day is not a working day (a weekend or a public holiday,
  make-up workdays 调休 counting as working days) ends on the next working day;
- a period in working days counts working days only, from the day after the start;
- days that do not count (a hearing 听证) are added to the period;
- a year with no calendar data is computed on weekends only and the result is flagged
  provisional (节假日安排未录入), never silently taken as right.

The calendar is read a year at a time (one query per year per `WorkCalendar` instance).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

PROVISIONAL_LABEL = _("节假日安排未录入")
SEED_SOURCE = "chinesecalendar 1.11.0"

# Functions called with the set of years whose calendar changed (after commit). Apps whose stored
# deadlines depend on the calendar register here (petitions recomputes its deadlines).
CHANGE_LISTENERS: list[Callable[[set[int]], None]] = []


class WorkCalendar:
    """Working days as the table says; weekends-only (provisional) for a year without rows."""

    def __init__(self):
        self._years: dict[int, tuple[dict[datetime.date, bool], bool]] = {}

    def _year(self, year: int) -> tuple[dict[datetime.date, bool], bool]:
        if year not in self._years:
            from core.models import WorkCalendarDay

            rows = list(
                WorkCalendarDay.objects.filter(date__year=year).values_list("date", "is_workday", "provisional")
            )
            days = {day: workday for day, workday, _provisional in rows}
            provisional = not rows or any(flag for _day, _workday, flag in rows)
            self._years[year] = (days, provisional)
        return self._years[year]

    def load(self, years: Iterable[int]) -> WorkCalendar:
        """Read these years now (one query each), e.g. before a bulk writer takes the connection."""
        for year in years:
            self._year(year)
        return self

    def is_workday(self, day: datetime.date) -> bool:
        days, _provisional = self._year(day.year)
        if day in days:
            return days[day]
        return day.weekday() < 5

    def is_provisional(self, year: int) -> bool:
        return self._year(year)[1]

    def provisional_between(self, start: datetime.date, end: datetime.date) -> bool:
        return any(self.is_provisional(year) for year in range(start.year, end.year + 1))


@dataclass(frozen=True)
class Deadline:
    """A computed due date, the rule that made it and whether the calendar behind it is provisional."""

    start: datetime.date
    due: datetime.date
    rule: str
    provisional: bool


def natural_days(
    start: datetime.date,
    days: int,
    *,
    rule: str = "",
    excluded_days: int = 0,
    calendar: WorkCalendar | None = None,
) -> Deadline:
    """`days` calendar days after `start` (start not counted), plus `excluded_days` that do not
    count; a last day that is not a working day moves to the next working day."""
    calendar = calendar or WorkCalendar()
    due = start + datetime.timedelta(days=days + excluded_days)
    while not calendar.is_workday(due):
        due += datetime.timedelta(days=1)
    return Deadline(start=start, due=due, rule=rule, provisional=calendar.provisional_between(start, due))


def working_days(start: datetime.date, days: int, *, rule: str = "", calendar: WorkCalendar | None = None) -> Deadline:
    """The `days`-th working day after `start` (start not counted)."""
    calendar = calendar or WorkCalendar()
    due, left = start, days
    while left > 0:
        due += datetime.timedelta(days=1)
        if calendar.is_workday(due):
            left -= 1
    return Deadline(start=start, due=due, rule=rule, provisional=calendar.provisional_between(start, due))


def workdays_between(start: datetime.date, end: datetime.date, *, calendar: WorkCalendar | None = None) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    calendar = calendar or WorkCalendar()
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += calendar.is_workday(day)
    return count


# --- Filling and maintaining the table -------------------------------------------------------
def official_days(year: int) -> list[tuple[datetime.date, bool, str]]:
    """(date, is_workday, note) for every day of `year` from the chinesecalendar package.

    Raises ValueError for a year the package does not cover (it raises NotImplementedError)."""
    import chinese_calendar

    days = []
    day = datetime.date(year, 1, 1)
    try:
        while day.year == year:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            workday = not on_holiday
            note = ""
            if name and on_holiday:
                note = str(name)
            elif name or (workday and day.weekday() >= 5):
                note = "调休上班"
            days.append((day, workday, note[:60]))
            day += datetime.timedelta(days=1)
    except NotImplementedError as exc:
        raise ValueError(f"chinesecalendar has no data for {year}") from exc
    return days


def seed_year(year: int, *, model=None, replace: bool = False, notify: bool = True) -> int:
    """Write `year` from the package: missing days only (an administrator's edits are kept)
    unless `replace`. Returns the number of rows written."""
    if model is None:
        from core.models import WorkCalendarDay as model
    rows = official_days(year)
    with transaction.atomic():
        if replace:
            model.objects.filter(date__year=year).delete()
        existing = set(model.objects.filter(date__year=year).values_list("date", flat=True))
        new = [
            model(date=day, is_workday=workday, source=SEED_SOURCE, provisional=False, note=note)
            for day, workday, note in rows
            if day not in existing
        ]
        model.objects.bulk_create(new)
    if new and notify:
        calendar_changed({year})
    return len(new)


def calendar_changed(years: Iterable[int]) -> None:
    """Tell the listeners (after commit) that these years' working days changed."""
    years = set(years)

    def notify():
        for listener in CHANGE_LISTENERS:
            listener(years)

    transaction.on_commit(notify)
