"""Showing figures: counts as plain integers (the Chinese locale has no thousands separator), money as
yuan with thousands separators (万元 / 亿元 on headline cards only, core.money), rates as percentages."""

from django import template

from core.money import format_headline, format_money
from reports.choices import Unit

register = template.Library()
NO_VALUE = "—"


def format_fen(fen) -> str:
    """A headline amount: 万元 / 亿元 (core.money.format_headline)."""
    return format_headline(fen)


def format_figure(fig, *, headline: bool = False) -> str:
    """Counts as plain integers, rates as percentages, money as yuan with thousands separators
    ("12,000.50 元"), or in 万元 / 亿元 on a headline card (`headline`)."""
    if fig is None or fig.value is None:
        return NO_VALUE
    if fig.metric.unit == Unit.RATE:
        return f"{fig.percent}%"
    if fig.metric.unit == Unit.FEN:
        return format_headline(fig.value) if headline else format_money(fig.value)
    # What intcomma gave for the Chinese locale (zh_Hans formats: no thousands separator), without
    # its per-call locale lookups (a dashboard shows hundreds of figures).
    return str(int(fig.value))


@register.filter
def show(fig) -> str:
    return format_figure(fig)


@register.filter
def headline(fig) -> str:
    """A headline card's figure: money in 万元 / 亿元."""
    return format_figure(fig, headline=True)


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
