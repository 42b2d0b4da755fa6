"""The pairings panel on a hardship household's ledger page: its pairs, recent visits and
must-visit events, read through the scoped selectors, with the explicit staff action that raises
a must-visit event from the ledger record."""

from django import template

from pairings import selectors
from pairings.forms import MustVisitEventForm
from pairings.models import Household
from regions.scoping import can, restrict

register = template.Library()


@register.inclusion_tag("pairings/includes/hardship_panel.html", takes_context=True)
def hardship_pairing_panel(context, hardship):
    user = context["request"].user
    target = restrict(Household.objects.filter(hardship_household=hardship), user).first()
    pairs = visits = events = []
    if target is not None:
        pairs = list(selectors.pair_list(user=user).filter(household=target).order_by("-status", "-started_on")[:20])
        visits = list(selectors.visit_list(user=user).filter(household=target).order_by("-visited_on", "-id")[:10])
    events = list(selectors.event_list(user=user).filter(source_hardship=hardship).order_by("-occurred_on")[:10])
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "hardship": hardship,
        "target": target,
        "pairs": pairs,
        "visits": visits,
        "events": events,
        "can_event": can(user, "pairings.add_mustvisitevent", hardship) and can(user, "change", hardship),
        "can_open": target is not None or can(user, "pairings.add_household", hardship),
        "event_form": MustVisitEventForm(prefix="event"),
    }


@register.inclusion_tag("pairings/includes/matter_panel.html", takes_context=True)
def matter_pairing_panel(context, matter):
    """On a stability matter's ledger page: the must-visit events raised from it, and the explicit
    staff action raising one on a paired household of the matter's village."""
    user = context["request"].user
    can_event = can(user, "pairings.add_mustvisitevent", matter) and can(user, "change", matter)
    households = []
    if can_event:
        households = list(
            restrict(Household.objects.filter(region_id=matter.region_id, active_pairs__gt=0), user)
            .order_by("head_name", "id")
            .values("pk", "head_name")[:200]
        )
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "matter": matter,
        "events": list(selectors.event_list(user=user).filter(source_matter=matter).order_by("-occurred_on")[:10]),
        "can_event": can_event and bool(households),
        "households": households,
        "event_form": MustVisitEventForm(prefix="event"),
    }
