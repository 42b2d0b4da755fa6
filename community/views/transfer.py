"""Excel exports of the community lists: the list page's FilterSet and selector, further restricted
to where the user may export, phone numbers masked, bounded, streamed, audited."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from audit.choices import Action
from audit.services import audit_record
from community.models import CommunityReport, ServiceOrder
from community.selectors import order_list, report_list
from community.views.orders import decorate
from core.validators import mask_phone
from core.xlsx import Sheet, workbook_response
from ledgers.views.base import NON_FILTER_KEYS, labelled_errors
from regions.scoping import restrict, scope_prefixes

EXPORT_MAX_ROWS = 50_000
EXPORT_CHUNK = 1000


def _when(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _order_rows(rows):
    for chunk_start in range(0, EXPORT_MAX_ROWS, EXPORT_CHUNK):
        chunk = list(rows[chunk_start : chunk_start + EXPORT_CHUNK])
        if not chunk:
            return
        for order in decorate(chunk):
            yield [
                order.pk,
                order.region.parent.name if order.region.parent else "",
                order.region.name,
                order.get_category_display(),
                order.need,
                order.place,
                order.contact_name,
                mask_phone(order.phone),
                order.get_channel_display(),
                order.get_service_kind_display(),
                order.get_status_display(),
                _("是") if order.late else "",
                str(order.assignee or ""),
                _when(order.placed_at),
                _when(order.dispatched_at),
                _when(order.taken_at),
                _when(order.completed_at),
                order.result,
                order.score or "",
            ]


ORDER_HEADERS = [
    gettext_lazy("编号"),
    gettext_lazy("乡镇（街道）"),
    gettext_lazy("社区"),
    gettext_lazy("需求类别"),
    gettext_lazy("服务需求"),
    gettext_lazy("服务地点"),
    gettext_lazy("联系人"),
    gettext_lazy("联系电话"),
    gettext_lazy("点单方式"),
    gettext_lazy("服务方式"),
    gettext_lazy("状态"),
    gettext_lazy("超时未接单"),
    gettext_lazy("接单人"),
    gettext_lazy("点单时间"),
    gettext_lazy("派单时间"),
    gettext_lazy("接单时间"),
    gettext_lazy("完成时间"),
    gettext_lazy("服务情况"),
    gettext_lazy("满意度"),
]


def _report_rows(rows):
    for report in rows.iterator(chunk_size=EXPORT_CHUNK):
        reporter = report.reporter
        yield [
            report.pk,
            report.community.parent.name if report.community.parent else "",
            report.community.name,
            report.get_kind_display(),
            report.get_basis_display(),
            str(reporter),
            getattr(reporter, "organ_name", "") or getattr(reporter, "workplace", ""),
            mask_phone(reporter.phone),
            report.get_status_display(),
            report.reported_on.isoformat(),
            report.withdrawn_on.isoformat() if report.withdrawn_on else "",
            report.withdraw_reason,
        ]


REPORT_HEADERS = [
    gettext_lazy("编号"),
    gettext_lazy("乡镇（街道）"),
    gettext_lazy("社区"),
    gettext_lazy("报到类型"),
    gettext_lazy("报到依据"),
    gettext_lazy("名称或姓名"),
    gettext_lazy("机关或工作单位"),
    gettext_lazy("联系电话"),
    gettext_lazy("状态"),
    gettext_lazy("报到日期"),
    gettext_lazy("撤回日期"),
    gettext_lazy("撤回原因"),
]


class _ExportView(LoginRequiredMixin, View):
    export_model = None
    selector = None

    def rows(self, queryset):
        raise NotImplementedError

    def headers(self):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        label = str(self.export_model._meta.verbose_name)
        permission = f"community.export_{self.export_model._meta.model_name}"
        if scope_prefixes(request.user, permission) == []:
            raise PermissionDenied(_("您没有导出%(label)s的权限。") % {"label": label})
        params = request.GET.copy()
        for key in NON_FILTER_KEYS:
            params.pop(key, None)
        filterset, rows = type(self).selector(user=request.user, filters=params)
        if not filterset.is_valid():
            return self._refuse(request, label, _("筛选条件有误：") + "；".join(labelled_errors(filterset.form)))
        rows = restrict(rows, request.user, "export")
        total = rows.order_by().values("pk")[: EXPORT_MAX_ROWS + 1].count()
        if total > EXPORT_MAX_ROWS:
            return self._refuse(
                request,
                label,
                _("符合条件的记录超过单次导出上限 %(max)s 条。请缩小筛选范围后分次导出。") % {"max": EXPORT_MAX_ROWS},
            )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = workbook_response(
            filename=f"{label}-{stamp}.xlsx",
            sheets=[
                Sheet(
                    title=label,
                    headers=[str(h) for h in self.headers()],
                    rows=self.rows(rows),
                    text_columns=[str(_("联系电话"))],
                )
            ],
        )
        prefixes = scope_prefixes(request.user, permission) or []
        audit_record(
            actor=request.user,
            action=Action.EXPORT,
            object_type=self.export_model._meta.label_lower,
            region_code=prefixes[0] if len(prefixes) == 1 else "",
            message=_("导出%(label)s %(count)s 行；筛选条件：%(filters)s")
            % {"label": label, "count": response.row_counts[0], "filters": params.urlencode()[:300] or _("无")},
        )
        return response

    def _refuse(self, request, label, message):
        return render(
            request,
            "error.html",
            {"status": 400, "title": _("无法导出%(label)s") % {"label": label}, "message": message},
            status=400,
        )


class ServiceOrderExportView(_ExportView):
    export_model = ServiceOrder
    selector = order_list

    def headers(self):
        return ORDER_HEADERS

    def rows(self, queryset):
        return _order_rows(queryset)


class CommunityReportExportView(_ExportView):
    export_model = CommunityReport
    selector = report_list

    def headers(self):
        return REPORT_HEADERS

    def rows(self, queryset):
        return _report_rows(queryset)
