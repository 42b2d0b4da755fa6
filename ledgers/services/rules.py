"""The ledgers' business rules, each written once.

The services call these before they write; page forms and API serializers leave the rules to
the services (they only parse their input), and the import's dry run calls the same functions
for each row, so a date, a phone number, an amount or a household size gets the same Chinese
message from every entry point.

- Dates: nothing before `JICENG_EARLIEST_DATE` (2000-01-01); registration, help, mediation and
  exit dates record what happened, so none is later than today; promised dates and deadlines
  are not before registration and at most `JICENG_DATE_HORIZON_YEARS` (5) years after it.
- Phone numbers: `core.validators.validate_phone` (mainland mobile, or landline with area code).
- ID numbers: normalised (spaces, full-width digits and Ｘ) before the GB 11643 check.
- Money: integer fen, 0 to `MAX_FEN` (1,000 亿元).
- Household size: 1 to 30.

Each `<entity>_rules(data, current=...)` returns the cleaned data (normalised numbers, keyed
hashes) or raises one `ServiceError` naming every field that breaks a rule.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.crypto import keyed_hash
from core.exceptions import ServiceError
from core.validators import normalize_id_number, normalize_phone, validate_id_number, validate_phone

MAX_FEN = 10**13  # 1,000 亿元: beyond any single item; also keeps BigInteger arithmetic safe
MEMBER_COUNT_MIN, MEMBER_COUNT_MAX = 1, 30

MONEY_NEGATIVE = _("金额不能为负数。")
MONEY_TOO_LARGE = _("金额过大（不能超过 1000 亿元），请核对单位。")
MEMBER_COUNT_MESSAGE = _("家庭人口应在 %(min)s 到 %(max)s 人之间。")

REGISTERED_ON = _("登记日期")
PROMISED_DATE = _("承诺办结日期")
DEADLINE = _("化解期限")
GIVEN_ON = _("帮扶日期")
HAPPENED_ON = _("调解日期")
EXITED_ON = _("退出日期")


# --- Settings -------------------------------------------------------------------------------------
def earliest_date() -> datetime.date:
    """No business date before this (setting JICENG_EARLIEST_DATE, default 2000-01-01)."""
    value = getattr(settings, "JICENG_EARLIEST_DATE", "2000-01-01")
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def horizon_years() -> int:
    """How far after registration a promised date or deadline may lie (JICENG_DATE_HORIZON_YEARS)."""
    return int(getattr(settings, "JICENG_DATE_HORIZON_YEARS", 5))


def horizon_end(start: datetime.date) -> datetime.date:
    years = horizon_years()
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


# --- One value each: raise ValidationError(message) ----------------------------------------------
def check_money(fen: int) -> int:
    if fen < 0:
        raise ValidationError(MONEY_NEGATIVE, code="money_negative")
    if fen > MAX_FEN:
        raise ValidationError(MONEY_TOO_LARGE, code="money_too_large")
    return fen


def check_member_count(count: int) -> int:
    if not MEMBER_COUNT_MIN <= count <= MEMBER_COUNT_MAX:
        raise ValidationError(
            MEMBER_COUNT_MESSAGE, code="member_count", params={"min": MEMBER_COUNT_MIN, "max": MEMBER_COUNT_MAX}
        )
    return count


def check_past_date(value: datetime.date, *, label) -> datetime.date:
    """A date that records what happened: not later than today, not before the earliest date."""
    if value > timezone.localdate():
        raise ValidationError(_("%(label)s不能晚于今天。"), code="date_future", params={"label": label})
    earliest = earliest_date()
    if value < earliest:
        raise ValidationError(
            _("%(label)s不能早于 %(date)s。"), code="date_too_early", params={"label": label, "date": earliest}
        )
    return value


def check_due_date(value: datetime.date, *, label, registered: datetime.date) -> datetime.date:
    """A promised date or deadline: not before registration, within the horizon after it."""
    if value < registered:
        raise ValidationError(_("%(label)s不能早于登记日期。"), code="due_before_registered", params={"label": label})
    end = horizon_end(registered)
    if value > end:
        raise ValidationError(
            _("%(label)s不能晚于登记日期后 %(years)s 年（%(date)s）。"),
            code="due_too_late",
            params={"label": label, "years": horizon_years(), "date": end},
        )
    return value


def clean_phone(value: str) -> str:
    """A phone number in its stored form; blank stays blank."""
    if not (value or "").strip():
        return ""
    validate_phone(value)
    return normalize_phone(value)


def clean_id_number(value: str) -> str:
    """An ID number as typed or pasted, normalised, then checked (GB 11643); blank stays blank."""
    number = normalize_id_number(value)
    if number:
        validate_id_number(number)
    return number


# --- Per record -----------------------------------------------------------------------------------
class _Errors:
    """Every field that breaks a rule, collected, then raised as one ServiceError."""

    def __init__(self):
        self.errors: dict[str, list] = {}

    def check(self, field: str, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ValidationError as exc:
            self.errors.setdefault(field, []).extend(exc.messages)
            return None

    def raise_any(self):
        if self.errors:
            raise ServiceError(self.errors)


def _registered(errors: _Errors, data: dict, current) -> datetime.date | None:
    """The registration date the other dates are judged against (None when it breaks its own rule:
    the other dates are then not judged against it)."""
    if data.get("registered_on") is not None:
        return errors.check("registered_on", check_past_date, data["registered_on"], label=REGISTERED_ON)
    return current.registered_on if current is not None else timezone.localdate()


def _due(errors: _Errors, data: dict, current, field: str, label, registered) -> None:
    relevant = field in data or (current is not None and "registered_on" in data)
    value = data[field] if field in data else getattr(current, field, None)
    if relevant and value is not None and registered is not None:
        errors.check(field, check_due_date, value, label=label, registered=registered)


def _money(errors: _Errors, data: dict, field: str) -> None:
    if data.get(field) is not None:
        errors.check(field, check_money, data[field])


def _phone(errors: _Errors, data: dict, field: str) -> None:
    if field in data:
        cleaned = errors.check(field, clean_phone, data[field])
        if cleaned is not None:
            data[field] = cleaned


def _id_number(errors: _Errors, data: dict, field: str, hash_field: str) -> None:
    if field in data:
        cleaned = errors.check(field, clean_id_number, data[field] or "")
        if cleaned is not None:
            data[field] = cleaned
            data[hash_field] = keyed_hash(cleaned) if cleaned else ""


def appeal_rules(data: dict, *, current=None) -> dict:
    """民生诉求: registration date, promised date, funds, the raiser's phone."""
    data, errors = dict(data), _Errors()
    registered = _registered(errors, data, current)
    _due(errors, data, current, "promised_date", PROMISED_DATE, registered)
    _money(errors, data, "funds_spent_fen")
    _phone(errors, data, "raiser_phone")
    errors.raise_any()
    return data


