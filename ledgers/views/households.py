"""困难群众 pages: list, detail (members, help records, exit), create, edit."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_sensitive_read
from core.exceptions import OutOfScope, ServiceError
from ledgers.choices import HouseholdStatus
from ledgers.forms import HardshipHouseholdForm, HelpRecordForm, HouseholdExitForm, HouseholdMemberForm
from ledgers.models import HardshipHousehold
from ledgers.selectors import household_get, household_list
from ledgers.services import (
    help_record_add,
    household_create,
    household_exit,
    household_member_add,
    household_reactivate,
    household_update,
    household_void,
)
from ledgers.views.base import (
    LedgerBulkView,
    LedgerCreateView,
    LedgerDetailView,
    LedgerListView,
    LedgerRowAddView,
    LedgerUpdateView,
    LedgerVoidView,
    show_refusal,
)
from regions.scoping import can

BULK_TARGETS = tuple((s.value, s.label) for s in HouseholdStatus)


class HouseholdMixin:
    model = HardshipHousehold
    url_prefix = "hardshiphousehold"


class HardshipHouseholdListView(HouseholdMixin, LedgerListView):
    template_name = "ledgers/hardshiphousehold_list.html"
    selector = household_list
    bulk_targets = BULK_TARGETS
    sort_fields = (
        ("registered_on", gettext_lazy("登记日期")),
        ("head_name", gettext_lazy("户主")),
        ("region", gettext_lazy("村（社区）")),
        ("member_count", gettext_lazy("人口")),
        ("status", gettext_lazy("状态")),
    )


class HardshipHouseholdDetailView(HouseholdMixin, LedgerDetailView):
    template_name = "ledgers/hardshiphousehold_detail.html"
    getter = household_get

    def extra_context_for(self, household):
        return {
            "member_form": HouseholdMemberForm(prefix="member"),
            "help_form": HelpRecordForm(prefix="help"),
            "exit_form": HouseholdExitForm(initial={"version": household.version}),
            "can_reveal": bool(household.head_id_number) and can(self.request.user, REVEAL_PERMISSION, household),
        }


REVEAL_PERMISSION = HardshipHousehold.personal_data.reveal["head_id_number"]


class HardshipHouseholdRevealView(HardshipHouseholdDetailView):
    """POST with a stated purpose: show the head's full ID number once, on this response only.

    The read is written to the audit trail first (`audit_sensitive_read`); if it cannot be, or the
    role may not reveal, nothing is shown. The page is never cached.
    """

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        household = self.get_entry()
        reason = request.POST.get("reason", "").strip()[:200]
        if not reason:
            messages.error(request, _("请填写查看完整身份证号的事由。"))
            return self.refused(reveal_reason_missing=True)
        try:
            audit_sensitive_read(
                actor=request.user, obj=household, field="head_id_number", permission=REVEAL_PERMISSION, reason=reason
            )
        except OutOfScope:
            raise PermissionDenied(_("您没有查看完整身份证号的权限。"))
        except ServiceError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.refused(status=503)
        response = self.render_to_response(self.get_context_data(revealed_id_number=household.head_id_number))
        response["Cache-Control"] = "no-store"
        return response


class HardshipHouseholdTransitionView(HardshipHouseholdDetailView):
    """POST: exit (with date and reason) or reactivate a household."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        household = self.get_entry()
        self.require("transition", household)
        target = request.POST.get("target", "")
        form = HouseholdExitForm(request.POST)
        try:
            if target == HouseholdStatus.ACTIVE:
                version = request.POST.get("version", "")
                household_reactivate(
                    actor=request.user,
                    household=household,
                    expected_version=int(version) if version.isdigit() else None,
                )
            elif target == HouseholdStatus.EXITED:
                if not form.is_valid():
                    return self.refused(exit_form=form)
                household_exit(
                    actor=request.user,
                    household=household,
                    exited_on=form.cleaned_data["exited_on"],
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            else:
                form.is_valid()
                form.add_error(None, _("该状态变更不存在：%(value)s。") % {"value": target[:30]})
                return self.refused(exit_form=form)
        except ServiceError as exc:
            form.is_valid()
            if "exit_reason" in getattr(exc, "error_dict", {}):
                exc = ServiceError({"reason": exc.error_dict["exit_reason"]})
            return self.refused(status=show_refusal(form, exc), exit_form=form)
        messages.success(request, _("状态已变更为“%(status)s”。") % {"status": HouseholdStatus(target).label})
        return redirect(self.url("detail", household.pk))


class HardshipHouseholdMemberAddView(LedgerRowAddView, HardshipHouseholdDetailView):
    form_class, form_prefix = HouseholdMemberForm, "member"

    def add(self, household, data):
        return household_member_add(actor=self.request.user, household=household, data=data)

    def added_message(self, member):
        return _("已添加家庭成员：%(name)s") % {"name": member.name}


class HardshipHouseholdHelpAddView(LedgerRowAddView, HardshipHouseholdDetailView):
    form_class, form_prefix = HelpRecordForm, "help"

    def add(self, household, data):
        return help_record_add(actor=self.request.user, household=household, data=data)

    def added_message(self, record):
        return _("已添加帮扶记录。")


class HardshipHouseholdCreateView(HouseholdMixin, LedgerCreateView):
    form_class = HardshipHouseholdForm

    def create(self, form):
        return household_create(
            actor=self.request.user,
            region=form.cleaned_data["region"],
            data=form.service_data(),
            hardship_types=form.cleaned_data["hardship_types"],
        )


class HardshipHouseholdUpdateView(HouseholdMixin, LedgerUpdateView):
    form_class = HardshipHouseholdForm
    getter = household_get

    def update(self, household, form):
        return household_update(
            actor=self.request.user,
            household=household,
            expected_version=form.cleaned_data["version"],
            data=form.service_data(),
            hardship_types=form.cleaned_data["hardship_types"],
        )


class HardshipHouseholdBulkView(HouseholdMixin, LedgerBulkView):
    """Several households exit at once (one date and reason for all), or are taken back in."""

    selector = household_list
    bulk_targets = BULK_TARGETS

    def form_problems(self, form):
        if form.cleaned_data["target"] != HouseholdStatus.EXITED:
            return []
        problems = []
        if not form.cleaned_data.get("exited_on"):
            problems.append(_("批量退出时请填写退出日期。"))
        if not (form.cleaned_data.get("reason") or "").strip():
            problems.append(_("批量退出时请填写退出原因。"))
        return problems

    def apply(self, household, form):
        if form.cleaned_data["target"] == HouseholdStatus.ACTIVE:
            return household_reactivate(actor=self.request.user, household=household)
        return household_exit(
            actor=self.request.user,
            household=household,
            exited_on=form.cleaned_data["exited_on"],
            reason=form.cleaned_data["reason"],
        )


class HardshipHouseholdVoidView(LedgerVoidView, HardshipHouseholdDetailView):
    """POST: 作废 (a reason is required)."""

    def void(self, entry, *, reason, version):
        return household_void(actor=self.request.user, household=entry, reason=reason, expected_version=version)
