"""What the ledger pages share: list (filter, sort, paginate, count overdue), detail with history
and transitions, create/edit through the services, bulk status changes.

Reads go through ledgers.selectors (scope first: out-of-scope → 404), writes through
ledgers.services; a visible record the user may not change answers 403, and bad input is shown
beside its field with a 4xx status, never a 500.
"""

from urllib.parse import unquote_plus

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import ConcurrentEditError, ServiceError
from core.links import pk_url_maker
from core.paginator import bounded_counts, paginate
from core.validators import mask_personal_numbers
from ledgers.filters import seal_search, unseal_search
from ledgers.selectors import entry_history
from ledgers.services import bulk_apply
from regions.scoping import ScopedViewMixin, can, scope_prefixes
from regions.views import region_picker_context

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 20
# Query-string keys that are not filters: paging, and the region picker's own selects.
NON_FILTER_KEYS = ("page", "page_size", "selected")


def apply_service_error(form, exc: ServiceError) -> None:
    """Show a service's refusal on the form: beside the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def show_refusal(form, exc: ServiceError, conflicts: tuple = (ConcurrentEditError,)) -> int:
    """Show a service's refusal on the form (apply_service_error) and return the status to answer
    with: 409 when it is a conflict with the record as stored now (someone saved it meanwhile, or
    one of the other `conflicts` given), else 400."""
    apply_service_error(form, exc)
    return 409 if isinstance(exc, conflicts) else 400


def related_links(exc: ServiceError) -> list[str]:
    """Pages a refusal points to (the household already registered with this head ID number)."""
    links = []
    for errors in getattr(exc, "error_dict", {}).values():
        for error in errors:
            url = (getattr(error, "params", None) or {}).get("url")
            if url:
                links.append(url)
    return links


def labelled_errors(form) -> list[str]:
    """ "已逾期：应为 true 或 false。" — each error with the label of the filter it belongs to."""
    messages_ = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        for error in errors:
            messages_.append(f"{field.label}：{error}" if field is not None and field.label else str(error))
    return messages_


def has_permission_somewhere(user, permission: str) -> bool:
    return scope_prefixes(user, permission) != []


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def requested_page_size(request, errors: list) -> tuple[int, str]:
    """The list's page size: `page_size` when it is one of PAGE_SIZES, else the default (and,
    when one was asked for, an error appended to `errors`); and the value as asked for."""
    page_size = DEFAULT_PAGE_SIZE
    raw_size = request.GET.get("page_size", "")
    if raw_size:
        if raw_size.isdigit() and int(raw_size) in PAGE_SIZES:
            page_size = int(raw_size)
        else:
            errors.append(_("每页条数应为 %(sizes)s 之一。") % {"sizes": "、".join(str(s) for s in PAGE_SIZES)})
    return page_size, raw_size


def sort_toggle(current: str, field: str, *, descending_first: bool = True) -> tuple[str, str]:
    """A sortable column's link, given the list's `ordering` now: the ordering the link asks for
    (the other direction, or the first one), and how the list is sorted by the column ("asc",
    "desc" or "")."""
    if current == field:
        return f"-{field}", "asc"
    if current == f"-{field}":
        return field, "desc"
    return (f"-{field}" if descending_first else field), ""


def sort_links(params, sort_fields, *, descending_first: bool = True) -> dict:
    """A link per sortable column (`sort_fields`: (param, label)) keeping the other parameters:
    the first click sorts descending (or ascending), the next the other way, and so on."""
    current = params.get("ordering", "")
    links = {}
    for field, label in sort_fields:
        query = params.copy()
        query["ordering"], state = sort_toggle(current, field, descending_first=descending_first)
        links[field] = {"url": "?" + query.urlencode(), "state": state, "label": label}
    return links


class ModelViewMixin(LoginRequiredMixin, ScopedViewMixin):
    """Names shared by the views of one model: `model`, `url_prefix` ("livelihoodappeal"), and
    `app_label`, the app whose URL namespace and permissions they use (the ledgers', community's)."""

    app_label = ""
    url_prefix = ""

    def url(self, action, *args):
        return reverse(f"{self.app_label}:{self.url_prefix}_{action}", args=args)

    def pk_url(self, action):
        """`url(action, pk)` for many records at once (a list page's rows): core.links."""
        return pk_url_maker(f"{self.app_label}:{self.url_prefix}_{action}")

    def perm(self, action):
        return f"{self.app_label}.{action}_{self.model._meta.model_name}"

    def crumbs(self, *extra):
        return [{"label": self.model._meta.verbose_name_plural, "url": self.url("list")}, *extra]


class LedgerViewMixin(ModelViewMixin):
    """The names of one ledger's views (ModelViewMixin)."""

    app_label = "ledgers"
    verbose_name = ""


def filter_params(request) -> tuple:
    """(the query's filters as links carry them, keyword sealed; the filters to apply, keyword in
    clear; the context the search box needs: the keyword masked, and sealed to send back)."""
    params = request.GET.copy()
    for key in NON_FILTER_KEYS:
        params.pop(key, None)
    params = seal_search(params)
    filters, search_display = unseal_search(params)
    sealed = params.get("q", "") if params.get("q", "") != filters.get("q", "") else ""
    return params, filters, {"search_display": search_display, "sealed_search": sealed}


def audit_filters(filters) -> str:
    """The filters as an export's audit message records them: as typed (URL-decoded), an ID or
    phone number masked even when typed with spaces or full-width digits."""
    return mask_personal_numbers(unquote_plus(filters.urlencode()))[:300]


class SealedSearchMixin:
    """A list page whose search box may hold an ID or phone number: the filter form is POSTed and
    answered with a redirect to the list, the keyword sealed (ledgers.filters.seal_search), so the
    number is in no URL, access log, browser history or Referer; `filter_params` reads it back.
    The ledgers, petitions and pairings lists share it."""

    def post(self, request, *args, **kwargs):
        params = request.POST.copy()
        params.pop("csrfmiddlewaretoken", None)
        sealed = params.pop("q_sealed", [""])[-1]
        if sealed and "*" in params.get("q", ""):
            params["q"] = sealed  # the masked keyword sent back unchanged: the same search
        return redirect(f"{request.path}?{seal_search(params).urlencode()}")


class LedgerListView(SealedSearchMixin, LedgerViewMixin, TemplateView):
    """Search and filter form above a sortable, paginated table; overdue rows and their count;
    bulk status change. A malformed filter shows its errors with status 400."""

    selector = None
    # The columns a list's table reads, when it names them (`table_rows`): the others are not read.
    table_fields: tuple = ()
    sort_fields: tuple = ()  # (param, label)
    bulk_targets: tuple = ()  # (status, label) offered for bulk change
    counts_overdue = False

    def get(self, request, *args, **kwargs):
        # Links (pages, sorting, export) carry the sealed keyword; the FilterSet gets it in clear.
        params, filters, search_context = filter_params(request)
        filterset, rows = type(self).selector(user=request.user, filters=filters)
        if self.table_fields:
            rows = rows.only(*self.table_fields)
        errors = [] if filterset.is_valid() else labelled_errors(filterset.form)
        page_size, raw_size = requested_page_size(request, errors)
        counts_overdue = self.counts_overdue and not errors
        # Already narrowed to overdue rows: the paginator's count is the overdue count (one COUNT
        # less); otherwise the rows and the overdue ones among them are counted in one statement.
        # Both up to the cap: "超过 10,000 条已逾期".
        only_overdue = counts_overdue and filterset.form.cleaned_data.get("overdue") is True
        found = overdue_found = None
        if counts_overdue and not only_overdue:
            found, overdue_found = bounded_counts(rows, rows.overdue())
        page_obj = paginate(request, rows, page_size, found=found)
        overdue_count, overdue_truncated = 0, False
        if counts_overdue:
            paginator = page_obj.paginator
            if only_overdue:
                overdue_found = paginator.found
            overdue_count, overdue_truncated = min(overdue_found, paginator.cap), overdue_found > paginator.cap
        keep = params.copy()
        if raw_size and not errors:
            keep["page_size"] = raw_size
        page_rows = list(page_obj.object_list)
        context = self.get_context_data(
            filterset=filterset,
            filter_errors=errors,
            page_obj=page_obj,
            rows=page_rows,
            table_rows=self.table_rows(page_rows),
            overdue_count=overdue_count,
            overdue_truncated=overdue_truncated,
            querystring=keep.urlencode(),
            filter_querystring=params.urlencode(),
            page_size=page_size,
            page_sizes=PAGE_SIZES,
            sort_links=sort_links(keep, self.sort_fields),
            current_ordering=params.get("ordering", ""),
            **search_context,
            can_add=has_permission_somewhere(request.user, self.perm("add")),
            can_bulk=bool(self.bulk_targets) and has_permission_somewhere(request.user, self.perm("transition")),
            can_export=has_permission_somewhere(request.user, self.perm("export")),
            can_import=has_permission_somewhere(request.user, self.perm("import")),
            bulk_targets=self.bulk_targets,
            crumbs=self.crumbs(),
            chosen={key: params.getlist(key) for key in params},
            **region_picker_context(request.user, params.get("region", ""), name="region"),
        )
        return self.render_to_response(context, status=400 if errors else 200)

    def table_rows(self, rows: list) -> list:
        """The page's rows as its table shows them. A list whose template loops over `rows` (the
        records) itself leaves this empty; one that has its cells worked out here, once per row,
        rather than through includes, filters and {% url %} per cell, returns them."""
        return []


class LedgerDetailView(LedgerViewMixin, TemplateView):
    """One record with every field, its allowed next transitions and its history."""

    getter = None

    def get_entry(self):
        if not hasattr(self, "_entry"):
            self._entry = type(self).getter(user=self.request.user, pk=self.kwargs["pk"])
        return self._entry

    def get_context_data(self, **kwargs):
        entry = self.get_entry()
        user = self.request.user
        from ledgers.forms import VoidForm

        can_change = can(user, "change", entry) and getattr(entry, "voided_at", None) is None
        context = {
            "object": entry,
            "history": entry_history(entry),
            "can_change": can_change,
            "void_url": self.url("void", entry.pk) if hasattr(entry, "voided_at") else "",
            "void_form": VoidForm(initial={"version": entry.version}, prefix="void"),
            "can_transition": can(user, "transition", entry) and getattr(entry, "voided_at", None) is None,
            "crumbs": self.crumbs({"label": str(entry), "url": ""}),
        }
        context.update(self.extra_context_for(entry))
        context.update(kwargs)
        return super().get_context_data(**context)

    def extra_context_for(self, entry) -> dict:
        return {}

    def require(self, action, entry):
        if not can(self.request.user, action, entry):
            raise PermissionDenied(_("您没有权限进行此操作。"))

    def refused(self, status=400, **forms):
        """Render the detail page again with the bound forms showing their errors."""
        return self.render_to_response(self.get_context_data(**forms), status=status)


class LedgerVoidView(LedgerDetailView):
    """POST: 作废 the record (a reason is required); the ledger's `<entity>_void` service does it."""

    http_method_names = ["post"]

    def void(self, entry, *, reason, version):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        from ledgers.forms import VoidForm

        entry = self.get_entry()
        self.require("change", entry)
        form = VoidForm(request.POST, prefix="void")
        if form.is_valid():
            try:
                self.void(entry, reason=form.cleaned_data["void_reason"], version=form.cleaned_data["version"])
            except ServiceError as exc:
                return self.refused(status=show_refusal(form, exc), void_form=form)
            else:
                messages.success(request, _("已作废：%(title)s") % {"title": entry})
                return redirect(self.url("detail", entry.pk))
        return self.refused(void_form=form)


class LedgerRowAddView(LedgerDetailView):
    """POST: one row added under the record (家庭成员, 帮扶记录, 调解记录) through its service; bad
    input is shown on the detail page, in the form `<form_prefix>_form`."""

    http_method_names = ["post"]
    form_class = None
    form_prefix = ""

    def add(self, entry, data):
        raise NotImplementedError

    def added_message(self, row) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        entry = self.get_entry()
        self.require("change", entry)
        form = self.form_class(request.POST, prefix=self.form_prefix)
        if form.is_valid():
            try:
                row = self.add(entry, form.service_data())
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, self.added_message(row))
                return redirect(self.url("detail", entry.pk))
        return self.refused(**{f"{self.form_prefix}_form": form})


