"""Reading the rollup tables: where a place's rows lie, and plain-SQL sums over them.

The rollups are read with plain SQL: a dashboard sums some sixty measures in a dozen queries, and
building those aggregates through the ORM cost several times more than running them.
"""

from __future__ import annotations

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
    key_sql, key_params = (key, []) if isinstance(key, str) or key is None else key
    columns = ([key_sql] if key_sql else []) + selects
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {' AND '.join(where)}"
    if key_sql:
        sql += " GROUP BY " + ", ".join(str(index) for index in range(1, key_count + 1))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key_params, *params])
        return cursor.fetchall()


def named(fields, values) -> dict[str, int]:
    return {name: int(value or 0) for name, value in zip(fields, values, strict=True)}


def in_days(where: list[str], params: list, start: dt.date, end: dt.date) -> tuple[list[str], list]:
    return [*where, "day >= %s", "day <= %s"], [*params, start, end]


def as_day(value) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # SQLite returns text
