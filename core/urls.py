from django.conf import settings
from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]
if getattr(settings, "JICENG_BARE_PAGE", False):  # the benchmark's yardstick page (make bench)
    urlpatterns.append(path("bare/", views.BarePageView.as_view(), name="bare"))
