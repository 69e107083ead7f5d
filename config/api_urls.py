"""Everything under /api/v1/: one router per app, merged here."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("grids.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("notifications.api_urls")),
    path("", include("partyorg.api.urls")),
    path("", include("dashboards.api")),
]
