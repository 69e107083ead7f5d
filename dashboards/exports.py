"""The dashboard's tables as spreadsheet sheets (figures only: no personal data is on a dashboard)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from .figures.definitions import FIGURES, HEADLINE, LIVE_FIGURES


def _rate(value):
    return None if value is None else round(value, 4)


def _value(key: str, value):
    kind = FIGURES[key].kind if key in FIGURES else "count"
    if value is None:
        return None
    return round(value, 4) if kind == "rate" else round(value, 1) if kind == "hours" else value


def sheets(context: dict) -> list[tuple[str, list, list[list]]]:
    place, period, summary = context["place"], context["period"], context["summary"]
    panels = context["panels"]
    about = [
        [_("Place"), f"{place.name} ({place.code or _('everywhere')})"],
        [_("Period"), f"{period.start.isoformat()} – {period.end.isoformat()}"],
        [_("Figures as of"), timezone.localtime(context["data_as_of"]) if context["data_as_of"] else ""],
    ]
    figures = [
        [str(FIGURES[key].label), _value(key, summary.figures[key]), _value(key, summary.previous_figures[key]),
         str(FIGURES[key].formula)]
        for key in FIGURES
    ]  # fmt: skip
    for key, value in (
        ("open_now", summary.open_now),
        ("overdue_now", summary.overdue_now),
        ("reminders_due", summary.reminders_due),
    ):
        label, formula = LIVE_FIGURES[key]
        figures.append([str(label), value, None, str(formula)])
    result = [
        (_("About"), [_("Item"), _("Value")], about),
        (_("Figures"), [_("Figure"), _("This period"), _("Previous period"), _("How it is computed")], figures),
    ]
    child_header = [_("Code"), _("Place"), _("Rank"), _("Filed"), _("Concluded"), _("Open now"), _("Overdue now")]
    child_header += [str(FIGURES[key].label) for key in HEADLINE] + [str(FIGURES["avg_hours"].label)]
    child_rows = [
        [row["code"], row["name"], row["rank"] if row["rank"] else _("Too few cases"), row["measures"]["filed"],
         row["measures"]["concluded"], row["open_now"], row["overdue_now"],
         *[_rate(row["figures"][key]) for key in HEADLINE], _value("avg_hours", row["figures"]["avg_hours"])]
        for row in context["children"]
    ]  # fmt: skip
    result.append((_("Places"), child_header, child_rows))
    result.append(
        (
            _("Categories"),
            [_("Category"), _("Filed"), _("Concluded")],
            [
                [row["name"] or _("All other categories"), row["filed"], row["concluded"]]
                for row in panels["categories"]
            ],
        )
    )
    chart = context["chart_data"]
    result.append((_("Channels"), [_("Channel"), _("Filed")], [[c["name"], c["value"]] for c in chart["channels"]]))
    result.append(
        (_("Levels"), [_("Highest level reached"), _("Concluded")], [[c["name"], c["value"]] for c in chart["levels"]])
    )
    result.append(
        (_("Rejections"), [_("Reason"), _("Rejected")], [[c["name"], c["value"]] for c in chart["rejections"]])
    )
    result.append(
        (
            _("Summonses"),
            [_("Department"), _("Summoned"), _("Checked in on time"), _("Checked in late")],
            [[r["name"], r["summoned"], r["checked_in_on_time"], r["checked_in_late"]] for r in panels["summonses"]],
        )
    )
    for panel, data, _html in context.get("extra_panels", []):
        if panel.export is not None:
            result.append(panel.export(data))
    return result
