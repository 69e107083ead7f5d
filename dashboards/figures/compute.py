"""Figures of a place and period, read from the rollups (and the few live counts that depend on the clock).

A place is a region code prefix ("" for everywhere). Its own figures are the rows stored at its own
depth; its children's are the rows one level down, found as one integer range of codes. Nothing here
checks who asks: callers resolve the place against the user's scope first (see ..places).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone

from cases.stat_selectors import category_tree, clock_counts

from ..models import MEASURE_FIELDS, REJECT_REASON_FIELDS, CaseRollup, SummonsRollup
from .definitions import enough_sample, figure_values, open_now
from .period import Period, bucket_start, buckets

DEPTH_AFTER = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12, 12: 15, 15: 17}
TOP_CATEGORIES = 10


def place_depth(code: str) -> int:
    return len(code) if code else 2


def child_depth(code: str) -> int | None:
    return DEPTH_AFTER.get(len(code))


def code_range(code: str, depth: int) -> tuple[int, int]:
    """The codes at `depth` that lie under the prefix, as a half-open integer range."""
    if not code:
        return 0, 10**depth
    scale = 10 ** (depth - len(code))
    return int(code) * scale, (int(code) + 1) * scale


def category_filter(category_id: int | None) -> list[int]:
    """Rollup category keys for a filter: 0 for all, the leaf itself, or a top category's leaves."""
    if category_id is None:
        return [0]
    tree = category_tree()
    leaves = [pk for pk, (_name, parent) in tree.items() if parent == category_id]
    return leaves or [category_id]


def _rows(model, code: str, depth: int, *, categories: list[int] | None = None):
    low, high = code_range(code, depth)
    queryset = model.objects.filter(depth=depth, code__gte=low, code__lt=high)
    if categories is not None:
        queryset = (
            queryset.filter(category_id__in=categories)
            if len(categories) > 1
            else queryset.filter(category_id=categories[0])
        )
    return queryset


def _sum(queryset, fields=MEASURE_FIELDS) -> dict[str, int]:
    row = queryset.aggregate(**{name: Sum(name) for name in fields})
    return {name: row[name] or 0 for name in fields}


def _sum_by(queryset, key: str, fields=MEASURE_FIELDS) -> dict:
    rows = queryset.values(key).annotate(**{f"s_{name}": Sum(name) for name in fields}).order_by()
    return {row[key]: {name: row[f"s_{name}"] or 0 for name in fields} for row in rows}


def measures(code: str, start: dt.date, end: dt.date, *, category_id: int | None = None) -> dict[str, int]:
    """The measures of a place summed over [start, end]."""
    rows = _rows(CaseRollup, code, place_depth(code), categories=category_filter(category_id))
    return _sum(rows.filter(day__gte=start, day__lte=end))


def open_counts(code: str, *, category_id: int | None = None, by_child: bool = False) -> dict[str, int]:
    """Open cases now (as of the rollups), for the place or per child code."""
    fields = ("filed", "reopened", "concluded", "rejected", "duplicates")
    categories = category_filter(category_id)
    if not by_child:
        return {code: open_now(_sum(_rows(CaseRollup, code, place_depth(code), categories=categories), fields))}
    depth = child_depth(code)
    if depth is None:
        return {}
    grouped = _sum_by(_rows(CaseRollup, code, depth, categories=categories), "code", fields)
    return {str(number): open_now(values) for number, values in grouped.items()}


@dataclass
class Summary:
    code: str
    period: Period
    measures: dict[str, int]
    previous: dict[str, int]
    figures: dict = field(default_factory=dict)
    previous_figures: dict = field(default_factory=dict)
    open_now: int = 0
    overdue_now: int = 0
    reminders_due: int = 0
    enough_sample: bool = False


def summary(code: str, period: Period, *, category_id: int | None = None, now: dt.datetime | None = None) -> Summary:
    """Headline figures of a place for the period, with the previous period of the same length."""
    now = now or timezone.now()
    current = measures(code, period.start, period.end, category_id=category_id)
    before = period.previous()
    previous = measures(code, before.start, before.end, category_id=category_id)
    result = Summary(code=code, period=period, measures=current, previous=previous)
    result.figures = figure_values(current)
    result.previous_figures = figure_values(previous)
    result.enough_sample = enough_sample(current)
    result.open_now = open_counts(code, category_id=category_id)[code]
    live_categories = None if category_id is None else category_filter(category_id)
    live = clock_counts(code, now=now, category_ids=live_categories)[code]
    result.overdue_now, result.reminders_due = live["overdue"], live["reminders"]
    return result


def children(
    code: str, period: Period, *, category_id: int | None = None, now: dt.datetime | None = None
) -> list[dict]:
    """One row per child place with data: its code, measures, figures, open and overdue counts."""
    depth = child_depth(code)
    if depth is None:
        return []
    now = now or timezone.now()
    categories = category_filter(category_id)
    rows = _rows(CaseRollup, code, depth, categories=categories).filter(day__gte=period.start, day__lte=period.end)
    grouped = {str(number): values for number, values in _sum_by(rows, "code").items()}
    opened = open_counts(code, category_id=category_id, by_child=True)
    live = clock_counts(code, now=now, child_length=depth, category_ids=None if category_id is None else categories)
    result = []
    for child in sorted(set(grouped) | set(opened) | set(live)):
        row = empty_child_row(child)
        if child in grouped:
            row["measures"] = grouped[child]
            row["figures"] = figure_values(grouped[child])
            row["enough_sample"] = enough_sample(grouped[child])
        row["open_now"] = opened.get(child, 0)
        row["overdue_now"] = live.get(child, {}).get("overdue", 0)
        row["reminders_due"] = live.get(child, {}).get("reminders", 0)
        result.append(row)
    return result


