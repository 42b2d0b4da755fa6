"""The auditor's pages: search the trail, read one event, export what the search found."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from audit.choices import Action
from audit.models import AuditEvent
from audit.selectors import audit_event_get, audit_event_list, changes_table
from audit.services import audit_record
from core.paginator import paginate
from core.templatetags.labels import event_object
from core.xlsx import workbook_response
from regions.scoping import ScopedViewMixin

PAGE_SIZE = 50
# An export larger than this is refused with a message: narrow the search (dates, region) first.
MAX_EXPORT_ROWS = 50_000
EXPORT_HEADERS = (
    gettext_lazy("编号"),
    gettext_lazy("时间"),
    gettext_lazy("操作人"),
    gettext_lazy("来源地址"),
    gettext_lazy("操作"),
    gettext_lazy("结果"),
    gettext_lazy("对象类型"),
    gettext_lazy("对象编号"),
    gettext_lazy("对象"),
    gettext_lazy("区划代码"),
    gettext_lazy("变更内容"),
    gettext_lazy("说明"),
)
EXPORT_TEXT_COLUMNS = (gettext_lazy("来源地址"), gettext_lazy("对象编号"), gettext_lazy("区划代码"))


def _filter_params(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params


class AuditEventListView(LoginRequiredMixin, PermissionRequiredMixin, ScopedViewMixin, TemplateView):
    """Search the audit trail of the auditor's region: by actor, action, outcome, object, region,
    date range, address and free text; sortable by any column; paginated."""

    model = AuditEvent
    permission_required = "audit.view_auditevent"
    template_name = "audit/auditevent_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = _filter_params(self.request)
        filterset = audit_event_list(user=self.request.user, filters=params)
        rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        sort_params = params.copy()
        sort_params.pop("ordering", None)
        context.update(
            filterset=filterset,
            page_obj=paginate(self.request, rows, per_page=PAGE_SIZE),
            querystring=params.urlencode(),
            columns=sort_columns(sort_params, params.get("ordering", "")),
            can_export=self.request.user.has_perm("audit.export_auditevent"),
        )
        return context


SORTABLE_COLUMNS = (
    ("at", gettext_lazy("时间")),
    ("actor", gettext_lazy("操作人")),
    ("action", gettext_lazy("操作")),
    ("outcome", gettext_lazy("结果")),
    ("object_type", gettext_lazy("对象类型")),
    (None, gettext_lazy("对象")),
    ("region", gettext_lazy("区划代码")),
    ("ip", gettext_lazy("来源地址")),
)


def sort_columns(params, current: str) -> list[dict]:
    """Table headers: each sortable one links to its ascending order, or descending if already ascending."""
    columns = []
    for key, label in SORTABLE_COLUMNS:
        column = {"label": label, "url": None, "direction": None}
        if key is not None:
            if current == key:
                column["direction"], target = "ascending", f"-{key}"
            elif current == f"-{key}" or (not current and key == "at"):
                column["direction"], target = "descending", key
            else:
                target = key
            query = params.copy()
            query["ordering"] = target
            column["url"] = f"?{query.urlencode()}"
        columns.append(column)
    return columns


class AuditEventDetailView(LoginRequiredMixin, PermissionRequiredMixin, ScopedViewMixin, TemplateView):
    """One event with its changes, field by field. Outside the auditor's scope: 404."""

    model = AuditEvent
    permission_required = "audit.view_auditevent"
    template_name = "audit/auditevent_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = audit_event_get(user=self.request.user, pk=kwargs["pk"])
        context.update(event=event, changes=changes_table(event))
        return context


class AuditEventExportView(LoginRequiredMixin, PermissionRequiredMixin, ScopedViewMixin, View):
    """The events the search found, as .xlsx. The export is itself recorded in the trail, before
    the file is sent; if it cannot be recorded, no file is sent."""

    model = AuditEvent
    permission_required = ("audit.view_auditevent", "audit.export_auditevent")

    def get(self, request):
        params = _filter_params(request)
        filterset = audit_event_list(user=request.user, filters=params)
        list_url = f"{reverse('audit:event_list')}?{params.urlencode()}"
        if not filterset.is_valid():
            messages.error(request, _("查询条件有误，请修改后再导出。"))
            return redirect(list_url)
        rows = filterset.qs
        count = rows.count()
        if count > MAX_EXPORT_ROWS:
            messages.error(
                request,
                _("符合条件的记录有 %(count)s 条，超过单次导出上限 %(max)s 条。请缩小日期或区划范围后再导出。")
                % {"count": count, "max": MAX_EXPORT_ROWS},
            )
            return redirect(list_url)
        audit_record(
            actor=request.user,
            action=Action.EXPORT,
            object_type=AuditEvent._meta.label_lower,
            region_code=filterset.form.cleaned_data.get("region") or "",
            changes={"rows": [None, count], "filters": [None, params.urlencode()[:400]]},
            message=_("导出审计记录 %(count)s 条") % {"count": count},
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return workbook_response(
            filename=f"{_('审计记录')}-{stamp}.xlsx",
            title=_("审计记录"),
            headers=[str(h) for h in EXPORT_HEADERS],
            rows=(_export_row(event) for event in rows.iterator(chunk_size=2000)),
            text_columns=[str(h) for h in EXPORT_TEXT_COLUMNS],
        )


def _export_row(event: AuditEvent):
    changes = _("；").join(
        row["label"] if row["old"] is None and row["new"] is None else f"{row['label']}: {row['old']} → {row['new']}"
        for row in changes_table(event)
    )
    return (
        event.pk,
        event.at,
        event.actor_name,
        event.ip_address or "",
        event.get_action_display(),
        event.get_outcome_display(),
        event.object_type,
        event.object_id,
        event_object(event),  # "信访件 #1" written in the writer's language, read in the reader's
        event.region_code,
        changes,
        event.message,
    )
