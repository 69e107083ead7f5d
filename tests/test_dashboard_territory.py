"""The "Territory and people" dashboard panel: every figure against a direct count over the rows,
its rendering, its export, its registration at start-up and its query count.

`direct_figures` below is the second way: plain loops over every row, using the models' own Python
rules (Region.targets, Region.is_current, Resident.is_elderly), not the selectors.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Assignment
from accounts.roles import Role
from dashboards.figures.period import make_period
from dashboards.panels import panels_for
from dashboards.territory import COMMUNITY_WORKER_STANDARD, OUTSIDE_LIMIT, territory_figures
from grids import services
from grids.models import (
    DEFAULT_TARGETS,
    GridWorker,
    GridWorkerKind,
    Household,
    LedgerColour,
    Region,
    RegionLevel,
    Resident,
    Tag,
    Unit,
)
from partyorg.models import (
    STEP_ORDER,
    OrgKind,
    PartyOrg,
    Position,
    PositionTitle,
    ProjectStatus,
    SecretaryProject,
    Topic,
    TopicSource,
    TopicStep,
)
from tests.factories import ResidentFactory, UserFactory, assign, make_id_number

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def today() -> dt.date:
    """Today in Shanghai, read when asked: a run that crosses midnight must not keep yesterday."""
    return timezone.localdate()


TARGET_LEVELS = ("grid", "microgrid")


def years_ago(years: int) -> dt.date:
    try:
        return today().replace(year=today().year - years)
    except ValueError:  # 29 February
        return today().replace(year=today().year - years, day=28)


def households_in(region: Region, rooms: list[str], estate) -> list[Household]:
    building = services.building_create(estate=estate, number=f"{region.code[-4:]}号楼", region=region)
    unit = services.unit_create(building=building, number="1单元")
    return [services.household_create(unit=unit, room=room) for room in rooms]


def set_target(region: Region, low: int, high: int) -> None:
    Region.objects.filter(pk=region.pk).update(target_households_min=low, target_households_max=high)


def party_org(*, name: str, kind: str, region: Region, parent=None, dissolved_on=None) -> PartyOrg:
    return PartyOrg.objects.create(
        name=name, kind=kind, region=region, region_code=region.code, parent=parent, dissolved_on=dissolved_on
    )


def steward(w, unit: Unit, *, start: dt.date, end: dt.date | None = None) -> Position:
    return Position.objects.create(
        member=w.branch_secretary, org=w.group, region_code=unit.region_code, title=PositionTitle.UNIT_STEWARD,
        unit=unit, start_date=start, end_date=end,
    )  # fmt: skip


def topic(community: Region, step: str, user) -> Topic:
    return Topic.objects.create(
        community=community, region_code=community.code, title=f"议题{step}", source=TopicSource.RESIDENT,
        step=step, created_by=user,
    )  # fmt: skip


def project(org: PartyOrg, secretary, status: str, progress: int) -> SecretaryProject:
    return SecretaryProject.objects.create(
        org=org, region_code=org.region_code, secretary=secretary, title=f"项目{status}{progress}", goal="目标",
        status=status, progress=progress,
    )  # fmt: skip


def worker(region: Region, kind: str, *, start: dt.date | None = None, end: dt.date | None = None) -> GridWorker:
    start = start or today() - dt.timedelta(days=1)
    return GridWorker.objects.create(
        region=region, region_code=region.code, name="网格员", kind=kind, start_date=start, end_date=end
    )


@pytest.fixture
def world(party_world):
    """The named territory with households on both sides of their targets, residents of every colour,
    community workers, grid workers and Party rows, each with a row that must not be counted."""
    w = party_world
    t, u = w.t, w.u
    # grid A1: micro A1-1 (2 households, below 50–100) and micro A1-2 (2 households, above 0–1): 4, below 300–500.
    micro_a2 = services.region_create(code="64030200100100102", level="microgrid", name="金塔一网格二微网格",
                                      parent=t.grid_a1)  # fmt: skip
    set_target(micro_a2, 0, 1)
    hh_micro_a2 = households_in(micro_a2, ["101", "102"], t.estate_a)
    set_target(t.grid_a2, 1, 2)  # one household: within
    # A grid retired by a redraw still holds a household (counted) but is no place of its own (not listed).
    retired = services.region_create(code="640302001002009", level="grid", name="朝阳旧网格", parent=t.comm_b,
                                     valid_from=today() - dt.timedelta(days=400), valid_to=(today() - dt.timedelta(days=1)))  # fmt: skip
    households_in(retired, ["1"], t.estate_b)

    disabled = Tag.objects.create(slug="disabled", name="残疾", is_system=True)
    dibao = Tag.objects.create(slug="dibao", name="低保", is_system=True)
    Tag.objects.create(slug="veteran", name="退役军人")  # nobody: listed with 0
    ResidentFactory.create(hh_micro_a2[0], name="满六十", birth=years_ago(60), ledger_colour=LedgerColour.RED,
                           tags=[disabled])  # fmt: skip
    ResidentFactory.create(hh_micro_a2[1], name="差一天", birth=years_ago(60) + dt.timedelta(days=1),
                           ledger_colour=LedgerColour.RED)  # fmt: skip
    ResidentFactory.create(t.hh_a2[0], name="黄", male=False, birth=dt.date(1990, 1, 2),
                           ledger_colour=LedgerColour.YELLOW, tags=[disabled, dibao])  # fmt: skip
    gone = ResidentFactory.create(t.hh_b1[0], name="搬走", birth=dt.date(1940, 6, 1), ledger_colour=LedgerColour.BLUE,
                                  tags=[dibao])  # fmt: skip
    services.resident_move(resident=gone, household=None)

    # Community workers: `community` (A) and `outsider` (B) from the named users, plus these.
    twice = UserFactory(username="cw_twice")
    assign(twice, Role.COMMUNITY_WORKER, t.comm_a)
    assign(twice, Role.COMMUNITY_WORKER, t.grid_a1)
    ended = UserFactory(username="cw_ended")
    Assignment.objects.create(user=ended, role=Role.COMMUNITY_WORKER, region=t.comm_a,
                              start_date=today() - dt.timedelta(days=30), end_date=(today() - dt.timedelta(days=1)))  # fmt: skip
    later = UserFactory(username="cw_later")
    Assignment.objects.create(
        user=later, role=Role.COMMUNITY_WORKER, region=t.comm_a, start_date=(today() + dt.timedelta(days=1))
    )
    switched_off = UserFactory(username="cw_off", is_active=False)
    assign(switched_off, Role.COMMUNITY_WORKER, t.comm_a)

    worker(t.grid_a1, GridWorkerKind.FULL_TIME)
    worker(t.grid_a1, GridWorkerKind.PART_TIME)
    worker(t.micro_a1, GridWorkerKind.MICROGRID_HEAD)
    worker(t.grid_b1, GridWorkerKind.POLICE)
    worker(
        t.grid_a2, GridWorkerKind.AUXILIARY, start=today() - dt.timedelta(days=30), end=(today() - dt.timedelta(days=1))
    )
    worker(t.grid_a2, GridWorkerKind.HEALTH, start=(today() + dt.timedelta(days=1)))

    # Grid branches: A1 (party_world) and A2 count; a community's branch, a micro-grid's branch and a
    # dissolved one do not.
    party_org(name="金塔第二网格党支部", kind=OrgKind.BRANCH, region=t.grid_a2, parent=w.committee)
    party_org(name="金塔小区党支部", kind=OrgKind.BRANCH, region=t.comm_a, parent=w.committee)
    party_org(name="微网格党支部", kind=OrgKind.BRANCH, region=micro_a2, parent=w.branch)
    party_org(name="朝阳第一网格党支部", kind=OrgKind.BRANCH, region=t.grid_b1, parent=w.other_committee,
              dissolved_on=(today() - dt.timedelta(days=1)))  # fmt: skip
    # Stewards: unit A1 has two current ones (counted once); grid A2's unit had one until yesterday.
    steward(w, t.unit_a1, start=today() - dt.timedelta(days=10))
    steward(w, t.unit_a1, start=today())
    steward(
        w,
        Unit.objects.get(region_code=t.grid_a2.code),
        start=today() - dt.timedelta(days=30),
        end=(today() - dt.timedelta(days=1)),
    )

    for step in (TopicStep.COLLECTED, TopicStep.COLLECTED, TopicStep.VOTING, TopicStep.DROPPED):
        topic(t.comm_a, step, u.community)
    topic(t.comm_b, TopicStep.ARCHIVED, u.outsider)
    project(w.branch, w.branch_secretary, ProjectStatus.UNDER_WAY, 40)
    project(w.branch, w.branch_secretary, ProjectStatus.UNDER_WAY, 75)
    project(w.committee, w.secretary, ProjectStatus.DONE, 100)
    project(w.other_committee, w.outsider_member, ProjectStatus.PLANNED, 0)
    return SimpleNamespace(**vars(w), micro_a2=micro_a2)


# ---------------------------------------------------------------- the second way


def _status(households: int, target) -> str | None:
    if target is None:
        return None
    if households < target[0]:
        return "below"
    if households > target[1]:
        return "above"
    return "within"


def _rounded(part, whole, digits: int = 1):
    return round(part / whole, digits) if whole else None


def _current(start: dt.date, end: dt.date | None) -> bool:
    return start <= today() and (end is None or end >= today())


def direct_households(code: str) -> tuple[dict, int]:
    held_at = [h.region_code for h in Household.objects.all() if h.region_code.startswith(code)]
    levels = {level: {"count": 0, "within": 0, "below": 0, "above": 0} for level in TARGET_LEVELS}
    outside = []
    for region in Region.objects.order_by("code"):
        if region.level not in TARGET_LEVELS or not region.is_current or not region.code.startswith(code):
            continue
        count = sum(1 for place in held_at if place.startswith(region.code))
        target = list(region.targets) if region.targets else None
        status = _status(count, target)
        levels[region.level]["count"] += 1
        if status is not None:
            levels[region.level][status] += 1
        if status in ("below", "above"):
            bound = target[0] if status == "below" else target[1]
            off = abs(count - bound) / max(bound, 1)
            row = {"code": region.code, "name": region.name, "level": region.level, "households": count}
            outside.append((off, {**row, "target": target, "status": status}))
    outside.sort(key=lambda pair: (-pair[0], pair[1]["code"]))
    figures = {
        "total": len(held_at),
        "levels": [
            {"level": level, "label": str(RegionLevel(level).label), **levels[level]} for level in TARGET_LEVELS
        ],
        "outside": [row for _off, row in outside][:OUTSIDE_LIMIT],
        "outside_total": len(outside),
    }
    return figures, levels["grid"]["count"]


def direct_residents(code: str) -> dict:
    living = [r for r in Resident.objects.prefetch_related("tags") if r.household_id and r.region_code.startswith(code)]
    groups = [{"key": "elderly", "label": "Elderly (60+)", "count": sum(1 for r in living if r.is_elderly)}]
    for tag in Tag.objects.order_by("-is_system", "id"):
        count = sum(1 for r in living if tag in r.tags.all())
        groups.append({"key": tag.slug, "label": tag.name, "count": count})
    return {
        "total": len(living),
        "by_colour": [
            {"key": c.value, "label": str(c.label), "count": sum(1 for r in living if r.ledger_colour == c)}
            for c in LedgerColour
        ],
        "by_group": groups,
    }


def direct_party(code: str, grids: int) -> dict:
    branches = 0
    for org in PartyOrg.objects.select_related("region"):
        active = org.dissolved_on is None or org.dissolved_on > today()
        if org.kind == OrgKind.BRANCH and org.region.level == "grid" and org.region_code.startswith(code) and active:
            branches += 1
    stewards = [p for p in Position.objects.all() if p.title == PositionTitle.UNIT_STEWARD]
    units = [unit for unit in Unit.objects.all() if unit.region_code.startswith(code)]
    covered = [u for u in units if any(p.unit_id == u.pk and _current(p.start_date, p.end_date) for p in stewards)]
    topics = [t for t in Topic.objects.all() if t.region_code.startswith(code)]
    steps = [*STEP_ORDER, TopicStep.DROPPED]
    projects = [p for p in SecretaryProject.objects.all() if p.region_code.startswith(code)]
    by_status = []
    for status in ProjectStatus:
        progress = [p.progress for p in projects if p.status == status]
        by_status.append(
            {"key": status.value, "label": str(status.label), "count": len(progress),
             "avg_progress": _rounded(sum(progress), len(progress))}
        )  # fmt: skip
    return {
        "grid_branches": branches,
        "grids": grids,
        "branches_per_grid": _rounded(branches, grids, 2),
        "units": len(units),
        "units_with_steward": len(covered),
        "steward_percent": _rounded(len(covered) * 100, len(units)),
        "topics": {
            "total": len(topics),
            "by_step": [
                {"key": s.value, "label": str(s.label), "count": sum(1 for t in topics if t.step == s)} for s in steps
            ],
        },
        "projects": {
            "total": len(projects),
            "avg_progress": _rounded(sum(p.progress for p in projects), len(projects)),
            "by_status": by_status,
        },
    }


def direct_figures(code: str) -> dict:
    households, grids = direct_households(code)
    residents = direct_residents(code)
    community_workers = set()
    for a in Assignment.objects.select_related("user", "region"):
        in_place = a.region is not None and a.region.code.startswith(code)
        if a.role == Role.COMMUNITY_WORKER and in_place and _current(a.start_date, a.end_date) and a.user.is_active:
            community_workers.add(a.user_id)
    per_10k = _rounded(len(community_workers) * 10_000, residents["total"])
    workers = [
        w for w in GridWorker.objects.all() if w.region_code.startswith(code) and _current(w.start_date, w.end_date)
    ]
    by_kind = [
        {"key": k.value, "label": str(k.label), "count": sum(1 for w in workers if w.kind == k)} for k in GridWorkerKind
    ]
    return {
        "code": code,
        "as_of": today().isoformat(),
        "households": households,
        "residents": residents,
        "community_workers": {
            "count": len(community_workers),
            "per_10k": per_10k,
            "standard": 18,
            "meets_standard": per_10k >= 18 if per_10k is not None and len(code) <= 12 else None,
        },
        "grid_workers": {"total": len(workers), "by_kind": by_kind},
        "party": direct_party(code, grids),
    }


# ---------------------------------------------------------------- the figures


PLACES = {
    "community A": lambda w: w.t.comm_a.code,
    "community B": lambda w: w.t.comm_b.code,
    "grid A1": lambda w: w.t.grid_a1.code,
    "micro-grid A1-2": lambda w: w.micro_a2.code,
    "county": lambda w: w.t.county.code,
    "everywhere": lambda w: "",
}


@pytest.mark.parametrize("place", list(PLACES))
def test_figures_agree_with_a_direct_count(world, in_english, place):
    code = PLACES[place](world)
    assert territory_figures(code) == direct_figures(code)


def test_figures_of_community_a(world, in_english):
    """The counts a person would make by hand, so that both ways cannot be wrong together."""
    t = world.t
    figures = territory_figures(t.comm_a.code)
    households = figures["households"]
    assert households["total"] == 5
    assert households["levels"][0] == {"level": "grid", "label": "Grid", "count": 2, "within": 1, "below": 1,
                                       "above": 0}  # fmt: skip
    assert households["levels"][1]["count"] == 2
    # The furthest off first: 2 against at most 1, then 4 against at least 300, then 2 against at least 50.
    assert [(p["code"], p["status"], p["households"]) for p in households["outside"]] == [
        (world.micro_a2.code, "above", 2), (t.grid_a1.code, "below", 4), (t.micro_a1.code, "below", 2),
    ]  # fmt: skip
    assert households["outside"][1]["target"] == list(DEFAULT_TARGETS[RegionLevel.GRID])
    residents = figures["residents"]
    assert residents["total"] == 5
    assert {g["key"]: g["count"] for g in residents["by_group"]} == {"elderly": 2, "disabled": 2, "dibao": 1,
                                                                      "veteran": 0}  # fmt: skip
    assert {c["key"]: c["count"] for c in residents["by_colour"]} == {"red": 2, "yellow": 1, "blue": 0, "orange": 2}
    assert figures["community_workers"] == {"count": 2, "per_10k": 4000.0, "standard": COMMUNITY_WORKER_STANDARD,
                                            "meets_standard": True}  # fmt: skip
    assert figures["grid_workers"]["total"] == 3
    party = figures["party"]
    assert (party["grid_branches"], party["grids"], party["branches_per_grid"]) == (2, 2, 1.0)
    assert (party["units_with_steward"], party["units"], party["steward_percent"]) == (1, 3, 33.3)
    assert party["topics"]["total"] == 4
    assert party["projects"]["avg_progress"] == 71.7  # (40 + 75 + 100) / 3
    under_way = next(row for row in party["projects"]["by_status"] if row["key"] == "under_way")
    assert (under_way["count"], under_way["avg_progress"]) == (2, 57.5)


def test_below_the_community_level_no_standard_applies(world):
    figures = territory_figures(world.t.grid_a1.code)
    assert figures["community_workers"]["count"] == 1  # cw_twice holds a role at the grid itself
    assert figures["community_workers"]["meets_standard"] is None
    assert figures["party"]["topics"]["total"] == 0  # topics belong to the community


def test_a_community_short_of_workers_is_below_the_standard(territory, users):
    """One community worker for 600 residents is 16.7 per 10,000: below 18."""
    household = territory.hh_b1[0]
    Resident.objects.bulk_create(
        Resident(household=household, region_code=household.region_code, name=f"居民{n}", gender="M",
                 birth_date=dt.date(1985, 1, 1), id_number=f"T{n:017d}")
        for n in range(599)
    )  # fmt: skip
    figures = territory_figures(territory.comm_b.code)
    assert figures["residents"]["total"] == 600
    assert figures["community_workers"] == {"count": 1, "per_10k": 16.7, "standard": 18, "meets_standard": False}
    html = render_to_string("dashboards/panels/territory.html", figures)
    assert "target-badge over" in html and "16.7" in html


def test_query_count_does_not_grow_with_the_number_of_grids(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        territory_figures("")
    with CaptureQueriesContext(connection) as before:
        territory_figures("")
    t = world.t
    for n in range(10, 40):
        grid = services.region_create(code=f"640302001002{n:03d}", level="grid", name=f"朝阳第{n}网格", parent=t.comm_b)
        micro = services.region_create(code=f"{grid.code}01", level="microgrid", name=f"朝阳{n}-1", parent=grid)
        household = households_in(micro, ["101"], t.estate_b)[0]
        ResidentFactory.create(household, name=f"居民{n}", id_number=make_id_number(birth=dt.date(1970, 1, n % 28 + 1)))
    with CaptureQueriesContext(connection) as after:
        figures = territory_figures("")
    assert figures["households"]["levels"][0]["count"] == 33
    assert len(after.captured_queries) == len(before.captured_queries)


# ---------------------------------------------------------------- the panel


def test_the_panel_is_registered_at_start_up():
    """A fresh process that only sets Django up finds the panel: apps.py imports it, not this test."""
    script = (
        "import django; django.setup(); from dashboards.panels import panels_for; "
        "print(','.join(p.key for p in panels_for('640302')))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120, env=env, cwd=ROOT
    )
    assert "territory" in found.stdout.strip().split(",")


def test_the_registry_returns_the_panel_for_a_county():
    panel = next(p for p in panels_for("640302") if p.key == "territory")
    assert panel.template == "dashboards/panels/territory.html"
    assert panel.order == 80


def test_the_panel_renders_its_figures(world, in_english):
    panel = next(p for p in panels_for(world.t.comm_a.code) if p.key == "territory")
    data = panel.data(world.t.comm_a.code, make_period("month"), world.u.official)
    assert data == territory_figures(world.t.comm_a.code)
    html = render_to_string(panel.template, data)
    assert "3 places outside their targets" in html
    for name in ("金塔一网格二微网格", "金塔第一网格", "金塔一网格一微网格"):
        assert name in html
    assert "金塔第二网格" not in html  # within its target
    assert "4000.0" in html and "meets the standard" in html
    assert "Elderly (60+)" in html and "残疾" in html
    assert "Up for a vote" in html and "average progress 71.7%" in html
    assert "<script" not in html and " onclick=" not in html


def test_an_empty_place_renders(db, in_english):
    html = render_to_string("dashboards/panels/territory.html", territory_figures("659999"))
    assert "No grids here." in html


def test_the_export_lists_the_headline_counts_and_the_places_outside(world, in_english):
    panel = next(p for p in panels_for(world.t.county.code) if p.key == "territory")
    data = panel.data(world.t.county.code, make_period("month"), world.u.official)
    title, header, rows = panel.export(data)
    assert title == "Territory"
    assert header == ["Item", "Level", "Code", "Value", "Target", "Status"]
    assert all(len(row) == len(header) for row in rows)
    assert rows[0] == ["Households", "", "640302", data["households"]["total"], "", ""]
    assert ["Places outside their household target", "", "", 4, "", ""] in rows
    outside = rows[-4:]
    assert [row[2] for row in outside] == [p["code"] for p in data["households"]["outside"]]
    assert outside[0] == ["金塔一网格二微网格", "Micro-grid", world.micro_a2.code, 2, "0–1", "above target"]
