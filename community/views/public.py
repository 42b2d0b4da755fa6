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
from django.utils.translation import gettext_lazy
from django.views import View

from community.forms import OrderForm, RatingForm
from community.selectors import public_community_get, public_community_summary
from community.services import order_place, order_rate, order_rating_invitation_from_token
from core.exceptions import ServiceError
from core.ratelimit import rate_limit_hit, too_many_requests
from core.ratinglink import RatingLinkView
from core.requestlocal import client_address
from ledgers.views.base import apply_service_error

PAGES_RATE_SCOPE = "public_pages"
ORDER_RATE_SCOPE = "public_order"
MESSAGE_TEMPLATE = "community/public/message.html"


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


class PublicOrderRatingView(RatingLinkView):
    """居民评价: the page behind a service order's rating link (core.ratinglink: one rating per
    link, refused links, rate limit); "not done" reopens the order."""

    template_name = "community/public/rate.html"
    message_template = MESSAGE_TEMPLATE
    form_class = RatingForm
    bad_link_message = gettext_lazy("评价链接无效，请向社区索取新的链接。")

    def invitation_from_token(self, token):
        return order_rating_invitation_from_token(token)

    def rate(self, token, data):
        order_rate(token=token, score=data["score"], done_confirmed=data["done"], comment=data["comment"])

    def thanks_note(self, data):
        return "" if data["done"] else _("您反映服务没有办好，社区将重新派单办理。")

    def thanks_context(self, invitation):
        return {"region": invitation.order.region}

    def form_context(self, invitation):
        order = invitation.order
        return {
            "community": order.region.name,
            "need": order.need,
            "category": order.get_category_display(),
            "result": order.result,
            "completed_at": order.completed_at,
            "expires_at": invitation.expires_at,
        }