class LedgerCreateView(LedgerViewMixin, TemplateView):
    form_class = None
    template_name = "ledgers/entry_form.html"

    def create(self, form):
        raise NotImplementedError

    def check(self):
        if not has_permission_somewhere(self.request.user, self.perm("add")):
            raise PermissionDenied(_("您没有登记%(what)s的权限。") % {"what": self.model._meta.verbose_name})

    def get(self, request, *args, **kwargs):
        self.check()
        return self.show(self.form_class(user=request.user))

    def post(self, request, *args, **kwargs):
        self.check()
        form = self.form_class(request.POST, user=request.user)
        if form.is_valid():
            try:
                entry = self.create(form)
            except ServiceError as exc:
                apply_service_error(form, exc)
                self.related_links = related_links(exc)
            else:
                messages.success(request, _("已登记：%(title)s") % {"title": entry})
                return redirect(self.url("detail", entry.pk))
        return self.show(form, status=400)

    def show(self, form, status=200):
        selected = form["region"].value() if form.is_bound else ""
        if not selected:
            selected = self.request.GET.get("region", "")
        context = self.get_context_data(
            form=form,
            creating=True,
            related_links=getattr(self, "related_links", []),
            title=_("登记%(what)s") % {"what": self.model._meta.verbose_name},
            cancel_url=self.url("list"),
            crumbs=self.crumbs({"label": _("登记"), "url": ""}),
            **region_picker_context(self.request.user, selected or "", name="region"),
        )
        return self.render_to_response(context, status=status)


