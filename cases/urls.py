"""Pages of cases (mounted under /cases/): field pages for phones, desk pages for desktops."""

from .views import board, desk, detail, field, mediation, patrols

app_name = "cases"

urlpatterns = (
    field.urlpatterns
    + patrols.urlpatterns
    + mediation.urlpatterns
    + desk.urlpatterns
    + detail.urlpatterns
    + board.urlpatterns
)
