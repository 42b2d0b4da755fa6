from rest_framework.routers import DefaultRouter

from community.api.views import CommunityReportViewSet, ServiceOrderViewSet

router = DefaultRouter()
router.register("community-reports", CommunityReportViewSet, basename="community-report")
router.register("service-orders", ServiceOrderViewSet, basename="service-order")
urlpatterns = router.urls
