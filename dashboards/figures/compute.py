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


OPEN_FIELDS = ("filed", "reopened", "concluded", "rejected", "duplicates")
TREND_FIELDS = ("filed", "concluded", "top_grid", "top_community", "concluded_on_time")
SUMMONS_FIELDS = ("summoned", "checked_in_on_time", "checked_in_late")


# The rollups are read with plain SQL: a dashboard sums some sixty measures in a dozen queries, and
# building those aggregates through the ORM cost several times more than running them.


def _place(code: str, depth: int, *, categories: list[int] | None = None) -> tuple[list[str], list]:
    """WHERE clause and parameters for the rows stored at `depth` under the prefix (and these category keys)."""
    low, high = code_range(code, depth)
    where, params = ["depth = %s", "code >= %s", "code < %s"], [depth, low, high]
    if categories is not None:
        where.append(
            f"category_id IN ({', '.join(['%s'] * len(categories))})" if len(categories) > 1 else "category_id = %s"
        )
        params += categories
    return where, params


def _sums(fields) -> list[str]:
    """SUM of each field (NULL when there is no row)."""
    quote = connection.ops.quote_name
    return [f"CAST(SUM({quote(name)}) AS BIGINT)" for name in fields]


def _select(
    model, selects: list[str], where: list[str], params: list, *, key: str | tuple[str, list] | None = None
) -> list[tuple]:
    """Rows of (key, *selects); `key` is a column, or an expression with its parameters, to group by."""
    table = connection.ops.quote_name(model._meta.db_table)
    key_sql, key_params = (key, []) if isinstance(key, str) or key is None else key
    columns = ([key_sql] if key_sql else []) + selects
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {' AND '.join(where)}"
    if key_sql:
        sql += " GROUP BY 1"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key_params, *params])
        return cursor.fetchall()


def _named(fields, values) -> dict[str, int]:
    return {name: int(value or 0) for name, value in zip(fields, values, strict=True)}


def _in_days(where: list[str], params: list, start: dt.date, end: dt.date) -> tuple[list[str], list]:
    return [*where, "day >= %s", "day <= %s"], [*params, start, end]


def _day(value) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # SQLite returns text


def measures(code: str, start: dt.date, end: dt.date, *, category_id: int | None = None) -> dict[str, int]:
    """The measures of a place summed over [start, end]."""
    where, params = _place(code, place_depth(code), categories=category_filter(category_id))
    selects = _sums(MEASURE_FIELDS)
    (row,) = _select(CaseRollup, selects, *_in_days(where, params, start, end))
    return _named(MEASURE_FIELDS, row)


def open_counts(code: str, *, category_id: int | None = None, by_child: bool = False) -> dict[str, int]:
    """Open cases now (as of the rollups), for the place or per child code."""
    categories = category_filter(category_id)
    selects = _sums(OPEN_FIELDS)
    if not by_child:
        (row,) = _select(CaseRollup, selects, *_place(code, place_depth(code), categories=categories))
        return {code: open_now(_named(OPEN_FIELDS, row))}
    depth = child_depth(code)
    if depth is None:
        return {}
    rows = _select(CaseRollup, selects, *_place(code, depth, categories=categories), key="code")
    return {str(number): open_now(_named(OPEN_FIELDS, values)) for number, *values in rows}


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
    before = period.previous()
    categories = category_filter(category_id)
    # This period and the previous one in one pass over the rows of both, split by a GROUP BY.
    selects = _sums(MEASURE_FIELDS)
    where, params = _in_days(*_place(code, place_depth(code), categories=categories), before.start, period.end)
    halves = {
        bool(is_current): _named(MEASURE_FIELDS, values)
        for is_current, *values in _select(CaseRollup, selects, where, params, key=("day >= %s", [period.start]))
    }
    empty = dict.fromkeys(MEASURE_FIELDS, 0)
    current, previous = halves.get(True, empty), halves.get(False, dict(empty))
    result = Summary(code=code, period=period, measures=current, previous=previous)
    result.figures = figure_values(current)
    result.previous_figures = figure_values(previous)
    result.enough_sample = enough_sample(current)
    result.open_now = open_counts(code, category_id=category_id)[code]
    live_categories = None if category_id is None else categories
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
    selects = _sums(MEASURE_FIELDS)
    where, params = _in_days(*_place(code, depth, categories=categories), period.start, period.end)
    grouped = {
        str(number): _named(MEASURE_FIELDS, values)
        for number, *values in _select(CaseRollup, selects, where, params, key="code")
    }
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
    before = period.previous()
    selects = _sums(TREND_FIELDS)
    # One pass over both periods, split by day afterwards.
    place = _place(code, place_depth(code), categories=category_filter(category_id))
    rows = _select(CaseRollup, selects, *_in_days(*place, before.start, period.end), key="day")
    by_day = {_day(day): _named(TREND_FIELDS, values) for day, *values in rows}
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
    where, params = _in_days(*_place(code, place_depth(code), categories=keys), period.start, period.end)
    if not keys:
        where.append("category_id <> 0")
    selects = _sums(("filed", "concluded"))
    grouped = {
        pk: _named(("filed", "concluded"), values)
        for pk, *values in _select(CaseRollup, selects, where, params, key="category_id")
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

    where, params = _in_days(*_place(code, place_depth(code)), period.start, period.end)
    selects = _sums(SUMMONS_FIELDS)
    grouped = {
        pk: _named(SUMMONS_FIELDS, values)
        for pk, *values in _select(SummonsRollup, selects, where, params, key="department_id")
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
