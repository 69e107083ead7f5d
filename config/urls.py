"""Root URLs: pages per app, the REST API under /api/v1/, its schema and docs."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from accounts.forms import ThrottledAdminAuthenticationForm

admin.site.site_header = _("Grid governance portal")
admin.site.site_title = _("Grid governance portal")
admin.site.index_title = _("Administration")
# The admin login counts failures and locks out like every other door.
admin.site.login_form = ThrottledAdminAuthenticationForm


def _favicon(request, *args, **kwargs):
    return RedirectView.as_view(url=static("favicon.svg"), permanent=True)(request, *args, **kwargs)


urlpatterns = [
    path("", include("accounts.urls")),
    path("favicon.ico", _favicon, name="favicon"),
    path("territory/", include("grids.urls")),
    path("cases/", include("cases.urls")),
    path("notifications/", include("notifications.urls")),
    path("party/", include("partyorg.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("imports/", include("imports.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its start-up script as a file, which the Content-Security-Policy allows.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
# Uploaded files are never served from MEDIA_URL, not even with DEBUG: the case pages stream
# them after checking that the case is in the requester's scope.
