"""稳定工作 pages: list, detail (mediation steps, transitions, escalation), create, edit, bulk."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ServiceError
from ledgers.choices import MATTER_STAFF_TARGETS, MATTER_TRANSITIONS, MatterOutcome, MatterStatus
from ledgers.forms import MatterTransitionForm, MediationStepForm, StabilityMatterForm
from ledgers.models import StabilityMatter
from ledgers.selectors import matter_get, matter_list
from ledgers.services import (
    matter_create,
    matter_escalate,
    matter_step_add,
    matter_transition,
    matter_update,
    matter_void,
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

# Escalation has its own action (it opens a petition case): never a bulk status change.
BULK_TARGETS = tuple((s.value, s.label) for s in MATTER_STAFF_TARGETS)


class MatterMixin:
    model = StabilityMatter
    url_prefix = "stabilitymatter"


class StabilityMatterListView(MatterMixin, LedgerListView):
    template_name = "ledgers/stabilitymatter_list.html"
    selector = matter_list
    counts_overdue = True
    bulk_targets = BULK_TARGETS
    sort_fields = (
        ("registered_on", gettext_lazy("登记日期")),
        ("matter_type", gettext_lazy("矛盾类型")),
        ("region", gettext_lazy("村（社区）")),
        ("risk_level", gettext_lazy("风险等级")),
        ("deadline", gettext_lazy("化解期限")),
        ("status", gettext_lazy("状态")),
    )

    def get_context_data(self, **kwargs):
        return super().get_context_data(outcome_choices=MatterOutcome.choices, **kwargs)


class StabilityMatterDetailView(MatterMixin, LedgerDetailView):
    template_name = "ledgers/stabilitymatter_detail.html"
    getter = matter_get

    def extra_context_for(self, matter):
        allowed = MATTER_TRANSITIONS.allowed_targets(matter.status)
        return {
            "next_statuses": [(s.value, s.label) for s in MatterStatus if s in allowed],
            "needs_outcome": bool({MatterStatus.RESOLVED, MatterStatus.CLOSED} & allowed),
            "transition_form": MatterTransitionForm(initial={"version": matter.version}),
            "step_form": MediationStepForm(prefix="step"),
        }


class StabilityMatterTransitionView(StabilityMatterDetailView):
    """POST: move the matter on (an outcome is required to resolve or close; escalating opens a
    petition case through the escalation hook)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        matter = self.get_entry()
        self.require("transition", matter)
        form = MatterTransitionForm(request.POST)
        if form.is_valid():
            target = form.cleaned_data["target"]
            version = form.cleaned_data["version"]
            try:
                if target == MatterStatus.ESCALATED:
                    matter_escalate(actor=request.user, matter=matter, expected_version=version)
                else:
                    matter_transition(
                        actor=request.user,
                        matter=matter,
                        target=target,
                        outcome=form.cleaned_data["outcome"],
                        note=form.cleaned_data["note"],
                        expected_version=version,
                    )
            except ServiceError as exc:
                return self.refused(status=show_refusal(form, exc), transition_form=form)
            else:
                messages.success(request, _("状态已变更为“%(status)s”。") % {"status": MatterStatus(target).label})
                return redirect(self.url("detail", matter.pk))
        return self.refused(transition_form=form)


class StabilityMatterStepAddView(LedgerRowAddView, StabilityMatterDetailView):
    form_class, form_prefix = MediationStepForm, "step"

    def add(self, matter, data):
        return matter_step_add(actor=self.request.user, matter=matter, data=data)

    def added_message(self, step):
        return _("已添加调解记录。")


class StabilityMatterCreateView(MatterMixin, LedgerCreateView):
    form_class = StabilityMatterForm

    def create(self, form):
        return matter_create(actor=self.request.user, region=form.cleaned_data["region"], data=form.service_data())


class StabilityMatterUpdateView(MatterMixin, LedgerUpdateView):
    form_class = StabilityMatterForm
    getter = matter_get

    def update(self, matter, form):
        return matter_update(
            actor=self.request.user,
            matter=matter,
            expected_version=form.cleaned_data["version"],
            data=form.service_data(),
        )


class StabilityMatterBulkView(MatterMixin, LedgerBulkView):
    selector = matter_list
    bulk_targets = BULK_TARGETS

    def apply(self, matter, form):
        return matter_transition(
            actor=self.request.user,
            matter=matter,
            target=form.cleaned_data["target"],
            outcome=form.cleaned_data["outcome"],
        )


class StabilityMatterVoidView(LedgerVoidView, StabilityMatterDetailView):
    """POST: 作废 (a reason is required)."""

    def void(self, entry, *, reason, version):
        return matter_void(actor=self.request.user, matter=entry, reason=reason, expected_version=version)
