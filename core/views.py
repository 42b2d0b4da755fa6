from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.workbench import cards_for
from regions.selectors import scope_roots


class HomeView(LoginRequiredMixin, TemplateView):
    """Each user's landing page: their posts and the regions they work in."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        from regions.roles import role_grants
        from regions.scoping import user_posts

        context = super().get_context_data(**kwargs)
        posts = user_posts(self.request.user)
        for post in posts:
            # Administrators' posts carry no business reading: no link into a region they cannot open.
            post.opens_region = role_grants(post.role, "regions.view_region")
        context["posts"] = posts
        context["roots"] = scope_roots(user=self.request.user)
        context["cards"] = cards_for(self.request.user)
        return context


def favicon(request):
    """/favicon.ico: the site's icon (a static SVG, also linked from every page's head)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def _error(request, status, title, exception=None):
    message = ""
    if exception is not None and exception.args and isinstance(exception.args[0], str):
        message = exception.args[0]
    if request.path.startswith("/api/"):  # API clients get the API's JSON error shape, not a page
        return JsonResponse({"detail": str(title)}, status=status)
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, _("请求有误"), exception)


def permission_denied(request, exception=None):
    return _error(request, 403, _("没有权限"), exception)


def page_not_found(request, exception=None):
    return _error(request, 404, _("页面不存在或不在您的管辖范围内"), exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("系统繁忙，请稍后再试"))}, status=500)
    return render(request, "error.html", {"status": 500, "title": _("系统繁忙，请稍后再试")}, status=500)


class BarePageView(LoginRequiredMixin, TemplateView):
    """The base template for the signed-in user and nothing else: the yardstick `make bench` sets
    every page's latency beside (a request's fixed cost: session, user, middleware, navigation).
    Served only where JICENG_BARE_PAGE is on (the benchmark's server), see core/urls.py."""

    template_name = "core/bare.html"
