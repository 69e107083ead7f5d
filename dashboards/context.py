"""What the dashboard pages show, built once from the figures for the page, the big screen, the report and the export."""

from __future__ import annotations

import datetime as dt

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.stat_selectors import category_by_code, category_codes, category_tree

from .figures import compute
from .figures.board import case_panels
from .figures.definitions import FIGURES, HEADLINE, LIVE_FIGURES
from .figures.period import PERIOD_CHOICES, Period, PeriodError, make_period
from .places import Place, child_regions, region_names
from .rollup.job import data_as_of

SORT_KEYS = ("name", "rank", "filed", "concluded", "open_now", "overdue_now", *HEADLINE, "avg_hours")


def child_columns() -> list[tuple[str, str]]:
    """The drill-down table's columns (sort key, heading)."""
    return [
        ("name", _("Place")),
        ("rank", _("Rank")),
        ("filed", _("Filed")),
        ("concluded", _("Concluded")),
        ("open_now", _("Open now")),
        ("overdue_now", _("Overdue now")),
        *[(key, str(FIGURES[key].label)) for key in HEADLINE],
        ("avg_hours", str(FIGURES["avg_hours"].label)),
    ]


class FilterError(ValueError):
    pass


def read_filters(query: QueryDict) -> tuple[Period, int | None, str]:
    """Period and category from the query string; raises FilterError with a message for the user."""
    try:
        period = make_period(query.get("period"), query.get("start"), query.get("end"))
    except PeriodError as error:
        raise FilterError(str(error)) from None
    category_code = (query.get("category") or "").strip()
    category_id = None
    if category_code:
        found = category_by_code(category_code)
        if found is None:
            raise FilterError(_("Unknown category."))
        category_id = found[0]
    return period, category_id, category_code


def category_options() -> list[dict]:
    """Top categories with their subcategories, for the filter."""
    tree = category_tree()
    codes = category_codes()
    tops = [pk for pk, (_name, parent) in tree.items() if parent is None]
    options = []
    for top in sorted(tops, key=lambda pk: codes.get(pk, "")):
        children = sorted((pk for pk, (_n, parent) in tree.items() if parent == top), key=lambda pk: codes.get(pk, ""))
        options.append(
            {
                "code": codes.get(top, ""),
                "name": tree[top][0],
                "children": [{"code": codes.get(pk, ""), "name": tree[pk][0]} for pk in children],
            }
        )
    return options


def _change(current, previous):
    if current is None or previous is None:
        return None
    return current - previous


def headline_cards(summary: compute.Summary) -> list[dict]:
    cards = []
    for key in HEADLINE:
        figure = FIGURES[key]
        value = summary.figures[key]
        cards.append(
            {
                "key": key,
                "label": figure.label,
                "formula": figure.formula,
                "kind": figure.kind,
                "value": value,
                "change": _change(value, summary.previous_figures[key]),
                "higher_is_better": figure.higher_is_better,
            }
        )
    label, formula = LIVE_FIGURES["overdue_now"]
    cards.append(
        {
            "key": "overdue_now",
            "label": label,
            "formula": formula,
            "kind": "count",
            "value": summary.overdue_now,
            "change": None,
            "higher_is_better": False,
        }
    )
    return cards


def child_rows(place: Place, rows: list[dict], *, sort: str, descending: bool, query: str) -> list[dict]:
    """Rows of the drill-down table: every current child place, with data or not, sorted and ranked."""
    regions = child_regions(place.code)
    names = region_names({row["code"] for row in rows} - set(regions))
    by_code = {row["code"]: row for row in rows}
    empty = compute.empty_child_row
    table = []
    for code in sorted(set(regions) | set(by_code)):
        row = dict(by_code.get(code) or empty(code))
        region = regions.get(code)
        row["name"] = region.name if region else names.get(code, code)
        row["current"] = region is not None
        row["url"] = reverse("dashboards:place", args=[code]) + (f"?{query}" if query else "")
        table.append(row)
    ranked = sorted(
        (r for r in table if r["enough_sample"]), key=lambda r: (-(r["figures"]["in_grid_rate"] or 0), r["code"])
    )
    for rank, row in enumerate(ranked, 1):
        row["rank"] = rank
    for row in table:
        row.setdefault("rank", None)

    with_value = [row for row in table if _sort_value(row, sort) is not None]
    with_value.sort(key=lambda row: (_sort_value(row, sort), row["code"]), reverse=descending)
    # Places with nothing to rank on (no conclusions yet) come last, whichever the direction.
    return with_value + [row for row in table if _sort_value(row, sort) is None]


def _sort_value(row: dict, sort: str):
    if sort == "name":
        return row["name"]
    if sort == "rank":
        return row["rank"]
    if sort in row["figures"]:
        return row["figures"][sort]
    if sort in ("open_now", "overdue_now"):
        return row[sort]
    return row["measures"].get(sort)


def dashboard_context(place: Place, period: Period, category_id: int | None, *, sort="in_grid_rate", order="desc",
                      query: str = "", now: dt.datetime | None = None) -> dict:  # fmt: skip
    now = now or timezone.now()
    panels = case_panels(place.code, period, category_id=category_id, now=now)
    summary = panels["summary"]
    sort = sort if sort in SORT_KEYS else "in_grid_rate"
    children = child_rows(place, panels["children"], sort=sort, descending=order != "asc", query=query)
    return {
        "place": place,
        "period": period,
        "period_choices": PERIOD_CHOICES,
        "summary": summary,
        "cards": headline_cards(summary),
        "figures": FIGURES,
        "live_figures": LIVE_FIGURES,
        "children": children,
        "child_level": compute.child_depth(place.code),
        "child_columns": child_columns(),
        "sort": sort,
        "order": "asc" if order == "asc" else "desc",
        "panels": panels,
        "data_as_of": data_as_of(),
        "chart_data": chart_data(panels, summary),
    }


def chart_data(panels: dict, summary: compute.Summary) -> dict:
    """Plain data for the page's ECharts (read from a JSON script element by dashboards/dashboard.js)."""
    from cases.models import Channel, RejectReason

    channels = dict(Channel.choices)
    levels = {"grid": _("Grid"), "community": _("Community"), "street": _("Street"), "department": _("Department")}
    trend = panels["trend"]
    return {
        "gauges": [
            {"key": key, "label": str(FIGURES[key].label), "value": summary.figures[key]}
            for key in ("in_grid_rate", "in_community_rate")
        ],
        "trend": {
            "granularity": trend["granularity"],
            "labels": [point["start"].isoformat() for point in trend["points"]],
            "filed": [point["filed"] for point in trend["points"]],
            "concluded": [point["concluded"] for point in trend["points"]],
            "previous_filed": [point["previous_filed"] for point in trend["points"]],
            "in_grid_rate": [point["in_grid_rate"] for point in trend["points"]],
            "names": {
                "filed": _("Filed"),
                "concluded": _("Concluded"),
                "previous_filed": _("Filed, previous period"),
                "in_grid_rate": str(FIGURES["in_grid_rate"].label),
            },
        },
        "categories": [
            {"name": row["name"] or _("All other categories"), "filed": row["filed"]} for row in panels["categories"]
        ],
        "channels": [
            {"name": str(channels.get(key, key)), "value": value} for key, value in panels["channels"].items() if value
        ],
        "levels": [{"name": str(levels[key]), "value": value} for key, value in panels["levels"].items()],
        "rejections": [
            {"name": str(dict(RejectReason.choices)[key]), "value": value}
            for key, value in panels["rejections"].items()
            if value
        ],
    }
