"""Pages of the Party organisation app: service."""

from __future__ import annotations

urlpatterns: list = []
