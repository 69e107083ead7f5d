"""Monthly rollups: which days a period reads from monthly rows, and summing finished months once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from dashboards.figures.sql import ALL_TIME, split_span
from dashboards.models import MEASURE_FIELDS, CaseRollup, CaseRollupMonth, RollupState
from dashboards.rollup.months import last_finished_day, sum_finished_months

D = dt.date


@pytest.mark.parametrize(
    ("span", "through", "days", "months"),
    [
        # Nothing summed yet: every day from the daily rows.
        ((D(2026, 9, 15), D(2026, 12, 4)), None, [(D(2026, 9, 15), D(2026, 12, 4))], None),
        # Inside one month: no whole month.
        ((D(2026, 11, 3), D(2026, 11, 20)), D(2026, 11, 30), [(D(2026, 11, 3), D(2026, 11, 20))], None),
        # Whole months in the middle, partial months at both ends.
        (
            (D(2026, 9, 15), D(2026, 12, 4)),
            D(2026, 11, 30),
            [(D(2026, 9, 15), D(2026, 9, 30)), (D(2026, 12, 1), D(2026, 12, 4))],
            (D(2026, 10, 1), D(2026, 11, 1)),
        ),
        # A whole month not summed yet is read day by day.
        (
            (D(2026, 9, 15), D(2026, 11, 30)),
            D(2026, 10, 31),
            [(D(2026, 9, 15), D(2026, 9, 30)), (D(2026, 11, 1), D(2026, 11, 30))],
            (D(2026, 10, 1), D(2026, 10, 1)),
        ),
        # Exactly whole months.
        ((D(2026, 1, 1), D(2026, 2, 28)), D(2026, 11, 30), [], (D(2026, 1, 1), D(2026, 2, 1))),
        # February of a leap year, ending on its last day.
        ((D(2024, 2, 1), D(2024, 2, 29)), D(2026, 11, 30), [], (D(2024, 2, 1), D(2024, 2, 1))),
        # All time ("open now"): every summed month, then the days after.
        (ALL_TIME, D(2026, 11, 30), [(D(2026, 12, 1), ALL_TIME[1])], (ALL_TIME[0], D(2026, 11, 1))),
    ],
)
def test_split_span(span, through, days, months):
    assert split_span(span, through) == (days, months)


def test_last_finished_day():
    assert last_finished_day(D(2026, 12, 4)) == D(2026, 11, 30)
    assert last_finished_day(D(2026, 3, 1)) == D(2026, 2, 28)
    assert last_finished_day(D(2024, 3, 31)) == D(2024, 2, 29)


def _day_row(day: dt.date, filed: int) -> CaseRollup:
    return CaseRollup(depth=6, code=640302, day=day, category_id=0, filed=filed, concluded=1)


@pytest.mark.django_db
def test_finished_months_are_summed_once():
    CaseRollup.objects.bulk_create(
        [_day_row(D(2026, 10, 5), 2), _day_row(D(2026, 10, 30), 3), _day_row(D(2026, 11, 2), 4)]
        + [_day_row(D(2026, 12, 1), 7)]
    )
    assert sum_finished_months(today=D(2026, 11, 20)) == 1  # October only
    assert sum_finished_months(today=D(2026, 11, 25)) == 0  # nothing new has ended
    assert RollupState.objects.get(name="cases").months_through == D(2026, 10, 31)
    assert sum_finished_months(today=D(2026, 12, 4)) == 1  # then November, not October again
    stored = {
        row[0]: row[1:]
        for row in CaseRollupMonth.objects.values_list("day", "filed", "concluded", "depth", "code", "category_id")
    }
    assert stored == {D(2026, 10, 1): (5, 2, 6, 640302, 0), D(2026, 11, 1): (4, 1, 6, 640302, 0)}
    assert set(MEASURE_FIELDS) <= {f.name for f in CaseRollupMonth._meta.get_fields()}


@pytest.mark.django_db
@pytest.mark.parametrize("days", [30, 90, 365])
def test_one_query_headline_and_trend_agree_with_the_separate_ones(days):
    from dashboards.figures import compute
    from dashboards.figures.period import make_period

    today = D(2026, 11, 20)
    CaseRollup.objects.bulk_create(
        [_day_row(today - dt.timedelta(days=offset), offset % 7 + 1) for offset in range(0, 760, 3)]
    )
    sum_finished_months(today=today)
    period = make_period("custom", (today - dt.timedelta(days=days - 1)).isoformat(), today.isoformat())
    halves, trend = compute.summary_and_trend("640302", period)
    if halves is None:  # SQLite, or weekly buckets: the separate queries are the only path
        assert connection.vendor != "postgresql" or period.granularity == "week"
        return
    assert halves == compute._halves("640302", period, [0])
    assert trend == compute.trend("640302", period)
    assert sum(point["filed"] for point in trend["points"]) == halves[True]["filed"] > 0
