"""Helpers for the Content-Security-Policy in settings."""

from __future__ import annotations

from urllib.parse import urlsplit


def tile_sources(tile_url: str) -> list[str]:
    """The image source a map tile URL template needs, e.g. `https://*.tile.example.org`.

    Leaflet's `{s}` subdomain placeholder becomes a wildcard; no URL, no source.
    """
    if not tile_url:
        return []
    parts = urlsplit(tile_url.replace("{s}", "a"))
    if not parts.scheme or not parts.netloc:
        return []
    host = parts.netloc
    if tile_url.split("//", 1)[-1].startswith("{s}."):
        host = "*." + host.split(".", 1)[1]
    return [f"{parts.scheme}://{host}"]
