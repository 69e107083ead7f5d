"""Routes of the territory and ledger API (mounted under /api/v1/)."""

from config.api_routers import ApiRouter

from . import views

router = ApiRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("estates", views.EstateViewSet, basename="estate")
router.register("buildings", views.BuildingViewSet, basename="building")
router.register("units", views.UnitViewSet, basename="unit")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("residents", views.ResidentViewSet, basename="resident")

urlpatterns = router.urls
