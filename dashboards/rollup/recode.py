"""Re-coding a region moves its rollups: its own rows and its subtree's are renamed, its ancestors re-counted."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F

from ..models import DEPTHS, MEASURE_FIELDS, CaseRollup, CaseRollupMonth, SummonsRollup
from .writer import SUMMONS_FIELDS, upsert


def _move_model(model, key_field: str, measures: tuple[str, ...], old: str, new: str) -> None:
    length = len(old)
    # Ancestors above the region whose code changes lose the subtree's counts and the new ones gain them.
    # The region's own rows at its depth hold exactly the subtree's counts.
    own = list(model.objects.filter(depth=length, code=int(old)).values("day", key_field, *measures))
    changes: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for depth in DEPTHS:
        if depth >= length or old[:depth] == new[:depth]:
            continue
        for row in own:
            minus = changes[(depth, int(old[:depth]), row["day"], row[key_field])]
            plus = changes[(depth, int(new[:depth]), row["day"], row[key_field])]
            for field in measures:
                minus[field] -= row[field]
                plus[field] += row[field]
    upsert(model, ("depth", "code", "day", key_field), measures, changes)
    # The region and everything under it: at each depth its codes form one range, moved by a constant.
    for depth in DEPTHS:
        if depth < length:
            continue
        scale = 10 ** (depth - length)
        low, high = int(old) * scale, (int(old) + 1) * scale
        shift = (int(new) - int(old)) * scale
        # The new range is empty (re-coding refuses a code already in use), so no key can collide.
        model.objects.filter(depth=depth, code__gte=low, code__lt=high).update(code=F("code") + shift)


def move_rollups(*, old_code: str, new_code: str, **kwargs) -> None:
    """Receiver of grids.signals.region_recoded (inside the re-coding transaction)."""
    _move_model(CaseRollup, "category_id", MEASURE_FIELDS, old_code, new_code)
    _move_model(CaseRollupMonth, "category_id", MEASURE_FIELDS, old_code, new_code)
    _move_model(SummonsRollup, "department_id", SUMMONS_FIELDS, old_code, new_code)
