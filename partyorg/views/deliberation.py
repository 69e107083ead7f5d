"""Pages of the Party organisation app: deliberation."""

from __future__ import annotations

urlpatterns: list = []