def household_rules(data: dict, *, current=None) -> dict:
    """困难群众: registration date, household size, the head's ID number and phone."""
    data, errors = dict(data), _Errors()
    _registered(errors, data, current)
    if data.get("member_count") is not None:
        errors.check("member_count", check_member_count, data["member_count"])
    _id_number(errors, data, "head_id_number", "head_id_hash")
    _phone(errors, data, "phone")
    errors.raise_any()
    return data


def matter_rules(data: dict, *, current=None) -> dict:
    """稳定事项: registration date and deadline."""
    data, errors = dict(data), _Errors()
    registered = _registered(errors, data, current)
    _due(errors, data, current, "deadline", DEADLINE, registered)
    errors.raise_any()
    return data


def member_rules(data: dict) -> dict:
    """A household member: the ID number."""
    data, errors = dict(data), _Errors()
    _id_number(errors, data, "id_number", "id_hash")
    errors.raise_any()
    return data


def help_record_rules(data: dict) -> dict:
    """Help given: when (not in the future, not before the earliest date) and how much."""
    data, errors = dict(data), _Errors()
    if data.get("given_on") is not None:
        errors.check("given_on", check_past_date, data["given_on"], label=GIVEN_ON)
    _money(errors, data, "amount_fen")
    errors.raise_any()
    return data


def mediation_step_rules(data: dict) -> dict:
    """A mediation step: when (not in the future, not before the earliest date)."""
    data, errors = dict(data), _Errors()
    if data.get("happened_on") is not None:
        errors.check("happened_on", check_past_date, data["happened_on"], label=HAPPENED_ON)
    errors.raise_any()
    return data


def exit_rules(*, exited_on: datetime.date, registered_on: datetime.date) -> None:
    """A household's exit: not before its registration, not in the future."""
    errors = _Errors()
    if exited_on < registered_on:
        errors.errors["exited_on"] = [_("退出日期不能早于登记日期。")]
    else:
        errors.check("exited_on", check_past_date, exited_on, label=EXITED_ON)
    errors.raise_any()
