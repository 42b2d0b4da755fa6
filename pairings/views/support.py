"""Pages of counterpart support (对口支援), village links (联村帮户) with their cadres, projects and
trainings, and stationed cadres (蹲点): detail pages with history, the forms that call
pairings.services.support, and the breakdown of support by supporting unit and by county.

Reads go through the `*_get` selectors (out of scope → 404); a visible record the user may not
change answers 403; bad input is shown beside its field with status 400 and changes nothing.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core.exceptions import ServiceError
from ledgers.selectors import entry_history
from ledgers.views.base import show_refusal
from pairings import selectors, services
from pairings.choices import ProjectStatus
from pairings.forms import (
    LinkProjectForm,
    ProjectAdvanceForm,
    SentCadreForm,
    StayForm,
    SupportAssignmentForm,
    TrainingForm,
    VillageLinkForm,
)
from pairings.services.support import PROJECT_MACHINE
from pairings.views.lists import cell, yuan
from pairings.views.pages import FormPageView, PairingPageMixin
from regions.scoping import can


def _url(name, *args):
    return reverse(f"pairings:{name}", args=args)


def _period(obj) -> str:
    return f"{obj.started_on.isoformat()} — {obj.ended_on.isoformat() if obj.ended_on else _('至今')}"


def _cadre_rows(members):
    return [
        [cell(m.cadre.name, _url("cadre_detail", m.cadre_id)), cell(m.cadre.unit.name), cell(_period(m))]
        for m in members
    ]


class SupportDetailView(PairingPageMixin, TemplateView):
    """One record: its fields, related tables with their "add" links, actions, history."""

    template_name = "pairings/support_detail.html"
    list_name = ""
    list_label = ""

    def get_object(self):
        raise NotImplementedError

    def describe(self, obj, can_change: bool) -> dict:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        obj = self.get_object()
        can_change = can(self.request.user, "change", obj)
        described = self.describe(obj, can_change)
        return super().get_context_data(
            object=obj,
            title=described.pop("title", str(obj)),
            history=entry_history(obj),
            can_change=can_change,
            crumbs=[{"label": self.list_label, "url": reverse(self.list_name)}, {"label": str(obj), "url": ""}],
            **described,
            **kwargs,
        )


class SupportAssignmentDetailView(SupportDetailView):
    list_name, list_label = "pairings:supportassignment_list", gettext_lazy("对口支援")

    def get_object(self):
        return selectors.support_assignment_get(user=self.request.user, pk=self.kwargs["pk"])

    def describe(self, obj, can_change):
        members = obj.cadres.select_related("cadre__unit").order_by("started_on", "id")[:500]
        return {
            "fields": [
                (_("支援单位"), obj.unit.name, _url("unit_detail", obj.unit_id)),
                (_("单位层级"), obj.unit.get_level_display(), ""),
                (_("受援县"), obj.region.path_name or obj.region.name, ""),
                (_("支援期间"), _period(obj), ""),
                (_("备注"), obj.note or "—", ""),
            ],
            "actions": [{"label": _("修改"), "url": _url("supportassignment_update", obj.pk), "icon": "pencil"}]
            if can_change
            else [],
            "sections": [
                {
                    "title": _("对口支援干部"),
                    "testid": "support-cadres",
                    "headers": [_("干部"), _("所在单位"), _("派驻期间")],
                    "rows": _cadre_rows(members),
                    "add": _url("supportcadre_create", obj.pk) if can_change else "",
                    "add_label": _("登记派驻干部"),
                }
            ],
        }


class VillageLinkDetailView(SupportDetailView):
    list_name, list_label = "pairings:villagelink_list", gettext_lazy("联村帮户")

    def get_object(self):
        return selectors.village_link_get(user=self.request.user, pk=self.kwargs["pk"])

    def describe(self, obj, can_change):
        user = self.request.user
        members = obj.cadres.select_related("cadre__unit").order_by("started_on", "id")[:500]
        projects = obj.projects.order_by("-planned_on", "-id")[:200]
        trainings = obj.trainings.order_by("-held_on", "-id")[:200]
        return {
            "fields": [
                (_("联系单位"), obj.unit.name, _url("unit_detail", obj.unit_id)),
                (_("联系村"), obj.region.path_name or obj.region.name, ""),
                (_("联系期间"), _period(obj), ""),
                (_("备注"), obj.note or "—", ""),
            ],
            "actions": [{"label": _("修改"), "url": _url("villagelink_update", obj.pk), "icon": "pencil"}]
            if can_change
            else [],
            "sections": [
                {
                    "title": _("联村干部"),
                    "testid": "link-cadres",
                    "headers": [_("干部"), _("所在单位"), _("派驻期间")],
                    "rows": _cadre_rows(members),
                    "add": _url("linkcadre_create", obj.pk) if can_change else "",
                    "add_label": _("登记派驻干部"),
                },
                {
                    "title": _("联村项目"),
                    "testid": "link-projects",
                    "headers": [_("项目名称"), _("项目类型"), _("项目资金（元）"), _("状态"), _("立项日期")],
                    "rows": [
                        [
                            cell(p.name, _url("linkproject_detail", p.pk)),
                            cell(p.get_kind_display()),
                            cell(yuan(p.funds_fen)),
                            cell(p.get_status_display()),
                            cell(p.planned_on.isoformat()),
                        ]
                        for p in projects
                    ],  # fmt: skip
                    "add": _url("linkproject_create", obj.pk) if can(user, "pairings.add_linkproject", obj) else "",
                    "add_label": _("登记项目"),
                },
                {
                    "title": _("联村培训"),
                    "testid": "link-trainings",
                    "headers": [_("培训日期"), _("培训内容"), _("培训人次")],
                    "rows": [
                        [
                            cell(t.held_on.isoformat(), _url("training_detail", t.pk)),
                            cell(t.topic),
                            cell(t.person_times),
                        ]
                        for t in trainings
                    ],  # fmt: skip
                    "add": _url("training_create", obj.pk) if can(user, "pairings.add_training", obj) else "",
                    "add_label": _("登记培训"),
                },
            ],
        }


class LinkProjectDetailView(SupportDetailView):
    """A project, with the button of its next step (开工 / 完成) when the user may change it."""

    list_name, list_label = "pairings:linkproject_list", gettext_lazy("联村项目")

    def get_object(self):
        return selectors.link_project_get(user=self.request.user, pk=self.kwargs["pk"])

    def describe(self, obj, can_change, advance_form=None):
        step = next(iter(sorted(PROJECT_MACHINE.allowed_targets(obj.status))), "")
        if can_change and step and advance_form is None:
            advance_form = ProjectAdvanceForm(initial={"version": obj.version, "status": step})
        return {
            "title": obj.name,
            "fields": [
                (_("项目类型"), obj.get_kind_display(), ""),
                (_("状态"), obj.get_status_display(), ""),
                (_("项目资金（元）"), yuan(obj.funds_fen), ""),
                (_("联系单位"), obj.link.unit.name, _url("unit_detail", obj.link.unit_id)),
                (_("联系村"), obj.region.path_name or obj.region.name, _url("villagelink_detail", obj.link_id)),
                (_("立项日期"), obj.planned_on.isoformat(), ""),
                (_("开工日期"), obj.started_on.isoformat() if obj.started_on else "—", ""),
                (_("完成日期"), obj.completed_on.isoformat() if obj.completed_on else "—", ""),
            ],
            "actions": [{"label": _("修改"), "url": _url("linkproject_update", obj.pk), "icon": "pencil"}]
            if can_change
            else [],
            "advance_form": advance_form if can_change and step else None,
            "advance_label": _("开工") if step == ProjectStatus.UNDER_WAY else _("完成"),
            "sections": [],
        }

    def post(self, request, *args, **kwargs):
        """The next step of the project (planned → under way → completed), dated."""
        project = self.get_object()
        self.require("change", project)
        form = ProjectAdvanceForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.link_project_advance(
                    actor=request.user,
                    project=project,
                    expected_version=form.cleaned_data["version"],
                    status=form.cleaned_data["status"],
                    on=form.cleaned_data["on"],
                )
            except ServiceError as exc:
                status = show_refusal(form, exc)
            else:
                messages.success(request, _("已保存：%(title)s") % {"title": project})
                return redirect(_url("linkproject_detail", project.pk))
        context = self.get_context_data()
        context.update(self.describe(project, True, advance_form=form))
        context["title"] = project.name
        return self.render_to_response(context, status=status)


class TrainingDetailView(SupportDetailView):
    list_name, list_label = "pairings:training_list", gettext_lazy("联村培训")

    def get_object(self):
        return selectors.training_get(user=self.request.user, pk=self.kwargs["pk"])

    def describe(self, obj, can_change):
        return {
            "fields": [
                (_("培训日期"), obj.held_on.isoformat(), ""),
                (_("培训内容"), obj.topic, ""),
                (_("培训人次"), obj.person_times, ""),
                (_("联系单位"), obj.link.unit.name, _url("unit_detail", obj.link.unit_id)),
                (_("联系村"), obj.region.path_name or obj.region.name, _url("villagelink_detail", obj.link_id)),
            ],
            "actions": [{"label": _("修改"), "url": _url("training_update", obj.pk), "icon": "pencil"}]
            if can_change
            else [],
            "sections": [],
        }


class StayDetailView(SupportDetailView):
    list_name, list_label = "pairings:stay_list", gettext_lazy("蹲点")

    def get_object(self):
        return selectors.stay_get(user=self.request.user, pk=self.kwargs["pk"])

    def describe(self, obj, can_change):
        return {
            "fields": [
                (_("干部"), obj.cadre.name, _url("cadre_detail", obj.cadre_id)),
                (_("所在单位"), obj.cadre.unit.name, ""),
                (_("蹲点村（社区）"), obj.region.path_name or obj.region.name, ""),
                (_("蹲点期间"), _period(obj), ""),
                (_("蹲点目的"), obj.purpose, ""),
                (_("主要工作"), obj.work_done or "—", ""),
            ],
            "actions": [{"label": _("修改"), "url": _url("stay_update", obj.pk), "icon": "pencil"}]
            if can_change
            else [],
            "sections": [],
        }


# --- Forms ---------------------------------------------------------------------------------------------
class _SupportFormView(FormPageView):
    """Create (no pk) or edit (pk) one record through its service; `detail` names the page after."""

    detail = ""
    getter = None
    create_service = None
    update_service = None
    instance_arg = ""

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return type(self).getter(user=self.request.user, pk=self.kwargs["pk"])

    def form_kwargs(self):
        return {"user": self.request.user, "instance": self.get_object()}

    def save(self, form, obj):
        if obj is None:
            return type(self).create_service(actor=self.request.user, data=self.create_data(form))
        return type(self).update_service(
            actor=self.request.user,
            expected_version=form.cleaned_data["version"],
            data=form.service_data(),
            **{self.instance_arg: obj},
        )

    def create_data(self, form):
        return form.service_data()

    def success_url(self, saved):
        return _url(self.detail, saved.pk)


class SupportAssignmentCreateView(_SupportFormView):
    form_class = SupportAssignmentForm
    permission = "pairings.add_supportassignment"
    title = gettext_lazy("登记对口支援")
    detail = "supportassignment_detail"
    getter = selectors.support_assignment_get
    create_service = services.support_assignment_create
    update_service = services.support_assignment_update
    instance_arg = "assignment"


class SupportAssignmentUpdateView(SupportAssignmentCreateView):
    title = gettext_lazy("修改对口支援")


class VillageLinkCreateView(_SupportFormView):
    form_class = VillageLinkForm
    permission = "pairings.add_villagelink"
    title = gettext_lazy("登记联村帮户")
    detail = "villagelink_detail"
    getter = selectors.village_link_get
    create_service = services.village_link_create
    update_service = services.village_link_update
    instance_arg = "link"


class VillageLinkUpdateView(VillageLinkCreateView):
    title = gettext_lazy("修改联村帮户")


class StayCreateView(_SupportFormView):
    form_class = StayForm
    permission = "pairings.add_stay"
    title = gettext_lazy("登记蹲点")
    detail = "stay_detail"
    getter = selectors.stay_get
    create_service = services.stay_create
    update_service = services.stay_update
    instance_arg = "stay"


class StayUpdateView(StayCreateView):
    title = gettext_lazy("修改蹲点")


class _UnderLinkFormView(_SupportFormView):
    """A record created under a village link (a project, a training): the link comes from the URL
    (`link_pk`) and must be one the user may see; the service checks the add permission there."""

    def get_link(self):
        return selectors.village_link_get(user=self.request.user, pk=self.kwargs["link_pk"])

    def check(self, obj):
        if obj is None:
            link = self.get_link()
            self.require(self.permission, link)
            return
        super().check(obj)

    def create_data(self, form):
        return {**form.service_data(), "link": self.get_link()}


class LinkProjectCreateView(_UnderLinkFormView):
    form_class = LinkProjectForm
    permission = "pairings.add_linkproject"
    title = gettext_lazy("登记联村项目")
    detail = "linkproject_detail"
    getter = selectors.link_project_get
    create_service = services.link_project_create
    update_service = services.link_project_update
    instance_arg = "project"


class LinkProjectUpdateView(LinkProjectCreateView):
    title = gettext_lazy("修改联村项目")


class TrainingCreateView(_UnderLinkFormView):
    form_class = TrainingForm
    permission = "pairings.add_training"
    title = gettext_lazy("登记联村培训")
    detail = "training_detail"
    getter = selectors.training_get
    create_service = services.training_create
    update_service = services.training_update
    instance_arg = "training"


class TrainingUpdateView(TrainingCreateView):
    title = gettext_lazy("修改联村培训")


class SentCadreCreateView(FormPageView):
    """A cadre sent by the supporting unit (kind "support") or the linked unit ("link")."""

    form_class = SentCadreForm
    kind = "support"

    def get_parent(self):
        if self.kind == "support":
            return selectors.support_assignment_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.village_link_get(user=self.request.user, pk=self.kwargs["pk"])

    @property
    def title(self):
        return _("登记对口支援干部") if self.kind == "support" else _("登记联村干部")

    def check(self, obj):
        self.require("change", self.get_parent())

    def form_kwargs(self):
        return {"user": self.request.user, "instance": None}

    def save(self, form, obj):
        parent = self.get_parent()
        if self.kind == "support":
            services.support_cadre_add(actor=self.request.user, assignment=parent, data=form.service_data())
        else:
            services.link_cadre_add(actor=self.request.user, link=parent, data=form.service_data())
        return parent

    def success_url(self, parent):
        return _url("supportassignment_detail" if self.kind == "support" else "villagelink_detail", parent.pk)


# --- The breakdown of counterpart support -----------------------------------------------------------------
class SupportBreakdownView(PairingPageMixin, TemplateView):
    """对口支援 by supporting unit (counties supported, cadres sent, serving now) and by county
    (supporting units, cadres sent), over the assignments the user may see."""

    template_name = "pairings/support_breakdown.html"

    def get_context_data(self, **kwargs):
        self.require("pairings.view_supportassignment")
        user = self.request.user
        by_unit = list(selectors.support_by_unit(user=user))
        by_county = list(selectors.support_by_county(user=user))
        return super().get_context_data(
            by_unit=by_unit,
            by_county=by_county,
            totals={
                "units": len(by_unit),
                "counties": len(by_county),
                "cadres": sum(row["sent"] for row in by_unit),
                "serving": sum(row["serving"] for row in by_unit),
            },
            today=timezone.localdate(),
            crumbs=[
                {"label": _("对口支援"), "url": reverse("pairings:supportassignment_list")},
                {"label": _("按支援单位和受援县"), "url": ""},
            ],
            **kwargs,
        )
