"""Dashboard pages: a place's dashboard with its drill-down, the big screen, the monthly report and the XLSX export."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exports import xlsx_response
from grids.mapconfig import map_config

from . import exports
from .context import FilterError, category_options, dashboard_context, read_filters
from .figures import compute
from .figures.definitions import figure_values
from .figures.period import Period, make_period
from .panels import render_data
from .places import resolve_place


def _filters(request):
    try:
        return read_filters(request.GET)
    except FilterError as error:
        messages.error(request, str(error))
        return make_period("month"), None, ""


def _query(request) -> str:
    keep = request.GET.copy()
    for name in ("sort", "order", "partial"):
        keep.pop(name, None)
    return keep.urlencode()


def _page_context(request, code: str | None) -> dict:
    place = resolve_place(request.user, code)
    period, category_id, category_code = _filters(request)
    context = dashboard_context(
        place,
        period,
        category_id,
        sort=request.GET.get("sort", "in_grid_rate"),
        order=request.GET.get("order", "desc"),
        query=_query(request),
    )
    context.update(
        {
            "category_code": category_code,
            "category_options": category_options(),
            "query": _query(request),
            "extra_panels": _panels(request, place.code, period) if category_id is None else [],
            "map_config": {**map_config(), "labels": _map_labels()},
            "map_points_url": reverse("stats-map-points") + f"?place={place.code}",
            "map_regions_url": reverse("stats-map-regions") + f"?place={place.code}&{_query(request)}",
        }
    )
    return context


def _panels(request, code: str, period: Period) -> list[tuple]:
    """(panel, its data, its HTML) for the panels other apps registered; the data is the template's context."""
    return [
        (panel, data, render_to_string(panel.template, data, request=request))
        for panel, data in render_data(code, period, request.user)
    ]


def _map_labels() -> dict:
    return {
        "zoomIn": _("Zoom in"),
        "zoomOut": _("Zoom out"),
        "noTiles": _("No map tiles configured: showing the boundaries only."),
        "attribution": _("Boundaries: gridgov"),
        "overdue": _("Overdue"),
        "open": _("Open"),
        "noData": _("Too few cases"),
        "attributionPrefix": _("Map"),
    }


@login_required
def place(request, code: str | None = None):
    """The dashboard of a place: headline cards, charts, map, drill-down table and the panels of other apps."""
    return render(request, "dashboards/place.html", _page_context(request, code))


@login_required
def screen(request, code: str | None = None):
    """大屏: the same figures for a command centre's wall, dark, refreshed every minute without a reload."""
    context = _page_context(request, code)
    template = "dashboards/_screen_body.html" if request.GET.get("partial") else "dashboards/screen.html"
    return render(request, template, context)


def _month(value: str | None) -> Period:
    today = timezone.localdate()
    try:
        first = dt.date.fromisoformat(f"{value}-01") if value else (today.replace(day=1) - dt.timedelta(days=1))
    except ValueError:
        first = today.replace(day=1) - dt.timedelta(days=1)
    first = first.replace(day=1)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    last = min(next_month - dt.timedelta(days=1), today)
    return Period("custom", first, max(first, last))


@login_required
def report(request, code: str | None = None):
    """The monthly report, to print on A4: one page for the place, one per child place."""
    place = resolve_place(request.user, code)
    period = _month(request.GET.get("month"))
    main = dashboard_context(place, period, None)
    pages = []
    for row in main["children"]:
        if not row["current"] and not row["measures"]["filed"]:
            continue
        child = resolve_place(request.user, row["code"])
        pages.append(dashboard_context(child, period, None))
    return render(
        request,
        "dashboards/report.html",
        {"main": main, "pages": pages, "place": place, "period": period, "month": period.start.strftime("%Y-%m")},
    )


@login_required
def export(request, code: str | None = None):
    """Every table of the dashboard as one XLSX workbook."""
    context = _page_context(request, code)
    filename = _("dashboard-%(place)s-%(start)s-%(end)s.xlsx") % {
        "place": context["place"].code or "all",
        "start": context["period"].start.isoformat(),
        "end": context["period"].end.isoformat(),
    }
    return xlsx_response(filename, exports.sheets(context))


def grid_cards(user) -> list[dict]:
    """The headline card of each grid a grid member works in: open, overdue, 小事不出网格率 this month."""
    from .places import card_grids, region_names

    codes = card_grids(user)
    if not codes:
        return []
    names = region_names(codes)
    period = make_period("month")
    cards = []
    for code in codes:
        summary = compute.summary(code, period)
        cards.append(
            {
                "code": code,
                "name": names.get(code, code),
                "open_now": summary.open_now,
                "overdue_now": summary.overdue_now,
                "in_grid_rate": figure_values(summary.measures)["in_grid_rate"],
                "concluded": summary.measures["concluded"],
                "filed": summary.measures["filed"],
            }
        )
    return cards
