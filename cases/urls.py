"""Pages of cases (mounted under /cases/): field pages for phones, desk pages for desktops."""

from .views.desk import urlpatterns as desk_urlpatterns
from .views.field import urlpatterns as field_urlpatterns

app_name = "cases"

urlpatterns = field_urlpatterns + desk_urlpatterns
