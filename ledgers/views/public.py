"""The residents' pages (no login) and the staff view that makes a rating link.

- `PublicDisclosureView`: a village's disclosed appeals, without personal data.
- `PublicNoticeView`: the same as a printable notice (公示) for the village notice board.
- `PublicRatingView`: a resident rates an appeal through a signed, single-use link.
- `RatingLinkCreateView` (staff, scoped): a new rating link and its QR code for one appeal.

The public views read through `ledgers.selectors_public` (public fields only) and the signed
token; they are the only views exempt from the scope rule (tests/test_conventions.py). Having no
sign-in, they are rate-limited per client address (`core.ratelimit`, setting JICENG_RATE_LIMITS):
scope "public_rating" for the rating link, "public_pages" for the disclosure and the notice.
"""

from __future__ import annotations

import datetime

import segno
from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.detail import SingleObjectMixin

from core.exceptions import ServiceError
from core.paginator import paginate
from core.ratelimit import RateLimitMixin
from core.ratinglink import RatingLinkView
from ledgers.choices import AppealStatus, Satisfaction
from ledgers.models import LivelihoodAppeal
from ledgers.selectors_public import (
    decorate,
    public_appeal_list,
    public_appeal_of_invitation,
    public_village_get,
    public_village_summary,
)
from ledgers.services import appeal_rate, rating_invitation_create, rating_invitation_from_token
from regions.scoping import ScopedViewMixin

PUBLIC_PAGE_SIZE = 20
NOTICE_MAX_ROWS = 200
NOTICE_DEFAULT_DAYS = 90
# Rate-limit scope (JICENG_RATE_LIMITS; the rating link's is core.ratinglink's) and the page that
# says "too many requests" to a resident.
PAGES_RATE_SCOPE = "public_pages"
PUBLIC_MESSAGE_TEMPLATE = "ledgers/public/message.html"


def _page(request, rows, per_page):
    return paginate(request, rows, per_page)


class PublicDisclosureView(RateLimitMixin, TemplateView):
    """村务公开: the village's resolved appeals made public, with how residents rated them.

    No raiser name, phone or ID number is read, let alone shown; the official in charge is.
    """

    rate_limit_scope = PAGES_RATE_SCOPE
    rate_limit_template = PUBLIC_MESSAGE_TEMPLATE
    template_name = "ledgers/public/disclosure.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = public_village_get(code=kwargs["code"])
        page_obj = _page(self.request, public_appeal_list(region=region), PUBLIC_PAGE_SIZE)
        context.update(
            region=region,
            page_obj=page_obj,
            rows=decorate(page_obj.object_list),
            summary=public_village_summary(region=region),
        )
        return context


def _parse_day(value: str, field_label) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise _BadPeriod(
            _("%(field)s“%(value)s”不是有效日期，应如 2026-11-25。") % {"field": field_label, "value": value[:20]}
        )


class _BadPeriod(Exception):
    pass


