"""Reads of the region tree, always through the user's scope."""

from django.http import Http404
from django.utils.translation import gettext as _

from regions.models import Region
from regions.scoping import can_at_region, permission_name, restrict, user_posts


def region_list(*, user, filters=None):
    from regions.filters import RegionFilterSet

    queryset = restrict(Region.objects.all(), user).select_related("parent")
    if filters is not None:
        filterset = RegionFilterSet(filters, queryset=queryset)
        return filterset
    return queryset


def region_get(*, user, code: str) -> Region:
    region = restrict(Region.objects.all(), user).filter(code=code).first() if code.isdigit() else None
    if region is None:
        raise Http404(_("未找到区划代码为 %(code)s 的行政区划，或它不在您的管辖范围内。") % {"code": code[:20]})
    return region


def region_ancestors(region: Region) -> list[Region]:
    codes = region.ancestor_codes
    by_code = Region.objects.in_bulk(codes)
    return [by_code[code] for code in codes if code in by_code]


def scope_roots(*, user) -> list[Region]:
    """The highest regions the user can see: where the region picker and the home page start."""
    if user.is_superuser:
        from django.conf import settings

        return list(Region.objects.filter(code=settings.JICENG_PROVINCE_CODE))
    from regions.scoping import collapse_prefixes

    # The posts' own regions (read with the posts, once per request), as `restrict` would keep them.
    posts = user_posts(user)
    codes = set(collapse_prefixes(post.region_id for post in posts))
    view = permission_name(Region, "view")
    roots = {post.region_id: post.region for post in posts if post.region_id in codes}
    return [roots[code] for code in sorted(roots) if can_at_region(user, view, code)]
