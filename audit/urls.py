from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.AuditEventListView.as_view(), name="event_list"),
    path("export/", views.AuditEventExportView.as_view(), name="event_export"),
    path("<int:pk>/", views.AuditEventDetailView.as_view(), name="event_detail"),
]
