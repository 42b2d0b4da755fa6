import datetime

from django import template
from django.utils import timezone

from petitions.choices import OFFICE_OWES
from petitions.querysets import DUE_SOON_DAYS

register = template.Library()

_COLOURS = {
    "registered": "info",
    "accepted": "primary",
    "not_accepted": "secondary",
    "transferred": "secondary",
    "in_handling": "primary",
    "replied": "success",
    "review_requested": "warning",
    "review_answered": "success",
    "rereview_requested": "warning",
    "rereview_answered": "success",
    "closed": "dark",
}


@register.filter
def petition_colour(status):
    return _COLOURS.get(status, "secondary")


@register.filter
def due_state(petition):
    """ "overdue", "soon" or "" for the case's current deadline (computed, never typed)."""
    if petition.status not in OFFICE_OWES or petition.current_due is None:
        return ""
    today = timezone.localdate()
    if petition.current_due < today:
        return "overdue"
    if petition.current_due <= today + datetime.timedelta(days=DUE_SOON_DAYS):
        return "soon"
    return ""


@register.filter
def overdue_days(petition):
    if petition.current_due is None:
        return 0
    return max((timezone.localdate() - petition.current_due).days, 0)


@register.simple_tag
def appeal_petition(appeal, user):
    """The case a livelihood appeal was transferred into, if `user` may see it; and whether `user`
    may transfer it (add petitions in its village): {"case": Petition | None, "can_transfer": bool}."""
    from petitions.models import Petition
    from regions.scoping import can_at_region, restrict

    # Most appeals were never transferred: ask that first (one indexed probe), and read the case
    # through the user's scope (which first reads the cases the user owns or is named in) only then.
    cases = Petition.objects.filter(livelihood_appeal_id=appeal.pk)
    transferred = cases.exists()
    case = restrict(cases, user).only("pk", "number").first() if transferred else None
    allowed = appeal.voided_at is None and can_at_region(user, "petitions.add_petition", appeal.region_id)
    return {"case": case, "can_transfer": not transferred and allowed}
