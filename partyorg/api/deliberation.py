"""REST API of the Party organisation app: deliberation."""

from __future__ import annotations


def register(router) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
