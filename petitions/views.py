"""Petition pages: 我的包案, the case list (filter, sort, paginate, export), the case detail
(timeline, deadlines, actions), register/edit forms, printable notices, reception days,
down-visits and leaders' workload.

Reads go through petitions.selectors (scope first, so out-of-scope and confidential cases answer
404), writes through petitions.services; bad input is shown beside its field with a 4xx status.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from audit.choices import Action
from audit.services import audit_record
from core.exceptions import OutOfScope, ServiceError
from core.paginator import bounded_count
from core.validators import mask_id_number, mask_phone
from core.xlsx import Sheet, workbook_response
from ledgers.views.base import (
    PAGE_SIZES,
    SealedSearchMixin,
    apply_service_error,
    audit_filters,
    filter_params,
    has_permission_somewhere,
    labelled_errors,
    paginate,
    requested_page_size,
    show_refusal,
    sort_links,
)
from petitions import selectors, services
from petitions.choices import PETITION_TRANSITIONS, PetitionStatus
from petitions.deadlines import RULES
from petitions.forms import (
    MAX_NAMED,
    MAX_PETITIONERS,
    DownVisitForm,
    ExtensionForm,
    LinkForm,
    NamedOfficialFormSet,
    OwnerForm,
    OwnerRemoveForm,
    PetitionerFormSet,
    PetitionForm,
    ProgressForm,
    ReceptionDayForm,
    TransitionForm,
    named_rows,
    petitioner_initial,
    petitioner_rows,
    split_codes,
)
from petitions.models import DownVisit, Petition, ReceptionDay
from regions.scoping import ScopedViewMixin, can, is_owner, restrict, scope_prefixes
from regions.views import region_picker_context

EXPORT_MAX_ROWS = 50_000
SORT_FIELDS = (("received_on", "收到日期"), ("current_due", "当前期限"), ("status", "状态"), ("region", "所属区划"))


def _can_act(user, petition, action="transition") -> bool:
    return is_owner(user, petition) or can(user, action, petition)


class PetitionMixin(LoginRequiredMixin, ScopedViewMixin):
    model = Petition

    def crumbs(self, *extra):
        return [{"label": _("信访件"), "url": reverse("petitions:petition_list")}, *extra]


class PetitionListView(SealedSearchMixin, PetitionMixin, TemplateView):
    """信访件 list: the shared FilterSet, sortable columns, bounded pagination, overdue and
    due-soon counts, export."""

    template_name = "petitions/petition_list.html"

    def get(self, request, *args, **kwargs):
        # The search form is POSTed; a petitioner's ID number comes back sealed (SealedSearchMixin).
        params, filters, search_context = filter_params(request)
        filterset, rows = selectors.petition_list(user=request.user, filters=filters, request=request)
        errors = [] if filterset.is_valid() else labelled_errors(filterset.form)
        page_size, raw_size = requested_page_size(request, errors)
        page_obj = paginate(request, rows, page_size)
        figures = selectors.counts(rows) if not errors else {"overdue": 0, "due_soon": 0}
        keep = params.copy()
        if raw_size and not errors:
            keep["page_size"] = raw_size
        context = self.get_context_data(
            filterset=filterset,
            filter_errors=errors,
            page_obj=page_obj,
            rows=list(page_obj.object_list),
            figures=figures,
            today=timezone.localdate(),
            querystring=keep.urlencode(),
            filter_querystring=params.urlencode(),
            page_size=page_size,
            page_sizes=PAGE_SIZES,
            sort_links=sort_links(keep, [(f, _(label)) for f, label in SORT_FIELDS], descending_first=False),
            current_ordering=params.get("ordering", ""),
            can_add=has_permission_somewhere(request.user, "petitions.add_petition"),
            can_export=has_permission_somewhere(request.user, "petitions.export_petition"),
            chosen={key: params.getlist(key) for key in params},
            # One plain query (iterating the form field's choices counted, then opened a server-side cursor).
            category_choices=[(c.code, str(c)) for c in filterset.form.fields["category"].queryset],
            crumbs=self.crumbs(),
            **search_context,
            **region_picker_context(request.user, params.get("region", ""), name="region"),
        )
        return self.render_to_response(context, status=400 if errors else 200)


class MyCasesView(PetitionMixin, TemplateView):
    """我的包案: the cases the user owns, overdue first, then due within 3 days, then the rest."""

    template_name = "petitions/my_cases.html"

    def get_context_data(self, **kwargs):
        rows = selectors.my_cases(user=self.request.user)
        page_obj = paginate(self.request, rows, 50)
        return super().get_context_data(
            page_obj=page_obj,
            rows=list(page_obj.object_list),
            today=timezone.localdate(),
            crumbs=[{"label": _("我的包案"), "url": ""}],
            **kwargs,
        )


class PetitionDetailView(PetitionMixin, TemplateView):
    template_name = "petitions/petition_detail.html"

    def get_petition(self):
        if not hasattr(self, "_petition"):
            self._petition = selectors.petition_get(user=self.request.user, pk=self.kwargs["pk"])
        return self._petition

    def get_context_data(self, **kwargs):
        petition = self.get_petition()
        user = self.request.user
        allowed = PETITION_TRANSITIONS.allowed_targets(petition.status)
        targets = [(s.value, s.label) for s in PetitionStatus if s in allowed]
        if petition.status == PetitionStatus.TRANSFERRED:
            targets = [(v, _("提出异议（退回）") if v == PetitionStatus.REGISTERED else label) for v, label in targets]
        deadlines = [
            {"row": d, "rule": RULES.get(d.rule), "overdue": d.met_on is None and d.due < timezone.localdate()}
            for d in petition.deadlines.all()
        ]
        context = {
            "object": petition,
            "petition": petition,
            "petitioners": [
                {
                    "p": p,
                    "id": mask_id_number(p.id_number) if p.id_number else "",
                    "phone": mask_phone(p.phone) if p.phone else "",
                }
                for p in petition.petitioners.all()
            ],
            "deadlines": deadlines,
            "current_rule": RULES.get(petition.current_rule),
            "today": timezone.localdate(),
            "timeline": selectors.timeline(petition),
            "history": selectors.history(petition),
            "can_act": _can_act(user, petition),
            "can_change": _can_act(user, petition, "change"),
            "can_assign": can(user, "petitions.assign_petition", petition),
            "targets": targets,
            "transition_form": TransitionForm(initial={"version": petition.version}),
            "extension_form": ExtensionForm(user=user, initial={"version": petition.version}),
            "progress_form": ProgressForm(),
            "owner_form": OwnerForm(user=user),
            "link_form": LinkForm(
                initial={"version": petition.version, "earlier": petition.earlier.number if petition.earlier else ""}
            ),
            "later_cases": restrict(petition.later_cases.all(), user),
            "crumbs": self.crumbs({"label": petition.number, "url": ""}),
        }
        context.update(kwargs)
        return super().get_context_data(**context)

    def refused(self, status=400, **forms):
        return self.render_to_response(self.get_context_data(**forms), status=status)

    def require(self, action="transition"):
        petition = self.get_petition()
        if not _can_act(self.request.user, petition, action):
            raise PermissionDenied(_("您没有权限进行此操作。"))
        return petition


class PetitionTransitionView(PetitionDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        petition = self.require()
        form = TransitionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.petition_transition(
                    actor=request.user,
                    petition=petition,
                    target=data["target"],
                    expected_version=data["version"],
                    **{k: v for k, v in data.items() if k not in ("target", "version")},
                )
            except ServiceError as exc:
                status = show_refusal(form, exc)
                if getattr(exc, "code", "") == "transition_not_allowed":
                    status = 409  # a transition the status machine forbids: a conflict with the case's state
                return self.refused(status=status, transition_form=form)
            messages.success(request, _("已办理：%(status)s") % {"status": PetitionStatus(data["target"]).label})
            return redirect("petitions:petition_detail", petition.pk)
        return self.refused(transition_form=form)


class PetitionExtendView(PetitionDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        petition = self.require()
        form = ExtensionForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.petition_extend(
                    actor=request.user,
                    petition=petition,
                    days=data["days"],
                    reason=data["reason"],
                    approved_by=data["approved_by"],
                    expected_version=data["version"],
                )
            except ServiceError as exc:
                return self.refused(status=show_refusal(form, exc), extension_form=form)
            else:
                messages.success(request, _("已延期。"))
                return redirect("petitions:petition_detail", petition.pk)
        return self.refused(extension_form=form)


class PetitionProgressView(PetitionDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        petition = self.require("change")
        form = ProgressForm(request.POST)
        if form.is_valid():
            try:
                services.petition_progress_add(actor=request.user, petition=petition, text=form.cleaned_data["text"])
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已记录办理进展。"))
                return redirect("petitions:petition_detail", petition.pk)
        return self.refused(progress_form=form)


class PetitionOwnerView(PetitionDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        petition = self.get_petition()
        if not can(request.user, "petitions.assign_petition", petition):
            raise PermissionDenied(_("您没有指定包案领导的权限。"))
        if request.POST.get("remove"):
            form = OwnerRemoveForm(request.POST)
            if form.is_valid():
                leader = get_user_model().objects.filter(pk=form.cleaned_data["leader"]).first()
                try:
                    services.petition_owner_remove(
                        actor=request.user, petition=petition, leader=leader, reason=form.cleaned_data["reason"]
                    )
                except ServiceError as exc:
                    messages.error(request, "；".join(exc.messages))
                else:
                    messages.success(request, _("已撤销包案。"))
            else:
                messages.error(request, _("请填写撤销原因。"))
            return redirect("petitions:petition_detail", petition.pk)
        form = OwnerForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.petition_owner_add(actor=request.user, petition=petition, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已指定包案领导。"))
                return redirect("petitions:petition_detail", petition.pk)
        return self.refused(owner_form=form)


class PetitionAttachmentView(PetitionDetailView):
    """POST: upload an attachment; GET with `attachment`: download it through the case's scope."""

    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        from django.http import FileResponse, Http404

        petition = self.get_petition()  # scoped: out of scope or named -> 404
        attachment = petition.attachments.filter(pk=self.kwargs.get("attachment")).first()
        if attachment is None:
            raise Http404(_("附件不存在。"))
        response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type, as_attachment=True)
        from core.xlsx import content_disposition

        response["Content-Disposition"] = content_disposition(attachment.name)
        response["Cache-Control"] = "no-store"
        return response

    def post(self, request, *args, **kwargs):
        petition = self.require("change")
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要上传的文件。"))
            return redirect("petitions:petition_detail", petition.pk)
        try:
            services.petition_attachment_add(actor=request.user, petition=petition, upload=upload)
        except ServiceError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return self.refused(status=400)
        messages.success(request, _("已上传附件。"))
        return redirect("petitions:petition_detail", petition.pk)