class LedgerUpdateView(LedgerViewMixin, TemplateView):
    form_class = None
    getter = None
    template_name = "ledgers/entry_form.html"

    def update(self, entry, form):
        raise NotImplementedError

    def get_entry(self):
        entry = type(self).getter(user=self.request.user, pk=self.kwargs["pk"])
        if not can(self.request.user, "change", entry):
            raise PermissionDenied(_("您没有修改该记录的权限。"))
        return entry

    def get(self, request, *args, **kwargs):
        entry = self.get_entry()
        return self.show(entry, self.form_class(instance=entry, user=request.user))

    def post(self, request, *args, **kwargs):
        entry = self.get_entry()
        form = self.form_class(request.POST, instance=entry, user=request.user)
        status = 400
        if form.is_valid():
            try:
                # A fresh copy for the service: it diffs against what is stored.
                self.update(self.get_entry(), form)
            except ServiceError as exc:
                status = show_refusal(form, exc)
                self.related_links = related_links(exc)
            else:
                messages.success(request, _("已保存修改。"))
                return redirect(self.url("detail", entry.pk))
        return self.show(entry, form, status=status)

    def show(self, entry, form, status=200):
        context = self.get_context_data(
            form=form,
            object=entry,
            creating=False,
            related_links=getattr(self, "related_links", []),
            title=_("修改%(what)s") % {"what": self.model._meta.verbose_name},
            cancel_url=self.url("detail", entry.pk),
            crumbs=self.crumbs({"label": str(entry), "url": self.url("detail", entry.pk)}, {"label": _("修改")}),
        )
        return self.render_to_response(context, status=status)


