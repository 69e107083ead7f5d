"""Routes of the cases API (mounted under /api/v1/)."""

from config.api_routers import ApiRouter

from . import views

router = ApiRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("case-categories", views.CaseCategoryViewSet, basename="case-category")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("patrols", views.PatrolViewSet, basename="patrol")
router.register("summonses", views.SummonsViewSet, basename="summons")

urlpatterns = router.urls
