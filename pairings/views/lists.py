"""Lists and exports of units, cadres, households, pairs, visits, must-visit events and owed
visits. Each list reads through its selector (scope, then the shared FilterSet, then joins), so a
page costs a bounded number of queries; counts stop at the cap (core.paginator); exports are the
same rows, further restricted to where the user may export, numbers masked, and audited."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from audit.choices import Action
from audit.services import audit_record
from core.validators import mask_id_number, mask_phone
from core.xlsx import Sheet, workbook_response
from ledgers.views.base import (
    PAGE_SIZES,
    SealedSearchMixin,
    audit_filters,
    filter_params,
    has_permission_somewhere,
    labelled_errors,
    paginate,
    requested_page_size,
    sort_toggle,
)
from pairings import selectors
from pairings.models import (
    Cadre,
    Household,
    LinkProject,
    MustVisitEvent,
    OwedVisit,
    Pair,
    Stay,
    SupportAssignment,
    Training,
    Unit,
    VillageLink,
    Visit,
)
from regions.scoping import ScopedViewMixin, restrict, scope_prefixes

EXPORT_MAX_ROWS = 50_000
EXPORT_CHUNK = 2000


def yuan(fen) -> str:
    return f"{(fen or 0) / 100:,.2f}"


def cell(text, url="", tone=""):
    return {"text": "—" if text in (None, "") else text, "url": url, "tone": tone}


class PairingListView(SealedSearchMixin, LoginRequiredMixin, ScopedViewMixin, TemplateView):
    """A filter form (the FilterSet's own fields), a sortable table, bounded pagination."""

    template_name = "pairings/object_list.html"
    model = None
    selector = None
    title = ""
    columns: tuple = ()  # (label, sort parameter or "")
    create_url_name = ""
    export_url_name = ""
    extra_links: tuple = ()  # (label, url name, icon)

    def row(self, obj) -> list[dict]:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        # The filter form is POSTed; an ID number searched comes back sealed (SealedSearchMixin).
        params, filters, search_context = filter_params(request)
        filterset = type(self).selector(user=request.user, filters=filters)
        errors = [] if filterset.is_valid() else labelled_errors(filterset.form)
        rows = filterset.qs if not errors else filterset.queryset.none()
        page_size, raw_size = requested_page_size(request, errors)
        page_obj = paginate(request, rows, page_size)
        keep = params.copy()
        if raw_size and not errors:
            keep["page_size"] = raw_size
        model_name = self.model._meta.model_name
        context = self.get_context_data(
            title=self.title or self.model._meta.verbose_name_plural,
            filterset=filterset,
            filter_errors=errors,
            page_obj=page_obj,
            # each cell carries its column's label: on a phone the rows are cards, "label value"
            table=[
                [{**c, "label": label} for c, (label, _field) in zip(self.row(obj), self.columns, strict=False)]
                for obj in page_obj.object_list
            ],
            headers=self.headers(keep),
            querystring=keep.urlencode(),
            filter_querystring=params.urlencode(),
            page_size=page_size,
            page_sizes=PAGE_SIZES,
            current_ordering=params.get("ordering", ""),
            create_url=reverse(self.create_url_name) if self.create_url_name else "",
            can_add=bool(self.create_url_name) and has_permission_somewhere(request.user, f"pairings.add_{model_name}"),
            export_url=reverse(self.export_url_name) if self.export_url_name else "",
            can_export=bool(self.export_url_name)
            and has_permission_somewhere(request.user, f"pairings.export_{model_name}"),
            extra_links=[
                {"label": label, "url": reverse(name), "icon": icon}
                for label, name, icon, permission in self.extra_links
                if has_permission_somewhere(request.user, permission)
            ],
            crumbs=[{"label": self.title or self.model._meta.verbose_name_plural, "url": ""}],
            **search_context,
        )
        return self.render_to_response(context, status=400 if errors else 200)

    def headers(self, params):
        current = params.get("ordering", "")
        result = []
        for label, field in self.columns:
            if not field:
                result.append({"label": label, "url": "", "state": ""})
                continue
            query = params.copy()
            query["ordering"], state = sort_toggle(current, field)
            result.append({"label": label, "url": "?" + query.urlencode(), "state": state, "field": field})
        return result


def _url(name, pk):
    return reverse(f"pairings:{name}", args=[pk])


class UnitListView(PairingListView):
    model = Unit
    selector = selectors.unit_list
    columns = (
        (gettext_lazy("单位名称"), "name"),
        (gettext_lazy("单位层级"), "level"),
        (gettext_lazy("单位性质"), ""),
        (gettext_lazy("所在区划"), "region"),
        (gettext_lazy("上级单位"), ""),
    )
    create_url_name = "pairings:unit_create"
    export_url_name = "pairings:unit_export"

    def row(self, unit):
        return [
            cell(unit.name, _url("unit_detail", unit.pk)),
            cell(unit.get_level_display()),
            cell(unit.get_kind_display()),
            cell(unit.region.name),
            cell(unit.parent.name if unit.parent_id else ""),
        ]


class CadreListView(PairingListView):
    model = Cadre
    selector = selectors.cadre_list
    columns = (
        (gettext_lazy("姓名"), "name"),
        (gettext_lazy("所在单位"), "unit"),
        (gettext_lazy("职务"), ""),
        (gettext_lazy("中共党员"), ""),
        (gettext_lazy("联系电话"), ""),
        (gettext_lazy("所在区划"), "region"),
    )
    create_url_name = "pairings:cadre_create"
    export_url_name = "pairings:cadre_export"
    extra_links = ((gettext_lazy("导入 Excel"), "pairings:cadre_import", "upload", "pairings.add_cadre"),)

    def row(self, cadre):
        return [
            cell(cadre.name, _url("cadre_detail", cadre.pk)),
            cell(cadre.unit.name),
            cell(cadre.post),
            cell(_("是") if cadre.is_party_member else _("否")),
            cell(mask_phone(cadre.phone)),
            cell(cadre.home_region.name),
        ]


class HouseholdListView(PairingListView):
    model = Household
    selector = selectors.household_list
    columns = (
        (gettext_lazy("户主姓名或名称"), "name"),
        (gettext_lazy("对象类型"), ""),
        (gettext_lazy("村（社区）"), "region"),
        (gettext_lazy("家庭人口"), ""),
        (gettext_lazy("困难群众台账户"), ""),
    )
    create_url_name = "pairings:household_create"
    export_url_name = "pairings:household_export"

    def row(self, household):
        return [
            cell(household.head_name, _url("household_detail", household.pk)),
            cell(household.get_kind_display()),
            cell(household.region.name),
            cell(household.member_count),
            cell(_("是") if household.hardship_household_id else _("否")),
        ]


class PairListView(PairingListView):
    model = Pair
    selector = selectors.pair_list
    columns = (
        (gettext_lazy("帮扶干部"), ""),
        (gettext_lazy("所在单位"), ""),
        (gettext_lazy("结对对象"), ""),
        (gettext_lazy("村（社区）"), "region"),
        (gettext_lazy("结对类型"), ""),
        (gettext_lazy("结对日期"), "started_on"),
        (gettext_lazy("状态"), "status"),
    )
    export_url_name = "pairings:pair_export"
    extra_links = (
        (gettext_lazy("批量结对"), "pairings:pair_bulk", "people", "pairings.add_pair"),
        (gettext_lazy("导入 Excel"), "pairings:pair_import", "upload", "pairings.add_pair"),
    )

    def row(self, pair):
        return [
            cell(pair.cadre.name, _url("pair_detail", pair.pk)),
            cell(pair.cadre.unit.name),
            cell(pair.household.head_name, _url("household_detail", pair.household_id)),
            cell(pair.region.name),
            cell(pair.get_kind_display()),
            cell(pair.started_on.isoformat()),
            cell(pair.get_status_display(), tone="success" if pair.status == "active" else "secondary"),
        ]


class VisitListView(PairingListView):
    model = Visit
    selector = selectors.visit_list
    columns = (
        (gettext_lazy("走访日期"), "visited_on"),
        (gettext_lazy("走访类型"), ""),
        (gettext_lazy("帮扶干部"), ""),
        (gettext_lazy("结对对象"), ""),
        (gettext_lazy("村（社区）"), "region"),
        (gettext_lazy("帮扶资金（元）"), "money"),
        (gettext_lazy("需要跟进"), ""),
    )
    export_url_name = "pairings:visit_export"

    def row(self, visit):
        return [
            cell(visit.visited_on.isoformat(), _url("visit_detail", visit.pk)),
            cell(visit.get_kind_display()),
            cell(visit.cadre.name),
            cell(visit.household.head_name),
            cell(visit.region.name),
            cell(yuan(visit.help_money_fen)),
            cell(_("是") if visit.follow_up_needed else ""),
        ]


class MustVisitEventListView(PairingListView):
    model = MustVisitEvent
    selector = selectors.event_list
    columns = (
        (gettext_lazy("发生日期"), "occurred_on"),
        (gettext_lazy("事件类型"), ""),
        (gettext_lazy("结对对象"), ""),
        (gettext_lazy("村（社区）"), "region"),
        (gettext_lazy("情况说明"), ""),
    )
    export_url_name = "pairings:event_export"

    def row(self, event):
        return [
            cell(event.occurred_on.isoformat(), _url("event_detail", event.pk)),
            cell(event.get_kind_display()),
            cell(event.household.head_name, _url("household_detail", event.household_id)),
            cell(event.region.name),
            cell(event.note),
        ]


OWED_TONES = {"overdue": "danger", "owed": "warning", "fulfilled": "success"}


class OwedVisitListView(PairingListView):
    model = OwedVisit
    selector = selectors.owed_visit_list
    columns = (
        (gettext_lazy("状态"), "status"),
        (gettext_lazy("应访日期"), "due_on"),
        (gettext_lazy("事件类型"), ""),
        (gettext_lazy("帮扶干部"), ""),
        (gettext_lazy("结对对象"), ""),
        (gettext_lazy("村（社区）"), "region"),
        (gettext_lazy("走访日期"), ""),
    )
    export_url_name = "pairings:owedvisit_export"

    def row(self, owed):
        return [
            cell(owed.get_status_display(), tone=OWED_TONES[owed.status]),
            cell(owed.due_on.isoformat(), _url("event_detail", owed.event_id)),
            cell(owed.get_kind_display()),
            cell(owed.cadre.name, _url("cadre_detail", owed.cadre_id)),
            cell(owed.household.head_name, _url("household_detail", owed.household_id)),
            cell(owed.region.name),
            cell(owed.fulfilled_on.isoformat() if owed.fulfilled_on else ""),
        ]


# --- Exports -----------------------------------------------------------------------------------------
def _unit_rows(rows):
    for unit in rows:
        yield [unit.pk, unit.name, unit.get_level_display(), unit.get_kind_display(), unit.region_id, unit.region.name,
               unit.parent.name if unit.parent_id else ""]  # fmt: skip


def _cadre_rows(rows):
    for c in rows:
        yield [c.pk, c.name, c.unit.name, c.post, _("是") if c.is_party_member else _("否"), mask_phone(c.phone),
               mask_id_number(c.id_number) if c.id_number else "", c.home_region_id, c.home_region.name]  # fmt: skip


def _household_rows(rows):
    for h in rows:
        yield [h.pk, h.head_name, h.get_kind_display(), mask_id_number(h.head_id_number) if h.head_id_number else "",
               mask_phone(h.phone), h.region_id, h.region.name, h.member_count]  # fmt: skip


def _pair_rows(rows):
    for p in rows:
        yield [p.pk, p.cadre.name, p.cadre.unit.name, p.household.head_name, p.region_id, p.region.name,
               p.get_kind_display(), p.started_on, p.ended_on, p.get_status_display()]  # fmt: skip


def _visit_rows(rows):
    for v in rows:
        yield [v.pk, v.visited_on, v.get_kind_display(), v.cadre.name, v.household.head_name, v.region_id,
               v.region.name, v.help_money_fen / 100, v.help_goods, v.help_service,
               _("是") if v.follow_up_needed else _("否")]  # fmt: skip


def _event_rows(rows):
    for e in rows:
        yield [e.pk, e.occurred_on, e.get_kind_display(), e.household.head_name, e.region_id, e.region.name, e.note]


def _owed_rows(rows):
    for o in rows:
        yield [o.pk, o.get_status_display(), o.get_kind_display(), o.event_on, o.due_on, o.cadre.name,
               o.cadre.unit.name, o.household.head_name, o.region_id, o.region.name, o.fulfilled_on,
               "" if o.on_time is None else (_("是") if o.on_time else _("否"))]  # fmt: skip


EXPORTS = {
    "unit": (Unit, selectors.unit_list, [gettext_lazy("编号"), gettext_lazy("单位名称"), gettext_lazy("单位层级"), gettext_lazy("单位性质"), gettext_lazy("区划代码"), gettext_lazy("所在区划"), gettext_lazy("上级单位")], _unit_rows),
    "cadre": (Cadre, selectors.cadre_list,
              [gettext_lazy("编号"), gettext_lazy("姓名"), gettext_lazy("所在单位"), gettext_lazy("职务"), gettext_lazy("中共党员"), gettext_lazy("联系电话"), gettext_lazy("身份证号"), gettext_lazy("区划代码"), gettext_lazy("所在区划")], _cadre_rows),
    "household": (Household, selectors.household_list,
                  [gettext_lazy("编号"), gettext_lazy("户主姓名或名称"), gettext_lazy("对象类型"), gettext_lazy("户主身份证号"), gettext_lazy("联系电话"), gettext_lazy("区划代码"), gettext_lazy("村（社区）"), gettext_lazy("家庭人口")],
                  _household_rows),
    "pair": (Pair, selectors.pair_list,
             [gettext_lazy("编号"), gettext_lazy("帮扶干部"), gettext_lazy("所在单位"), gettext_lazy("结对对象"), gettext_lazy("区划代码"), gettext_lazy("村（社区）"), gettext_lazy("结对类型"), gettext_lazy("结对日期"), gettext_lazy("结束日期"), gettext_lazy("状态")],
             _pair_rows),
    "visit": (Visit, selectors.visit_list,
              [gettext_lazy("编号"), gettext_lazy("走访日期"), gettext_lazy("走访类型"), gettext_lazy("帮扶干部"), gettext_lazy("结对对象"), gettext_lazy("区划代码"), gettext_lazy("村（社区）"), gettext_lazy("帮扶资金（元）"), gettext_lazy("帮扶物资"),
               gettext_lazy("帮扶服务"), gettext_lazy("需要跟进")], _visit_rows),
    "mustvisitevent": (MustVisitEvent, selectors.event_list,
                       [gettext_lazy("编号"), gettext_lazy("发生日期"), gettext_lazy("事件类型"), gettext_lazy("结对对象"), gettext_lazy("区划代码"), gettext_lazy("村（社区）"), gettext_lazy("情况说明")], _event_rows),
    "owedvisit": (OwedVisit, selectors.owed_visit_list,
                  [gettext_lazy("编号"), gettext_lazy("状态"), gettext_lazy("事件类型"), gettext_lazy("事件日期"), gettext_lazy("应访日期"), gettext_lazy("帮扶干部"), gettext_lazy("所在单位"), gettext_lazy("结对对象"), gettext_lazy("区划代码"),
                   gettext_lazy("村（社区）"), gettext_lazy("走访日期"), gettext_lazy("按时走访")], _owed_rows),
}  # fmt: skip
TEXT_COLUMNS = (
    gettext_lazy("区划代码"),
    gettext_lazy("联系电话"),
    gettext_lazy("身份证号"),
    gettext_lazy("户主身份证号"),
)


def _support_rows(rows):
    for a in rows:
        yield [a.pk, a.unit.name, a.unit.get_level_display(), a.region_id, a.region.name, a.started_on, a.ended_on,
               a.cadre_count, a.note]  # fmt: skip


def _link_rows(rows):
    for link in rows:
        yield [link.pk, link.unit.name, link.region_id, link.region.name, link.started_on, link.ended_on,
               link.cadre_count, link.note]  # fmt: skip


def _project_rows(rows):
    for p in rows:
        yield [p.pk, p.name, p.get_kind_display(), p.link.unit.name, p.region_id, p.region.name, p.funds_fen / 100,
               p.get_status_display(), p.planned_on, p.started_on, p.completed_on]  # fmt: skip


def _training_rows(rows):
    for t in rows:
        yield [t.pk, t.held_on, t.topic, t.person_times, t.link.unit.name, t.region_id, t.region.name]


def _stay_rows(rows):
    # A cadre's name and unit only: their phone and ID number are not part of a stay's export.
    for s in rows:
        yield [s.pk, s.cadre.name, s.cadre.unit.name, s.region_id, s.region.name, s.started_on, s.ended_on, s.purpose,
               s.work_done]  # fmt: skip


EXPORTS.update({
    "supportassignment": (SupportAssignment, selectors.support_assignment_list,
                          ["编号", "支援单位", "单位层级", "区划代码", "受援县", "开始日期", "结束日期", "对口支援干部",
                           "备注"], _support_rows),
    "villagelink": (VillageLink, selectors.village_link_list,
                    ["编号", "联系单位", "区划代码", "联系村", "开始日期", "结束日期", "联村干部", "备注"], _link_rows),
    "linkproject": (LinkProject, selectors.link_project_list,
                    ["编号", "项目名称", "项目类型", "联系单位", "区划代码", "联系村", "项目资金（元）", "状态", "立项日期",
                     "开工日期", "完成日期"], _project_rows),
    "training": (Training, selectors.training_list,
                 ["编号", "培训日期", "培训内容", "培训人次", "联系单位", "区划代码", "联系村"], _training_rows),
    "stay": (Stay, selectors.stay_list,
             ["编号", "干部", "所在单位", "区划代码", "蹲点村（社区）", "开始日期", "结束日期", "蹲点目的", "主要工作"],
             _stay_rows),
})  # fmt: skip


class ExportView(LoginRequiredMixin, View):
    """The list page's filtered rows as .xlsx: numbers masked, at most EXPORT_MAX_ROWS rows,
    restricted to where the user may export, and written to the audit trail."""

    kind = ""

    def get(self, request, *args, **kwargs):
        model, selector, headers, row_function = EXPORTS[self.kind]
        permission = f"pairings.export_{model._meta.model_name}"
        label = model._meta.verbose_name
        if scope_prefixes(request.user, permission) == []:
            raise PermissionDenied(_("您没有导出%(label)s的权限。") % {"label": label})
        _params, filters, _search = filter_params(request)
        filterset = selector(user=request.user, filters=filters)
        if not filterset.is_valid():
            return self._refuse(request, label, _("筛选条件有误：") + "；".join(labelled_errors(filterset.form)))
        rows = restrict(filterset.qs, request.user, permission)
        total = rows.order_by().values("pk")[: EXPORT_MAX_ROWS + 1].count()
        if total > EXPORT_MAX_ROWS:
            return self._refuse(
                request,
                label,
                _("符合条件的记录超过单次导出上限 %(max)s 条。请缩小筛选范围后分次导出。") % {"max": EXPORT_MAX_ROWS},
            )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        headers = [str(h) for h in headers]  # in the user's language
        text_columns = [h for h in headers if h in {str(c) for c in TEXT_COLUMNS}]
        response = workbook_response(
            filename=f"{label}-{stamp}.xlsx",
            sheets=[
                Sheet(
                    title=str(label),
                    headers=headers,
                    rows=row_function(rows.iterator(chunk_size=EXPORT_CHUNK)),
                    text_columns=text_columns,
                )
            ],
        )
        prefixes = scope_prefixes(request.user, permission) or []
        audit_record(
            actor=request.user,
            action=Action.EXPORT,
            object_type=model._meta.label_lower,
            region_code=prefixes[0] if len(prefixes) == 1 else "",
            message=_("导出%(label)s %(count)s 行；筛选条件：%(filters)s")
            % {"label": label, "count": response.row_counts[0], "filters": audit_filters(filters) or _("无")},
        )
        return response

    def _refuse(self, request, label, message):
        return render(
            request,
            "error.html",
            {"status": 400, "title": _("无法导出%(label)s") % {"label": label}, "message": message},
            status=400,
        )


# --- 对口支援、联村帮户、蹲点 ---------------------------------------------------------------------------
def _period(obj) -> str:
    return f"{obj.started_on.isoformat()} — {obj.ended_on.isoformat() if obj.ended_on else ''}"


class SupportAssignmentListView(PairingListView):
    model = SupportAssignment
    selector = selectors.support_assignment_list
    create_url_name = "pairings:supportassignment_create"
    export_url_name = "pairings:supportassignment_export"
    extra_links = (
        (
            gettext_lazy("按支援单位和受援县"),
            "pairings:support_breakdown",
            "bar-chart",
            "pairings.view_supportassignment",
        ),
    )
    columns = (
        (gettext_lazy("支援单位"), ""),
        (gettext_lazy("受援县"), "region"),
        (gettext_lazy("开始日期"), "started_on"),
        (gettext_lazy("对口支援干部"), ""),
        (gettext_lazy("备注"), ""),
    )

    def row(self, obj):
        return [cell(obj.unit.name, _url("unit_detail", obj.unit_id)), cell(obj.region.name),
                cell(_period(obj), _url("supportassignment_detail", obj.pk)), cell(obj.cadre_count),
                cell(obj.note)]  # fmt: skip


class VillageLinkListView(PairingListView):
    model = VillageLink
    selector = selectors.village_link_list
    create_url_name = "pairings:villagelink_create"
    export_url_name = "pairings:villagelink_export"
    columns = (
        (gettext_lazy("联系单位"), ""),
        (gettext_lazy("联系村"), "region"),
        (gettext_lazy("开始日期"), "started_on"),
        (gettext_lazy("联村干部"), ""),
        (gettext_lazy("备注"), ""),
    )

    def row(self, obj):
        return [cell(obj.unit.name, _url("unit_detail", obj.unit_id)), cell(obj.region.name),
                cell(_period(obj), _url("villagelink_detail", obj.pk)), cell(obj.cadre_count),
                cell(obj.note)]  # fmt: skip


PROJECT_TONES = {"planned": "", "under_way": "warning", "completed": "success"}


class LinkProjectListView(PairingListView):
    model = LinkProject
    selector = selectors.link_project_list
    export_url_name = "pairings:linkproject_export"
    columns = (
        (gettext_lazy("项目名称"), ""),
        (gettext_lazy("项目类型"), ""),
        (gettext_lazy("联系单位"), ""),
        (gettext_lazy("联系村"), ""),
        (gettext_lazy("项目资金（元）"), "funds"),
        (gettext_lazy("状态"), ""),
        (gettext_lazy("立项日期"), "planned_on"),
    )

    def row(self, obj):
        return [cell(obj.name, _url("linkproject_detail", obj.pk)), cell(obj.get_kind_display()),
                cell(obj.link.unit.name), cell(obj.region.name, _url("villagelink_detail", obj.link_id)),
                cell(yuan(obj.funds_fen)), cell(obj.get_status_display(), tone=PROJECT_TONES[obj.status]),
                cell(obj.planned_on.isoformat())]  # fmt: skip


class TrainingListView(PairingListView):
    model = Training
    selector = selectors.training_list
    export_url_name = "pairings:training_export"
    columns = (
        (gettext_lazy("培训日期"), "held_on"),
        (gettext_lazy("培训内容"), ""),
        (gettext_lazy("联系单位"), ""),
        (gettext_lazy("联系村"), ""),
        (gettext_lazy("培训人次"), ""),
    )

    def row(self, obj):
        return [cell(obj.held_on.isoformat(), _url("training_detail", obj.pk)), cell(obj.topic),
                cell(obj.link.unit.name), cell(obj.region.name, _url("villagelink_detail", obj.link_id)),
                cell(obj.person_times)]  # fmt: skip


class StayListView(PairingListView):
    model = Stay
    selector = selectors.stay_list
    create_url_name = "pairings:stay_create"
    export_url_name = "pairings:stay_export"
    columns = (
        (gettext_lazy("干部"), ""),
        (gettext_lazy("蹲点村（社区）"), "region"),
        (gettext_lazy("开始日期"), "started_on"),
        (gettext_lazy("蹲点目的"), ""),
    )

    def row(self, obj):
        return [cell(obj.cadre.name, _url("cadre_detail", obj.cadre_id)), cell(obj.region.name),
                cell(_period(obj), _url("stay_detail", obj.pk)), cell(obj.purpose)]  # fmt: skip
