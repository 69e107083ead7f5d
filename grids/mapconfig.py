"""What the map module (static/dashboards/map.js) needs from the server, for a page to embed as JSON.

A view puts ``{**map_config(), "labels": map_labels()}`` in the page with ``json_script`` and points
the map element's ``data-config`` at that element's id.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext


def map_config() -> dict[str, str]:
    """{"tileUrl", "attribution"}: an empty tileUrl draws the regions on a plain background, without tiles."""
    return {
        "tileUrl": settings.MAP_TILE_URL or "",
        "attribution": settings.MAP_TILE_ATTRIBUTION or "",
    }


def map_labels() -> dict[str, str]:
    """The map's own words in the active language: zoom buttons, the no-tiles credit, legend and popups."""
    return {
        "zoomIn": gettext("Zoom in"),
        "zoomOut": gettext("Zoom out"),
        "noTiles": gettext("Schematic boundaries, no base map"),
        "noData": gettext("No data"),
        "overdue": gettext("Overdue"),
    }
