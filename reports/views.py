"""Dashboards: province, prefecture, county, township (and a village's own figures), read from the
summaries only, scoped to the user's regions (404 outside them)."""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from audit.choices import Action
from audit.services import audit_record
from core.dbrouter import replica_reads
from core.exceptions import ServiceError
from core.links import pk_url_maker
from regions.choices import Level
from regions.scoping import ScopedViewMixin, can_at_region, scope_prefixes
from reports import selectors
from reports.choices import RUN_ACTIVE_STATUSES, RunKind, RunStatus, Unit
from reports.metrics import figure
from reports.models import RefreshRun, Summary
from reports.services import summary_refresh_request
from reports.templatetags.reports_tags import chart_value

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
REFRESH_PERMISSION = "reports.refresh_summary"
EXPORT_PERMISSION = "reports.export_summary"
# How long a rendered dashboard part is kept; its key changes with the data, so this only bounds memory.
DASHBOARD_CACHE_SECONDS = 6 * 3600


def record_url(name: str, pk=None, *, query: str = "") -> str | None:
    """A ledger page's URL, or None where the ledger pages are not installed in this deployment."""
    try:
        url = reverse(name, args=[pk] if pk is not None else [])
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


def detail_url_maker(name: str):
    """pk -> the detail page's URL, reversed once for a list of rows (core.links); None where the
    ledger pages are not installed in this deployment."""
    try:
        return pk_url_maker(name)
    except NoReverseMatch:
        return lambda pk: None


def days_late(today, due) -> str:
    """ "12 天" (en "12 days"): made here once per row rather than by a {% blocktranslate count %}
    in the row loop, which cost the dashboard as much as its two overdue queries."""
    days = (today - due).days
    return ngettext("%(days)s 天", "%(days)s 天", days) % {"days": days}


def can_refresh(user, region_code: str | None = None) -> bool:
    """May `user` press "立即刷新" for `region_code` (default: the province)? The provincial office
    everywhere; leaders in their own region (an incremental refresh, see summary_refresh_request)."""
    return can_at_region(user, REFRESH_PERMISSION, region_code or settings.JICENG_PROVINCE_CODE)


def can_follow_runs(user) -> bool:
    return scope_prefixes(user, REFRESH_PERMISSION) != []


class DashboardRedirectView(LoginRequiredMixin, View):
    """/reports/: each user lands on the dashboard of their own (highest) region."""

    def get(self, request):
        if not request.user.has_perm(selectors.VIEW_PERMISSION):
            raise PermissionDenied(_("您没有查看统计看板的权限。"))
        roots = selectors.dashboard_roots(user=request.user)
        if not roots:
            raise Http404(_("您的管辖范围内没有可查看的统计数据。"))
        return redirect("reports:region_dashboard", code=roots[0].code)


class RegionDashboardMixin(LoginRequiredMixin, ScopedViewMixin):
    model = Summary

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.region, self.region_ancestors = selectors.dashboard_region_get(user=request.user, code=kwargs["code"])
        # Read-only pages and exports of the summaries: their summary reads may go to a replica.
        with replica_reads():
            return super().dispatch(request, *args, **kwargs)

    def base_context(self) -> dict:
        return {
            "region": self.region,
            "ancestors": [
                a for a in self.region_ancestors if can_at_region(self.request.user, selectors.VIEW_PERMISSION, a.code)
            ],
            "drillable": self.region.level < Level.VILLAGE,
            "can_export": can_at_region(self.request.user, EXPORT_PERMISSION, self.region.code),
            "can_refresh": can_refresh(self.request.user, self.region.code),
            "min_sample": selectors.ranking_min_sample(),
        }


