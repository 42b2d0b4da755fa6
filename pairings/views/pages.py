"""The cadre's phone home, detail pages with history, and the forms that call the services.

Reads go through pairings.selectors (scope first: out of scope → 404); writes through
pairings.services. A visible record the user may not change answers 403; bad input is shown
beside its field with a 4xx status and changes nothing.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core.exceptions import ServiceError
from ledgers.selectors import entry_history, matter_get
from ledgers.selectors import household_get as hardship_get
from ledgers.views.base import apply_service_error, has_permission_somewhere, show_refusal
from pairings import selectors, services
from pairings.choices import PairStatus
from pairings.forms import (
    CadreForm,
    CampaignForm,
    HouseholdForm,
    MustVisitEventForm,
    PairEndForm,
    PairForm,
    UnitForm,
    VisitForm,
)
from pairings.models import Cadre, Campaign, Household, MustVisitEvent, Pair, Unit, Visit
from regions.scoping import ScopedViewMixin, can
from regions.views import region_picker_context


class PairingPageMixin(LoginRequiredMixin, ScopedViewMixin):
    def crumbs(self, *extra):
        return list(extra)

    def require(self, permission, obj=None):
        allowed = (
            can(self.request.user, permission, obj)
            if obj is not None
            else has_permission_somewhere(self.request.user, permission)
        )
        if not allowed:
            raise PermissionDenied(_("您没有权限进行此操作。"))


# --- The cadre's home ------------------------------------------------------------------------------
class CadreHomeView(PairingPageMixin, TemplateView):
    """Phone-sized: my owed visits (overdue first), my households with a one-tap visit button."""

    template_name = "pairings/home.html"

    def get_context_data(self, **kwargs):
        home = selectors.cadre_home(user=self.request.user)
        return super().get_context_data(
            home=home,
            staff=has_permission_somewhere(self.request.user, "pairings.view_pair"),
            crumbs=[{"label": _("我的结对"), "url": ""}],
            **kwargs,
        )


# --- Units and cadres ----------------------------------------------------------------------------------
class UnitDetailView(PairingPageMixin, TemplateView):
    model = Unit
    template_name = "pairings/unit_detail.html"

    def get_context_data(self, **kwargs):
        unit = selectors.unit_get(user=self.request.user, pk=self.kwargs["pk"])
        cadres = selectors.cadre_list(user=self.request.user).filter(unit=unit).order_by("name", "id")[:100]
        return super().get_context_data(
            object=unit,
            cadres=cadres,
            history=entry_history(unit),
            can_change=can(self.request.user, "change", unit),
            crumbs=[{"label": _("机关单位"), "url": reverse("pairings:unit_list")}, {"label": unit.name, "url": ""}],
            **kwargs,
        )


class FormPageView(PairingPageMixin, TemplateView):
    """GET shows the form; POST cleans it and calls `save(form)` (a service); a ServiceError is
    shown on the form with status 400 (409 for a stale edit)."""

    template_name = "pairings/form.html"
    form_class = None
    permission = ""
    title = ""

    def get_object(self):
        return None

    def form_kwargs(self):
        return {"user": self.request.user}

    def check(self, obj):
        if obj is not None:
            if not can(self.request.user, "change", obj):
                raise PermissionDenied(_("您没有修改该记录的权限。"))
        elif not has_permission_somewhere(self.request.user, self.permission):
            raise PermissionDenied(_("您没有权限进行此操作。"))

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        self.check(obj)
        return self.show(self.form_class(**self.form_kwargs()), obj)

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        self.check(obj)
        form = self.form_class(request.POST, **self.form_kwargs())
        status = 400
        if form.is_valid():
            try:
                saved = self.save(form, obj)
            except ServiceError as exc:
                status = show_refusal(form, exc)
            else:
                messages.success(request, _("已保存：%(title)s") % {"title": saved})
                return redirect(self.success_url(saved))
        return self.show(form, obj, status=status)

    def show(self, form, obj, status=200):
        picker = {}
        if "region" in form.fields:
            selected = (form["region"].value() if form.is_bound else "") or self.request.GET.get("region", "")
            picker = region_picker_context(self.request.user, selected or "", name="region")
        context = self.get_context_data(
            form=form, object=obj, title=self.title, crumbs=[{"label": self.title}], **picker
        )
        return self.render_to_response(context, status=status)


class UnitCreateView(FormPageView):
    form_class = UnitForm
    permission = "pairings.add_unit"
    title = gettext_lazy("登记机关单位")

    def save(self, form, obj):
        return services.unit_create(actor=self.request.user, data=form.cleaned_data)

    def success_url(self, unit):
        return reverse("pairings:unit_detail", args=[unit.pk])


class UnitUpdateView(UnitCreateView):
    title = gettext_lazy("修改机关单位")

    def get_object(self):
        return selectors.unit_get(user=self.request.user, pk=self.kwargs["pk"])

    def form_kwargs(self):
        return {"user": self.request.user, "instance": self.get_object()}

    def save(self, form, unit):
        data = {k: form.cleaned_data[k] for k in ("name", "level", "kind", "parent")}
        return services.unit_update(
            actor=self.request.user, unit=unit, expected_version=form.cleaned_data["version"], data=data
        )


class CadreDetailView(PairingPageMixin, TemplateView):
    """A cadre: households, recent visits, owed visits and must-visit timeliness."""

    model = Cadre
    template_name = "pairings/cadre_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        cadre = selectors.cadre_get(user=user, pk=self.kwargs["pk"])
        return super().get_context_data(
            object=cadre,
            pairs=selectors.pair_list(user=user).filter(cadre=cadre).order_by("-status", "-started_on", "-id")[:100],
            visits=selectors.visit_list(user=user).filter(cadre=cadre).order_by("-visited_on", "-id")[:20],
            owed=selectors.owed_visit_list(user=user).filter(cadre=cadre, status__in=["owed", "overdue"])[:50],
            timeliness=selectors.cadre_timeliness(cadre=cadre),
            history=entry_history(cadre),
            can_change=can(user, "change", cadre),
            crumbs=[{"label": _("帮扶干部"), "url": reverse("pairings:cadre_list")}, {"label": cadre.name, "url": ""}],
            **kwargs,
        )


class CadreCreateView(FormPageView):
    form_class = CadreForm
    permission = "pairings.add_cadre"
    title = gettext_lazy("登记帮扶干部")

    def save(self, form, obj):
        return services.cadre_create(actor=self.request.user, data=form.service_data())

    def success_url(self, cadre):
        return reverse("pairings:cadre_detail", args=[cadre.pk])


class CadreUpdateView(CadreCreateView):
    title = gettext_lazy("修改帮扶干部")

    def get_object(self):
        return selectors.cadre_get(user=self.request.user, pk=self.kwargs["pk"])

    def form_kwargs(self):
        return {"user": self.request.user, "instance": self.get_object()}

    def save(self, form, cadre):
        return services.cadre_update(
            actor=self.request.user,
            cadre=cadre,
            expected_version=form.cleaned_data["version"],
            data=form.service_data(),
        )


# --- Households -----------------------------------------------------------------------------------
class HouseholdCreateView(FormPageView):
    form_class = HouseholdForm
    permission = "pairings.add_household"
    title = gettext_lazy("登记结对对象")

    def save(self, form, obj):
        data = {k: v for k, v in form.cleaned_data.items() if k != "region"}
        return services.household_register(actor=self.request.user, region=form.cleaned_data["region"], data=data)

    def success_url(self, household):
        return reverse("pairings:household_detail", args=[household.pk])


class HouseholdDetailView(PairingPageMixin, TemplateView):
    """A household: its pairs (pair a cadre here), visits, must-visit events (record one here)."""

    model = Household
    template_name = "pairings/household_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        household = selectors.household_get(user=user, pk=self.kwargs["pk"])
        context = {
            "object": household,
            "pairs": selectors.pair_list(user=user)
            .filter(household=household)
            .order_by("-status", "-started_on")[:100],
            "visits": selectors.visit_list(user=user).filter(household=household).order_by("-visited_on", "-id")[:20],
            "events": selectors.event_list(user=user).filter(household=household).order_by("-occurred_on")[:20],
            "history": entry_history(household),
            "can_pair": can(user, "pairings.add_pair", household),
            "can_event": can(user, "pairings.add_mustvisitevent", household),
            "pair_form": PairForm(user=user, prefix="pair"),
            "event_form": MustVisitEventForm(prefix="event"),
            "crumbs": [
                {"label": _("结对对象"), "url": reverse("pairings:household_list")},
                {"label": household.head_name, "url": ""},
            ],
        }
        context.update(kwargs)
        return super().get_context_data(**context)

    def refused(self, status=400, **forms):
        return self.render_to_response(self.get_context_data(**forms), status=status)


class HouseholdPairView(HouseholdDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        household = selectors.household_get(user=request.user, pk=kwargs["pk"])
        self.require("pairings.add_pair", household)
        form = PairForm(request.POST, user=request.user, prefix="pair")
        if form.is_valid():
            try:
                services.pair_create(actor=request.user, household=household, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已结对。"))
                return redirect("pairings:household_detail", pk=household.pk)
        return self.refused(pair_form=form)


class HouseholdEventView(HouseholdDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        household = selectors.household_get(user=request.user, pk=kwargs["pk"])
        self.require("pairings.add_mustvisitevent", household)
        form = MustVisitEventForm(request.POST, prefix="event")
        if form.is_valid():
            try:
                event = services.must_visit_event_record(actor=request.user, household=household, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(
                    request, _("已登记必访事件，%(count)s 名结对干部应访。") % {"count": event.owed_visits.count()}
                )
                return redirect("pairings:event_detail", pk=event.pk)
        return self.refused(event_form=form)


class HardshipPairingView(PairingPageMixin, TemplateView):
    """From a hardship household's ledger page: open (creating on first use) its pairing target."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        hardship = hardship_get(user=request.user, pk=kwargs["pk"])
        try:
            household = services.household_for_hardship(actor=request.user, hardship=hardship)
        except ServiceError as exc:
            raise PermissionDenied(" ".join(exc.messages))
        return redirect("pairings:household_detail", pk=household.pk)


