"""Dashboards at district scale: the figures read from the rollups against a bare count(*) of the case table.

Run with
`DATABASE_URL=postgresql://… python -m pytest tests/bench/test_dashboard_bench.py -s -m bench -p no:cacheprovider`
(or `make bench`); PostgreSQL only (skipped on SQLite). In one run it builds a territory of 7
counties (3 streets × 4 communities × 6 grids × 4 micro-grids each, 4 departments per county),
writes two years of case histories with tests/bench/dashgen.py, first a tenth of BENCH_DASH_CASES
(2,000,000), then grows them to the full number, and at each size:

- rebuilds the rollups from the whole event log (`rebuild_rollups`), then VACUUM ANALYZE;
- times the baseline, one `SELECT count(*) FROM cases_case` (median of 9, index-only after VACUUM);
- times the district dashboard of one county, every case panel (`board.case_panels`: headline with
  the previous period, drill-down, trend, categories, channels, levels, summonses), for the last
  30 and the last 365 days, and the drill-down alone (`compute.children`), each the median of BENCH_DASH_RUNS
  (15) after a warm-up, as a ratio to that count(*);
- times the map points of the county's open cases (`open_case_points`; printed, no target).

At the full size it then commits BENCH_DASH_EVENTS (10,000) new events of the last minutes (new
cases, accepts, escalations, conclusions, rejections, 挂账, follow-ups) and times the rollup job
absorbing them (`run_rollup`). It prints one table and then checks the targets, each of which an
environment variable can loosen on a slow shared machine:

| target | variable | default |
| --- | --- | --- |
| dashboard (all panels) at full size ≤ × count(*) | BENCH_DASH_PANELS_MAX | 0.2 |
| drill-down at full size ≤ × count(*) | BENCH_DASH_DRILL_MAX | 0.2 |
| dashboard at full size ≤ × the dashboard at a tenth | BENCH_DASH_GROWTH_MAX | 1.5 |
| rollup job for BENCH_DASH_EVENTS events ≤ seconds | BENCH_DASH_JOB_MAX_S | 2.0 |

The ratios to count(*) at a tenth of the size are printed for comparison only: there count(*)
takes a few milliseconds, less than the dozen round trips any page needs. The rollups are also
checked against a direct count (cases filed and open in the county), so a generator or rollup bug
cannot pass for speed. BENCH_DASH_EXPLAIN=1 prints each dashboard query with its time and the
EXPLAIN ANALYZE of the slowest ones.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import os
import pstats
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from cases.models import Case, CaseCategory, CaseEvent, Department
from cases.models.case import OPEN_STATE_LIST
from cases.reference_data import load_case_reference
from cases.stat_selectors import open_case_points
from dashboards.figures import compute
from dashboards.figures.board import case_panels
from dashboards.figures.period import make_period
from dashboards.models import CaseRollup
from dashboards.rollup.job import rebuild_rollups, run_rollup
from grids.models import Region
from tests.bench.dashgen import Cast, Place, append_live_events, generate_history
from tests.factories import UserFactory, assign

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]


def _env_number(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


CASES = int(_env_number("BENCH_DASH_CASES", 2_000_000))
SMALL = CASES // 10
RUNS = int(_env_number("BENCH_DASH_RUNS", 15))
LIVE_EVENTS = int(_env_number("BENCH_DASH_EVENTS", 10_000))
PANELS_MAX = _env_number("BENCH_DASH_PANELS_MAX", 0.2)
DRILL_MAX = _env_number("BENCH_DASH_DRILL_MAX", 0.2)
GROWTH_MAX = _env_number("BENCH_DASH_GROWTH_MAX", 1.5)
JOB_MAX_S = _env_number("BENCH_DASH_JOB_MAX_S", 2.0)
EXPLAIN = os.environ.get("BENCH_DASH_EXPLAIN", "") not in ("", "0")
BASELINE_RUNS = 9
DAYS = 730
# The periods timed: a month and a year that end today, the same length whatever today's date
# ("this month" is one day long on the 1st, "this year" on 1 January).
PERIODS = ("30d", "365d")


def bench_period(kind: str):
    if kind == "365d":
        today = timezone.localdate()
        return make_period("custom", (today - dt.timedelta(days=364)).isoformat(), today.isoformat())
    return make_period(kind)


# (city code, city, county code, county, centre latitude, centre longitude): real codes of Ningxia.
COUNTIES = [
    ("6403", "吴忠市", "640302", "利通区", 37.985, 106.199),
    ("6403", "吴忠市", "640303", "红寺堡区", 37.425, 106.062),
    ("6403", "吴忠市", "640323", "盐池县", 37.784, 107.405),
    ("6403", "吴忠市", "640324", "同心县", 36.981, 105.914),
    ("6401", "银川市", "640104", "兴庆区", 38.474, 106.288),
    ("6401", "银川市", "640122", "贺兰县", 38.554, 106.349),
    ("6402", "石嘴山市", "640205", "惠农区", 39.239, 106.781),
]
DISTRICT = "640302"  # the county whose dashboard is timed
STREETS, COMMUNITIES, GRIDS, MICROGRIDS = 3, 4, 6, 4  # per county, street, community, grid
DEPARTMENTS = ["住建局", "城管局", "生态环境局", "市场监管局"]


# ---------------------------------------------------------------------- the territory


def _ensure(level: str, rows: list[tuple[str, str, str | None]]) -> dict[str, int]:
    """Regions (code, name, parent code) of one level, created where missing (the rest are reused)."""
    codes = [code for code, _name, _parent in rows]
    parents = {p for _code, _name, p in rows if p}
    ids = dict(Region.objects.filter(code__in=[*codes, *parents]).values_list("code", "pk"))
    Region.objects.bulk_create(
        Region(code=code, name=name, level=level, parent_id=ids[parent] if parent else None)
        for code, name, parent in rows
        if code not in ids
    )
    return dict(Region.objects.filter(code__in=codes).values_list("code", "pk"))


def build_world() -> tuple[list[Place], dict[str, list[tuple[int, str]]], Cast]:
    """The 7 counties down to micro-grids, 4 departments per county and the people the events name.

    Returns the places cases are filed in (every micro-grid and every grid, so a quarter of the cases
    sit directly in a grid), the departments by county and the cast.
    """
    load_case_reference()
    _ensure("province", [("64", "宁夏回族自治区", None)])
    _ensure("city", sorted({(city, name, "64") for city, name, *_rest in COUNTIES}))
    _ensure("county", [(code, name, city) for city, _c, code, name, _lat, _lon in COUNTIES])
    streets, communities, grids, micro = [], [], [], []
    centres: dict[str, tuple[float, float]] = {}
    for _city, _c, county, _name, lat, lon in COUNTIES:
        for s in range(1, STREETS + 1):
            street = f"{county}{s:03d}"
            streets.append((street, f"第{s}街道", county))
            for c in range(1, COMMUNITIES + 1):
                community = f"{street}{c:03d}"
                communities.append((community, f"第{s}-{c}社区", street))
                for g in range(1, GRIDS + 1):
                    grid = f"{community}{g:03d}"
                    grids.append((grid, f"第{g}网格", community))
                    centre = (lat + (s - 2) * 0.04 + (g - 3.5) * 0.004, lon + (c - 2.5) * 0.03)
                    centres[grid] = centre
                    for m in range(1, MICROGRIDS + 1):
                        code = f"{grid}{m:02d}"
                        micro.append((code, f"{m}号微网格", grid))
                        centres[code] = (centre[0] + (m - 2.5) * 0.001, centre[1])
    _ensure("street", streets)
    _ensure("community", communities)
    grid_ids = _ensure("grid", grids)
    micro_ids = _ensure("microgrid", micro)
    places = [Place(pk, code, *centres[code]) for code, pk in sorted({**micro_ids, **grid_ids}.items())]

    people = {
        role: UserFactory(username=f"dash-{role}") for role in ("grid", "community", "street", "department")
    }  # fmt: skip
    first_street = Region.objects.get(code=f"{DISTRICT}001")
    assign(people["grid"], Role.GRID_MEMBER_FULL, Region.objects.get(code=f"{DISTRICT}001001001"))
    assign(people["community"], Role.COMMUNITY_WORKER, Region.objects.get(code=f"{DISTRICT}001001"))
    assign(people["street"], Role.STREET_STAFF, first_street)
    assign(people["department"], Role.DEPARTMENT_STAFF, first_street)
    departments: dict[str, list[tuple[int, str]]] = {}
    for _city, _c, county_code, _name, _lat, _lon in COUNTIES:
        county = Region.objects.get(code=county_code)
        found = []
        for name in DEPARTMENTS:
            department, _created = Department.objects.get_or_create(
                region=county, name=name, defaults={"region_code": county.code}
            )
            department.staff.add(people["department"])
            found.append((department.pk, name))
        departments[county_code] = found
    cast = Cast(**{role: user.pk for role, user in people.items()})
    return places, departments, cast


# ---------------------------------------------------------------------- timing


def median_ms(function, runs: int, *, warm_up: int = 2):
    """Median wall time of `function()` in milliseconds, after `warm_up` untimed calls; and its last result."""
    result = None
    for _ in range(warm_up):
        result = function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def count_all() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        return cursor.fetchone()[0]


def baseline_plan() -> str:
    """How PostgreSQL counts: the top scan node, parallel workers and whether JIT compiled it."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM cases_case")
        (plan,) = cursor.fetchone()[0]
    node, workers = plan["Plan"], 0
    while node.get("Plans") and not node["Node Type"].endswith("Scan"):
        workers = max(workers, node.get("Workers Launched", 0))
        node = node["Plans"][0]
    jit = " + JIT" if plan.get("JIT") else ""
    return f"{node['Node Type']}" + (f", {workers} workers" if workers else "") + jit


