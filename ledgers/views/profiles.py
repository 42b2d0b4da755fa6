"""四个知晓 pages: the villages in scope with their profiles, one village's profile with its
history, and the edit page (the first save creates the profile)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import ServiceError
from ledgers.forms import VillageProfileForm
from ledgers.models import VillageProfile
from ledgers.selectors import entry_history, ledger_overview, profile_village_get, profile_village_list
from ledgers.services import profile_update
from ledgers.views.base import LedgerListView, LedgerViewMixin, show_refusal
from regions.scoping import can_at_region

CHANGE_PERMISSION = "ledgers.change_villageprofile"


class ProfileMixin:
    model = VillageProfile
    url_prefix = "villageprofile"


class VillageProfileListView(ProfileMixin, LedgerListView):
    template_name = "ledgers/villageprofile_list.html"
    selector = profile_village_list


class VillageProfileDetailView(ProfileMixin, LedgerViewMixin, TemplateView):
    template_name = "ledgers/villageprofile_detail.html"

    def get_context_data(self, **kwargs):
        region, profile = profile_village_get(user=self.request.user, code=self.kwargs["code"])
        context = super().get_context_data(**kwargs)
        context.update(
            region=region,
            object=profile,
            history=entry_history(profile) if profile else [],
            can_change=can_at_region(self.request.user, CHANGE_PERMISSION, region.code),
            overview=ledger_overview(user=self.request.user, region=region),
            crumbs=self.crumbs({"label": region.name, "url": ""}),
        )
        return context


class VillageProfileUpdateView(ProfileMixin, LedgerViewMixin, TemplateView):
    template_name = "ledgers/villageprofile_form.html"

    def load(self):
        region, profile = profile_village_get(user=self.request.user, code=self.kwargs["code"])
        if not can_at_region(self.request.user, CHANGE_PERMISSION, region.code):
            raise PermissionDenied(_("您没有修改“四个知晓”的权限。"))
        return region, profile

    def get(self, request, *args, **kwargs):
        region, profile = self.load()
        return self.show(region, VillageProfileForm(instance=profile or VillageProfile(region=region)))

    def post(self, request, *args, **kwargs):
        region, profile = self.load()
        form = VillageProfileForm(request.POST, instance=profile or VillageProfile(region=region))
        status = 400
        if form.is_valid():
            try:
                profile_update(
                    actor=request.user,
                    region=region,
                    expected_version=form.cleaned_data.get("version") if profile else None,
                    data=form.service_data(),
                )
            except ServiceError as exc:
                status = show_refusal(form, exc)
            else:
                messages.success(request, _("已保存“四个知晓”。"))
                return redirect(reverse("ledgers:villageprofile_detail", args=[region.code]))
        return self.show(region, form, status=status)

    def show(self, region, form, status=200):
        context = self.get_context_data(
            form=form,
            region=region,
            crumbs=self.crumbs(
                {"label": region.name, "url": reverse("ledgers:villageprofile_detail", args=[region.code])},
                {"label": _("修改")},
            ),
        )
        return self.render_to_response(context, status=status)
