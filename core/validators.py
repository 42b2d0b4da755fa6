"""Resident ID numbers (居民身份证号码, GB 11643-1999)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(value: str) -> str:
    """Spaces (full-width too) removed, full-width digits and X made ASCII, X upper-case."""
    return re.sub(r"\s+", "", (value or "")).translate(_FULL_WIDTH).upper()


def validate_id_number(value: str) -> None:
    """18 characters, a real birth date in the middle eight digits, and the right check digit."""
    number = normalize_id_number(value)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("身份证号码应为 18 位，前 17 位为数字，最后一位为数字或 X。"), code="id_format")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期不存在。"), code="id_birth_date")
    if birth > datetime.date.today() or birth.year < 1900:
        raise ValidationError(_("身份证号码中的出生日期不合理。"), code="id_birth_date")
    if id_number_check_digit(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对。"), code="id_check_digit")


def birth_date_of(id_number: str) -> datetime.date:
    number = normalize_id_number(id_number)
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def mask_id_number(value: str) -> str:
    """Show the first 4 and last 4 characters only: 5101**********123X."""
    number = normalize_id_number(value)
    if len(number) < 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def mask_phone(value: str) -> str:
    digits = (value or "").strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


# --- Numbers in free text ----------------------------------------------------------------------
# Unbroken: 18-character ID numbers and mainland mobiles, as typed.
_ID_IN_TEXT = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
# Broken up: digits (ASCII or full-width) with spaces, '+' or '%20' (a URL-encoded space) or
# full-width spaces between them, as in "q=510121+19640728+0476" or "１３８ ０００ ０１２３４".
# (Not hyphens: dates would run together.)
_SEPARATOR = r"(?:[\s+\u3000]|%20|%2[Bb]|%E3%80%80)"
_RUN_IN_TEXT = re.compile(rf"[0-9\uff10-\uff19](?:{_SEPARATOR}*[0-9\uff10-\uff19XxＸｘ])*")
_SEPARATORS = re.compile(_SEPARATOR)


def _mask_run(match) -> str:
    text = match.group(0)
    number = _SEPARATORS.sub("", text).translate(_FULL_WIDTH).upper()
    if re.fullmatch(r"[1-9][0-9]{16}[0-9X]", number):
        return mask_id_number(number)
    if re.fullmatch(r"1[3-9][0-9]{9}", number):
        return mask_phone(number)
    if re.fullmatch(r"[0-9]{15,}X?", number):
        return mask_id_number(number)  # a cut-off ID number (a quoted cell), or another long number
    return text


def mask_personal_numbers(text: str) -> str:
    """Mask anything in free text that is, or normalises to, an 18-character resident ID number or
    an 11-digit mobile number (spaces, '+', hyphens or full-width digits included)."""
    text = _ID_IN_TEXT.sub(lambda match: mask_id_number(match.group(0)), str(text))
    text = _MOBILE_IN_TEXT.sub(lambda match: mask_phone(match.group(0)), text)
    return _RUN_IN_TEXT.sub(_mask_run, text)
