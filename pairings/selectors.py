"""Reads of the pairings app: scope first (regions.scoping.restrict), then filters, then the
joins a page needs, so a list runs a bounded number of queries whatever its size."""

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from pairings.models import Cadre, Unit
from regions.scoping import restrict, scope_q, user_posts


def unit_list(*, user, filters=None):
    queryset = restrict(Unit.objects.all(), user).select_related("region", "parent")
    if filters is None:
        return queryset
    from pairings.filters import UnitFilterSet

    return UnitFilterSet(filters, queryset=queryset, request=None)


def unit_pickable(*, user):
    """Units a user may register cadres of: those in their scope, and the units of the regions
    above their posts (a township's staff record the cadres the county's departments send).
    Unit names are public organs, not personal data, so seeing the ones above is harmless."""
    queryset = Unit.objects.filter(is_active=True)
    condition = scope_q(Unit, user, "view")
    if condition is None:
        return queryset
    ancestors = {code for post in user_posts(user) for code in post.region.ancestor_codes}
    return queryset.filter(condition | Q(region_id__in=ancestors))


def unit_get(*, user, pk) -> Unit:
    unit = restrict(Unit.objects.select_related("region", "parent"), user).filter(pk=pk).first()
    if unit is None:
        raise Http404(_("未找到该单位，或它不在您的管辖范围内。"))
    return unit


def cadre_list(*, user, filters=None):
    queryset = restrict(Cadre.objects.all(), user).select_related("unit", "home_region")
    if filters is None:
        return queryset
    from pairings.filters import CadreFilterSet

    return CadreFilterSet(filters, queryset=queryset, request=None)


def cadre_get(*, user, pk) -> Cadre:
    cadre = restrict(Cadre.objects.select_related("unit", "home_region", "user"), user).filter(pk=pk).first()
    if cadre is None:
        raise Http404(_("未找到该干部，或其不在您的管辖范围内。"))
    return cadre


def cadre_of_user(user) -> Cadre | None:
    """The cadre record linked to a signed-in user, if any (their own record: always visible)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Cadre.objects.filter(user=user).select_related("unit", "home_region").first()
