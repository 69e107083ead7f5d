"""Pages of Party organisation and deliberation (mounted under /party/); public pages need no login."""

from .views.deliberation import urlpatterns as deliberation_urlpatterns
from .views.org import urlpatterns as org_urlpatterns
from .views.service import urlpatterns as service_urlpatterns

app_name = "partyorg"

urlpatterns = org_urlpatterns + service_urlpatterns + deliberation_urlpatterns
