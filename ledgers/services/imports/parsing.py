"""Cell parsers: one cell as typed into a sheet to a field value, or a `CellError` to show."""

import datetime
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.validators import (
    normalize_id_number,
    validate_id_number,
)
from ledgers.services.rules import (
    MAX_FEN,
    check_money,
    clean_phone,
)


class CellError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date typed into a cell formatted as a number: Excel's serial day count.
        if 20000 <= value <= 80000:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise CellError(_("日期格式不正确，请填写如 2026-11-25 的日期。"))
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", text):  # stored from a datetime cell
        text = text[:10]
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return datetime.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                raise CellError(_("日期“%(value)s”不存在。") % {"value": text[:20]})
    raise CellError(_("日期“%(value)s”格式不正确，请填写如 2026-11-25 的日期。") % {"value": text[:20]})


def parse_money_fen(value) -> int:
    """Yuan (as typed, up to two decimals) to integer fen."""
    if isinstance(value, bool):
        raise CellError(_("金额应为数字。"))
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace(",", "").replace("，", "").replace("￥", "").replace("¥", "")
    text = text.removesuffix("元").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(_("金额“%(value)s”不是数字（以元为单位，如 1500.50）。") % {"value": str(value)[:20]})
    if not amount.is_finite():
        raise CellError(_("金额应为数字。"))
    if amount.copy_abs() > MAX_FEN:  # far beyond the bound: the rule below refuses it
        return _money_rule(MAX_FEN + 1 if amount > 0 else -1)
    fen = amount * 100
    if amount >= 0 and fen != fen.to_integral_value():
        raise CellError(_("金额最多保留两位小数（到分）。"))
    return _money_rule(int(fen))


def _money_rule(fen: int) -> int:
    """The services' money rule (ledgers.services.rules), as a cell error."""
    try:
        return check_money(fen)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages))


def parse_int(value, *, minimum=1, maximum=100) -> int:
    if isinstance(value, bool):
        raise CellError(_("应为整数。"))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise CellError(_("“%(value)s”不是整数。") % {"value": str(value)[:20]})
    if minimum is not None and maximum is not None and not minimum <= number <= maximum:
        raise CellError(_("应在 %(min)s 到 %(max)s 之间。") % {"min": minimum, "max": maximum})
    return number


_TRUE = {"是", "有", "y", "yes", "true", "1", "√"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×"}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("请填写“是”或“否”。"))


def _choice_lookup(choices) -> dict[str, str]:
    """Chinese label (also its short form before a bracket) or the code itself -> code."""
    return _choice_lookup_for(choices, get_language())


@lru_cache(maxsize=64)
def _choice_lookup_for(choices, language) -> dict[str, str]:
    lookup = {}
    for value, label in choices.choices:
        label = str(label)
        lookup[label] = value
        lookup[re.split(r"[（(]", label)[0].strip()] = value
        lookup[str(value).lower()] = value
    return lookup


def _choice_names(choices) -> str:
    return "、".join(re.split(r"[（(]", str(label))[0] for _value, label in choices.choices)


def parse_choice(value, choices) -> str:
    text = str(value).strip()
    lookup = _choice_lookup(choices)
    code = lookup.get(text) or lookup.get(text.lower())
    if code is None:
        raise CellError(
            _("“%(value)s”不是可选的值，可选：%(names)s。") % {"value": text[:20], "names": _choice_names(choices)}
        )
    return code


def parse_choices(value, choices) -> list[str]:
    parts = [p.strip() for p in re.split(r"[、,，;；/\s]+", str(value)) if p.strip()]
    codes, bad = [], []
    lookup = _choice_lookup(choices)
    for part in parts:
        code = lookup.get(part) or lookup.get(part.lower())
        if code is None:
            bad.append(part)
        elif code not in codes:
            codes.append(code)
    if bad:
        raise CellError(
            _("“%(value)s”不是可选的值，可选：%(names)s（多个用“、”分隔）。")
            % {"value": "、".join(bad)[:40], "names": _choice_names(choices)}
        )
    return codes


def parse_id_number(value) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError(_("身份证号被 Excel 当成了数字，末几位可能已丢失。请把该列设为“文本”格式后重新填写。"))
    number = normalize_id_number(str(value))
    try:
        validate_id_number(number)
    except ValidationError as exc:
        raise CellError(" ".join(str(m) for m in exc.messages))
    return number


def parse_phone(value) -> str:
    """The services' one phone rule (core.validators.validate_phone); the value is not echoed."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return clean_phone(str(value))
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages))


def parse_text(value, max_length) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if max_length and len(text) > max_length:
        raise CellError(_("不能超过 %(max)s 个字（现有 %(len)s 个）。") % {"max": max_length, "len": len(text)})
    return text