def empty_child_row(code: str) -> dict:
    """A drill-down row for a child place with no data at all."""
    values = dict.fromkeys(MEASURE_FIELDS, 0)
    return {
        "code": code,
        "measures": values,
        "figures": figure_values(values),
        "enough_sample": False,
        "open_now": 0,
        "overdue_now": 0,
        "reminders_due": 0,
    }


def _series(code: str, period: Period, categories: list[int]) -> dict[dt.date, dict[str, int]]:
    fields = ("filed", "concluded", "top_grid", "top_community", "concluded_on_time")
    rows = _rows(CaseRollup, code, place_depth(code), categories=categories).filter(
        day__gte=period.start, day__lte=period.end
    )
    by_day = _sum_by(rows, "day", fields)
    series: dict[dt.date, dict[str, int]] = {start: dict.fromkeys(fields, 0) for start in buckets(period)}
    for day, values in by_day.items():
        bucket = series[bucket_start(day, period.granularity)]
        for name, value in values.items():
            bucket[name] += value
    return series


def trend(code: str, period: Period, *, category_id: int | None = None) -> dict:
    """Filed and concluded cases per day, week or month, beside the previous period of the same length."""
    categories = category_filter(category_id)
    current = _series(code, period, categories)
    previous = _series(code, period.previous(), categories)
    points = []
    earlier = list(previous.items())
    for index, (start, values) in enumerate(current.items()):
        before = earlier[index][1] if index < len(earlier) else None
        points.append(
            {
                "start": start,
                "filed": values["filed"],
                "concluded": values["concluded"],
                "in_grid_rate": (values["top_grid"] / values["concluded"]) if values["concluded"] else None,
                "previous_filed": before["filed"] if before else None,
                "previous_concluded": before["concluded"] if before else None,
            }
        )
    return {"granularity": period.granularity, "points": points}


def categories(code: str, period: Period, *, category_id: int | None = None) -> list[dict]:
    """Cases filed by category in the period: the ten largest, and the rest together."""
    tree = category_tree()
    keys = category_filter(category_id) if category_id is not None else None
    rows = _rows(CaseRollup, code, place_depth(code)).filter(day__gte=period.start, day__lte=period.end)
    rows = rows.filter(category_id__in=keys) if keys else rows.exclude(category_id=0)
    grouped = _sum_by(rows, "category_id", ("filed", "concluded"))
    ordered = sorted(grouped.items(), key=lambda item: (-item[1]["filed"], item[0]))
    result = [
        {"category_id": pk, "name": tree.get(pk, ("?", None))[0], **values}
        for pk, values in ordered[:TOP_CATEGORIES]
        if values["filed"] or values["concluded"]
    ]
    rest = ordered[TOP_CATEGORIES:]
    if rest:
        result.append(
            {
                "category_id": None,
                "name": None,  # "the rest", labelled by the page
                "filed": sum(v["filed"] for _pk, v in rest),
                "concluded": sum(v["concluded"] for _pk, v in rest),
            }
        )
    return result


def rejections(measures_: dict) -> dict[str, int]:
    return {reason: measures_.get(field, 0) for reason, field in REJECT_REASON_FIELDS.items()}


def summons_by_department(code: str, period: Period) -> list[dict]:
    """Departments summoned in the period with their on-time and late check-ins, the latest first."""
    from cases.stat_selectors import department_names

    rows = _rows(SummonsRollup, code, place_depth(code)).filter(day__gte=period.start, day__lte=period.end)
    grouped = _sum_by(rows, "department_id", ("summoned", "checked_in_on_time", "checked_in_late"))
    names = department_names(grouped)
    result = [{"department_id": pk, "name": names.get(pk, "?"), **values} for pk, values in grouped.items()]
    result.sort(key=lambda row: (-row["checked_in_late"], -row["summoned"], row["name"]))
    return result


def channel_counts(measures_: dict) -> dict[str, int]:
    from ..models import CHANNEL_FIELDS

    return {channel: measures_.get(field, 0) for channel, field in CHANNEL_FIELDS.items()}


def level_counts(measures_: dict) -> dict[str, int]:
    from ..models import TOP_LEVEL_FIELDS

    return {level: measures_.get(field, 0) for level, field in TOP_LEVEL_FIELDS.items()}


def entry_rates(measures_: dict) -> list[dict]:
    """小事不出网格 and 大事不出社区 by the level at which cases were filed."""
    rows = []
    if measures_.get("entry_grid"):
        rows.append(
            {
                "level": "grid",
                "concluded": measures_["entry_grid"],
                "in_grid_rate": measures_["entry_grid_in_grid"] / measures_["entry_grid"],
                "in_community_rate": measures_["entry_grid_in_community"] / measures_["entry_grid"],
            }
        )
    if measures_.get("entry_community"):
        rows.append(
            {
                "level": "community",
                "concluded": measures_["entry_community"],
                "in_grid_rate": None,
                "in_community_rate": measures_["entry_community_in_community"] / measures_["entry_community"],
            }
        )
    return rows


def merge(rows: list[dict]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for row in rows:
        for name, value in row.items():
            total[name] += value
    return dict(total)
