"""A small registry of dashboard panels, so other apps add theirs without editing this app.

An app registers a panel in its AppConfig.ready():

    from dashboards.panels import Panel, register
    register(Panel(key="property", title=_("Property services"), template="property_mgmt/_panel.html",
                   data=property_panel_data, order=50))

`data(place_code, period, user)` returns the template's context (a dict, or None to hide the panel);
it must read through the app's own selectors and stay cheap (a few aggregate queries). `export`
optionally returns (sheet title, header row, rows) for the dashboard's XLSX export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .figures.period import Period


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    data: Callable[[str, Period, object], dict | None]
    order: int = 100
    # Show the panel on these places' levels only (code lengths); None for all.
    depths: frozenset[int] | None = None
    export: Callable[[dict], tuple[str, list, list[list]]] | None = None


_REGISTRY: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    """Add (or replace, by key) a panel; returns it, so it can be used as a module-level statement."""
    _REGISTRY[panel.key] = panel
    return panel


def panels_for(code: str) -> list[Panel]:
    depth = len(code)
    return sorted(
        (p for p in _REGISTRY.values() if p.depths is None or depth in p.depths), key=lambda p: (p.order, p.key)
    )


def render_data(code: str, period: Period, user) -> list[tuple[Panel, dict]]:
    """Each registered panel with its data for this place, leaving out panels with nothing to show."""
    shown = []
    for panel in panels_for(code):
        context = panel.data(code, period, user)
        if context is not None:
            shown.append((panel, context))
    return shown
