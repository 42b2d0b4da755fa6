"""The residents' pages (no sign-in): a community's public page with the order form (居民点单), and
the rating page behind a signed, single-use link. They read through the public selectors (no
personal data) and the signed token, and are rate-limited per client address (core.ratelimit):
"public_pages" for every view of the community page, "public_order" for every order posted,
"public_rating" as for the ledgers' rating links (every POST, and every refused link).
"""

from __future__ import annotations

import segno
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from community.forms import OrderForm, RatingForm
from community.selectors import public_community_get, public_community_summary
from community.services import order_place, order_rate, order_rating_invitation_from_token
from core.exceptions import ServiceError
from core.ratelimit import rate_limit_hit, rate_limit_peek, too_many_requests
from core.requestlocal import client_address
from ledgers.views.base import apply_service_error

PAGES_RATE_SCOPE = "public_pages"
ORDER_RATE_SCOPE = "public_order"
RATING_RATE_SCOPE = "public_rating"
MESSAGE_TEMPLATE = "community/public/message.html"
TOKEN_MAX_LENGTH = 300
# A tampered or unknown link is a bad request; a used or expired one is gone.
LINK_ERROR_STATUS = {"bad_signature": 400, "unknown_link": 400, "used_link": 410, "expired_link": 410}


class PublicCommunityView(View):
    """社区服务: who reports to the community (organisations by name, members counted), how its
    orders went, and the order form. POST places an order: bad input is shown beside its field
    (400) and nothing is stored; past the limit, 429 and nothing is stored."""

    template_name = "community/public/community.html"

    def dispatch(self, request, *args, **kwargs):
        scope = ORDER_RATE_SCOPE if request.method == "POST" else PAGES_RATE_SCOPE
        state = rate_limit_hit(scope=scope, address=client_address(request))
        if state.exceeded:
            return too_many_requests(request, state, template=MESSAGE_TEMPLATE)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, code):
        region = public_community_get(code=code)
        return self.show(request, region, OrderForm())

    def post(self, request, code):
        region = public_community_get(code=code)
        form = OrderForm(request.POST)
        if form.is_valid():
            try:
                order = order_place(region=region, data=form.service_data())
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                return render(
                    request,
                    MESSAGE_TEMPLATE,
                    {
                        "title": _("点单成功"),
                        "message": _("您的服务需求已提交（编号 %(number)s），社区党组织会尽快安排党员与您联系。")
                        % {"number": order.pk},
                        "thanks": True,
                        "region": region,
                    },
                    status=201,
                )
        return self.show(request, region, form, status=400)

    def show(self, request, region, form, status=200):
        page_url = request.build_absolute_uri(reverse("community:public_community", args=[region.code]))
        context = {
            "region": region,
            "summary": public_community_summary(region=region),
            "form": form,
            "page_url": page_url,
            "qr_svg": segno.make(page_url, error="m").svg_inline(scale=3),
        }
        return render(request, self.template_name, context, status=status)


class PublicOrderRatingView(View):
    """居民评价: the page behind a rating link. One rating per link; a tampered, expired or used
    link gets a friendly page (400 / 410) and changes nothing; "not done" reopens the order."""

    template_name = "community/public/rate.html"

    def dispatch(self, request, *args, **kwargs):
        address = client_address(request)
        if request.method == "POST":
            state = rate_limit_hit(scope=RATING_RATE_SCOPE, address=address)
        else:
            state = rate_limit_peek(scope=RATING_RATE_SCOPE, address=address)
        if state.exceeded:
            return too_many_requests(request, state, template=MESSAGE_TEMPLATE)
        return super().dispatch(request, *args, **kwargs)

    def _refuse(self, request, exc: ServiceError):
        return render(
            request,
            MESSAGE_TEMPLATE,
            {"title": _("无法评价"), "message": " ".join(exc.messages), "link_error": exc.code},
            status=LINK_ERROR_STATUS.get(exc.code, 400),
        )

    def _invitation(self, token):
        if len(token) > TOKEN_MAX_LENGTH:
            raise ServiceError(_("评价链接无效，请向社区索取新的链接。"), code="bad_signature")
        return order_rating_invitation_from_token(token)

    def get(self, request, token):
        try:
            invitation = self._invitation(token)
        except ServiceError as exc:
            rate_limit_hit(scope=RATING_RATE_SCOPE, address=client_address(request))
            return self._refuse(request, exc)
        return self._form_page(request, invitation, RatingForm())

    def post(self, request, token):
        try:
            invitation = self._invitation(token)
        except ServiceError as exc:
            return self._refuse(request, exc)
        form = RatingForm(request.POST)
        if not form.is_valid():
            return self._form_page(request, invitation, form, status=400)
        try:
            order_rate(
                token=token,
                score=form.cleaned_data["score"],
                done_confirmed=form.cleaned_data["done"],
                comment=form.cleaned_data["comment"],
            )
        except ServiceError as exc:
            return self._refuse(request, exc)
        message = _("您的评价已收到。")
        if not form.cleaned_data["done"]:
            message += _("您反映服务没有办好，社区将重新派单办理。")
        return render(
            request,
            MESSAGE_TEMPLATE,
            {"title": _("感谢您的评价"), "message": message, "thanks": True, "region": invitation.order.region},
        )

    def _form_page(self, request, invitation, form, status=200):
        order = invitation.order
        # What the resident sees: their own order's need and what was done; no names or phones.
        context = {
            "form": form,
            "community": order.region.name,
            "need": order.need,
            "category": order.get_category_display(),
            "result": order.result,
            "completed_at": order.completed_at,
            "expires_at": invitation.expires_at,
        }
        return render(request, self.template_name, context, status=status)
