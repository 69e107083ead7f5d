"""Monthly rollups: which days a period reads from monthly rows, and summing finished months once."""

from __future__ import annotations

import datetime as dt

import pytest

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
