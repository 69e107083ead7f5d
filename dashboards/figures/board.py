"""Everything one dashboard shows for a place and period: the data behind every panel, the API and the exports."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from . import compute
from .period import Period
from .sql import reading


def case_panels(code: str, period: Period, *, category_id: int | None = None, now: dt.datetime | None = None) -> dict:
    """The case figures of a dashboard: headline, drill-down, trend, categories, channels, levels, summonses."""
    with reading():
        return _case_panels(code, period, category_id=category_id, now=now or timezone.now())


def _case_panels(code: str, period: Period, *, category_id: int | None, now: dt.datetime) -> dict:
    # The place's and its children's open and overdue counts share their queries.
    own_open, child_open = compute.open_counts_both(code, category_id=category_id)
    own_live, child_live = compute.live_counts(code, now=now, category_id=category_id)
    halves, trend = compute.summary_and_trend(code, period, category_id=category_id)
    head = compute.summary(
        code, period, category_id=category_id, now=now, open_now_=own_open, live=own_live, halves_=halves
    )
    return {
        "summary": head,
        "children": compute.children(
            code, period, category_id=category_id, now=now, opened=child_open, live=child_live
        ),
        "trend": trend or compute.trend(code, period, category_id=category_id),
        "categories": compute.categories(code, period, category_id=category_id),
        "channels": compute.channel_counts(head.measures),
        "levels": compute.level_counts(head.measures),
        "entry_rates": compute.entry_rates(head.measures),
        "rejections": compute.rejections(head.measures),
        "summonses": compute.summons_by_department(code, period) if category_id is None else [],
    }
