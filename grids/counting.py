"""How many rows a list shows: exact up to a cap, above it the planner's estimate (marked 约).

A list page says how many rows match its filters. Counting a few thousand rows through an index
is cheap, so up to COUNT_CAP the figure is exact (a COUNT over a LIMIT COUNT_CAP + 1 subquery,
which stops early). Beyond that an exact COUNT(*) would read every matching row of a large table
on each page view, so on PostgreSQL the page shows the row estimate of the query plan
(``EXPLAIN (FORMAT JSON)``, from the table statistics in pg_class/pg_statistic), rounded to two
significant digits and marked as approximate. Other databases (the SQLite demo) count exactly.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet

COUNT_CAP = 5000


@dataclass(frozen=True)
class RowCount:
    value: int
    approximate: bool = False

    def __int__(self) -> int:
        return self.value


def _round2(value: int) -> int:
    """Two significant digits: 123,456 → 120,000."""
    if value < 100:
        return value
    step = 10 ** (int(math.log10(value)) - 1)
    return int(round(value / step) * step)


def planner_estimate(queryset: QuerySet) -> int:
    """The number of rows PostgreSQL's planner expects the query to return."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def count_rows(queryset: QuerySet, *, cap: int = COUNT_CAP) -> RowCount:
    """Exact up to `cap` rows; above it the planner's estimate on PostgreSQL, an exact count elsewhere."""
    exact = queryset.order_by().values("pk")[: cap + 1].count()
    if exact <= cap:
        return RowCount(exact)
    if connections[queryset.db].vendor != "postgresql":
        return RowCount(queryset.order_by().count())
    return RowCount(_round2(max(planner_estimate(queryset), cap + 1)), approximate=True)


class CountingPaginator(Paginator):
    """A Paginator whose total comes from count_rows: exact for small lists, estimated for huge ones."""

    @cached_property
    def row_count(self) -> RowCount:
        return count_rows(self.object_list)

    @cached_property
    def count(self) -> int:
        return self.row_count.value
