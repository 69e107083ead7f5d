"""Routes of the Party organisation API (mounted under /api/v1/)."""

from rest_framework.routers import DefaultRouter

from . import deliberation, org, service

router = DefaultRouter()
for module in (org, service, deliberation):
    module.register(router)

urlpatterns = router.urls
