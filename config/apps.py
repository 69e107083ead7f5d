"""The project-wide hooks that belong to no single app."""

from __future__ import annotations

from django.apps import AppConfig, apps
from django.conf import settings


class ProjectConfig(AppConfig):
    name = "config"
    label = "gridgov_config"
    verbose_name = "gridgov"

    def ready(self) -> None:
        from . import bulk
        from .textcheck import install

        bulk.install()

        # The project's own apps: those whose code lives in this repository, not in an installed package.
        base = str(settings.BASE_DIR)
        own = {
            config.label
            for config in apps.get_app_configs()
            if str(config.path).startswith(base) and "site-packages" not in str(config.path)
        }
        install(own)
