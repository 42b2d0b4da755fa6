"""Workbench cards of pairings: a cadre's own owed must-visits; the overdue must-visits and
this week's events in a township staff member's region. Scoped and bounded (core.workbench)."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.paginator import bounded_count
from core.workbench import Card, CardItem, register
from pairings.choices import OwedStatus
from pairings.models import Cadre, MustVisitEvent, OwedVisit
from regions.scoping import restrict


def _is_cadre(user) -> bool:
    return Cadre.objects.filter(user_id=user.pk).exists()


def _my_owed(user):
    owed = OwedVisit.objects.filter(cadre_user_id=user.pk)
    home = reverse("pairings:home")
    return [
        CardItem(
            _("必访已逾期"),
            bounded_count(owed.filter(status=OwedStatus.OVERDUE)),
            home,
            tone="danger",
            help=_("事件发生后超过应访期限仍未走访"),
        ),  # fmt: skip
        CardItem(_("必访待走访"), bounded_count(owed.filter(status=OwedStatus.OWED)), home, tone="warning"),
    ]


def _region_owed(user):
    owed = restrict(OwedVisit.objects.all(), user)
    events = restrict(MustVisitEvent.objects.all(), user)
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    return [
        CardItem(
            _("逾期未访"),
            bounded_count(owed.filter(status=OwedStatus.OVERDUE)),
            reverse("pairings:owedvisit_list") + "?status=overdue",
            tone="danger",
            help=_("结对干部超过应访期限仍未走访的五必访"),
        ),
        CardItem(
            _("本周必访事件"),
            bounded_count(events.filter(occurred_on__gte=monday)),
            reverse("pairings:event_list") + f"?occurred_after={monday.isoformat()}",
            tone="info",
        ),
    ]


def _leads_unit(user) -> bool:
    from pairings.selectors import led_units

    return bool(led_units(user))


def _unit_owed(user):
    """A unit leader's card: their unit's cadres' owed must-visits (overdue flagged)."""
    from pairings.selectors import led_units

    units = led_units(user)
    owed = restrict(OwedVisit.objects.filter(cadre__unit_id__in=units), user)
    url = reverse("pairings:owedvisit_list") + (f"?unit={units[0]}" if len(units) == 1 else "?")
    return [
        CardItem(
            _("本单位必访逾期"),
            bounded_count(owed.filter(status=OwedStatus.OVERDUE)),
            url + "&status=overdue",
            tone="danger",
            help=_("本单位结对干部超过应访期限仍未走访的五必访"),
        ),
        CardItem(_("本单位必访待走访"), bounded_count(owed.filter(status=OwedStatus.OWED)), url + "&status=owed",
                 tone="warning"),
    ]  # fmt: skip


def register_cards():
    register(Card(key="pairings.mine", title=_("我的必访"), permission=None, items=_my_owed, order=15,
                  icon="person-heart", applies=_is_cadre))  # fmt: skip
    register(
        Card(
            key="pairings.region",
            title=_("五必访"),
            permission="pairings.add_mustvisitevent",
            items=_region_owed,
            order=35,
            icon="alarm",
        )
    )
    register(Card(key="pairings.unit", title=_("本单位五必访"), permission=None, items=_unit_owed, order=36,
                  icon="building", applies=_leads_unit))  # fmt: skip