def vacuum_analyze() -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) cases_case, cases_caseevent, cases_summons, dashboards_caserollup,"
            " dashboards_caserollupmonth, dashboards_summonsrollup"
        )
    return time.perf_counter() - started


def explain_queries(label: str, function) -> None:
    """Print every query of one call with its time, where the rest of the time goes (cProfile), and
    EXPLAIN ANALYZE the three slowest queries."""
    profile = cProfile.Profile()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        profile.runcall(function)
        wall = (time.perf_counter() - started) * 1000
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    in_database = sum(float(q["time"]) for q in queries) * 1000
    print(f"\n{label}: {wall:.1f} ms (profiled), {len(queries)} queries, {in_database:.1f} ms in the database")
    pstats.Stats(profile).sort_stats("tottime").print_stats(12)
    for query in queries:
        print(f"  {float(query['time']) * 1000:7.2f} ms  {query['sql'][:300]}")
    with connection.cursor() as cursor:
        for query in queries[:3]:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))


# ---------------------------------------------------------------------- the benchmark


def check_rollups(county: str) -> None:
    """The rollups agree with a direct count of the cases filed and open in the county."""
    filed = compute.measures(county, dt.date(2000, 1, 1), timezone.localdate())["filed"]
    assert filed == Case.objects.filter(region_code__startswith=county).count()
    open_now = Case.objects.filter(region_code__startswith=county, state__in=OPEN_STATE_LIST).count()
    assert compute.open_counts(county)[county] == open_now


