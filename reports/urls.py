from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardRedirectView.as_view(), name="dashboard"),
    path("refresh/", views.RefreshView.as_view(), name="refresh"),
    path("runs/<int:pk>/", views.RunStatusView.as_view(), name="run_status"),
    path("<str:code>/", views.DashboardView.as_view(), name="region_dashboard"),
    path("<str:code>/export.xlsx", views.DashboardExportView.as_view(), name="dashboard_export"),
    path("<str:code>/monthly/", views.MonthlyReportView.as_view(), name="monthly_report"),
]