class PublicNoticeView(RateLimitMixin, TemplateView):
    """The printable disclosure notice (公示) of a village for a period (`start`, `end`; default
    the last 90 days): A4, a table of the items, the date and the village committee's line."""

    rate_limit_scope = PAGES_RATE_SCOPE
    rate_limit_template = PUBLIC_MESSAGE_TEMPLATE
    template_name = "ledgers/public/notice.html"

    def get(self, request, *args, **kwargs):
        region = public_village_get(code=kwargs["code"])
        today = timezone.localdate()
        try:
            start = _parse_day(request.GET.get("start", ""), _("开始日期"))
            end = _parse_day(request.GET.get("end", ""), _("结束日期"))
            end = end or today
            start = start or end - datetime.timedelta(days=NOTICE_DEFAULT_DAYS)
            if start > end:
                raise _BadPeriod(_("开始日期不能晚于结束日期。"))
        except _BadPeriod as exc:
            return render(
                request,
                PUBLIC_MESSAGE_TEMPLATE,
                {"title": _("公示期间有误"), "message": str(exc), "region": region},
                status=400,
            )
        rows = list(public_appeal_list(region=region, disclosed_from=start, disclosed_to=end)[: NOTICE_MAX_ROWS + 1])
        context = self.get_context_data(
            region=region,
            start=start,
            end=end,
            today=today,
            rows=decorate(rows[:NOTICE_MAX_ROWS]),
            truncated=len(rows) > NOTICE_MAX_ROWS,
            max_rows=NOTICE_MAX_ROWS,
            funds_yuan=sum(r["funds_spent_fen"] for r in rows[:NOTICE_MAX_ROWS]) / 100,
            page_qr_svg=segno.make(
                request.build_absolute_uri(reverse("ledgers:public_disclosure", args=[region.code])), error="m"
            ).svg_inline(scale=3),
        )
        return self.render_to_response(context)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("您对办理情况是否满意？"),
        choices=Satisfaction.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择满意程度。"),
            "invalid_choice": gettext_lazy("请选择满意程度。"),
        },
    )
    resolved = forms.TypedChoiceField(
        label=gettext_lazy("您反映的问题解决了吗？"),
        choices=(("yes", gettext_lazy("已解决")), ("no", gettext_lazy("没有解决"))),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择问题是否已解决。"),
            "invalid_choice": gettext_lazy("请选择问题是否已解决。"),
        },
    )
    comment = forms.CharField(
        label=gettext_lazy("意见建议（可不填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )


class PublicRatingView(RatingLinkView):
    """群众评价: the page behind an appeal's rating link or QR code (core.ratinglink: one rating
    per link, refused links, rate limit). Answering "not resolved" reopens the appeal (the service
    does it)."""

    template_name = "ledgers/public/rate.html"
    message_template = PUBLIC_MESSAGE_TEMPLATE
    form_class = RatingForm
    bad_link_message = gettext_lazy("评价链接无效，请向村（社区）索取新的链接。")

    def invitation_from_token(self, token):
        return rating_invitation_from_token(token)

    def rate(self, token, data):
        appeal_rate(token=token, score=data["score"], resolved_confirmed=data["resolved"], comment=data["comment"])

    def thanks_note(self, data):
        return "" if data["resolved"] else _("您反映问题未解决，村（社区）将重新办理。")

    def thanks_context(self, invitation):
        return {"region_code": invitation.appeal.region_id}

    def form_context(self, invitation):
        return {"appeal": public_appeal_of_invitation(invitation), "expires_at": invitation.expires_at}


def rating_link_context(request, invitation, token) -> dict:
    link = request.build_absolute_uri(reverse("ledgers:public_rate", args=[token]))
    qr = segno.make(link, error="m")
    return {
        "invitation": invitation,
        "rating_link": link,
        "qr_svg": qr.svg_inline(scale=4, dark="#000", light="#fff"),
        "qr_png": qr.png_data_uri(scale=8, border=2),
    }


class RatingLinkCreateView(LoginRequiredMixin, ScopedViewMixin, SingleObjectMixin, View):
    """Staff: a new single-use rating link (and QR code) for a disclosed appeal in their scope.

    Out of scope → 404; visible but without the right to change its status → 403.
    """

    model = LivelihoodAppeal
    required_action = "transition"
    http_method_names = ["post"]

    def post(self, request, pk):
        appeal = self.get_object()
        status = 200
        try:
            invitation, token = rating_invitation_create(actor=request.user, appeal=appeal)
            context = rating_link_context(request, invitation, token)
        except ServiceError as exc:
            if exc.code == "out_of_scope":
                raise PermissionDenied
            context, status = {"link_error": " ".join(exc.messages)}, 400
        try:
            detail_url = reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk])
        except NoReverseMatch:
            detail_url = ""
        context.update(
            appeal=appeal,
            detail_url=detail_url,
            can_rate=appeal.status in (AppealStatus.DISCLOSED, AppealStatus.RATED),
            invitation_count=appeal.rating_invitations.count(),
        )
        template = (
            "ledgers/public/rating_link_panel.html"
            if request.headers.get("HX-Request")
            else "ledgers/public/rating_link.html"
        )
        return render(request, template, context, status=status)
