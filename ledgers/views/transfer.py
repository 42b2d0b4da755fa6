"""Excel import and export pages of the three ledgers.

Import: `/ledgers/<ledger>/import/` (upload → dry run), `/ledgers/<ledger>/import/template/`
(the blank workbook), `/ledgers/imports/<id>/` (the row-by-row report; the user chooses
"全部导入" or "只导入无误的行"; progress while the task runs).

Export: `/ledgers/<ledger>/export/?<the list page's query>` — the same FilterSet and selector
as the list page, further restricted to where the user may export, ID and phone numbers
masked, bounded, streamed, audited.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.paginator import bounded_count, paginate
from core.validators import mask_id_number, mask_personal_numbers, mask_phone
from core.xlsx import Sheet, workbook_response
from ledgers.filters import unseal_search
from ledgers.models import (
    ImportKind,
    ImportMode,
    ImportRowStatus,
)
from ledgers.selectors import appeal_list, household_list, matter_list
from ledgers.services import import_batch_get, import_batch_prepare, import_batch_recent, import_batch_start
from ledgers.services.imports import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    can_import,
    export_headers,
    export_rows,
    import_batch_purge_at,
    import_spec,
    import_template,
    ledger_export_audit,
    unseal_values,
)
from regions.scoping import restrict, scope_prefixes

EXPORT_MAX_ROWS = 50_000
EXPORT_CHUNK = 1000
REPORT_PAGE_SIZE = 100
# Not filters: paging and the region picker's own selects (as on the list pages).
NON_FILTER_KEYS = ("page", "page_size", "selected")

LIST_URL = {
    ImportKind.APPEALS: "ledgers:livelihoodappeal_list",
    ImportKind.HOUSEHOLDS: "ledgers:hardshiphousehold_list",
    ImportKind.MATTERS: "ledgers:stabilitymatter_list",
}
URL_PREFIX = {
    ImportKind.APPEALS: "livelihoodappeal",
    ImportKind.HOUSEHOLDS: "hardshiphousehold",
    ImportKind.MATTERS: "stabilitymatter",
}


def _list_url(kind):
    try:
        return reverse(LIST_URL[kind])
    except Exception:
        return ""


# --- Import ------------------------------------------------------------------------------------
class ImportKindMixin(LoginRequiredMixin):
    kind: str = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_import(request.user, self.kind):
            raise PermissionDenied(_("您没有导入%(label)s的权限。") % {"label": import_spec(self.kind).label})
        return super().dispatch(request, *args, **kwargs)


class ImportView(ImportKindMixin, TemplateView):
    """Upload a filled-in template; the dry run checks every row and shows the report."""

    template_name = "ledgers/includes/transfer_import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        spec = import_spec(self.kind)
        context.update(
            spec=spec,
            kind=self.kind,
            title=_("导入%(label)s") % {"label": spec.label},
            template_url=reverse(f"ledgers:{URL_PREFIX[self.kind]}_import_template"),
            list_url=_list_url(self.kind),
            recent=import_batch_recent(user=self.request.user, kind=self.kind),
            max_rows=IMPORT_MAX_ROWS,
            max_mb=IMPORT_MAX_BYTES // 1048576,
            columns=[(column, _column_label(spec.model, column)) for column in spec.columns],
        )
        return context

    def post(self, request, *args, **kwargs):
        upload = request.FILES.get("file")
        if upload is None:
            return self.render_to_response(
                self.get_context_data(upload_error=_("请选择要上传的 Excel 文件。")), status=400
            )
        try:
            batch = import_batch_prepare(actor=request.user, kind=self.kind, upload=upload)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(upload_error=" ".join(exc.messages)), status=400)
        return redirect("ledgers:importbatch_detail", pk=batch.pk)


def _column_label(model, column) -> str:
    """The column's field in the page's language (the header itself is the file's fixed Chinese name)."""
    from django.core.exceptions import FieldDoesNotExist

    try:
        return str(model._meta.get_field(column.field).verbose_name)
    except FieldDoesNotExist:
        return ""


class ImportTemplateView(ImportKindMixin, View):
    def get(self, request, *args, **kwargs):
        filename, sheets = import_template(self.kind, request.user)
        return workbook_response(filename=filename, sheets=sheets)


def _report_cells(spec, values):
    """Cells as uploaded, with ID and phone numbers masked (the report is a list page too)."""
    cells = []
    for column in spec.columns:
        value = values.get(column.header)
        if value not in (None, "") and column.parse == "id":
            value = mask_id_number(str(value))
        elif value not in (None, "") and column.parse == "phone":
            value = mask_phone(str(value))
        cells.append(value)
    return cells


def _report_errors(errors):
    """Row problems as stored, masked again: rows checked before the messages were masked on storing."""
    return [{**error, "message": mask_personal_numbers(error.get("message", ""))} for error in errors or []]


class ImportBatchView(LoginRequiredMixin, TemplateView):
    """The dry-run report of one upload (the uploader's own), the choice, and the result."""

    template_name = "ledgers/includes/transfer_batch.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["ledgers/includes/transfer_batch_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = kwargs.get("batch") or import_batch_get(user=self.request.user, pk=self.kwargs["pk"])
        show = self.request.GET.get("show", "problems")
        rows = batch.rows.order_by("row_number")
        if show == "problems":
            rows = rows.exclude(errors=[])
        elif show != "all":
            raise Http404(_("参数 show 只能是 problems 或 all。"))
        page_obj = paginate(self.request, rows, REPORT_PAGE_SIZE)
        spec = import_spec(batch.kind)
        context.update(
            batch=batch,
            spec=spec,
            page_obj=page_obj,
            report_rows=[
                {"row": r, "cells": _report_cells(spec, unseal_values(r.values)), "errors": _report_errors(r.errors)}
                for r in page_obj.object_list
            ],
            headers=spec.headers,
            show=show,
            querystring=f"show={show}",
            modes=ImportMode,
            purge_at=import_batch_purge_at(batch),
            row_status=ImportRowStatus,
            list_url=_list_url(batch.kind),
            import_url=reverse(f"ledgers:{URL_PREFIX[batch.kind]}_import"),
        )
        return context

    def post(self, request, *args, **kwargs):
        batch = import_batch_get(user=request.user, pk=kwargs["pk"])
        try:
            import_batch_start(actor=request.user, batch=batch, mode=request.POST.get("mode", ""))
        except ValidationError as exc:
            context = self.get_context_data(batch=batch, start_error=" ".join(exc.messages))
            return render(request, self.template_name, context, status=400)
        return redirect("ledgers:importbatch_detail", pk=batch.pk)


# --- Export ------------------------------------------------------------------------------------
# The rows are read like the list page's (its selector); the columns are the ledger's column
# specification's (ledgers.services.imports.exports).
SELECTORS = {ImportKind.APPEALS: appeal_list, ImportKind.HOUSEHOLDS: household_list, ImportKind.MATTERS: matter_list}


class ExportView(LoginRequiredMixin, View):
    """The list page's filtered rows as .xlsx (masked numbers; at most EXPORT_MAX_ROWS rows)."""

    kind: str = ""

    def get(self, request, *args, **kwargs):
        spec = import_spec(self.kind)
        model = spec.model
        permission = f"ledgers.export_{model._meta.model_name}"
        if scope_prefixes(request.user, permission) == []:
            raise PermissionDenied(_("您没有导出%(label)s的权限。") % {"label": spec.label})
        params = request.GET.copy()
        for key in NON_FILTER_KEYS:
            params.pop(key, None)
        params, _shown = unseal_search(params)
        filterset, rows = SELECTORS[self.kind](user=request.user, filters=params)
        if not filterset.is_valid():
            messages = [f"{filterset.form.fields[name].label if name in filterset.form.fields else name}：{e}"
                        for name, errs in filterset.errors.items() for e in errs]  # fmt: skip
            return self._refuse(request, spec, _("筛选条件有误：") + "；".join(messages))
        rows = restrict(rows, request.user, "export")
        # Counted only as far as the cap: a province-wide filter does not COUNT(*) every row.
        if bounded_count(rows, EXPORT_MAX_ROWS) > EXPORT_MAX_ROWS:
            return self._refuse(
                request,
                spec,
                _("符合条件的记录超过单次导出上限 %(max)s 条。请缩小筛选范围后分次导出。") % {"max": EXPORT_MAX_ROWS},
            )
        today = timezone.localdate()
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        headers, text_headers = export_headers(self.kind)
        response = workbook_response(
            filename=f"{spec.label}-{stamp}.xlsx",
            sheets=[
                Sheet(
                    title=spec.label,
                    headers=headers,
                    rows=export_rows(self.kind, rows.iterator(chunk_size=EXPORT_CHUNK), today),
                    text_columns=text_headers,
                )
            ],
        )
        ledger_export_audit(actor=request.user, model=model, count=response.row_counts[0], filters=params.urlencode())
        return response

    def _refuse(self, request, spec, message):
        return render(
            request,
            "error.html",
            {"status": 400, "title": _("无法导出%(label)s") % {"label": spec.label}, "message": message},
            status=400,
        )
