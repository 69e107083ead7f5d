"""Phone-first pages: file a case, my inbox, patrol log, mediation record."""

from __future__ import annotations

urlpatterns: list = []
