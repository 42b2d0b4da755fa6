"""Resident ID numbers (居民身份证号码, GB 11643-1999) and phone numbers: the one validator of each,
used by the services (and through them by pages, the API and imports)."""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


_SPACES = re.compile(r"\s+")


def normalize_id_number(value: str) -> str:
    """As typed or pasted: full-width digits and Ｘ made half-width (NFKC), every space (also the
    full-width one) removed, x upper-cased. Applied before any check."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value or "")).upper()


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


# --- Phone numbers --------------------------------------------------------------------------------
# A mainland mobile number (11 digits, 1[3-9]…), optionally written with +86; or a landline with its
# area code (010 and 02x have 3 digits, the others 4) and a 7- or 8-digit number, e.g. 028-12345678.
_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_LANDLINE = re.compile(r"^(0(?:[12]\d|[3-9]\d{2}))-?([1-9]\d{6,7})$")
PHONE_MESSAGE = _("联系电话应为 11 位手机号码（以 13–19 开头）或带区号的座机号码（如 028-12345678）。")


def normalize_phone(value: str) -> str:
    """The stored form: a mobile as 11 digits, a landline as area code, hyphen, number. Spaces,
    full-width characters, brackets around the area code and separators are forgiven; anything
    that is not a phone number is returned as it was (`validate_phone` refuses it)."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    compact = re.sub(r"[\s\-()（）]", "", text)
    mobile = _MOBILE.match(compact)
    if mobile:
        return mobile[1]
    landline = _LANDLINE.match(re.sub(r"[\s()（）]", "", text).replace("--", "-"))
    if landline:
        return f"{landline[1]}-{landline[2]}"
    return text


def validate_phone(value: str) -> None:
    """The one phone rule: a mainland mobile number or a landline with its area code."""
    number = normalize_phone(value)
    if not (_MOBILE.match(number) or _LANDLINE.match(number)):
        raise ValidationError(PHONE_MESSAGE, code="phone")
