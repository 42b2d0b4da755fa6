"""One money format for every page, export and card: yuan with two decimals and thousands
separators ("12,000.50", "12,000.50 元"); 万元 / 亿元 only for the headline figures of a dashboard or
the workbench ("1.10 万元"). Money is stored as integer fen."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

CENT = Decimal("0.01")


def _decimal_yuan(fen) -> Decimal:
    return (Decimal(int(fen or 0)) / 100).quantize(CENT, ROUND_HALF_UP)


def format_yuan(fen) -> str:
    """Integer fen as "12,000.50" (the Chinese locale groups no digits, so not through intcomma)."""
    try:
        return f"{_decimal_yuan(fen):,.2f}"
    except (TypeError, ValueError, ArithmeticError):
        return ""


def format_yuan_amount(yuan) -> str:
    """An amount already in yuan (a float or Decimal), the same way."""
    try:
        return f"{Decimal(str(yuan or 0)).quantize(CENT, ROUND_HALF_UP):,.2f}"
    except (TypeError, ValueError, ArithmeticError):
        return ""


def format_money(fen) -> str:
    """ "12,000.50 元" """
    return _("%(amount)s 元") % {"amount": format_yuan(fen)}


def format_headline(fen) -> str:
    """A headline figure: 亿元 from 100 million yuan, 万元 from 10,000, else yuan."""
    yuan = Decimal(int(fen or 0)) / 100
    if abs(yuan) >= Decimal(100_000_000):
        return _("%(amount)s 亿元") % {"amount": f"{(yuan / 100_000_000).quantize(CENT, ROUND_HALF_UP):,}"}
    if abs(yuan) >= Decimal(10_000):
        return _("%(amount)s 万元") % {"amount": f"{(yuan / 10_000).quantize(CENT, ROUND_HALF_UP):,}"}
    return format_money(fen)
