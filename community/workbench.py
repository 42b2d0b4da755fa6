"""The community app's workbench cards: the branch's new orders and those not taken in time; a
Party member's open orders. Every count scoped and bounded."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from community.choices import OrderStatus
from community.models import ServiceOrder
from community.querysets import take_deadline_cutoff, take_hours
from core.paginator import bounded_count
from core.workbench import Card, CardItem, register
from regions.scoping import restrict


def _branch_items(user):
    orders = restrict(ServiceOrder.objects.waiting(), user, "transition")
    board = reverse("community:serviceorder_board")
    listing = reverse("community:serviceorder_list")
    hours = take_hours()
    return [
        CardItem(
            str(_("待派单的居民点单")),
            bounded_count(orders.filter(status__in=(OrderStatus.PLACED, OrderStatus.REOPENED))),
            board,
            tone="warning",
            help=str(_("居民已点单或评价为没有办好、尚未派给党员的订单")),
        ),
        CardItem(
            str(_("超时未接单")),
            bounded_count(orders.filter(waiting_since__lt=take_deadline_cutoff())),
            f"{listing}?overdue=true",
            tone="danger",
            help=str(_("点单（或重新办理）后超过 %(hours)s 小时仍无党员接单的订单") % {"hours": hours}),
        ),
    ]


def _member_items(user):
    mine = restrict(ServiceOrder.objects.filter(assigned_member__user=user), user)
    url = reverse("community:my_orders")
    return [
        CardItem(str(_("待我接单")), bounded_count(mine.filter(status=OrderStatus.DISPATCHED)), url, tone="warning"),
        CardItem(str(_("我已接单未完成")), bounded_count(mine.filter(status=OrderStatus.TAKEN)), url, tone="info"),
    ]


def _is_member(user):
    from community.selectors import my_memberships

    return my_memberships(user=user).exists()


def register_cards():
    register(
        Card(
            key="community.branch",
            title=_("三单制派单"),
            permission="community.transition_serviceorder",
            items=_branch_items,
            order=40,
            icon="send-check",
        )
    )
    register(
        Card(
            key="community.member",
            title=_("我的服务单"),
            permission=None,
            applies=_is_member,
            items=_member_items,
            order=41,
            icon="person-check",
        )
    )
