from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from grids.signals import region_recoded

        from . import territory  # noqa: F401
        from .rollup.recode import move_rollups

        region_recoded.connect(move_rollups, dispatch_uid="dashboards.move_rollups")
