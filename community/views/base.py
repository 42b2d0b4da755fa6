"""What the community pages share: a filtered, sorted, bounded list; names of URLs and permissions."""

from django.views.generic import TemplateView

from ledgers.views.base import (
    NON_FILTER_KEYS,
    PAGE_SIZES,
    ModelViewMixin,
    has_permission_somewhere,
    labelled_errors,
    paginate,
    requested_page_size,
    sort_links,
)
from regions.views import region_picker_context


class CommunityViewMixin(ModelViewMixin):
    app_label = "community"


class CommunityListView(CommunityViewMixin, TemplateView):
    """A filter form above a sortable, paginated table; a malformed filter shows its errors (400).
    Rows counted up to the cap (core.paginator), the same number of queries whatever the page size."""

    selector = None
    sort_fields: tuple = ()

    def extra_list_context(self, filterset, rows, page_obj, errors) -> dict:
        return {}

    def get(self, request, *args, **kwargs):
        params = request.GET.copy()
        for key in NON_FILTER_KEYS:
            params.pop(key, None)
        filterset, rows = type(self).selector(user=request.user, filters=params)
        errors = [] if filterset.is_valid() else labelled_errors(filterset.form)
        page_size, raw_size = requested_page_size(request, errors)
        page_obj = paginate(request, rows, page_size)
        keep = params.copy()
        if raw_size and not errors:
            keep["page_size"] = raw_size
        context = self.get_context_data(
            filterset=filterset,
            filter_errors=errors,
            page_obj=page_obj,
            rows=list(page_obj.object_list),
            querystring=keep.urlencode(),
            filter_querystring=params.urlencode(),
            page_size=page_size,
            page_sizes=PAGE_SIZES,
            sort_links=sort_links(keep, self.sort_fields),
            current_ordering=params.get("ordering", ""),
            can_add=has_permission_somewhere(request.user, self.perm("add")),
            can_export=has_permission_somewhere(request.user, self.perm("export")),
            crumbs=self.crumbs(),
            chosen={key: params.getlist(key) for key in params},
            **self.extra_list_context(filterset, rows, page_obj, errors),
            **region_picker_context(request.user, params.get("region", ""), name="region"),
        )
        return self.render_to_response(context, status=400 if errors else 200)
