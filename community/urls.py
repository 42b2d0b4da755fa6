from django.urls import path

from community.views import member, orders, public, reports, transfer

app_name = "community"

urlpatterns = [
    # 三单制 (staff)
    path("orders/", orders.ServiceOrderListView.as_view(), name="serviceorder_list"),
    path("orders/board/", orders.ServiceOrderBoardView.as_view(), name="serviceorder_board"),
    path("orders/new/", orders.ServiceOrderCreateView.as_view(), name="serviceorder_create"),
    path("orders/export/", transfer.ServiceOrderExportView.as_view(), name="serviceorder_export"),
    path("orders/<int:pk>/", orders.ServiceOrderDetailView.as_view(), name="serviceorder_detail"),
    path("orders/<int:pk>/rating-link/", orders.ServiceOrderRatingLinkView.as_view(), name="serviceorder_rating_link"),
    path("orders/<int:pk>/<str:action>/", orders.ServiceOrderActionView.as_view(), name="serviceorder_action"),
    # The Party member's phone page
    path("my/", member.MyOrdersView.as_view(), name="my_orders"),
    # 双报到
    path("reports/", reports.CommunityReportListView.as_view(), name="communityreport_list"),
    path("reports/new/", reports.CommunityReportCreateView.as_view(), name="communityreport_create"),
    path("reports/export/", transfer.CommunityReportExportView.as_view(), name="communityreport_export"),
    path("reports/<int:pk>/", reports.CommunityReportDetailView.as_view(), name="communityreport_detail"),
    path("reports/<int:pk>/withdraw/", reports.CommunityReportWithdrawView.as_view(), name="communityreport_withdraw"),
    # Residents (no sign-in)
    path("public/<str:code>/", public.PublicCommunityView.as_view(), name="public_community"),
    path("rate/<str:token>/", public.PublicOrderRatingView.as_view(), name="public_rate"),
]
