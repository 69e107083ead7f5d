"""Pages of the Party organisation app: org."""

from __future__ import annotations

urlpatterns: list = []
