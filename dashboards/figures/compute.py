"""Figures of a place and period, read from the rollups (and the few live counts that depend on the clock).

A place is a region code prefix ("" for everywhere). Its own figures are the rows stored at its own
depth; its children's are the rows one level down, found as one integer range of codes. Nothing here
checks who asks: callers resolve the place against the user's scope first (see ..places).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from cases.stat_selectors import category_tree, clock_counts

from ..models import MEASURE_FIELDS, REJECT_REASON_FIELDS, SummonsRollup
from .definitions import enough_sample, figure_values, open_now
from .period import Period, bucket_start, buckets
from .sql import (
    ALL_TIME,
    as_day,
    category_where,
    child_depth,
    in_days,
    named,
    place_depth,
    place_where,
    select,
    select_span,
    sums,
)

TOP_CATEGORIES = 10


def category_filter(category_id: int | None) -> list[int]:
    """Rollup category keys for a filter: 0 for all, the leaf itself, or a top category's leaves."""
    if category_id is None:
        return [0]
    tree = category_tree()
    leaves = [pk for pk, (_name, parent) in tree.items() if parent == category_id]
    return leaves or [category_id]


OPEN_FIELDS = ("filed", "reopened", "concluded", "rejected", "duplicates")
TREND_FIELDS = ("filed", "concluded", "top_grid", "top_community", "concluded_on_time")
SUMMONS_FIELDS = ("summoned", "checked_in_on_time", "checked_in_late")


def measures(code: str, start: dt.date, end: dt.date, *, category_id: int | None = None) -> dict[str, int]:
    """The measures of a place summed over [start, end]."""
    where, params = place_where(code, place_depth(code), categories=category_filter(category_id))
    (row,) = select_span(MEASURE_FIELDS, where, params, [(start, end)])
    return named(MEASURE_FIELDS, row)


def open_counts(code: str, *, category_id: int | None = None, by_child: bool = False) -> dict[str, int]:
    """Open cases now (as of the rollups), for the place or per child code."""
    own, children_ = open_counts_both(code, category_id=category_id, with_children=by_child)
    return children_ if by_child else {code: own}


def open_counts_both(
    code: str, *, category_id: int | None = None, with_children: bool = True
) -> tuple[int, dict[str, int]]:
    """Open cases now of the place and of each child, in one query over the rows of both depths."""
    categories = category_filter(category_id)
    own_where, own_params = place_where(code, place_depth(code))
    parts, params = [" AND ".join(own_where)], [*own_params]
    depth = child_depth(code) if with_children else None
    if depth is not None:
        child_where, child_params = place_where(code, depth)
        parts.append(" AND ".join(child_where))
        params += child_params
    where, category_params = category_where(categories)
    rows = select_span(
        OPEN_FIELDS,
        [f"({' OR '.join(f'({part})' for part in parts)})", *where],
        [*params, *category_params],
        [ALL_TIME],
        key="depth, code",
        key_count=2,
    )
    own, by_child = 0, {}
    for row_depth, number, *values in rows:
        count = open_now(named(OPEN_FIELDS, values))
        if row_depth == place_depth(code):
            own += count
        else:
            by_child[str(number)] = count
    return own, by_child


