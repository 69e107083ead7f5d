"""Reading the rollup tables: where a place's rows lie, and plain-SQL sums over them.

The rollups are read with plain SQL: a dashboard sums some sixty measures in a dozen queries, and
building those aggregates through the ORM cost several times more than running them.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt

from django.db import connection

DEPTH_AFTER = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12, 12: 15, 15: 17}


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


def place_where(code: str, depth: int, *, categories: list[int] | None = None) -> tuple[list[str], list]:
    """WHERE clause and parameters for the rows stored at `depth` under the prefix (and these category keys)."""
    low, high = code_range(code, depth)
    where, params = ["depth = %s", "code >= %s", "code < %s"], [depth, low, high]
    if categories is not None:
        more, more_params = category_where(categories)
        where += more
        params += more_params
    return where, params


def category_where(categories: list[int]) -> tuple[list[str], list]:
    if len(categories) == 1:
        return ["category_id = %s"], list(categories)
    return [f"category_id IN ({', '.join(['%s'] * len(categories))})"], list(categories)


def sums(fields) -> list[str]:
    """SUM of each field (NULL when there is no row)."""
    quote = connection.ops.quote_name
    return [f"CAST(SUM({quote(name)}) AS BIGINT)" for name in fields]


def select(
    model,
    selects: list[str],
    where: list[str],
    params: list,
    *,
    key: str | tuple[str, list] | None = None,
    key_count: int = 1,
) -> list[tuple]:
    """Rows of (key, *selects); `key` is a column, or an expression with its parameters, to group by
    (or `key_count` comma-separated columns)."""
    table = connection.ops.quote_name(model._meta.db_table)
    return _grouped(f"{table} WHERE {' AND '.join(where)}", params, selects, key, key_count)


def _grouped(
    source: str, source_params: list, selects: list[str], key, key_count: int, group_by: str | None = None
) -> list[tuple]:
    """SELECT key, *selects FROM source, grouped by the key's columns when there is a key (or by `group_by`)."""
    key_sql, key_params = (key, []) if isinstance(key, str) or key is None else key
    columns = ([key_sql] if key_sql else []) + selects
    sql = f"SELECT {', '.join(columns)} FROM {source}"
    if group_by:
        sql += " GROUP BY " + group_by
    elif key_sql:
        sql += " GROUP BY " + ", ".join(str(index) for index in range(1, key_count + 1))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key_params, *source_params])
        return cursor.fetchall()


def named(fields, values) -> dict[str, int]:
    return {name: int(value or 0) for name, value in zip(fields, values, strict=True)}


def in_days(where: list[str], params: list, start: dt.date, end: dt.date) -> tuple[list[str], list]:
    return [*where, "day >= %s", "day <= %s"], [*params, start, end]


def as_day(value) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # SQLite returns text


# ---------------------------------------------------------------------- daily and monthly rows

Span = tuple[dt.date, dt.date]  # first and last day, inclusive
ALL_TIME: Span = (dt.date(1, 1, 1), dt.date(9999, 12, 31))
KEY_COLUMNS = ("depth", "code", "day", "category_id")


_READING: contextvars.ContextVar[list] = contextvars.ContextVar("rollup_reading")


def months_through() -> dt.date | None:
    """The last day summed into the monthly rollups (None: none yet), read once per `reading()`."""
    from ..models import RollupState
    from ..rollup.state import STATE_NAME

    held = _READING.get(None)
    if held:
        return held[0]
    found = RollupState.objects.filter(name=STATE_NAME).values_list("months_through", flat=True).first()
    if held is not None:
        held.append(found)
    return found


@contextlib.contextmanager
def reading():
    """The queries of one page read the same months: the summed months are looked up once."""
    token = _READING.set([])
    try:
        yield
    finally:
        _READING.reset(token)


def _month_after(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def split_span(span: Span, through: dt.date | None) -> tuple[list[Span], Span | None]:
    """The day ranges of a span read from the daily rows, and the range of month starts read from the
    monthly rows: the whole months inside the span that are summed (ending on or before `through`)."""
    start, end = span
    if through is None:
        return [span], None
    first = start if start.day == 1 else _month_after(start)
    limit = min(end, through)
    # The last whole month ending on or before the limit.
    last_end = (
        limit if _month_after(limit) - dt.timedelta(days=1) == limit else limit.replace(day=1) - dt.timedelta(days=1)
    )
    if first > last_end:
        return [span], None
    days = []
    if start < first:
        days.append((start, first - dt.timedelta(days=1)))
    if last_end < end:
        days.append((last_end + dt.timedelta(days=1), end))
    return days, (first, last_end.replace(day=1))


def select_span(
    fields,
    where: list[str],
    params: list,
    spans: list[Span],
    *,
    key: str | tuple[str, list] | None = None,
    key_count: int = 1,
    months: bool = True,
    group_by: str | None = None,
) -> list[tuple]:
    """Sums of the case rollup fields over the days of the spans, as `select` does over CaseRollup, reading
    the monthly rows for the whole months that are summed (`months=False`: daily rows only)."""
    from ..models import CaseRollup, CaseRollupMonth

    through = months_through() if months else None
    day_ranges: list[Span] = []
    month_ranges: list[Span] = []
    for span in spans:
        days, whole = split_span(span, through)
        day_ranges += days
        if whole:
            month_ranges.append(whole)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in dict.fromkeys([*KEY_COLUMNS, *fields]))
    parts, inner_params = [], []
    # One branch per range of days: a single range is an index condition, an OR of ranges is not.
    for model, ranges in ((CaseRollup, day_ranges), (CaseRollupMonth, month_ranges)):
        table = quote(model._meta.db_table)
        for first, last in ranges:
            parts.append(f"SELECT {columns} FROM {table} WHERE {' AND '.join(where)} AND day >= %s AND day <= %s")
            inner_params += [*params, first, last]
    return _grouped(f"({' UNION ALL '.join(parts)}) AS r", inner_params, sums(fields), key, key_count, group_by)
