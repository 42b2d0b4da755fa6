"""The residents' rating pages behind a signed, single-use link (no sign-in): the appeals' in
ledgers, the service orders' in community. They read the link's token only, through the services.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from core.exceptions import ServiceError
from core.ratelimit import rate_limit_hit, rate_limit_peek, too_many_requests
from core.requestlocal import client_address

TOKEN_MAX_LENGTH = 300
# Refusals of a link: a tampered or unknown link is a bad request; a used or expired one is gone.
LINK_ERROR_STATUS = {"bad_signature": 400, "unknown_link": 400, "used_link": 410, "expired_link": 410}
RATING_RATE_SCOPE = "public_rating"


class RatingLinkView(View):
    """The page behind a rating link or QR code: GET shows the form, POST records the one rating
    the link allows. A tampered, expired or used link gets a friendly page (400 / 410) and changes
    nothing; bad input is shown on the form (400). CSRF protection stays on.

    Rate limit per client address (scope "public_rating"): every POST counts, and a GET counts
    when its link is refused, so a resident opening a good link costs nothing while guessing or
    replaying links does; an address past the limit gets 429 for any request, and nothing changes.

    A subclass names its pages (`template_name`, `message_template`), its `form_class` and what a
    too long token is told (`bad_link_message`), and fills in the methods below.
    """

    template_name = ""
    message_template = ""
    form_class = None
    bad_link_message = ""

    def invitation_from_token(self, token):
        """The link's invitation (the service reads and checks the signed token)."""
        raise NotImplementedError

    def rate(self, token, data) -> None:
        """Record the rating (the form's cleaned data) through the service."""
        raise NotImplementedError

    def thanks_note(self, data) -> str:
        """What the thanks page adds after "received" (that the item will be handled again)."""
        raise NotImplementedError

    def thanks_context(self, invitation) -> dict:
        """The thanks page's link back (its region)."""
        raise NotImplementedError

    def form_context(self, invitation) -> dict:
        """What the resident sees beside the form: their own item, no names or phone numbers."""
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        address = client_address(request)
        if request.method == "POST":
            state = rate_limit_hit(scope=RATING_RATE_SCOPE, address=address)
        else:
            state = rate_limit_peek(scope=RATING_RATE_SCOPE, address=address)
        if state.exceeded:
            return too_many_requests(request, state, template=self.message_template)
        return super().dispatch(request, *args, **kwargs)

    def _refuse(self, request, exc: ServiceError):
        return render(
            request,
            self.message_template,
            {"title": _("无法评价"), "message": " ".join(exc.messages), "link_error": exc.code},
            status=LINK_ERROR_STATUS.get(exc.code, 400),
        )

    def _invitation(self, token):
        if len(token) > TOKEN_MAX_LENGTH:
            raise ServiceError(self.bad_link_message, code="bad_signature")
        return self.invitation_from_token(token)

    def get(self, request, token):
        try:
            invitation = self._invitation(token)
        except ServiceError as exc:
            rate_limit_hit(scope=RATING_RATE_SCOPE, address=client_address(request))
            return self._refuse(request, exc)
        return self._form_page(request, invitation, self.form_class())

    def post(self, request, token):
        try:
            invitation = self._invitation(token)
        except ServiceError as exc:
            return self._refuse(request, exc)
        form = self.form_class(request.POST)
        if not form.is_valid():
            return self._form_page(request, invitation, form, status=400)
        try:
            self.rate(token, form.cleaned_data)
        except ServiceError as exc:
            return self._refuse(request, exc)
        context = {
            "title": _("感谢您的评价"),
            "message": _("您的评价已收到。") + self.thanks_note(form.cleaned_data),
            "thanks": True,
            **self.thanks_context(invitation),
        }
        return render(request, self.message_template, context)

    def _form_page(self, request, invitation, form, status=200):
        context = {"form": form, **self.form_context(invitation)}
        return render(request, self.template_name, context, status=status)