class HardshipEventView(PairingPageMixin, TemplateView):
    """The explicit staff action on a hardship household's ledger page: raise a must-visit event."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        hardship = hardship_get(user=request.user, pk=kwargs["pk"])
        form = MustVisitEventForm(request.POST, prefix="event")
        back = reverse("ledgers:hardshiphousehold_detail", args=[hardship.pk])
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(back)
        try:
            event = services.must_visit_event_from_hardship(actor=request.user, hardship=hardship, **form.cleaned_data)
        except ServiceError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(back)
        messages.success(request, _("已登记必访事件。"))
        return redirect("pairings:event_detail", pk=event.pk)


class MatterEventView(PairingPageMixin, TemplateView):
    """The explicit staff action on a stability matter's ledger page: a must-visit event on a
    paired household of the matter's village, linked both ways (event.source_matter)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        matter = matter_get(user=request.user, pk=kwargs["pk"])
        back = reverse("ledgers:stabilitymatter_detail", args=[matter.pk])
        if not can(request.user, "change", matter):
            raise PermissionDenied(_("您没有权限进行此操作。"))
        form = MustVisitEventForm(request.POST, prefix="event")
        household = (
            selectors.household_list(user=request.user)
            .filter(
                pk=request.POST.get("household") if str(request.POST.get("household", "")).isdigit() else None,
                region_id=matter.region_id,
            )
            .first()
        )
        if household is None:
            messages.error(request, _("请选择该村（社区）的结对对象。"))
            return redirect(back)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(back)
        try:
            event = services.must_visit_event_record(
                actor=request.user, household=household, source_matter=matter, **form.cleaned_data
            )
        except ServiceError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(back)
        messages.success(request, _("已登记必访事件。"))
        return redirect("pairings:event_detail", pk=event.pk)


