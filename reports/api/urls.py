from rest_framework.routers import DefaultRouter

from reports.api.views import MetricViewSet, StatViewSet

router = DefaultRouter()
router.register("stats", StatViewSet, basename="stat")
router.register("metrics", MetricViewSet, basename="metric")
urlpatterns = router.urls