class DashboardView(RegionDashboardMixin, TemplateView):
    """The summary-derived part (figures, charts' data, breakdowns, child table, rankings) is
    rendered once per data version, region and language and kept in Django's cache
    (`selectors.dashboard_cache_key` changes whenever the figures can, so nothing is invalidated);
    the overdue list, the buttons and the breadcrumbs are the user's own and built on every request."""

    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = selectors.summary_state()
        context.update(self.base_context())
        if state is not None and state.visible_generation is not None:
            context.update(self.cached_part(state))
        else:
            # No figures to show (before the first refresh, or being recomputed): say so, never zeros.
            context.update({"no_figures": True, "children": [], "figures_html": "", "children_html": ""})
        context["state"] = state
        context["region"] = self.region
        context["overdue"], matters = selectors.dashboard_overdue(user=self.request.user, region=self.region)
        context["overdue_matters"] = matters
        context["today"] = today = timezone.localdate()
        # Rows of plain strings, unpacked by the template's loop (no attribute lookups per cell).
        matter_url = detail_url_maker("ledgers:stabilitymatter_detail")
        context["overdue_matter_rows"] = [
            (
                matter.title,
                matter_url(matter.pk),
                matter.region_name,
                matter.get_risk_level_display(),
                matter.deadline.isoformat(),
                days_late(today, matter.deadline),
                matter.get_status_display(),
            )
            for matter in matters
        ]
        # The whole overdue lists of the region, on the ledger pages (scoped there too).
        context["overdue_all_url"] = record_url(
            "ledgers:livelihoodappeal_list", query=f"overdue=true&region={self.region.code}"
        )
        context["overdue_matters_all_url"] = record_url(
            "ledgers:stabilitymatter_list", query=f"overdue=true&region={self.region.code}"
        )
        appeal_url = detail_url_maker("ledgers:livelihoodappeal_detail")
        context["overdue_rows"] = [
            (
                appeal.title,
                appeal_url(appeal.pk),
                appeal.region_name,
                appeal.promised_date.isoformat(),
                days_late(today, appeal.promised_date),
                appeal.get_status_display(),
            )
            for appeal in context["overdue"]
        ]
        if context["can_refresh"]:
            latest = context["latest_run"] = selectors.latest_run()
            # A page opened while a run is queued or running follows it, as after "立即刷新".
            context["latest_run_active"] = latest is not None and latest.status in RUN_ACTIVE_STATUSES
        return context

    def cached_part(self, state) -> dict:
        key = selectors.dashboard_cache_key(region=self.region, state=state)
        part = cache.get(key)
        if part is None:
            part = self.render_part(state)
            cache.set(key, part, DASHBOARD_CACHE_SECONDS)
        return {
            "children": part["children"],  # codes only: the template just asks whether there are any
            "figures_html": mark_safe(part["figures_html"]),  # noqa: S308 - our own rendered template
            "children_html": mark_safe(part["children_html"]),  # noqa: S308 - our own rendered template
        }

    def render_part(self, state) -> dict:
        data = selectors.dashboard_figures(user=self.request.user, region=self.region, state=state)
        data["region"] = self.region
        data["min_sample"] = selectors.ranking_min_sample()
        data["chart_data"] = {
            "trend": {
                "months": data["trend"]["months"],
                "series": [
                    {
                        "name": str(series["metric"].label),
                        "rate": series["metric"].is_rate,
                        "values": [chart_value(f) for f in series["figures"]],
                    }
                    for series in data["trend"]["series"]
                ],
            },
            "breakdowns": [
                {
                    "key": item["breakdown"].key,
                    "title": str(item["breakdown"].label),
                    "labels": [str(m.label) for m, _v in item["items"]],
                    "values": [v for _m, v in item["items"]],
                }
                for item in data["breakdowns"]
            ],
        }
        children = [child.code for child in data["children"]]
        return {
            "children": children,
            "figures_html": str(render_to_string("reports/includes/dashboard_figures.html", data)),
            "children_html": str(render_to_string("reports/includes/dashboard_children.html", data))
            if children
            else "",
        }


