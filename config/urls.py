from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token

from core.api.root import ApiRootView

admin.site.site_header = _("基层工作信息系统 · 管理后台")
admin.site.site_title = _("基层工作信息系统")

api_v1 = [
    path("", ApiRootView.as_view(), name="api-root"),  # first: every app's router lists here (core/api/root.py)
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include("regions.api.urls")),
    path("", include("ledgers.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("audit.api.urls")),
    path("", include("pairings.api.urls")),
    path("", include("community.api.urls")),
    path("", include("petitions.api.urls")),
]

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("regions/", include("regions.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("reports/", include("reports.urls")),
    path("audit/", include("audit.urls")),
    path("pairings/", include("pairings.urls")),
    path("community/", include("community.urls")),
    path("petitions/", include("petitions.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
