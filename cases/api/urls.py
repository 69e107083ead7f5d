"""Routes of the cases API (mounted under /api/v1/)."""

from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("case-categories", views.CaseCategoryViewSet, basename="case-category")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("patrols", views.PatrolViewSet, basename="patrol")
router.register("summonses", views.SummonsViewSet, basename="summons")

urlpatterns = router.urls