class DashboardExportView(RegionDashboardMixin, View):
    """Every table of the dashboard as one xlsx workbook: the child regions (with the region's own
    row), the monthly trend, the breakdowns, the rankings, and a sheet saying what it is (region,
    data as of, exported when and by whom, every column's definition)."""

    def get(self, request, code):
        from core.xlsx import Sheet, workbook_response

        if not can_at_region(request.user, EXPORT_PERMISSION, self.region.code):
            raise PermissionDenied(_("您没有导出统计数据的权限。"))
        state = selectors.summary_state()
        if state is None or state.visible_generation is None:
            # Not a table of zeros: there are no figures yet (or they are being recomputed).
            messages.warning(request, _("尚无可导出的统计数据，请在统计刷新完成后再导出。"))
            return redirect("reports:region_dashboard", code=self.region.code)
        data = selectors.dashboard_figures(user=request.user, region=self.region, state=state)
        code_header = _("区划代码")
        metrics = data["child_metrics"]
        own = [figure(m, data["own_values"]) for m in metrics]
        rows = [[self.region.code, _("%(name)s（合计）") % {"name": self.region.name}, *map(self._cell, own)]]
        rows += [[child.code, child.name, *map(self._cell, figs)] for child, figs in data["child_rows"]]
        trend_metrics = [series["metric"] for series in data["trend"]["series"]]
        sheets = [
            Sheet(
                title=_("下级区划"),
                headers=[code_header, _("名称"), *(self._header(m) for m in metrics)],
                rows=rows,
                text_columns=[code_header],
            ),
            Sheet(
                title=_("月度趋势"),
                headers=[_("月份"), *(self._header(m) for m in trend_metrics)],
                rows=[[month, *map(self._cell, figs)] for month, figs in data["trend_rows"]],
                text_columns=[_("月份")],
            ),
            Sheet(
                title=_("分类统计"),
                headers=[_("分类"), _("项目"), _("数值")],
                rows=[
                    [str(item["breakdown"].label), str(metric.label), value]
                    for item in data["breakdowns"]
                    for metric, value in item["items"]
                ],
            ),
            Sheet(
                title=_("排名"),
                headers=[_("指标"), _("名次"), code_header, _("名称"), _("数值"), _("分子"), _("分母")],
                rows=self._ranking_rows(data["rankings"]),
                text_columns=[code_header],
            ),
            Sheet(title=_("说明"), headers=[_("项目"), _("内容")], rows=self._about(state, [*metrics, *trend_metrics])),
        ]
        as_of = timezone.localtime(state.data_as_of).strftime("%Y%m%d%H%M") if state.data_as_of else "none"
        response = workbook_response(
            filename=_("统计-%(name)s-%(time)s.xlsx") % {"name": self.region.name, "time": as_of}, sheets=sheets
        )
        audit_record(
            actor=request.user,
            action=Action.EXPORT,
            region_code=self.region.code,
            object_type="reports.summary",
            message=_("导出%(name)s统计表，%(count)s 行") % {"name": self.region.name, "count": len(rows)},
        )
        return response

    def _ranking_rows(self, rankings):
        for ranking in rankings:
            label = self._header(ranking.metric)
            for place, (child, fig) in enumerate(ranking.rows, start=1):
                yield [label, place, child.code, child.name, self._cell(fig), fig.numerator, fig.denominator]
            for child in ranking.too_small:
                yield [label, _("样本不足，未排名"), child.code, child.name, None, None, None]

    def _about(self, state, metrics):
        yield [_("区划"), _("%(name)s（%(code)s）") % {"name": self.region.name, "code": self.region.code}]
        yield [_("数据截至"), timezone.localtime(state.data_as_of).strftime("%Y-%m-%d %H:%M")]
        yield [_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")]
        yield [_("导出人"), str(self.request.user)]
        yield [_("排名最小样本量"), selectors.ranking_min_sample()]
        for metric in dict.fromkeys(metrics):
            yield [self._header(metric), str(metric.definition)]

    @staticmethod
    def _header(metric):
        suffix = {Unit.RATE: _("（%）"), Unit.FEN: _("（万元）")}.get(metric.unit, "")
        return f"{metric.label}{suffix}"

    @staticmethod
    def _cell(fig):
        if fig.value is None:
            return None
        if fig.metric.unit == Unit.RATE:
            return float(fig.percent)
        if fig.metric.unit == Unit.FEN:
            return round(int(fig.value) / 1_000_000, 2)
        return int(fig.value)


class MonthlyReportView(RegionDashboardMixin, TemplateView):
    """A printable monthly report of one region: the month's figures, the totals, the children."""

    template_name = "reports/monthly_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        month = self.request.GET.get("month", "").strip()
        if month and not MONTH.match(month):
            raise BadRequest(_("月份格式应为 YYYY-MM，例如 2026-01。"))
        context.update(self.base_context())
        state = selectors.summary_state()
        if state is None or state.visible_generation is None:
            context.update({"no_figures": True, "state": state, "month": month})
            context["printed_at"] = timezone.localtime()
            return context
        data = selectors.monthly_report(
            user=self.request.user,
            region=self.region,
            month=month or timezone.localdate().strftime("%Y-%m"),
            state=state,
        )
        if not month and data["months"]:
            data = selectors.monthly_report(
                user=self.request.user, region=self.region, month=data["months"][0], state=state
            )
        context.update(data)
        context["printed_at"] = timezone.localtime()
        return context


class RefreshView(LoginRequiredMixin, View):
    """ "Refresh now": queue a refresh and show its progress. The provincial office refreshes in full;
    a leader, for their own region (`region`), folds the latest changes (throttled, audited). When the
    run ends, the polling status answers `HX-Refresh`, so the page reloads with the new figures and
    the new "数据截至" by itself."""

    def post(self, request):
        region = request.POST.get("region", "").strip() or None
        if region is not None and not region.isdigit():
            raise BadRequest(_("区划代码无效。"))
        if not can_refresh(request.user, region):
            raise PermissionDenied(_("只有省级工作部门和本辖区领导干部可以刷新统计数据。"))
        kind = request.POST.get("kind", RunKind.FULL)
        try:
            run = summary_refresh_request(actor=request.user, kind=kind, region_code=region)
        except ServiceError as exc:
            text = " ".join(str(m) for m in exc.messages)
            if getattr(exc, "code", "") != "throttled":
                raise BadRequest(text)
            if request.htmx:
                latest = selectors.latest_run()
                return render(request, "reports/includes/run_status.html", {"run": latest, "notice": text})
            messages.warning(request, text)
            return redirect(self._target(request))
        if request.htmx:
            return render(request, "reports/includes/run_status.html", {"run": run, "polling": True})
        messages.info(request, _("已提交刷新，稍后数据将更新。"))
        return redirect(self._target(request))

    @staticmethod
    def _target(request) -> str:
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("reports:dashboard")  # only back to a page of this site
        return target


class RunStatusView(LoginRequiredMixin, View):
    """A refresh run's progress, polled by htmx while it is queued or running. Once it has succeeded,
    a poll (an htmx request) answers `HX-Refresh: true`: the page reloads itself with the new figures."""

    def get(self, request, pk):
        if not can_follow_runs(request.user):
            raise PermissionDenied(_("只有省级工作部门和领导干部可以查看刷新记录。"))
        run = get_object_or_404(RefreshRun, pk=pk)
        polling = run.status in RUN_ACTIVE_STATUSES
        response = render(request, "reports/includes/run_status.html", {"run": run, "polling": polling})
        if request.htmx and run.status == RunStatus.SUCCEEDED:
            response["HX-Refresh"] = "true"
        return response
