"""Routes of the notifications API (mounted under /api/v1/)."""

from config.api_routers import ApiRouter

from . import api

router = ApiRouter()
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = router.urls
