from django.conf import settings
from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # Clients that ask for /favicon.ico without reading the page's <link rel="icon">.
    path("favicon.ico", views.favicon, name="favicon"),
]
if getattr(settings, "JICENG_BARE_PAGE", False):  # the benchmark's yardstick page (make bench)
    urlpatterns.append(path("bare/", views.BarePageView.as_view(), name="bare"))
