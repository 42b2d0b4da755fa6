"""民生诉求 pages: list, detail (with transitions and history), create, edit, bulk status change."""

from functools import partial

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ServiceError
from core.money import format_yuan
from ledgers.choices import APPEAL_STAFF_TARGETS, APPEAL_TRANSITIONS, AppealCategory, AppealStatus
from ledgers.forms import AppealTransitionForm, LivelihoodAppealForm
from ledgers.models import LivelihoodAppeal
from ledgers.querysets import LivelihoodAppealQuerySet
from ledgers.selectors import appeal_get, appeal_list, row_region_names
from ledgers.services import appeal_create, appeal_transition, appeal_update, appeal_void
from ledgers.templatetags.ledger_tags import status_colour
from ledgers.views.base import (
    LedgerBulkView,
    LedgerCreateView,
    LedgerDetailView,
    LedgerListView,
    LedgerUpdateView,
    LedgerVoidView,
    show_refusal,
)

# "Rated" and "reopened" come from residents' ratings through the signed link, not from staff
# (declared as reserved beside the status machine).
BULK_TARGETS = tuple((s.value, s.label) for s in APPEAL_STAFF_TARGETS)


class AppealMixin:
    model = LivelihoodAppeal
    url_prefix = "livelihoodappeal"


class LivelihoodAppealListView(AppealMixin, LedgerListView):
    template_name = "ledgers/livelihoodappeal_list.html"
    selector = partial(appeal_list, row_regions=False)  # table_rows reads the regions' names
    table_fields = (
        "registered_on",
        "title",
        "raiser_name",
        "category",
        "region",
        "responsible_person",
        "promised_date",
        "funds_spent_fen",
        "status",
        "voided_at",  # the overdue rule reads it
    )
    counts_overdue = True
    bulk_targets = BULK_TARGETS
    sort_fields = (
        ("registered_on", gettext_lazy("登记日期")),
        ("category", gettext_lazy("类别")),
        ("region", gettext_lazy("村（社区）")),
        ("promised_date", gettext_lazy("承诺办结")),
        ("funds_spent_fen", gettext_lazy("投入资金")),
        ("status", gettext_lazy("状态")),
    )

    def table_rows(self, rows):
        """Each appeal's cells, as the list's template shows them: what the page used to work
        out per cell (the overdue rule, choice labels, the detail link, yuan, the badge colour,
        the checkbox's label), worked out here once per row, the labels translated once."""
        today = timezone.localdate()
        categories = {value: str(label) for value, label in AppealCategory.choices}
        statuses = {value: str(label) for value, label in AppealStatus.choices}
        detail_url = self.pk_url("detail")
        select_label = _("选择 %(title)s")
        regions = row_region_names(rows)
        table = []
        for appeal in rows:
            region, township = regions[appeal.region_id]
            table.append(
                {
                    "pk": str(appeal.pk),  # as text: the number shows the same (no grouping), not localised per use
                    "late": LivelihoodAppealQuerySet.is_overdue(appeal, today),
                    "select_label": select_label % {"title": appeal.title},
                    "registered_on": appeal.registered_on.isoformat(),
                    "url": detail_url(appeal.pk),
                    "title": appeal.title,
                    "raiser_name": appeal.raiser_name,
                    "category": categories.get(appeal.category, appeal.category),
                    "region": region,
                    "township": township,
                    "responsible_person": appeal.responsible_person,
                    "promised_date": appeal.promised_date.isoformat(),
                    "funds": format_yuan(appeal.funds_spent_fen),
                    "status_colour": status_colour(appeal.status),
                    "status": statuses.get(appeal.status, appeal.status),
                }
            )
        return table


class LivelihoodAppealDetailView(AppealMixin, LedgerDetailView):
    template_name = "ledgers/livelihoodappeal_detail.html"
    getter = appeal_get

    def extra_context_for(self, appeal):
        allowed = APPEAL_TRANSITIONS.allowed_targets(appeal.status)
        return {
            "next_statuses": [(s.value, s.label) for s in APPEAL_TRANSITIONS.staff_targets_from(appeal.status)],
            "needs_resolution": AppealStatus.RESOLVED in allowed,
            "transition_form": AppealTransitionForm(initial={"version": appeal.version}),
            "rating_panel": None,  # H2's rating links / QR code slot
        }


class LivelihoodAppealTransitionView(LivelihoodAppealDetailView):
    """POST: move the appeal to one allowed status (a resolution is required to resolve)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        appeal = self.get_entry()
        self.require("transition", appeal)
        form = AppealTransitionForm(request.POST)
        if form.is_valid():
            target = form.cleaned_data["target"]
            try:
                appeal_transition(
                    actor=request.user,
                    appeal=appeal,
                    target=target,
                    expected_version=form.cleaned_data["version"],
                    resolution=form.cleaned_data["resolution"],
                )
            except ServiceError as exc:
                return self.refused(status=show_refusal(form, exc), transition_form=form)
            else:
                messages.success(request, _("状态已变更为“%(status)s”。") % {"status": AppealStatus(target).label})
                return redirect(self.url("detail", appeal.pk))
        return self.refused(transition_form=form)


class LivelihoodAppealCreateView(AppealMixin, LedgerCreateView):
    form_class = LivelihoodAppealForm

    def create(self, form):
        return appeal_create(actor=self.request.user, region=form.cleaned_data["region"], data=form.service_data())


class LivelihoodAppealUpdateView(AppealMixin, LedgerUpdateView):
    form_class = LivelihoodAppealForm
    getter = appeal_get

    def update(self, appeal, form):
        return appeal_update(
            actor=self.request.user,
            appeal=appeal,
            expected_version=form.cleaned_data["version"],
            data=form.service_data(),
        )


class LivelihoodAppealBulkView(AppealMixin, LedgerBulkView):
    selector = appeal_list
    bulk_targets = BULK_TARGETS

    def apply(self, appeal, form):
        return appeal_transition(
            actor=self.request.user,
            appeal=appeal,
            target=form.cleaned_data["target"],
            resolution=form.cleaned_data["resolution"],
        )


class LivelihoodAppealVoidView(LedgerVoidView, LivelihoodAppealDetailView):
    """POST: 作废 (a reason is required)."""

    def void(self, entry, *, reason, version):
        return appeal_void(actor=self.request.user, appeal=entry, reason=reason, expected_version=version)
