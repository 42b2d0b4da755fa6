"""Money in templates, one format everywhere (core.money): `{{ fen|yuan }}` "12,000.50",
`{{ fen|money }}` "12,000.50 元", `{{ yuan|yuan_amount }}` for amounts already in yuan, and
`{{ fen|headline_money }}` ("1.10 万元") for headline cards only."""

from django import template

from core.money import format_headline, format_money, format_yuan, format_yuan_amount

register = template.Library()
register.filter("yuan", format_yuan)
register.filter("money", format_money)
register.filter("yuan_amount", format_yuan_amount)
register.filter("headline_money", format_headline)