# --- Pairs and visits --------------------------------------------------------------------------------
class PairDetailView(PairingPageMixin, TemplateView):
    model = Pair
    template_name = "pairings/pair_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        pair = selectors.pair_get(user=user, pk=self.kwargs["pk"])
        context = {
            "object": pair,
            "visits": selectors.visit_list(user=user).filter(pair=pair).order_by("-visited_on", "-id")[:50],
            "owed": selectors.owed_visit_list(user=user).filter(pair=pair)[:50],
            "history": entry_history(pair),
            "can_change": can(user, "change", pair) and pair.status == PairStatus.ACTIVE,
            "can_visit": pair.status == PairStatus.ACTIVE and services.can_record_visit(user, pair),
            "end_form": PairEndForm(initial={"version": pair.version}),
            "crumbs": [{"label": _("结对"), "url": reverse("pairings:pair_list")}, {"label": str(pair), "url": ""}],
        }
        context.update(kwargs)
        return super().get_context_data(**context)


class PairEndView(PairDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        pair = selectors.pair_get(user=request.user, pk=kwargs["pk"])
        self.require("change", pair)
        form = PairEndForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.pair_end(
                    actor=request.user,
                    pair=pair,
                    ended_on=form.cleaned_data["ended_on"],
                    reason=form.cleaned_data["end_reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except ServiceError as exc:
                status = show_refusal(form, exc)
            else:
                messages.success(request, _("结对已结束。"))
                return redirect("pairings:pair_detail", pk=pair.pk)
        return self.render_to_response(self.get_context_data(end_form=form), status=status)


class VisitCreateView(PairingPageMixin, TemplateView):
    """The phone-first visit form for one pair: date (today), kind, what was found, help given."""

    template_name = "pairings/visit_form.html"

    def get_pair(self):
        pair = selectors.pair_get(user=self.request.user, pk=self.kwargs["pk"])
        if not services.can_record_visit(self.request.user, pair):
            raise PermissionDenied(_("您没有为该结对登记走访的权限。"))
        return pair

    def get(self, request, *args, **kwargs):
        pair = self.get_pair()
        initial = (
            {"kind": request.GET["kind"]}
            if request.GET.get("kind") in dict(VisitForm.base_fields["kind"].choices)
            else {}
        )
        return self.render_to_response(self.get_context_data(pair=pair, form=VisitForm(initial=initial)))

    def post(self, request, *args, **kwargs):
        pair = self.get_pair()
        form = VisitForm(request.POST)
        if form.is_valid():
            try:
                visit = services.visit_record(actor=request.user, pair=pair, data=form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                fulfilled = visit.kind == "must_visit"
                messages.success(request, _("已登记走访，必访已完成。") if fulfilled else _("已登记走访。"))
                return redirect("pairings:home" if pair.cadre.user_id == request.user.pk else "pairings:pair_detail",
                                **({} if pair.cadre.user_id == request.user.pk else {"pk": pair.pk}))  # fmt: skip
        return self.render_to_response(self.get_context_data(pair=pair, form=form), status=400)

    def get_context_data(self, **kwargs):
        pair = kwargs["pair"]
        kwargs.setdefault("crumbs", [{"label": str(pair), "url": reverse("pairings:pair_detail", args=[pair.pk])},
                                     {"label": _("登记走访"), "url": ""}])  # fmt: skip
        return super().get_context_data(**kwargs)


class VisitDetailView(PairingPageMixin, TemplateView):
    model = Visit
    template_name = "pairings/visit_detail.html"

    def get_context_data(self, **kwargs):
        visit = selectors.visit_get(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(
            object=visit,
            crumbs=[{"label": _("走访记录"), "url": reverse("pairings:visit_list")}, {"label": str(visit), "url": ""}],
            **kwargs,
        )


class EventDetailView(PairingPageMixin, TemplateView):
    model = MustVisitEvent
    template_name = "pairings/event_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        event = selectors.event_get(user=user, pk=self.kwargs["pk"])
        return super().get_context_data(
            object=event,
            owed=selectors.owed_visit_list(user=user).filter(event=event),
            history=entry_history(event),
            crumbs=[{"label": _("必访事件"), "url": reverse("pairings:event_list")}, {"label": str(event), "url": ""}],
            **kwargs,
        )


# --- Warm Winter ----------------------------------------------------------------------------------------
class CampaignListView(PairingPageMixin, TemplateView):
    model = Campaign
    template_name = "pairings/campaign_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            campaigns=selectors.campaign_list(user=self.request.user)[:50],
            can_add=has_permission_somewhere(self.request.user, "pairings.add_campaign"),
            crumbs=[{"label": _("暖冬行动"), "url": ""}],
            **kwargs,
        )


class CampaignDetailView(PairingPageMixin, TemplateView):
    model = Campaign
    template_name = "pairings/campaign_detail.html"

    def get_context_data(self, **kwargs):
        campaign = selectors.campaign_get(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(
            object=campaign,
            coverage=selectors.campaign_coverage(user=self.request.user, campaign=campaign),
            crumbs=[{"label": _("暖冬行动"), "url": reverse("pairings:campaign_list")}, {"label": campaign.name}],
            **kwargs,
        )


class CampaignCreateView(FormPageView):
    form_class = CampaignForm
    permission = "pairings.add_campaign"
    title = gettext_lazy("登记暖冬行动")

    def save(self, form, obj):
        return services.campaign_create(actor=self.request.user, data=form.cleaned_data)

    def success_url(self, campaign):
        return reverse("pairings:campaign_detail", args=[campaign.pk])
