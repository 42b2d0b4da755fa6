from django.urls import path

from regions import views

app_name = "regions"

urlpatterns = [
    path("", views.RegionListView.as_view(), name="region_list"),
    path("picker/", views.RegionPickerView.as_view(), name="region_picker"),
    path("<str:code>/", views.RegionDetailView.as_view(), name="region_detail"),
]