class LedgerBulkView(LedgerViewMixin, TemplateView):
    """POST: one status change applied to the ticked rows, one service call per row; the list
    page then says which succeeded and which failed, with the reason for each."""

    http_method_names = ["post"]
    selector = None
    bulk_targets: tuple = ()

    def apply(self, entry, form):
        raise NotImplementedError

    def form_problems(self, form) -> list[str]:
        """What is missing for the chosen target, said once rather than once per row."""
        return []

    def post(self, request, *args, **kwargs):
        from ledgers.forms import BulkTransitionForm

        if not has_permission_somewhere(request.user, self.perm("transition")):
            raise PermissionDenied(_("您没有变更状态的权限。"))
        back = safe_next(request, self.url("list"))
        form = BulkTransitionForm(request.POST, targets=self.bulk_targets)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(back)
        problems = self.form_problems(form)
        if problems:
            for problem in problems:
                messages.error(request, problem)
            return redirect(back)
        ids = form.cleaned_data["ids"]
        _filterset, rows = type(self).selector(user=request.user)
        found = {entry.pk: entry for entry in rows.filter(pk__in=ids)}
        result = bulk_apply([found[pk] for pk in ids if pk in found], lambda entry: self.apply(entry, form))
        missing = [pk for pk in ids if pk not in found]
        if result.done:
            messages.success(
                request,
                _("已变更 %(count)s 条：%(items)s")
                % {"count": len(result.done), "items": "；".join(f"#{e.pk} {e}" for e in result.done)},
            )
        for entry, reason in result.failed:
            messages.error(
                request, _("#%(pk)s %(title)s 未变更：%(reason)s") % {"pk": entry.pk, "title": entry, "reason": reason}
            )
        for pk in missing:
            messages.error(request, _("#%(pk)s 未变更：记录不存在或不在您的管辖范围内。") % {"pk": pk})
        return redirect(back)
