"""Routes of the Party organisation API (mounted under /api/v1/)."""

from config.api_routers import ApiRouter

from . import deliberation, org, positions, service

router = ApiRouter()
for module in (org, positions, service, deliberation):
    module.register(router)

urlpatterns = router.urls
