"""The "Territory and people" panel: grid sizes against their targets, residents, workers and Party coverage.

The figures describe the territory as it is today, whatever period the dashboard shows. Every figure
is one aggregate query in the app that owns the rows (grids and partyorg selectors), so the panel
costs the same number of queries for a grid as for a whole county.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids import selectors as grid_selectors
from grids.models import ELDERLY_TAG, RegionLevel
from partyorg.selectors.deliberation import topic_counts_by_step
from partyorg.selectors.org import grid_branch_count, unit_steward_counts
from partyorg.selectors.service import project_counts_by_status

from .figures.period import Period
from .panels import Panel, register

# The places sized by households, in the order the panel lists them.
TARGET_LEVELS = (RegionLevel.GRID, RegionLevel.MICROGRID)
# Places outside their target listed on the panel (the worst first); the total is always given.
OUTSIDE_LIMIT = 50
# SEED-FACTS: at least 18 community workers per 10,000 urban residents.
COMMUNITY_WORKER_STANDARD = 18
# The standard is set for communities; a grid or micro-grid has no community workers of its own.
STANDARD_DEPTH = 12


def target_status(households: int, target: list[int] | None) -> str | None:
    """'below', 'within' or 'above' the household target; None for a place without one."""
    if not target:
        return None
    low, high = target
    if households < low:
        return "below"
    if households > high:
        return "above"
    return "within"


def _how_far_off(place: dict) -> float:
    """How far a place is outside its target, relative to the bound it misses (for ordering the list)."""
    low, high = place["target"]
    if place["status"] == "below":
        return (low - place["households"]) / max(low, 1)
    return (place["households"] - high) / max(high, 1)


def _share(part: int, whole: int, *, scale: int = 1, digits: int = 1) -> float | None:
    return round(part * scale / whole, digits) if whole else None


def _households(code: str) -> tuple[dict, int]:
    """The household figures and the number of grids under the place."""
    found = grid_selectors.grid_household_counts(code)
    levels = {level: {"count": 0, "within": 0, "below": 0, "above": 0} for level in TARGET_LEVELS}
    outside = []
    for place in found["places"]:
        status = target_status(place["households"], place["target"])
        tally = levels[place["level"]]
        tally["count"] += 1
        if status is None:
            continue
        tally[status] += 1
        if status != "within":
            outside.append({**place, "status": status})
    outside.sort(key=lambda place: (-_how_far_off(place), place["code"]))
    figures = {
        "total": found["households"],
        "levels": [{"level": level.value, "label": str(level.label), **levels[level]} for level in TARGET_LEVELS],
        "outside": outside[:OUTSIDE_LIMIT],
        "outside_total": len(outside),
    }
    return figures, levels[RegionLevel.GRID]["count"]


def _residents(code: str) -> dict:
    counts = grid_selectors.resident_counts(code)
    elderly = {"key": ELDERLY_TAG, "label": _("Elderly (60+)"), "count": counts["elderly"]}
    return {
        "total": counts["total"],
        "by_colour": counts["by_colour"],
        "by_group": [elderly, *grid_selectors.resident_tag_counts(code)],
    }


def _community_workers(code: str, residents: int) -> dict:
    count = grid_selectors.community_worker_count(code)
    per_10k = _share(count, residents, scale=10_000)
    applies = len(code) <= STANDARD_DEPTH and per_10k is not None
    return {
        "count": count,
        "per_10k": per_10k,
        "standard": COMMUNITY_WORKER_STANDARD,
        "meets_standard": per_10k >= COMMUNITY_WORKER_STANDARD if applies else None,
    }


def _party(code: str, grids: int) -> dict:
    branches = grid_branch_count(code)
    units = unit_steward_counts(code)
    steps = topic_counts_by_step(code)
    statuses = project_counts_by_status(code)
    projects = sum(row["count"] for row in statuses)
    return {
        "grid_branches": branches,
        "grids": grids,
        "branches_per_grid": _share(branches, grids, digits=2),
        "units": units["units"],
        "units_with_steward": units["covered"],
        "steward_percent": _share(units["covered"], units["units"], scale=100),
        "topics": {"total": sum(row["count"] for row in steps), "by_step": steps},
        "projects": {
            "total": projects,
            "avg_progress": _share(sum(row["progress_sum"] for row in statuses), projects),
            "by_status": [
                {
                    "key": row["key"],
                    "label": row["label"],
                    "count": row["count"],
                    "avg_progress": _share(row["progress_sum"], row["count"]),
                }
                for row in statuses
            ],
        },
    }


def territory_figures(code: str) -> dict:
    """Every figure of the panel for a place (a code prefix, "" for everywhere), as plain data.

    Ten queries whatever the size of the place. The caller decides whether its user may see the place.
    """
    households, grids = _households(code)
    residents = _residents(code)
    workers = grid_selectors.grid_worker_counts(code)
    return {
        "code": code,
        "as_of": timezone.localdate().isoformat(),
        "households": households,
        "residents": residents,
        "community_workers": _community_workers(code, residents["total"]),
        "grid_workers": {"total": sum(row["count"] for row in workers), "by_kind": workers},
        "party": _party(code, grids),
    }


def panel_data(code: str, period: Period, user) -> dict:
    """The panel's context; the territory is as of today, so the period is not used."""
    return territory_figures(code)


