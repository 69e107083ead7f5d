"""Every headline figure, defined once: its name, its formula in words (the tooltip) and how it is computed.

Pages, API and exports read figures through `FIGURES`; `compute` turns the summed rollup measures
(a dict) into the figure's value. Rates are fractions in [0, 1] or None when there is nothing to
divide by.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ..models import DURATION_BUCKETS, HISTOGRAM_FIELDS

# Fewer concluded cases than this in the period and a place is not ranked ("样本不足").
MIN_SAMPLE = 20


def ratio(numerator: int | float, denominator: int | float) -> float | None:
    return numerator / denominator if denominator else None


def grouped_median_hours(measures: dict) -> float | None:
    """The median of the working-hour histogram, interpolated linearly inside its bucket."""
    counts = [measures.get(field, 0) for field in HISTOGRAM_FIELDS]
    total = sum(counts)
    if total <= 0:
        return None
    half = total / 2
    seen = 0
    lower = 0.0
    for index, count in enumerate(counts):
        upper = DURATION_BUCKETS[index] if index < len(DURATION_BUCKETS) else None
        if count > 0 and seen + count >= half:
            if upper is None:
                return float(lower)
            return lower + (half - seen) / count * (upper - lower)
        seen += count
        lower = float(upper) if upper is not None else lower
    return float(lower)


def open_now(measures: dict) -> int:
    """Open cases from the rollup measures summed over all days: filed and reopened, less every ending."""
    return (
        measures.get("filed", 0)
        + measures.get("reopened", 0)
        - measures.get("concluded", 0)
        - measures.get("rejected", 0)
        - measures.get("duplicates", 0)
    )


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    formula: str
    kind: str  # "rate", "count" or "hours"
    compute: Callable[[dict], float | int | None]
    higher_is_better: bool = True


def _f(key, label, formula, kind, compute, higher_is_better=True) -> Figure:
    return Figure(key, label, formula, kind, compute, higher_is_better)


FIGURE_LIST = [
    _f("filed", _("Cases filed"), _("Cases filed in the period, from every channel."), "count", lambda m: m["filed"]),
    _f(
        "concluded",
        _("Cases concluded"),
        _(
            "Cases closed or put on file as unable to resolve in the period; rejected and duplicate cases are "
            "not conclusions. A reopened case that concludes again counts again."
        ),
        "count",
        lambda m: m["concluded"],
    ),
    _f(
        "in_grid_rate",
        _("Small matters kept in the grid"),
        _("Of the cases concluded in the period, the share whose highest level ever reached was the grid."),
        "rate",
        lambda m: ratio(m["top_grid"], m["concluded"]),
    ),
    _f(
        "in_community_rate",
        _("Big matters kept in the community"),
        _(
            "Of the cases concluded in the period, the share whose highest level ever reached was the grid or the community."
        ),
        "rate",
        lambda m: ratio(m["top_grid"] + m["top_community"], m["concluded"]),
    ),
    _f(
        "on_time_rate",
        _("On-time rate"),
        _("Of the cases concluded in the period, the share with no stage (accept, handle, verify) past its deadline."),
        "rate",
        lambda m: ratio(m["concluded_on_time"], m["concluded"]),
    ),
    _f(
        "satisfaction_rate",
        _("Satisfaction"),
        _(
            "(Satisfied + fairly satisfied) ÷ follow-up visits recorded in the period, leaving out cases tagged as "
            "unreasonable requests."
        ),
        "rate",
        lambda m: ratio(m["follow_ups_satisfied"], m["follow_ups"]),
    ),
    _f(
        "avg_hours",
        _("Average working hours"),
        _("Working hours (office hours on working days) from filing to conclusion, averaged over the cases concluded."),
        "hours",
        lambda m: ratio(m["work_minutes"], m["concluded"] * 60),
        higher_is_better=False,
    ),
    _f(
        "median_hours",
        _("Median working hours"),
        _(
            "The middle of the working hours from filing to conclusion, read from a histogram of 16 ranges "
            "(under 1 h, 1–2 h, … 400 h and more) and interpolated inside its range."
        ),
        "hours",
        grouped_median_hours,
        higher_is_better=False,
    ),
    _f(
        "reopen_rate",
        _("Reopen rate"),
        _("Cases reopened after an unsatisfied follow-up ÷ cases concluded, both in the period."),
        "rate",
        lambda m: ratio(m["reopened"], m["concluded"]),
        higher_is_better=False,
    ),
    _f(
        "unresolvable",
        _("Unresolved, on file"),
        _("Cases put on file as unable to resolve for now, in the period."),
        "count",
        lambda m: m["concluded_unresolvable"],
        higher_is_better=False,
    ),
    _f(
        "rejected",
        _("Rejected"),
        _("Cases not taken up (out of remit and the other reasons), in the period."),
        "count",
        lambda m: m["rejected"],
    ),
    _f(
        "escalated",
        _("Escalations"),
        _("Escalations by hand and automatic ones (a deadline missed), in the period."),
        "count",
        lambda m: m["escalated"],
        higher_is_better=False,
    ),
    _f(
        "check_in_rate",
        _("On-time check-in"),
        _(
            "Departments summoned (吹哨报到) that checked in by their deadline, as a share of all summoned in the period."
        ),
        "rate",
        lambda m: ratio(m["checked_in_on_time"], m["summoned"]),
    ),
]
FIGURES = {figure.key: figure for figure in FIGURE_LIST}
# The gauges and cards at the top of every dashboard.
HEADLINE = ("in_grid_rate", "in_community_rate", "on_time_rate", "satisfaction_rate")

LIVE_FIGURES = {
    "open_now": (_("Open now"), _("Cases not yet concluded, rejected or marked duplicate, as of the figures' time.")),
    "overdue_now": (_("Overdue now"), _("Open cases whose current stage is past its deadline, right now.")),
    "reminders_due": (
        _("Reminders due"),
        _("Open cases past their reminder time (three quarters of the limit) but not yet past the deadline."),
    ),
}


def figure_values(measures: dict) -> dict[str, float | int | None]:
    return {key: figure.compute(measures) for key, figure in FIGURES.items()}


def enough_sample(measures: dict) -> bool:
    return measures.get("concluded", 0) >= MIN_SAMPLE
