"""The rollups' watermark row, locked by every writer of the rollups for the length of its transaction."""

from __future__ import annotations

from ..models import RollupState

STATE_NAME = "cases"


def locked_state() -> RollupState:
    """The watermark row, locked for this transaction (created if a test flush removed it)."""
    try:
        return RollupState.objects.select_for_update().get(name=STATE_NAME)
    except RollupState.DoesNotExist:
        RollupState.objects.get_or_create(name=STATE_NAME)
        return RollupState.objects.select_for_update().get(name=STATE_NAME)