class PetitionLinkView(PetitionDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        petition = self.require("change")
        form = LinkForm(request.POST)
        if form.is_valid():
            number = (form.cleaned_data["earlier"] or "").strip().upper()
            earlier = None
            if number:
                earlier = restrict(Petition.objects.filter(number=number), request.user).first()
                if earlier is None:
                    form.add_error("earlier", _("未找到该编号的信访件，或它不在您的管辖范围内。"))
            if not form.errors:
                try:
                    services.petition_link(
                        actor=request.user,
                        petition=petition,
                        earlier=earlier,
                        expected_version=form.cleaned_data["version"],
                    )
                except ServiceError as exc:
                    return self.refused(status=show_refusal(form, exc), link_form=form)
                else:
                    messages.success(request, _("已更新关联。"))
                    return redirect("petitions:petition_detail", petition.pk)
        return self.refused(link_form=form)


class PetitionPrintView(PetitionDetailView):
    """Printable 受理告知书 (acceptance notice) or 信访处理意见书 (the written reply)."""

    def get_template_names(self):
        return ["petitions/print_notice.html" if self.kwargs["document"] == "notice" else "petitions/print_reply.html"]

    def get(self, request, *args, **kwargs):
        if self.kwargs["document"] not in ("notice", "reply"):
            from django.http import Http404

            raise Http404(_("没有这种文书。"))
        petition = self.get_petition()
        if self.kwargs["document"] == "notice" and not petition.decided_on:
            return render(
                request,
                "error.html",
                {
                    "status": 409,
                    "title": _("尚未作出处理决定"),
                    "message": _("受理、不予受理或转送交办后才能打印告知书。"),
                },
                status=409,
            )
        if self.kwargs["document"] == "reply" and not petition.replied_on:
            return render(
                request,
                "error.html",
                {"status": 409, "title": _("尚未答复"), "message": _("作出书面答复后才能打印处理意见书。")},
                status=409,
            )
        return self.render_to_response(self.get_context_data())


# --- Register and edit ---------------------------------------------------------------------
class PetitionFormMixin(PetitionMixin):
    template_name = "petitions/petition_form.html"

    def formsets(self, data=None, petition=None):
        initial = petitioner_initial(petition) if petition is not None and data is None else None
        people = PetitionerFormSet(data, prefix="p", initial=initial)
        if data is None and not initial:
            people = PetitionerFormSet(prefix="p", initial=[{}])
        named_initial = None
        if petition is not None and data is None:
            named_initial = [
                {"name": n.name, "unit": n.unit, "user": n.user.username if n.user else ""}
                for n in petition.named_officials.all()
            ]
        named = NamedOfficialFormSet(data, prefix="n", initial=named_initial)
        return people, named

    def show(self, form, people, named, status=200, petition=None):
        selected = ""
        if petition is None:
            selected = (form["region"].value() if form.is_bound else "") or self.request.GET.get("region", "")
        context = self.get_context_data(
            form=form,
            people=people,
            named=named,
            object=petition,
            max_petitioners=MAX_PETITIONERS,
            max_named=MAX_NAMED,
            creating=petition is None,
            title=_("登记信访件") if petition is None else _("修改信访件"),
            cancel_url=reverse("petitions:petition_list")
            if petition is None
            else reverse("petitions:petition_detail", args=[petition.pk]),
            crumbs=self.crumbs({"label": _("登记") if petition is None else petition.number, "url": ""}),
            **(region_picker_context(self.request.user, selected or "", name="region") if petition is None else {}),
        )
        return self.render_to_response(context, status=status)


class PetitionCreateView(PetitionFormMixin, TemplateView):
    def check(self):
        if not has_permission_somewhere(self.request.user, "petitions.add_petition"):
            raise PermissionDenied(_("您没有登记信访件的权限。"))

    def get(self, request, *args, **kwargs):
        self.check()
        people, named = self.formsets()
        return self.show(PetitionForm(user=request.user), people, named)

    def post(self, request, *args, **kwargs):
        self.check()
        form = PetitionForm(request.POST, user=request.user)
        people, named = self.formsets(request.POST)
        if form.is_valid() & people.is_valid() & named.is_valid():
            try:
                petition = services.petition_create(
                    actor=request.user,
                    region=form.cleaned_data["region"],
                    data=form.service_data(),
                    petitioners=petitioner_rows(people),
                    named_officials=named_rows(named),
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已登记：%(number)s") % {"number": petition.number})
                return redirect("petitions:petition_detail", petition.pk)
        return self.show(form, people, named, status=400)


class PetitionUpdateView(PetitionFormMixin, TemplateView):
    def get_petition(self):
        petition = selectors.petition_get(user=self.request.user, pk=self.kwargs["pk"])
        if not _can_act(self.request.user, petition, "change"):
            raise PermissionDenied(_("您没有修改该信访件的权限。"))
        return petition

    def get(self, request, *args, **kwargs):
        petition = self.get_petition()
        people, named = self.formsets(petition=petition)
        return self.show(PetitionForm(instance=petition, user=request.user), people, named, petition=petition)

    def post(self, request, *args, **kwargs):
        petition = self.get_petition()
        stored = list(petition.petitioners.all())
        form = PetitionForm(
            request.POST, instance=selectors.petition_get(user=request.user, pk=petition.pk), user=request.user
        )
        people, named = self.formsets(request.POST)
        status = 400
        if form.is_valid() & people.is_valid() & named.is_valid():
            try:
                services.petition_update(
                    actor=request.user,
                    petition=petition,
                    expected_version=form.cleaned_data["version"],
                    data=form.service_data(),
                    petitioners=petitioner_rows(people, stored),
                    named_officials=named_rows(named),
                )
            except ServiceError as exc:
                status = show_refusal(form, exc)
            else:
                messages.success(request, _("已保存修改。"))
                return redirect("petitions:petition_detail", petition.pk)
        return self.show(form, people, named, status=status, petition=petition)


# --- Export ---------------------------------------------------------------------------------
EXPORT_HEADERS = [gettext_lazy("编号"), gettext_lazy("收到日期"), gettext_lazy("信访形式"), gettext_lazy("所属区划"), gettext_lazy("事由"), gettext_lazy("事项类别"), gettext_lazy("事项性质"), gettext_lazy("状态"), gettext_lazy("信访人"), gettext_lazy("身份证号"), gettext_lazy("联系电话"),
                  gettext_lazy("集体访人数"), gettext_lazy("初信初访"), gettext_lazy("重复信访"), gettext_lazy("信访积案"), gettext_lazy("包案领导"), gettext_lazy("当前期限"), gettext_lazy("期限规则"), gettext_lazy("办结日期"), gettext_lazy("化解结果")]  # fmt: skip


class PetitionExportView(LoginRequiredMixin, View):
    """The list's filtered cases as .xlsx: ID and phone masked, bounded, audited."""

    def get(self, request, *args, **kwargs):
        if scope_prefixes(request.user, "petitions.export_petition") == []:
            raise PermissionDenied(_("您没有导出信访件的权限。"))
        _params, filters, _search = filter_params(request)
        filterset, rows = selectors.petition_list(user=request.user, filters=filters, request=request)
        if not filterset.is_valid():
            message = "；".join(labelled_errors(filterset.form))
            return render(
                request, "error.html", {"status": 400, "title": _("无法导出信访件"), "message": message}, status=400
            )
        rows = restrict(rows, request.user, "export").prefetch_related("petitioners")
        # Counted only as far as the cap: a province-wide filter does not COUNT(*) every row.
        if bounded_count(rows, EXPORT_MAX_ROWS) > EXPORT_MAX_ROWS:
            message = _("符合条件的记录超过单次导出上限 %(max)s 条。请缩小筛选范围后分次导出。") % {
                "max": EXPORT_MAX_ROWS
            }
            return render(
                request, "error.html", {"status": 400, "title": _("无法导出信访件"), "message": message}, status=400
            )
        yes, no, sep = _("是"), _("否"), _("、")

        def lines():
            for p in rows.iterator(chunk_size=500):
                people = list(p.petitioners.all())
                yield [
                    p.number,
                    p.received_on,
                    p.get_channel_display(),
                    p.region.name,
                    p.title,
                    str(p.category),
                    p.get_petition_type_display(),
                    p.get_status_display(),
                    sep.join(x.name for x in people),
                    sep.join(mask_id_number(x.id_number) for x in people if x.id_number),
                    sep.join(mask_phone(x.phone) for x in people if x.phone),
                    p.group_size or "",
                    yes if p.is_first_time else no,
                    yes if p.is_repeat else no,
                    yes if p.is_backlog else no,
                    sep.join(str(o.leader) for o in p.owners.all()),
                    p.current_due or "",
                    p.current_rule,
                    p.closed_on or "",
                    p.get_outcome_display(),
                ]

        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = workbook_response(
            filename=f"{_('信访件')}-{stamp}.xlsx",
            sheets=[
                Sheet(
                    title=_("信访件"),
                    headers=[str(h) for h in EXPORT_HEADERS],
                    rows=lines(),
                    text_columns=[_("编号"), _("身份证号"), _("联系电话")],
                )
            ],
        )
        prefixes = scope_prefixes(request.user, "petitions.export_petition") or []
        audit_record(
            actor=request.user,
            action=Action.EXPORT,
            object_type="petitions.petition",
            region_code=prefixes[0] if len(prefixes) == 1 else "",
            message=_("导出信访件 %(count)s 行；筛选条件：%(filters)s")
            % {"count": response.row_counts[0], "filters": audit_filters(filters) or _("无")},
        )
        return response


# --- Workload, reception days, down-visits ------------------------------------------------------
class WorkloadView(LoginRequiredMixin, TemplateView):
    """Leaders' workload (open, due this week, overdue, resolved this year), for the leaders above."""

    template_name = "petitions/workload.html"

    def get_context_data(self, **kwargs):
        if not has_permission_somewhere(self.request.user, "petitions.view_petition"):
            raise PermissionDenied(_("您没有查看信访工作量的权限。"))
        return super().get_context_data(
            rows=selectors.leader_workload(user=self.request.user),
            crumbs=[{"label": _("包案工作量"), "url": ""}],
            **kwargs,
        )


class ReceptionDayListView(LoginRequiredMixin, ScopedViewMixin, TemplateView):
    model = ReceptionDay
    template_name = "petitions/receptionday_list.html"

    def get_context_data(self, **kwargs):
        page_obj = paginate(self.request, selectors.reception_day_list(user=self.request.user), 20)
        return super().get_context_data(
            page_obj=page_obj,
            rows=list(page_obj.object_list),
            can_add=has_permission_somewhere(self.request.user, "petitions.add_receptionday"),
            crumbs=[{"label": _("领导接访"), "url": ""}],
            **kwargs,
        )


class ReceptionDayDetailView(LoginRequiredMixin, ScopedViewMixin, TemplateView):
    model = ReceptionDay
    template_name = "petitions/receptionday_detail.html"

    def get_context_data(self, **kwargs):
        day = selectors.reception_day_get(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(
            object=day,
            cases=selectors.visible_cases(user=self.request.user, of=day),
            crumbs=[
                {"label": _("领导接访"), "url": reverse("petitions:receptionday_list")},
                {"label": str(day), "url": ""},
            ],
            **kwargs,
        )


class ReceptionDayCreateView(LoginRequiredMixin, ScopedViewMixin, TemplateView):
    model = ReceptionDay
    template_name = "petitions/visit_form.html"
    form_class = ReceptionDayForm
    permission = "petitions.add_receptionday"
    title = gettext_lazy("登记领导接访")

    def check(self):
        if not has_permission_somewhere(self.request.user, self.permission):
            raise PermissionDenied(_("您没有登记的权限。"))

    def get(self, request, *args, **kwargs):
        self.check()
        return self.show(self.form_class(user=request.user))

    def post(self, request, *args, **kwargs):
        self.check()
        form = self.form_class(request.POST, user=request.user)
        if form.is_valid():
            try:
                obj = self.create(form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已登记。"))
                return redirect(self.success_url(obj))
        return self.show(form, status=400)

    def create(self, data):
        return services.reception_day_create(
            actor=self.request.user,
            region=data["region"],
            held_on=data["held_on"],
            place=data["place"],
            person_times=data["person_times"],
            notes=data["notes"],
            case_numbers=split_codes(data["cases"]),
        )

    def success_url(self, obj):
        return reverse("petitions:receptionday_detail", args=[obj.pk])

    def show(self, form, status=200):
        selected = (form["region"].value() if form.is_bound else "") or ""
        context = self.get_context_data(
            form=form,
            title=self.title,
            creating=True,
            cancel_url=reverse("petitions:receptionday_list"),
            crumbs=[{"label": self.title, "url": ""}],
            **region_picker_context(self.request.user, selected, name="region"),
        )
        return self.render_to_response(context, status=status)


class DownVisitListView(ReceptionDayListView):
    model = DownVisit
    template_name = "petitions/downvisit_list.html"

    def get_context_data(self, **kwargs):
        page_obj = paginate(self.request, selectors.down_visit_list(user=self.request.user), 20)
        return TemplateView.get_context_data(
            self,
            page_obj=page_obj,
            rows=list(page_obj.object_list),
            can_add=has_permission_somewhere(self.request.user, "petitions.add_downvisit"),
            crumbs=[{"label": _("带案下访"), "url": ""}],
            **kwargs,
        )


class DownVisitDetailView(ReceptionDayDetailView):
    model = DownVisit
    template_name = "petitions/downvisit_detail.html"

    def get_context_data(self, **kwargs):
        visit = selectors.down_visit_get(user=self.request.user, pk=self.kwargs["pk"])
        return TemplateView.get_context_data(
            self,
            object=visit,
            cases=selectors.visible_cases(user=self.request.user, of=visit),
            crumbs=[
                {"label": _("带案下访"), "url": reverse("petitions:downvisit_list")},
                {"label": str(visit), "url": ""},
            ],
            **kwargs,
        )


class DownVisitCreateView(ReceptionDayCreateView):
    model = DownVisit
    form_class = DownVisitForm
    permission = "petitions.add_downvisit"
    title = gettext_lazy("登记带案下访")

    def create(self, data):
        return services.down_visit_create(
            actor=self.request.user,
            region=data["region"],
            visited_on=data["visited_on"],
            village_codes=split_codes(data["villages"]),
            person_times=data["person_times"],
            outcome=data["outcome"],
            case_numbers=split_codes(data["cases"]),
        )

    def success_url(self, obj):
        return reverse("petitions:downvisit_detail", args=[obj.pk])


class PetitionFromAppealView(LoginRequiredMixin, View):
    """POST: 民生诉求转信访 — open a case from a livelihood appeal (petitions.services.petition_from_appeal)."""

    http_method_names = ["post"]

    def post(self, request, appeal):
        from ledgers.models import LivelihoodAppeal

        found = restrict(LivelihoodAppeal.objects.filter(pk=appeal), request.user).first()
        if found is None:
            raise Http404(_("未找到编号为 %(pk)s 的民生诉求，或它不在您的管辖范围内。") % {"pk": appeal})
        try:
            petition = services.petition_from_appeal(actor=request.user, appeal=found)
        except OutOfScope as exc:
            raise PermissionDenied(_("您没有在该区划登记信访件的权限。")) from exc
        except ServiceError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("ledgers:livelihoodappeal_detail", found.pk)
        messages.success(request, _("已转为信访件 %(number)s。") % {"number": petition.number})
        return redirect("petitions:petition_detail", petition.pk)
