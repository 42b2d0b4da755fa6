"""双报到 pages: the registrations (a community's roster is its active ones), detail with history
and withdrawal, and registering a new organisation or member."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from community.choices import ReporterKind, ReportStatus
from community.forms import ReportForm, WithdrawForm
from community.models import CommunityReport
from community.selectors import report_get, report_history, report_list
from community.services import report_register_new, report_withdraw
from community.views.base import CommunityListView, CommunityViewMixin
from core.exceptions import ConcurrentEditError, ServiceError, TransitionNotAllowed
from core.paginator import bounded_count
from ledgers.views.base import apply_service_error, has_permission_somewhere, show_refusal
from regions.scoping import can


class ReportMixin:
    model = CommunityReport
    url_prefix = "communityreport"


class CommunityReportListView(ReportMixin, CommunityListView):
    """Registrations; filtered to one community and 已报到, the community's roster."""

    template_name = "community/communityreport_list.html"
    selector = report_list
    sort_fields = (
        ("reported_on", gettext_lazy("报到日期")),
        ("kind", gettext_lazy("报到类型")),
        ("community", gettext_lazy("社区")),
        ("status", gettext_lazy("状态")),
    )

    def extra_list_context(self, filterset, rows, page_obj, errors):
        active = rows.filter(status=ReportStatus.ACTIVE) if not errors else rows
        return {
            "active_organisations": bounded_count(active.filter(kind=ReporterKind.ORGANISATION)),
            "active_members": bounded_count(active.filter(kind=ReporterKind.MEMBER)),
            "kinds": ReporterKind.choices,
        }


class CommunityReportDetailView(ReportMixin, CommunityViewMixin, TemplateView):
    template_name = "community/communityreport_detail.html"

    def get_report(self):
        if not hasattr(self, "_report"):
            self._report = report_get(user=self.request.user, pk=self.kwargs["pk"])
        return self._report

    def get_context_data(self, **kwargs):
        report = self.get_report()
        context = {
            "object": report,
            "report": report,
            "history": report_history(report),
            "can_withdraw": report.status == ReportStatus.ACTIVE and can(self.request.user, "transition", report),
            "withdraw_form": WithdrawForm(initial={"version": report.version}),
            "crumbs": self.crumbs({"label": str(report), "url": ""}),
        }
        context.update(kwargs)
        return super().get_context_data(**context)


class CommunityReportWithdrawView(CommunityReportDetailView):
    http_method_names = ["post"]

    def post(self, request, pk):
        report = self.get_report()
        if not can(request.user, "transition", report):
            raise PermissionDenied(_("您没有撤回报到的权限。"))
        form = WithdrawForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                report_withdraw(
                    actor=request.user,
                    report=report,
                    reason=form.cleaned_data["reason"],
                    withdrawn_on=form.cleaned_data["withdrawn_on"],
                    expected_version=form.cleaned_data["version"],
                )
            except ServiceError as exc:
                status = show_refusal(form, exc, conflicts=(ConcurrentEditError, TransitionNotAllowed))
            else:
                messages.success(request, _("已撤回报到。"))
                return redirect("community:communityreport_detail", report.pk)
        return self.render_to_response(self.get_context_data(withdraw_form=form), status=status)


class CommunityReportCreateView(ReportMixin, CommunityViewMixin, TemplateView):
    """登记报到: a new organisation (?kind=organisation) or member (default), registered at once."""

    template_name = "community/communityreport_form.html"

    def kind(self):
        value = self.request.GET.get("kind") or self.request.POST.get("kind") or ReporterKind.MEMBER
        return value if value in ReporterKind.values else ReporterKind.MEMBER

    def check(self):
        if not has_permission_somewhere(self.request.user, "community.add_communityreport"):
            raise PermissionDenied(_("您没有登记双报到的权限。"))

    def get(self, request, *args, **kwargs):
        self.check()
        return self.show(ReportForm(user=request.user, kind=self.kind()))

    def post(self, request, *args, **kwargs):
        self.check()
        form = ReportForm(request.POST, user=request.user, kind=self.kind())
        if form.is_valid():
            try:
                report = report_register_new(
                    actor=request.user,
                    community=form.cleaned_data["community"],
                    kind=form.kind,
                    reporter_data=form.reporter_data(),
                    basis=form.cleaned_data["basis"],
                    reported_on=form.cleaned_data["reported_on"],
                    note=form.cleaned_data["note"],
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已登记报到：%(name)s") % {"name": report})
                return redirect("community:communityreport_detail", report.pk)
        return self.show(form, status=400)

    def show(self, form, status=200):
        title = _("登记报到党员") if form.kind == ReporterKind.MEMBER else _("登记报到党组织")
        context = self.get_context_data(
            form=form,
            kind=form.kind,
            title=title,
            other_kind_url=reverse("community:communityreport_create")
            + ("?kind=organisation" if form.kind == ReporterKind.MEMBER else "?kind=member"),
            crumbs=self.crumbs({"label": title, "url": ""}),
        )
        return self.render_to_response(context, status=status)
