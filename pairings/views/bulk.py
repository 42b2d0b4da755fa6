"""Bulk pairing (a unit's cadres with a village's households, from a form or a workbook) and
the cadre import. Both show what would be written first (dry run); the write is one transaction."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import ServiceError
from core.xlsx import workbook_response
from ledgers.views.base import apply_service_error, has_permission_somewhere
from pairings import services
from pairings.forms import BulkPairForm, BulkPairUploadForm
from pairings.selectors import import_job_get
from pairings.services.imports import cadre_import, import_job_submit, import_template, pair_import
from pairings.views.pages import PairingPageMixin
from regions.views import region_picker_context

PREVIEW_ROWS = 200


class BulkPairView(PairingPageMixin, TemplateView):
    """Choose a unit, a village, a kind and a date: the plan (each cadre in turn with a household
    not yet paired with the unit) is shown; "confirm" writes it in one transaction."""

    template_name = "pairings/pair_bulk.html"

    def check(self):
        if not has_permission_somewhere(self.request.user, "pairings.add_pair"):
            raise PermissionDenied(_("您没有结对的权限。"))

    def get(self, request, *args, **kwargs):
        self.check()
        return self.show(BulkPairForm(user=request.user))

    def post(self, request, *args, **kwargs):
        self.check()
        form = BulkPairForm(request.POST, user=request.user)
        plan, problems = [], []
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan, problems = services.pair_bulk_plan(
                    actor=request.user,
                    unit=data["unit"],
                    village=data["region"],
                    kind=data["kind"],
                    started_on=data["started_on"],
                    per_cadre=data["per_cadre"] or 0,
                )
                if plan and not problems and request.POST.get("confirm") == "1":
                    created = services.pair_bulk_create_rows(actor=request.user, rows=plan)
                    messages.success(request, _("已批量结对 %(count)s 对。") % {"count": len(created)})
                    return redirect(f"{_pairs_url()}?region={data['region'].code}")
            except ServiceError as exc:
                apply_service_error(form, exc)
        status = 200 if form.is_valid() and not problems and not form.errors else 400
        return self.show(form, plan=plan, problems=problems, status=status)

    def show(self, form, plan=(), problems=(), status=200):
        selected = (form["region"].value() if form.is_bound else "") or ""
        context = self.get_context_data(
            form=form,
            plan=list(plan)[:PREVIEW_ROWS],
            plan_count=len(plan),
            problems=problems,
            crumbs=[{"label": _("结对"), "url": _pairs_url()}, {"label": _("批量结对"), "url": ""}],
            **region_picker_context(self.request.user, selected, name="region"),
        )
        return self.render_to_response(context, status=status)


def _pairs_url():
    from django.urls import reverse

    return reverse("pairings:pair_list")


class ImportView(PairingPageMixin, TemplateView):
    """Upload a workbook: "check" reports each row's problems and writes nothing; "write" writes
    the whole file in one transaction only when every row is valid. GET ?template=1: the blank
    workbook."""

    template_name = "pairings/import.html"
    kind = ""
    permission = ""

    def check(self):
        if not has_permission_somewhere(self.request.user, self.permission):
            raise PermissionDenied(_("您没有导入的权限。"))

    def get(self, request, *args, **kwargs):
        self.check()
        if request.GET.get("template"):
            name, sheets = import_template(self.kind)
            return workbook_response(filename=name, sheets=sheets)
        return self.render_to_response(self.get_context_data(form=BulkPairUploadForm()))

    def post(self, request, *args, **kwargs):
        self.check()
        form = BulkPairUploadForm(request.POST, request.FILES)
        result = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if request.POST.get("mode") == "write":
                    result, job = import_job_submit(actor=request.user, kind=self.kind, upload=upload)
                    if job is not None:
                        return redirect("pairings:import_job", pk=job.pk)
                else:
                    runner = pair_import if self.kind == "pair" else cadre_import
                    result = runner(actor=request.user, upload=upload, write=False)
            except ValidationError as exc:
                form.add_error("file", exc)
        status = 200 if result is not None and result.ok else 400
        return self.render_to_response(self.get_context_data(form=form, result=result), status=status)

    def get_context_data(self, **kwargs):
        title = _("批量结对（Excel）") if self.kind == "pair" else _("导入帮扶干部（Excel）")
        return super().get_context_data(title=title, crumbs=[{"label": title, "url": ""}], **kwargs)


class ImportJobView(PairingPageMixin, TemplateView):
    """A confirmed import: queued (the page refreshes itself), written, or refused with each row's
    problems. Its uploader's only."""

    template_name = "pairings/import_job.html"

    def get_context_data(self, **kwargs):
        job = import_job_get(user=self.request.user, pk=self.kwargs["pk"])
        back = "pairings:pair_import" if job.kind == "pair" else "pairings:cadre_import"
        return super().get_context_data(
            job=job, title=job.get_kind_display(), crumbs=[{"label": job.get_kind_display(), "url": reverse(back)}],
            back=reverse(back), **kwargs,
        )  # fmt: skip