def _target_text(target: list[int] | None) -> str:
    return f"{target[0]}–{target[1]}" if target else ""


def _headline(label: str, value, target: str = "", status: str = "") -> list:
    return [label, "", "", value, target, status]


def panel_export(data: dict) -> tuple[str, list, list[list]]:
    """The headline counts, then the places outside their household target, for the XLSX export."""
    status_names = {"below": _("below target"), "above": _("above target"), "within": _("within target")}
    households, residents, party = data["households"], data["residents"], data["party"]
    workers = data["community_workers"]
    meets = {True: _("meets the standard"), False: _("below the standard"), None: ""}[workers["meets_standard"]]
    rows = [[_("Households"), "", data["code"], households["total"], "", ""]]
    for level in households["levels"]:
        rows.append(_headline(level["label"], level["count"]))
        for status in ("within", "below", "above"):
            label = _("%(level)s: %(status)s") % {"level": level["label"], "status": status_names[status]}
            rows.append(_headline(label, level[status]))
    rows.append(_headline(_("Residents"), residents["total"]))
    rows.extend(_headline(row["label"], row["count"]) for row in [*residents["by_colour"], *residents["by_group"]])
    rows += [
        _headline(_("Community workers"), workers["count"]),
        _headline(_("Community workers per 10,000 residents"), workers["per_10k"], f"≥ {workers['standard']}", meets),
        _headline(_("Grid workers"), data["grid_workers"]["total"]),
        _headline(_("Party grid branches per grid"), party["branches_per_grid"]),
        _headline(_("Units with a unit steward (%)"), party["steward_percent"]),
        _headline(_("Deliberation topics"), party["topics"]["total"]),
        _headline(_("Secretary-led projects"), party["projects"]["total"]),
        _headline(_("Places outside their household target"), households["outside_total"]),
    ]
    levels = {level["level"]: level["label"] for level in households["levels"]}
    for place in households["outside"]:
        rows.append(
            [
                place["name"],
                levels.get(place["level"], place["level"]),
                place["code"],
                place["households"],
                _target_text(place["target"]),
                status_names[place["status"]],
            ]
        )
    header = [_("Item"), _("Level"), _("Code"), _("Value"), _("Target"), _("Status")]
    return _("Territory"), header, rows


PANEL = register(
    Panel(
        key="territory",
        title=gettext_lazy("Territory and people"),
        template="dashboards/panels/territory.html",
        data=panel_data,
        order=80,
        export=panel_export,
    )
)
