"""The Party member's phone page (我的服务单): the orders dispatched to them, to take, complete or
hand back, and their last completed ones. Open to any signed-in user; shows only their own orders
(the scope's owner rule)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from community.selectors import my_memberships, my_orders
from community.views.orders import decorate


class MyOrdersView(LoginRequiredMixin, TemplateView):
    template_name = "community/my_orders.html"

    def get_context_data(self, **kwargs):
        open_orders, done = my_orders(user=self.request.user)
        return super().get_context_data(
            open_orders=decorate(open_orders),
            done=done,
            memberships=list(my_memberships(user=self.request.user)),
            **kwargs,
        )
