"""Showing figures: counts as plain integers (the Chinese locale has no thousands separator), money in
万元 / 亿元, rates as percentages."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import gettext as _

from reports.choices import Unit

register = template.Library()
NO_VALUE = "—"


def format_fen(fen) -> str:
    yuan = Decimal(int(fen or 0)) / 100
    if abs(yuan) >= Decimal(100_000_000):
        return _("%(amount)s 亿元") % {"amount": (yuan / 100_000_000).quantize(Decimal("0.01"), ROUND_HALF_UP)}
    if abs(yuan) >= Decimal(10_000):
        return _("%(amount)s 万元") % {"amount": (yuan / 10_000).quantize(Decimal("0.01"), ROUND_HALF_UP)}
    return _("%(amount)s 元") % {"amount": yuan.quantize(Decimal("0.01"), ROUND_HALF_UP)}


def format_figure(fig) -> str:
    if fig is None or fig.value is None:
        return NO_VALUE
    if fig.metric.unit == Unit.RATE:
        return f"{fig.percent}%"
    if fig.metric.unit == Unit.FEN:
        return format_fen(fig.value)
    # What intcomma gave for the Chinese locale (zh_Hans formats: no thousands separator), without
    # its per-call locale lookups (a dashboard shows hundreds of figures).
    return str(int(fig.value))


@register.filter
def show(fig) -> str:
    return format_figure(fig)


@register.filter
def fen(value) -> str:
    return format_fen(value)


@register.filter
def chart_value(fig):
    """A number for the chart data: percentages for rates, yuan for money, null when undefined."""
    if fig is None or fig.value is None:
        return None
    if fig.metric.unit == Unit.RATE:
        return float(fig.percent)
    if fig.metric.unit == Unit.FEN:
        return int(fig.value) / 100
    return int(fig.value)
