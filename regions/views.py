from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.views.generic import TemplateView

from core.paginator import paginate as core_paginate
from regions.choices import CODE_LENGTH, Level
from regions.filters import RegionFilterSet
from regions.models import Region
from regions.scoping import ScopedViewMixin, restrict
from regions.selectors import region_ancestors, region_get, scope_roots

PAGE_SIZE = 30


def paginate(request, queryset, per_page=PAGE_SIZE):
    """A page of `queryset` through the one bounded paginator (core.paginator)."""
    return core_paginate(request, queryset, per_page)


class RegionListView(LoginRequiredMixin, ScopedViewMixin, TemplateView):
    """The regions the user may see: their roots, or any search over their subtree."""

    model = Region
    template_name = "regions/region_list.html"

    def get(self, request, *args, **kwargs):
        picked = request.GET.get("region", "")
        if request.GET.get("go") and picked:
            region = region_get(user=request.user, code=picked)
            return redirect("regions:region_detail", code=region.code)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        for key in ("page", "region", "go", "selected"):
            params.pop(key, None)
        searching = any(params.values())
        queryset = self.get_queryset().select_related("parent")
        if not searching:
            queryset = queryset.filter(code__in=[r.code for r in scope_roots(user=self.request.user)])
        filterset = RegionFilterSet(params, queryset=queryset)
        rows = filterset.qs.order_by("code") if filterset.is_valid() else queryset.none()
        context.update(filterset=filterset, page_obj=paginate(self.request, rows), querystring=params.urlencode())
        return context


class RegionDetailView(LoginRequiredMixin, ScopedViewMixin, TemplateView):
    """One region and its child regions (searchable, paginated). 404 outside the user's scope."""

    model = Region
    template_name = "regions/region_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = region_get(user=self.request.user, code=kwargs["code"])
        params = self.request.GET.copy()
        params.pop("page", None)
        filterset = RegionFilterSet(params, queryset=self.get_queryset().filter(parent_id=region.code))
        children = filterset.qs.order_by("code") if filterset.is_valid() else filterset.queryset.none()
        context.update(
            region=region,
            ancestors=region_ancestors(region),
            filterset=filterset,
            page_obj=paginate(self.request, children),
            querystring=params.urlencode(),
            child_level=Level(region.level + 1).label if region.level < Level.VILLAGE else None,
        )
        return context


class RegionPickerView(LoginRequiredMixin, ScopedViewMixin, TemplateView):
    """The cascading region picker (prefecture → county → township → village) as an htmx partial.

    Re-rendered whole on every change, with the chain of selects leading to `selected`;
    only regions in the user's scope are offered.
    """

    model = Region

    def get_template_names(self):
        if self.request.htmx:
            return ["regions/includes/region_picker.html"]
        return ["regions/region_picker.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            region_picker_context(
                self.request.user,
                self.request.GET.get("selected", ""),
                name=self.request.GET.get("name", "region")[:40],
            )
        )
        return context


def region_picker_context(user, selected: str, *, name: str = "region") -> dict:
    roots = scope_roots(user=user)
    visible = restrict(Region.objects.all(), user)
    selected = selected if selected.isdigit() else ""
    # One of the user's scope roots (the usual choice: their own region) was read with their posts.
    chosen = next((root for root in roots if root.code == selected), None) if selected else None
    if selected and chosen is None:
        chosen = visible.filter(code=selected).first()
    levels = []
    if len(roots) == 1 and roots[0].level < Level.VILLAGE:
        root = roots[0]
        parent_code = root.code
        start_level = root.level + 1
    else:
        root = None
        parent_code = None
        start_level = min((r.level for r in roots), default=Level.VILLAGE)
    path_codes = chosen.ancestor_codes + [chosen.code] if chosen else []
    level = start_level
    while level <= Level.VILLAGE:
        options = (
            visible.filter(parent_id=parent_code) if parent_code else visible.filter(code__in=[r.code for r in roots])
        )
        current = next((code for code in path_codes if len(code) == CODE_LENGTH[level]), "")
        levels.append(
            {
                "level": level,
                "label": Level(level).label,
                "options": [
                    {"code": code, "name": name, "selected": code == current}
                    for code, name in options.values_list("code", "name")
                ],
                "current": current,
                "parent_code": parent_code or "",
            }
        )
        if not current:
            break
        parent_code = current
        level += 1
    return {
        "picker_levels": levels,
        "picker_value": chosen.code if chosen else (root.code if root else ""),
        "picker_name": name,
    }
