"""Workbench cards of pairings: a cadre's own owed must-visits; the overdue must-visits and
this week's events in a township staff member's region; the village links' projects not yet
started and under way, and the stays going on, where the user records them. Scoped and bounded
(core.workbench)."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.paginator import bounded_count
from core.workbench import Card, CardItem, register
from pairings.choices import OwedStatus, ProjectStatus
from pairings.models import LinkProject, MustVisitEvent, OwedVisit, Stay
from regions.scoping import restrict


def _is_cadre(user) -> bool:
    from pairings.selectors import user_cadres

    return bool(user_cadres(user))


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


def _support_items(user):
    projects = restrict(LinkProject.objects.all(), user)
    today = timezone.localdate()
    stays = restrict(Stay.objects.filter(started_on__lte=today), user).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    )
    project_list = reverse("pairings:linkproject_list")
    return [
        CardItem(
            _("联村项目计划中"),
            bounded_count(projects.filter(status=ProjectStatus.PLANNED)),
            f"{project_list}?status={ProjectStatus.PLANNED}",
            tone="warning",
            help=_("已立项、尚未登记开工的联村项目：开工后请在项目页登记开工日期"),
        ),
        CardItem(
            _("联村项目实施中"),
            bounded_count(projects.filter(status=ProjectStatus.UNDER_WAY)),
            f"{project_list}?status={ProjectStatus.UNDER_WAY}",
            tone="info",
        ),
        CardItem(
            _("正在蹲点"),
            bounded_count(stays),
            reverse("pairings:stay_list"),
            tone="secondary",
            help=_("开始日期不晚于今天、尚未结束（或结束日期不早于今天）的蹲点"),
        ),
    ]


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
    register(Card(key="pairings.support", title=_("联村帮户与蹲点"), permission="pairings.add_linkproject",
                  items=_support_items, order=37, icon="house-heart"))  # fmt: skip
