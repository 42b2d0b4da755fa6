from rest_framework.routers import DefaultRouter

from pairings.api.views import (
    CadreViewSet,
    MustVisitEventViewSet,
    OwedVisitViewSet,
    PairViewSet,
    UnitViewSet,
    VisitViewSet,
)

router = DefaultRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("cadres", CadreViewSet, basename="cadre")
router.register("pairs", PairViewSet, basename="pair")
router.register("visits", VisitViewSet, basename="visit")
router.register("must-visit-events", MustVisitEventViewSet, basename="must-visit-event")
router.register("owed-visits", OwedVisitViewSet, basename="owed-visit")
urlpatterns = router.urls
