"""服务订单 pages: list, the branch's dispatch board, detail with history and the allowed actions,
the branch's order entry, the actions (dispatch, take, complete, return, cancel), rating links.

Reads go through community.selectors (scope first: out of scope → 404); writes through
community.services. A visible order the user may not act on answers 403; a refused action is shown
on the detail page (409 when the order moved on or was changed by someone else, else 400).
"""

from __future__ import annotations

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from community.choices import ORDER_WAITING_STATUSES, OrderStatus
from community.forms import CompleteForm, DispatchForm, ReasonForm, StaffOrderForm, VersionForm
from community.models import ServiceOrder
from community.querysets import take_deadline_cutoff, take_hours
from community.selectors import (
    BOARD_MAX_ROWS,
    communities_for,
    dispatch_choices,
    is_late,
    order_board,
    order_get,
    order_history,
    order_list,
    order_ratings,
)
from community.services import (
    may_work_on,
    order_cancel,
    order_complete,
    order_dispatch,
    order_place,
    order_rating_link_create,
    order_return,
    order_take,
    order_transition_targets,
)
from community.views.base import CommunityListView, CommunityViewMixin
from core.exceptions import ConcurrentEditError, OutOfScope, ServiceError, TransitionNotAllowed
from core.paginator import bounded_count
from ledgers.views.base import apply_service_error, has_permission_somewhere, safe_next, show_refusal

ACTIONS = ("dispatch", "take", "complete", "return", "cancel")
# The action a page posts, and the status it leads to.
ACTION_TARGET = {
    "dispatch": OrderStatus.DISPATCHED,
    "take": OrderStatus.TAKEN,
    "complete": OrderStatus.COMPLETED,
    "return": OrderStatus.PLACED,
    "cancel": OrderStatus.CANCELLED,
}


class OrderMixin:
    model = ServiceOrder
    url_prefix = "serviceorder"


def decorate(orders, cutoff=None):
    cutoff = cutoff or take_deadline_cutoff()
    for order in orders:
        order.late = is_late(order, cutoff)
    return orders


class ServiceOrderListView(OrderMixin, CommunityListView):
    template_name = "community/serviceorder_list.html"
    selector = order_list
    sort_fields = (
        ("placed_at", gettext_lazy("点单时间")),
        ("category", gettext_lazy("需求类别")),
        ("region", gettext_lazy("社区")),
        ("waiting_since", gettext_lazy("待接单起始时间")),
        ("status", gettext_lazy("状态")),
    )

    def extra_list_context(self, filterset, rows, page_obj, errors):
        late = 0
        if not errors:
            late = bounded_count(
                rows.filter(status__in=ORDER_WAITING_STATUSES, waiting_since__lt=take_deadline_cutoff())
            )
        decorate(page_obj.object_list)
        return {"late_count": late, "late_capped": late > page_obj.paginator.cap, "take_hours": take_hours()}


class ServiceOrderBoardView(OrderMixin, CommunityViewMixin, TemplateView):
    """派单台: the branch's open orders, new ones first, the longest waiting first within each;
    orders not taken in time flagged. With the QR code of each community's public order page."""

    template_name = "community/serviceorder_board.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        if not has_permission_somewhere(user, "community.transition_serviceorder"):
            raise PermissionDenied(_("您没有派单的权限。"))
        board = order_board(user=user)
        cutoff = take_deadline_cutoff()
        rows = decorate(list(board[:BOARD_MAX_ROWS]), cutoff)
        communities = list(communities_for(user=user, permission="community.transition_serviceorder")[:6])
        posters = []
        if len(communities) <= 5:
            for region in communities:
                link = self.request.build_absolute_uri(reverse("community:public_community", args=[region.code]))
                posters.append(
                    {"region": region, "url": link, "qr_svg": segno.make(link, error="m").svg_inline(scale=3)}
                )
        return super().get_context_data(
            rows=rows,
            total=bounded_count(board),
            new_count=bounded_count(board.filter(status__in=(OrderStatus.PLACED, OrderStatus.REOPENED))),
            late_count=bounded_count(board.filter(status__in=ORDER_WAITING_STATUSES, waiting_since__lt=cutoff)),
            max_rows=BOARD_MAX_ROWS,
            take_hours=take_hours(),
            posters=posters,
            crumbs=self.crumbs({"label": _("派单台"), "url": ""}),
            **kwargs,
        )


class ServiceOrderDetailView(OrderMixin, CommunityViewMixin, TemplateView):
    """One order: every field (the phone masked), its allowed next actions, its ratings and history."""

    template_name = "community/serviceorder_detail.html"

    def get_order(self):
        if not hasattr(self, "_order"):
            self._order = order_get(user=self.request.user, pk=self.kwargs["pk"])
        return self._order

    def get_context_data(self, **kwargs):
        order = self.get_order()
        user = self.request.user
        targets = order_transition_targets(user, order)
        members, organisations = dispatch_choices(order) if OrderStatus.DISPATCHED in targets else ((), ())
        initial = {"version": order.version}
        context = {
            "object": order,
            "order": order,
            "late": is_late(order),
            "take_hours": take_hours(),
            "history": order_history(order),
            "ratings": order_ratings(order),
            "targets": targets,
            "can_rating_link": order.status == OrderStatus.COMPLETED and may_work_on(user, order),
            "dispatch_form": DispatchForm(initial=initial, members=members, organisations=organisations),
            "take_form": VersionForm(initial=initial),
            "complete_form": CompleteForm(initial=initial),
            "return_form": ReasonForm(initial=initial),
            "cancel_form": ReasonForm(initial=initial),
            "crumbs": self.crumbs({"label": str(order), "url": ""}),
        }
        context.update(kwargs)
        return super().get_context_data(**context)


