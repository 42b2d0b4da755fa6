from rest_framework.routers import DefaultRouter

from petitions.api.views import DownVisitViewSet, PetitionViewSet, ReceptionDayViewSet, WorkCalendarViewSet

router = DefaultRouter()
router.register("petitions", PetitionViewSet, basename="petition")
router.register("reception-days", ReceptionDayViewSet, basename="reception-day")
router.register("down-visits", DownVisitViewSet, basename="down-visit")
router.register("work-calendar", WorkCalendarViewSet, basename="work-calendar")
urlpatterns = router.urls
