from django.urls import path

from petitions import views

app_name = "petitions"

urlpatterns = [
    path("", views.PetitionListView.as_view(), name="petition_list"),
    path("mine/", views.MyCasesView.as_view(), name="my_cases"),
    path("new/", views.PetitionCreateView.as_view(), name="petition_create"),
    path("export/", views.PetitionExportView.as_view(), name="petition_export"),
    path("workload/", views.WorkloadView.as_view(), name="workload"),
    path("<int:pk>/", views.PetitionDetailView.as_view(), name="petition_detail"),
    path("<int:pk>/edit/", views.PetitionUpdateView.as_view(), name="petition_update"),
    path("<int:pk>/transition/", views.PetitionTransitionView.as_view(), name="petition_transition"),
    path("<int:pk>/extend/", views.PetitionExtendView.as_view(), name="petition_extend"),
    path("<int:pk>/progress/", views.PetitionProgressView.as_view(), name="petition_progress"),
    path("<int:pk>/owners/", views.PetitionOwnerView.as_view(), name="petition_owners"),
    path("<int:pk>/attachments/", views.PetitionAttachmentView.as_view(), name="petition_attachments"),
    path("<int:pk>/attachments/<int:attachment>/", views.PetitionAttachmentView.as_view(), name="petition_attachment"),
    path("<int:pk>/link/", views.PetitionLinkView.as_view(), name="petition_link"),
    path("<int:pk>/print/<str:document>/", views.PetitionPrintView.as_view(), name="petition_print"),
    path("from-appeal/<int:appeal>/", views.PetitionFromAppealView.as_view(), name="petition_from_appeal"),
    path("receptions/", views.ReceptionDayListView.as_view(), name="receptionday_list"),
    path("receptions/new/", views.ReceptionDayCreateView.as_view(), name="receptionday_create"),
    path("receptions/<int:pk>/", views.ReceptionDayDetailView.as_view(), name="receptionday_detail"),
    path("down-visits/", views.DownVisitListView.as_view(), name="downvisit_list"),
    path("down-visits/new/", views.DownVisitCreateView.as_view(), name="downvisit_create"),
    path("down-visits/<int:pk>/", views.DownVisitDetailView.as_view(), name="downvisit_detail"),
]