def measure_size(label: str, rows: list, figures: dict) -> None:
    """Baseline and dashboard timings at the current size, added to `rows` and `figures`."""
    base, total = median_ms(count_all, BASELINE_RUNS)
    figures[f"{label} count"] = base
    rows.append((f"{label}: count(*) of {total:,} cases (ms)", f"{base:.1f}", "1.00", baseline_plan()))
    for kind in PERIODS:
        period = bench_period(kind)
        panels, board = median_ms(lambda p=period: case_panels(DISTRICT, p), RUNS)
        drill, children = median_ms(lambda p=period: compute.children(DISTRICT, p), RUNS)
        figures[f"{label} panels {kind}"], figures[f"{label} drill {kind}"] = panels, drill
        full = label == "full"
        filed = board["summary"].measures["filed"]
        rows += [
            (f"{label}: district dashboard, last {period.days} days ({filed:,} filed) (ms)", f"{panels:.1f}",
             f"{panels / base:.3f}", f"≤ {PANELS_MAX}" if full else "(printed only)"),
            (f"{label}: drill-down, last {period.days} days ({len(children)} streets) (ms)", f"{drill:.1f}",
             f"{drill / base:.3f}", f"≤ {DRILL_MAX}" if full else "(printed only)"),
        ]  # fmt: skip
        if EXPLAIN:
            explain_queries(f"{label} dashboard {kind}", lambda p=period: case_panels(DISTRICT, p))
    points_ms, points = median_ms(lambda: open_case_points(DISTRICT, now=timezone.now()), RUNS)
    figures[f"{label} points"] = points_ms
    overdue = sum(point["overdue"] for point in points)
    rows.append(
        (f"{label}: map points of open cases (ms)", f"{points_ms:.1f}", f"{points_ms / base:.3f}",
         f"{len(points):,} points, {overdue:,} overdue")
    )  # fmt: skip


