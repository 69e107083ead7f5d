"""Monthly rollups: the daily rows of each finished month summed into one row per place and category.

A period of many months (a year, a three-year custom range, "open now" over all time) then reads a
row per month instead of one per day. A month is summed once it has ended (the job calls
`sum_finished_months` after each run); events counted later for a day of a summed month are added
to its monthly row as well (`write_deltas` with `months_through`), so the two tables always agree.
Readers use a monthly row only for a whole month inside the period that is summed
(dashboards.figures.sql.select_span).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from ..models import MEASURE_FIELDS, CaseRollup, CaseRollupMonth
from .state import locked_state


def last_finished_day(today: dt.date) -> dt.date:
    """The last day of the month before `today`'s."""
    return today.replace(day=1) - dt.timedelta(days=1)


def month_key(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_sql() -> str:
    if connection.vendor == "postgresql":
        return "CAST(date_trunc('month', day) AS date)"
    return "date(day, 'start of month')"


def sum_days_into_months(after: dt.date | None, through: dt.date) -> int:
    """Write the monthly rows of the days in (after, through] (whole months), replacing any there; returns rows."""
    quote = connection.ops.quote_name
    day_table, month_table = quote(CaseRollup._meta.db_table), quote(CaseRollupMonth._meta.db_table)
    measures = [quote(name) for name in MEASURE_FIELDS]
    condition, params = "day <= %s", [through]
    if after is not None:
        condition, params = "day > %s AND day <= %s", [after, through]
    summed = ", ".join(f"SUM({m})" for m in measures)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {month_table} WHERE {condition}", params)
        cursor.execute(
            f"INSERT INTO {month_table} (depth, code, day, category_id, {', '.join(measures)}) "
            f"SELECT depth, code, {_month_sql()}, category_id, {summed} FROM {day_table} WHERE {condition} "
            f"GROUP BY depth, code, {_month_sql()}, category_id",
            params,
        )
        return cursor.rowcount


def sum_finished_months(*, today: dt.date | None = None) -> int:
    """Sum every finished month not summed yet (nothing to do most of the time); returns rows written."""
    through = last_finished_day(today or timezone.localdate())
    with transaction.atomic():
        state = locked_state()  # the job holds the same lock while it counts: no delta is missed or doubled
        if state.months_through is not None and state.months_through >= through:
            return 0
        rows = sum_days_into_months(state.months_through, through)
        state.months_through = through
        state.save(update_fields=["months_through"])
        return rows
