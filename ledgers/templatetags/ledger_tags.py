"""Display helpers for the ledger pages: masked personal numbers and money in yuan."""

from django import template

from core.money import format_yuan
from core.validators import mask_id_number, mask_phone

register = template.Library()


@register.filter
def masked_id(value):
    """Never a full ID number in a page: 1101**********002X."""
    return mask_id_number(value or "") or "—"


@register.filter
def masked_phone(value):
    return mask_phone(value or "") or "—"


@register.filter
def yuan(fen):
    """Integer fen shown as yuan with two decimals and thousands separators (core.money)."""
    return format_yuan(fen)


@register.filter
def is_overdue(entry):
    """An open item past its due date (as its ledger's queryset defines it: ledgers.querysets)."""
    from ledgers.querysets import due_rules

    rules = due_rules(type(entry))
    return rules is not None and rules.is_overdue(entry)


@register.filter
def is_due_soon(entry):
    """An open item due today or within the next 3 days (ledgers.querysets)."""
    from ledgers.querysets import due_rules

    rules = due_rules(type(entry))
    return rules is not None and rules.is_due_soon(entry)


STATUS_COLOURS = {
    "registered": "secondary",
    "in_progress": "primary",
    "mediating": "primary",
    "resolved": "success",
    "disclosed": "info",
    "rated": "success",
    "reopened": "warning",
    "escalated": "danger",
    "closed": "dark",
    "active": "primary",
    "exited": "secondary",
    "low": "secondary",
    "medium": "warning",
    "high": "danger",
}


@register.filter
def status_colour(value):
    return STATUS_COLOURS.get(str(value), "secondary")