def test_dashboard_at_district_scale():
    if connection.vendor != "postgresql":
        pytest.skip("The dashboard benchmark writes its histories with PostgreSQL-only SQL.")
    rows: list[tuple[str, str, str, str]] = [("database", connection.vendor, "", "")]
    figures: dict[str, float] = {}
    places, departments, cast = build_world()
    category_ids = list(
        CaseCategory.objects.filter(parent__isnull=False, is_active=True).order_by("code").values_list("pk", flat=True)
    )
    counties = [code for _city, _c, code, *_rest in COUNTIES]
    now = timezone.now()
    written = 0

    def generate(n: int, **options):
        nonlocal written
        started = time.perf_counter()
        result = generate_history(
            first=written + 1, n=n, places=places, counties=counties, departments=departments,
            category_ids=category_ids, cast=cast, now=options.pop("now", now), **options,
        )  # fmt: skip
        written += n
        return result, time.perf_counter() - started

    for label, n in (("tenth", SMALL), ("full", CASES - SMALL)):
        result, seconds = generate(n)
        steps = ", ".join(f"{name} {value:.0f} s" for name, value in result.seconds_by_step.items())
        started = time.perf_counter()
        rebuilt = rebuild_rollups()
        rebuild = time.perf_counter() - started
        vacuum = vacuum_analyze()
        rollup_rows = CaseRollup.objects.count()
        log = CaseEvent.objects.count()
        rows += [
            (f"{label}: generate {n:,} cases, {result.events:,} events (s)", f"{seconds:.1f}", "",
             f"{n / seconds:,.0f} cases/s; {steps}; {result.open:,} open"),
            (f"{label}: rebuild rollups from {log:,} events (s)", f"{rebuild:.1f}", "",
             f"{rebuilt.events / rebuild:,.0f} counted events/s ({rebuilt.events:,}); {rollup_rows:,} rollup rows"),
            (f"{label}: VACUUM ANALYZE (s)", f"{vacuum:.1f}", "", ""),
        ]  # fmt: skip
        check_rollups(DISTRICT)
        measure_size(label, rows, figures)
        figures[f"{label} rebuild"] = rebuild

    for kind in PERIODS:
        growth = figures[f"full panels {kind}"] / figures[f"tenth panels {kind}"]
        figures[f"growth {kind}"] = growth
        rows.append((f"dashboard, last {bench_period(kind).days} days: {CASES:,} against {SMALL:,} cases", f"{growth:.2f}×", "",
                     f"≤ {GROWTH_MAX}"))  # fmt: skip

    # The minute's work: new events committed, then the job that absorbs them.
    live_now = timezone.now()
    events, mix = append_live_events(
        total=LIVE_EVENTS,
        cast=cast,
        generate_new=lambda k: generate(k, now=live_now, days=10 / 1440, live=True,
                                        margin=dt.timedelta(seconds=1))[0].events,
    )  # fmt: skip
    started = time.perf_counter()
    job = run_rollup()
    job_seconds = time.perf_counter() - started
    figures["job"] = job_seconds
    rows.append(
        (f"rollup job: absorb {events:,} new events (s)", f"{job_seconds:.2f}", "",
         f"≤ {JOB_MAX_S} s; {events / job_seconds:,.0f} events/s; {job.events:,} counted, {job.rows:,} rows;"
         f" {mix.as_text()}")
    )  # fmt: skip
    check_rollups(DISTRICT)

    headers = ("figure", "value", "ratio", "target")
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(4)]
    print("\n\ndashboard benchmark")
    for line in [headers, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)) + " |")

    missed = []
    for kind in PERIODS:
        base = figures["full count"]
        if figures[f"full panels {kind}"] > PANELS_MAX * base:
            missed.append(f"dashboard {kind}: {figures[f'full panels {kind}'] / base:.3f} × count(*)")
        if figures[f"full drill {kind}"] > DRILL_MAX * base:
            missed.append(f"drill-down {kind}: {figures[f'full drill {kind}'] / base:.3f} × count(*)")
        if figures[f"growth {kind}"] > GROWTH_MAX:
            missed.append(f"dashboard {kind} grew {figures[f'growth {kind}']:.2f}× with ten times the cases")
    if job_seconds > JOB_MAX_S:
        missed.append(f"rollup job took {job_seconds:.2f} s for {events:,} events")
    assert not missed, "targets missed: " + "; ".join(missed)