def live_counts(
    code: str, *, now: dt.datetime, category_id: int | None = None
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Overdue and reminder-due cases now, of the place and per child, from one query of the case table."""
    categories = None if category_id is None else category_filter(category_id)
    depth = child_depth(code)
    if depth is None:
        return clock_counts(code, now=now, category_ids=categories)[code], {}
    by_child = clock_counts(code, now=now, child_length=depth, category_ids=categories, with_total=True)
    return by_child.pop(code), by_child


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


def summary(
    code: str,
    period: Period,
    *,
    category_id: int | None = None,
    now: dt.datetime | None = None,
    open_now_: int | None = None,
    live: dict[str, int] | None = None,
    halves_: dict[bool, dict[str, int]] | None = None,
) -> Summary:
    """Headline figures of a place for the period, with the previous period of the same length.

    `open_now_`, `live` (overdue and reminders) and `halves_` (the measures of this period and the
    previous one, by `is_current`) are read here unless the caller has them already.
    """
    now = now or timezone.now()
    categories = category_filter(category_id)
    halves = halves_ if halves_ is not None else _halves(code, period, categories)
    empty = dict.fromkeys(MEASURE_FIELDS, 0)
    current, previous = halves.get(True, empty), halves.get(False, dict(empty))
    result = Summary(code=code, period=period, measures=current, previous=previous)
    result.figures = figure_values(current)
    result.previous_figures = figure_values(previous)
    result.enough_sample = enough_sample(current)
    if open_now_ is None:
        open_now_ = open_counts(code, category_id=category_id)[code]
    result.open_now = open_now_
    if live is None:
        live = clock_counts(code, now=now, category_ids=None if category_id is None else categories)[code]
    result.overdue_now, result.reminders_due = live["overdue"], live["reminders"]
    return result


def _halves(code: str, period: Period, categories: list[int]) -> dict[bool, dict[str, int]]:
    """The measures of the period (True) and of the previous one (False), in one pass over the rows of both."""
    where, params = place_where(code, place_depth(code), categories=categories)
    rows = select_span(
        MEASURE_FIELDS, where, params, [period.previous().span, period.span], key=("day >= %s", [period.start])
    )
    return {bool(is_current): named(MEASURE_FIELDS, values) for is_current, *values in rows}


def summary_and_trend(
    code: str, period: Period, *, category_id: int | None = None
) -> tuple[dict[bool, dict[str, int]] | None, dict | None]:
    """The headline's measures (as `_halves`) and the trend, from one query where they read the same rows.

    They do when the trend's buckets are days or months (a week cuts across the monthly rows) and the
    database has GROUPING SETS: one pass sums the rows both per day and per half. Otherwise (None, None).
    """
    if connection.vendor != "postgresql" or period.granularity == "week":
        return None, None
    where, params = place_where(code, place_depth(code), categories=category_filter(category_id))
    split = f"day >= DATE '{period.start.isoformat()}'"  # a literal: GROUP BY must repeat the same expression
    rows = select_span(
        MEASURE_FIELDS,
        where,
        params,
        [period.previous().span, period.span],
        key=f"day, {split}",
        months=period.granularity == "month",
        group_by=f"GROUPING SETS ((day), ({split}))",
    )
    halves, by_day = {}, {}
    positions = [MEASURE_FIELDS.index(name) for name in TREND_FIELDS]
    for day, is_current, *values in rows:
        if day is None:
            halves[bool(is_current)] = named(MEASURE_FIELDS, values)
        else:
            by_day[as_day(day)] = {name: int(values[i] or 0) for name, i in zip(TREND_FIELDS, positions, strict=True)}
    return halves, _trend_points(by_day, period)


def children(
    code: str,
    period: Period,
    *,
    category_id: int | None = None,
    now: dt.datetime | None = None,
    opened: dict[str, int] | None = None,
    live: dict[str, dict[str, int]] | None = None,
) -> list[dict]:
    """One row per child place with data: its code, measures, figures, open and overdue counts.

    `opened` and `live` (per child) are read here unless the caller has them already.
    """
    depth = child_depth(code)
    if depth is None:
        return []
    now = now or timezone.now()
    categories = category_filter(category_id)
    where, params = place_where(code, depth, categories=categories)
    grouped = {
        str(number): named(MEASURE_FIELDS, values)
        for number, *values in select_span(MEASURE_FIELDS, where, params, [period.span], key="code")
    }
    if opened is None:
        opened = open_counts(code, category_id=category_id, by_child=True)
    if live is None:
        live = live_counts(code, now=now, category_id=category_id)[1]
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


def _series(by_day: dict[dt.date, dict[str, int]], period: Period) -> dict[dt.date, dict[str, int]]:
    series: dict[dt.date, dict[str, int]] = {start: dict.fromkeys(TREND_FIELDS, 0) for start in buckets(period)}
    for day, values in by_day.items():
        if period.start <= day <= period.end:
            bucket = series[bucket_start(day, period.granularity)]
            for name, value in values.items():
                bucket[name] += value
    return series


def trend(code: str, period: Period, *, category_id: int | None = None) -> dict:
    """Filed and concluded cases per day, week or month, beside the previous period of the same length."""
    # One pass over both periods, split by day afterwards; monthly rows only where the buckets are months.
    where, params = place_where(code, place_depth(code), categories=category_filter(category_id))
    rows = select_span(
        TREND_FIELDS,
        where,
        params,
        [period.previous().span, period.span],
        key="day",
        months=period.granularity == "month",
    )
    return _trend_points({as_day(day): named(TREND_FIELDS, values) for day, *values in rows}, period)


def _trend_points(by_day: dict[dt.date, dict[str, int]], period: Period) -> dict:
    before = period.previous()
    current = _series(by_day, period)
    previous = _series(by_day, before)
    points = []
    earlier = list(previous.items())
    for index, (start, values) in enumerate(current.items()):
        before_values = earlier[index][1] if index < len(earlier) else None
        points.append(
            {
                "start": start,
                "filed": values["filed"],
                "concluded": values["concluded"],
                "in_grid_rate": (values["top_grid"] / values["concluded"]) if values["concluded"] else None,
                "previous_filed": before_values["filed"] if before_values else None,
                "previous_concluded": before_values["concluded"] if before_values else None,
            }
        )
    return {"granularity": period.granularity, "points": points}


def categories(code: str, period: Period, *, category_id: int | None = None) -> list[dict]:
    """Cases filed by category in the period: the ten largest, and the rest together."""
    tree = category_tree()
    keys = category_filter(category_id) if category_id is not None else None
    where, params = place_where(code, place_depth(code), categories=keys)
    if not keys:
        where.append("category_id <> 0")
    grouped = {
        pk: named(("filed", "concluded"), values)
        for pk, *values in select_span(("filed", "concluded"), where, params, [period.span], key="category_id")
    }
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

    where, params = in_days(*place_where(code, place_depth(code)), period.start, period.end)
    selects = sums(SUMMONS_FIELDS)
    grouped = {
        pk: named(SUMMONS_FIELDS, values)
        for pk, *values in select(SummonsRollup, selects, where, params, key="department_id")
    }
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
