"""Root URLs: pages per app, the REST API under /api/v1/, its schema and docs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("", include("accounts.urls")),
    path("territory/", include("grids.urls")),
    path("cases/", include("cases.urls")),
    path("notifications/", include("notifications.urls")),
    path("party/", include("partyorg.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
# Uploaded files are never served from MEDIA_URL, not even with DEBUG: the case pages stream
# them after checking that the case is in the requester's scope.
