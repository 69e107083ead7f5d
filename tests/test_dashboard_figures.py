"""Every rollup figure agrees with a count made straight from cases and events, on random histories.

The same after re-coding a grid into another community, after a rebuild, and when the job absorbs
the log in many small batches.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import CaseCategory
from dashboards.figures import compute
from dashboards.figures.definitions import figure_values
from dashboards.figures.period import Period
from dashboards.models import MEASURE_FIELDS, CaseRollup, CaseRollupMonth, RollupState, SummonsRollup
from dashboards.rollup.job import rebuild_rollups, run_rollup
from dashboards.rollup.months import last_finished_day
from dashboards.rollup.writer import SUMMONS_FIELDS
from grids.services import region_recode
from tests.dashboard_direct import direct_measures, direct_open
from tests.dashboard_histories import play_histories

pytestmark = pytest.mark.django_db


def _rollup(code: str, start: dt.date, end: dt.date, category_id: int | None = None) -> dict:
    found = compute.measures(code, start, end, category_id=category_id)
    return {name: value for name, value in found.items() if value}


def _periods() -> list[tuple[dt.date, dt.date]]:
    today = timezone.localdate()
    return [
        (today - dt.timedelta(days=70), today),
        (today - dt.timedelta(days=30), today - dt.timedelta(days=24)),
        (today - dt.timedelta(days=45), today - dt.timedelta(days=20)),
    ]


def _categories() -> list[tuple[int | None, set[int] | None]]:
    leaf = CaseCategory.objects.filter(parent__code="GA03").order_by("code").first()
    top = CaseCategory.objects.get(code="GA03")
    leaves = set(top.children.values_list("pk", flat=True))
    return [(None, None), (leaf.pk, {leaf.pk}), (top.pk, leaves)]


def _check_everything(codes: list[str]) -> int:
    """Compare every place × period × category filter; returns how many non-empty comparisons were made."""
    compared = 0
    for code in codes:
        for start, end in _periods():
            for category_id, categories in _categories():
                expected = dict(direct_measures(code, start, end, categories=categories))
                assert _rollup(code, start, end, category_id) == expected, (code, start, end, category_id)
                compared += bool(expected)
        assert compute.open_counts(code)[code] == direct_open(code), code
    return compared


@pytest.mark.parametrize("seed", [2026])
def test_rollups_agree_with_a_direct_count(case_world, seed):
    w = case_world
    done = play_histories(w, seed=seed)
    # The histories are varied enough to test the rules that look back in time.
    for action in ("submit", "verify", "reject", "escalate", "follow_up", "summon", "check_in", "unresolvable"):
        assert done.get(action, 0) > 0, (action, done)
    assert run_rollup().events > 0
    t = w.t
    codes = [t.county.code, t.street.code, t.comm_a.code, t.comm_b.code, t.grid_a1.code, t.micro_a1.code]
    codes += [t.grid_a2.code, t.grid_b1.code]
    assert _check_everything(codes) > 20

    # Children add up to their parent, and open counts per child match.
    today = timezone.localdate()
    period = Period("custom", today - dt.timedelta(days=70), today)
    rows = compute.children(t.comm_a.code, period)
    assert {row["code"] for row in rows} <= {t.grid_a1.code, t.grid_a2.code}
    for name in MEASURE_FIELDS:
        assert (
            sum(row["measures"][name] for row in rows)
            == compute.measures(t.comm_a.code, period.start, period.end)[name]
        )
    for row in rows:
        assert row["open_now"] == direct_open(row["code"])
        assert row["figures"] == figure_values(row["measures"])

    # Redrawing grids: grid A2 moves to community B; its rollups and its ancestors' move with it.
    moved = region_recode(region=t.grid_a2, new_code=t.comm_b.code + "009", reason="网格调整")
    codes = [code for code in codes if code != t.grid_a2.code] + [moved.code]
    _check_everything(codes)

    # Finished months are summed into monthly rows, which are their days' rows added up.
    before, months = _stored(), _stored_months()
    assert months, "the histories span a finished month"
    assert months == _months_from_days()
    assert RollupState.objects.get(name="cases").months_through == last_finished_day(today)

    # A rebuild from the whole log gives the same rows; so do many small batches.
    rebuild_rollups()
    assert (_stored(), _stored_months()) == (before, months)
    _clear(months_through=None)
    result = run_rollup(span=7)
    assert result.batches > 10
    assert (_stored(), _stored_months()) == (before, months)

    # Changes counted after their month was summed reach its monthly rows through the job: with the
    # months marked as summed before a single event is counted, the job alone must write them all.
    _clear(months_through=last_finished_day(today))
    run_rollup(span=50)
    assert (_stored(), _stored_months()) == (before, months)


def _clear(*, months_through: dt.date | None) -> None:
    CaseRollup.objects.all().delete()
    CaseRollupMonth.objects.all().delete()
    SummonsRollup.objects.all().delete()
    RollupState.objects.filter(name="cases").update(last_event_id=0, months_through=months_through)


def _stored_months() -> list[tuple]:
    rows = CaseRollupMonth.objects.values_list("depth", "code", "day", "category_id", *MEASURE_FIELDS)
    return sorted(row for row in rows if any(row[4:]))


def _months_from_days() -> list[tuple]:
    """The daily rows of the finished months added up by month, in Python."""
    through = RollupState.objects.get(name="cases").months_through
    sums: dict[tuple, list[int]] = {}
    rows = CaseRollup.objects.filter(day__lte=through).values_list(
        "depth", "code", "day", "category_id", *MEASURE_FIELDS
    )
    for depth, code, day, category_id, *values in rows:
        total = sums.setdefault((depth, code, day.replace(day=1), category_id), [0] * len(values))
        for index, value in enumerate(values):
            total[index] += value
    return sorted((*key, *values) for key, values in sums.items() if any(values))


def _stored() -> list[tuple]:
    """Every stored rollup row with a non-zero measure (rows whose changes cancelled out may differ)."""
    cases = CaseRollup.objects.values_list("depth", "code", "day", "category_id", *MEASURE_FIELDS)
    summonses = SummonsRollup.objects.values_list("depth", "code", "day", "department_id", *SUMMONS_FIELDS)
    return sorted(row for row in cases if any(row[4:])) + sorted(row for row in summonses if any(row[4:]))
