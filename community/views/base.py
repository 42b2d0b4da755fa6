"""What the community pages share: a filtered, sorted, bounded list; names of URLs and permissions."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ledgers.views.base import (
    DEFAULT_PAGE_SIZE,
    NON_FILTER_KEYS,
    PAGE_SIZES,
    has_permission_somewhere,
    labelled_errors,
    paginate,
)
from regions.scoping import ScopedViewMixin
from regions.views import region_picker_context


class CommunityViewMixin(LoginRequiredMixin, ScopedViewMixin):
    url_prefix = ""

    def url(self, action, *args):
        return reverse(f"community:{self.url_prefix}_{action}", args=args)

    def perm(self, action):
        return f"community.{action}_{self.model._meta.model_name}"

    def crumbs(self, *extra):
        return [{"label": self.model._meta.verbose_name_plural, "url": self.url("list")}, *extra]


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
        page_size = DEFAULT_PAGE_SIZE
        raw_size = request.GET.get("page_size", "")
        if raw_size:
            if raw_size.isdigit() and int(raw_size) in PAGE_SIZES:
                page_size = int(raw_size)
            else:
                errors.append(_("每页条数应为 %(sizes)s 之一。") % {"sizes": "、".join(str(s) for s in PAGE_SIZES)})
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
            sort_links=self.sort_links(keep),
            current_ordering=params.get("ordering", ""),
            can_add=has_permission_somewhere(request.user, self.perm("add")),
            can_export=has_permission_somewhere(request.user, self.perm("export")),
            crumbs=self.crumbs(),
            chosen={key: params.getlist(key) for key in params},
            **self.extra_list_context(filterset, rows, page_obj, errors),
            **region_picker_context(request.user, params.get("region", ""), name="region"),
        )
        return self.render_to_response(context, status=400 if errors else 200)

    def sort_links(self, params):
        current = params.get("ordering", "")
        links = {}
        for field, label in self.sort_fields:
            query = params.copy()
            if current == field:
                query["ordering"], state = f"-{field}", "asc"
            elif current == f"-{field}":
                query["ordering"], state = field, "desc"
            else:
                query["ordering"], state = f"-{field}", ""
            links[field] = {"url": "?" + query.urlencode(), "state": state, "label": label}
        return links
