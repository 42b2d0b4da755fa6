from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # Clients that ask for /favicon.ico without reading the page's <link rel="icon">.
    path("favicon.ico", views.favicon, name="favicon"),
]
