"""Everyday names of villages and communities.

The statistical division list names a village by its committee: "八棵松村村委会", "竹篙寺社区居委会".
People write "八棵松村" and "竹篙寺社区"; a notice is signed by the committee in full: "八棵松村村民
委员会", "竹篙寺社区居民委员会".
"""

from __future__ import annotations

from django.utils.translation import gettext as _

# Longest first: "村民委员会" before "委员会"-less forms. Only the committee is dropped, never "村" or
# "社区": "竹篙寺" and "竹篙寺村" may be two different places.
COMMITTEE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会")


def everyday_name(name: str) -> str:
    """ "八棵松村村委会" -> "八棵松村"; "竹篙寺社区居委会" -> "竹篙寺社区"; others unchanged."""
    name = (name or "").strip()
    for suffix in COMMITTEE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def name_variants(value: str) -> set[str]:
    """The names a place written as `value` may have in the division list."""
    base = everyday_name(value)
    return {value.strip(), base, *(base + suffix for suffix in COMMITTEE_SUFFIXES)}


def committee_name(name: str, *, is_community: bool) -> str:
    """Who signs for the place: "八棵松村村委会" -> "八棵松村村民委员会", "老君社区" -> "老君社区居民委员会"."""
    base = everyday_name(name)
    if is_community or base.endswith("社区"):
        return _("%(name)s居民委员会") % {"name": base}
    return _("%(name)s村民委员会") % {"name": base}
