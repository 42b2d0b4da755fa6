"""Deadline arithmetic over the real 2026 calendar (chinesecalendar, seeded by a migration)."""

import datetime

import pytest

from core.calendar import WorkCalendar, natural_days, seed_year, workdays_between, working_days
from core.models import WorkCalendarDay
from petitions.deadlines import RULES, apply_rule

D = datetime.date
pytestmark = pytest.mark.django_db


def test_2026_is_seeded_with_the_make_up_workdays():
    cal = WorkCalendar()
    for day in (D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)):
        assert day.weekday() >= 5 and cal.is_workday(day), day
    for day in (D(2026, 1, 1), D(2026, 2, 17), D(2026, 10, 1), D(2026, 10, 7), D(2026, 9, 25)):
        assert not cal.is_workday(day), day
    assert not cal.is_provisional(2026)
    assert WorkCalendarDay.objects.filter(date__year=2026).count() == 365


def test_day_of_receipt_is_not_counted():
    assert natural_days(D(2026, 3, 2), 15).due == D(2026, 3, 17)


def test_natural_deadline_on_national_day_moves_to_next_working_day():
    # 20 Sep (a make-up Sunday) + 15 = 5 Oct, inside the National Day holiday (1–7 Oct).
    assert natural_days(D(2026, 9, 20), 15).due == D(2026, 10, 8)


def test_natural_deadline_in_spring_festival_moves_past_it():
    # 1 Feb + 15 = 16 Feb, inside the Spring Festival holiday (15–23 Feb).
    assert natural_days(D(2026, 2, 1), 15).due == D(2026, 2, 24)


def test_natural_deadline_on_a_make_up_saturday_stays():
    assert natural_days(D(2026, 1, 30), 15).due == D(2026, 2, 14)


def test_natural_deadline_over_a_month_end_and_on_a_weekend():
    assert natural_days(D(2026, 1, 16), 15).due == D(2026, 2, 2)  # 31 Jan is a Saturday
    assert natural_days(D(2026, 1, 31), 30).due == D(2026, 3, 2)  # February has 28 days


def test_working_days_skip_national_day_and_count_the_make_up_saturday():
    # 30 Sep (1), 8 Oct (2), 9 Oct (3), Sat 10 Oct make-up (4), Mon 12 Oct (5).
    assert working_days(D(2026, 9, 29), 5).due == D(2026, 10, 12)


def test_working_days_over_spring_festival():
    # Fri 13 Feb (1), make-up Sat 14 Feb (2), holiday to 23 Feb, then 24, 25, 26.
    assert working_days(D(2026, 2, 12), 5).due == D(2026, 2, 26)
    assert workdays_between(D(2026, 2, 12), D(2026, 2, 26)) == 5


def test_handling_sixty_days_and_the_extension():
    cal = WorkCalendar()
    assert apply_rule("art34.handling.60d", D(2026, 8, 3), calendar=cal).due == D(2026, 10, 8)  # 2 Oct → 8 Oct
    extended = apply_rule("art34.handling.60d+ext", D(2026, 8, 3), calendar=cal, extra_days=30)
    assert extended.due == D(2026, 11, 2)  # 1 Nov is a Sunday
    assert extended.rule == "art34.handling.60d+ext"


def test_review_windows_and_hearing_days_not_counted():
    cal = WorkCalendar()
    assert apply_rule("art35.review-request.30d", D(2026, 4, 1), calendar=cal).due == D(
        2026, 5, 6
    )  # 1 May → after 1–5 May
    assert apply_rule("art36.rereview-answer.30d", D(2026, 3, 2), calendar=cal).due == D(2026, 4, 1)
    with_hearing = apply_rule("art36.rereview-answer.30d", D(2026, 3, 2), calendar=cal, extra_days=10)
    assert with_hearing.due == D(2026, 4, 13)  # 11 Apr is a Saturday


def test_a_year_without_data_is_weekends_only_and_provisional():
    deadline = natural_days(D(2026, 12, 17), 15)
    # 1 Jan 2027 is a Friday: weekends-only says working day; the real holiday is not known yet.
    assert deadline.due == D(2027, 1, 1)
    assert deadline.provisional is True
    assert natural_days(D(2026, 3, 2), 15).provisional is False
    assert working_days(D(2026, 12, 30), 3).provisional is True


def test_a_provisional_row_flags_the_year():
    WorkCalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, source="admin", provisional=True)
    deadline = natural_days(D(2026, 12, 17), 15)
    assert deadline.due == D(2027, 1, 4)
    assert deadline.provisional is True


def test_seed_keeps_an_administrators_edit():
    WorkCalendarDay.objects.filter(date=D(2026, 6, 1)).update(is_workday=False, source="admin")
    assert seed_year(2026) == 0
    assert WorkCalendarDay.objects.get(date=D(2026, 6, 1)).is_workday is False


def test_seed_of_a_year_the_package_lacks_is_refused():
    with pytest.raises(ValueError):
        seed_year(2027)


def test_every_rule_names_its_article():
    assert all(rule.article and rule.label for rule in RULES.values())


def test_load_work_calendar_command():
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    WorkCalendarDay.objects.filter(date__year=2026, date__month=12).delete()
    out = StringIO()
    call_command("load_work_calendar", "2026", stdout=out)
    assert "2026: 31 days written" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("load_work_calendar", "2027", stdout=out)
