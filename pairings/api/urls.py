from rest_framework.routers import DefaultRouter

from pairings.api.views import (
    CadreViewSet,
    LinkProjectViewSet,
    MustVisitEventViewSet,
    OwedVisitViewSet,
    PairViewSet,
    StayViewSet,
    SupportAssignmentViewSet,
    TrainingViewSet,
    UnitViewSet,
    VillageLinkViewSet,
    VisitViewSet,
)

router = DefaultRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("cadres", CadreViewSet, basename="cadre")
router.register("pairs", PairViewSet, basename="pair")
router.register("visits", VisitViewSet, basename="visit")
router.register("must-visit-events", MustVisitEventViewSet, basename="must-visit-event")
router.register("owed-visits", OwedVisitViewSet, basename="owed-visit")
router.register("support-assignments", SupportAssignmentViewSet, basename="support-assignment")
router.register("village-links", VillageLinkViewSet, basename="village-link")
router.register("link-projects", LinkProjectViewSet, basename="link-project")
router.register("trainings", TrainingViewSet, basename="training")
router.register("stays", StayViewSet, basename="stay")
urlpatterns = router.urls
