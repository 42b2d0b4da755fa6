"""Links to many records of one page at once (a list's rows)."""

from django.urls import reverse

# Matches `<int:pk>` and stands in no other part of a URL; fits a 64-bit key.
_MARKER = "9" * 18


def pk_url_maker(name: str, *args):
    """pk -> `reverse(name, args=[*args, pk])`, the pattern reversed once with a marker for the key
    and each record's key put in its place, rather than one `reverse` per row. Raises
    NoReverseMatch as `reverse` does."""
    before, after = reverse(name, args=[*args, int(_MARKER)]).rsplit(_MARKER, 1)
    return lambda pk: f"{before}{pk}{after}"
