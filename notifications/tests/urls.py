"""The project's URLs plus the notification pages and API, until config/urls.py mounts them."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("notifications.api_urls")),
]