class ServiceOrderActionView(ServiceOrderDetailView):
    """POST /orders/<pk>/<action>/: one action through its service. Back to `next` (the board, the
    member's page) or the detail page; a refusal shows the detail page with the reason."""

    http_method_names = ["post"]

    def post(self, request, pk, action):
        if action not in ACTIONS:
            raise PermissionDenied
        order = self.get_order()
        target = ACTION_TARGET[action]
        if not may_work_on(request.user, order):
            raise PermissionDenied(_("您不能处理这张服务订单。"))
        if action == "dispatch":
            members, organisations = dispatch_choices(order)
            form = DispatchForm(request.POST, members=members, organisations=organisations)
        elif action == "complete":
            form = CompleteForm(request.POST)
        elif action in ("return", "cancel"):
            form = ReasonForm(request.POST)
        else:
            form = VersionForm(request.POST)
        status = 400
        if form.is_valid():
            version = form.cleaned_data["version"]
            try:
                self.apply(action, order, form, version)
            except OutOfScope:
                raise PermissionDenied(_("您不能处理这张服务订单。"))
            except ServiceError as exc:
                status = show_refusal(form, exc, conflicts=(ConcurrentEditError, TransitionNotAllowed))
            else:
                messages.success(request, _("服务订单已变更为“%(status)s”。") % {"status": OrderStatus(target).label})
                return redirect(safe_next(request, reverse("community:serviceorder_detail", args=[order.pk])))
        return self.render_to_response(
            self.get_context_data(**{f"{action}_form": form, "refused_form": form}), status=status
        )

    def apply(self, action, order, form, version):
        actor = self.request.user
        if action == "dispatch":
            return order_dispatch(
                actor=actor,
                order=order,
                service_kind=form.cleaned_data["service_kind"],
                note=form.cleaned_data["note"],
                expected_version=version,
                **form.assignee_kwargs(),
            )
        if action == "take":
            return order_take(actor=actor, order=order, expected_version=version)
        if action == "complete":
            return order_complete(actor=actor, order=order, result=form.cleaned_data["text"], expected_version=version)
        if action == "return":
            return order_return(actor=actor, order=order, reason=form.cleaned_data["text"], expected_version=version)
        return order_cancel(actor=actor, order=order, reason=form.cleaned_data["text"], expected_version=version)


def rating_link_context(request, invitation, token) -> dict:
    link = request.build_absolute_uri(reverse("community:public_rate", args=[token]))
    qr = segno.make(link, error="m")
    return {"invitation": invitation, "rating_link": link, "qr_svg": qr.svg_inline(scale=4, dark="#000", light="#fff")}


class ServiceOrderRatingLinkView(ServiceOrderDetailView):
    """POST: a new single-use rating link (and QR code) for a completed order, for the branch or the
    member who did the work to show or send to the resident."""

    http_method_names = ["post"]
    template_name = "community/serviceorder_rating_link.html"

    def post(self, request, pk):
        order = self.get_order()
        if not may_work_on(request.user, order):
            raise PermissionDenied(_("您不能为这张服务订单生成评价链接。"))
        status, context = 200, {"order": order}
        try:
            invitation, token = order_rating_link_create(actor=request.user, order=order)
            context.update(rating_link_context(request, invitation, token))
        except ServiceError as exc:
            status, context["link_error"] = 400, " ".join(exc.messages)
        context["crumbs"] = self.crumbs(
            {"label": str(order), "url": reverse("community:serviceorder_detail", args=[order.pk])}
        )
        return render(request, self.template_name, context, status=status)


class ServiceOrderCreateView(OrderMixin, CommunityViewMixin, TemplateView):
    """The branch registers an order for a resident who called or came in."""

    template_name = "community/serviceorder_form.html"

    def check(self):
        if not has_permission_somewhere(self.request.user, "community.add_serviceorder"):
            raise PermissionDenied(_("您没有登记服务订单的权限。"))

    def get(self, request, *args, **kwargs):
        self.check()
        return self.show(StaffOrderForm(user=request.user))

    def post(self, request, *args, **kwargs):
        self.check()
        form = StaffOrderForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                order = order_place(actor=request.user, region=form.cleaned_data["region"], data=form.service_data())
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已登记服务订单：%(need)s") % {"need": order.need})
                return redirect("community:serviceorder_detail", order.pk)
        return self.show(form, status=400)

    def show(self, form, status=200):
        context = self.get_context_data(form=form, crumbs=self.crumbs({"label": _("代居民点单"), "url": ""}))
        return self.render_to_response(context, status=status)
