from rest_framework.routers import DefaultRouter

from ledgers.api.views import (
    HardshipHouseholdViewSet,
    LivelihoodAppealViewSet,
    StabilityMatterViewSet,
    VillageProfileViewSet,
)

router = DefaultRouter()
router.register("livelihood-appeals", LivelihoodAppealViewSet, basename="livelihood-appeal")
router.register("hardship-households", HardshipHouseholdViewSet, basename="hardship-household")
router.register("stability-matters", StabilityMatterViewSet, basename="stability-matter")
router.register("village-profiles", VillageProfileViewSet, basename="village-profile")
urlpatterns = router.urls
