"""Rollup tables of the dashboards: counts per (place, day, category), kept current from the case event log.

The dashboards own no business data. Each row holds the changes that the case events of one local
day (Asia/Shanghai) made to the figures of one place, for one leaf category or for all of them
(``category_id = 0``). Every place is stored at every depth of its code (county, street, community,
grid, micro-grid; province and city too), so a drill-down reads a handful of rows per child and
day whatever the number of cases. Codes are stored as numbers: at a fixed depth the places under
a prefix form one integer range, which any B-tree serves whatever the database's collation.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Upper bounds (exclusive) of the working-hour buckets of the duration histogram; the last bucket is open.
DURATION_BUCKETS = (1, 2, 4, 8, 12, 16, 24, 32, 40, 56, 80, 120, 160, 240, 400)
HISTOGRAM_FIELDS = tuple(f"h{index:02d}" for index in range(len(DURATION_BUCKETS) + 1))

CHANNEL_FIELDS = {
    "patrol": "filed_patrol",
    "resident": "filed_resident",
    "snapshot": "filed_snapshot",
    "hotline": "filed_hotline",
    "api": "filed_api",
    "deliberation": "filed_deliberation",
}
TOP_LEVEL_FIELDS = {
    "grid": "top_grid",
    "community": "top_community",
    "street": "top_street",
    "department": "top_department",
}
REJECT_REASON_FIELDS = {
    "out_of_remit": "rejected_out_of_remit",
    "judicial": "rejected_judicial",
    "insufficient": "rejected_insufficient",
    "not_actionable": "rejected_not_actionable",
    "other": "rejected_other",
}

# Every additive measure of CaseRollup, in a fixed order (the upsert and the readers use it).
MEASURE_FIELDS: tuple[str, ...] = (
    "filed",
    *CHANNEL_FIELDS.values(),
    "concluded",
    "concluded_unresolvable",
    *TOP_LEVEL_FIELDS.values(),
    "entry_grid",
    "entry_grid_in_grid",
    "entry_grid_in_community",
    "entry_community",
    "entry_community_in_community",
    "concluded_on_time",
    "work_minutes",
    *HISTOGRAM_FIELDS,
    "rejected",
    *REJECT_REASON_FIELDS.values(),
    "duplicates",
    "reopened",
    "escalated",
    "auto_escalated",
    "follow_ups",
    "follow_ups_satisfied",
    "summoned",
    "checked_in_on_time",
    "checked_in_late",
)

# Depths at which every row is stored: province, city, county, street, community, grid, micro-grid.
DEPTHS = (2, 4, 6, 9, 12, 15, 17)


def _measure(label: str) -> models.BigIntegerField:
    return models.BigIntegerField(label, default=0)


def _case_key(prefix: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=["depth", "category_id", "code", "day"], name=f"{prefix}_key")


def _place_day_index(prefix: str) -> models.Index:
    """Every category of a place and period (the categories panel): the key starts with the category, so
    without this the whole depth is read; covering, it is an index-only scan."""
    return models.Index(
        fields=["depth", "code", "day"], include=["category_id", "filed", "concluded"], name=f"{prefix}_place_day"
    )


class CaseMeasures(models.Model):
    """The key and the additive measures shared by the daily and the monthly case rollups."""

    depth = models.PositiveSmallIntegerField(_("code length"))
    code = models.BigIntegerField(_("region code"))
    day = models.DateField(_("day"))
    category_id = models.IntegerField(_("category"), help_text=_("0 for all categories together."))

    filed = _measure(_("filed"))
    filed_patrol = _measure(_("filed from patrols"))
    filed_resident = _measure(_("filed for residents"))
    filed_snapshot = _measure(_("filed by snap-and-report"))
    filed_hotline = _measure(_("filed from the 12345 hotline"))
    filed_api = _measure(_("filed through the API"))
    filed_deliberation = _measure(_("filed by deliberation"))
    concluded = _measure(_("concluded"))
    concluded_unresolvable = _measure(_("concluded as unable to resolve"))
    top_grid = _measure(_("concluded, highest level grid"))
    top_community = _measure(_("concluded, highest level community"))
    top_street = _measure(_("concluded, highest level street"))
    top_department = _measure(_("concluded, highest level department"))
    entry_grid = _measure(_("concluded, filed at grid level"))
    entry_grid_in_grid = _measure(_("concluded in the grid, filed at grid level"))
    entry_grid_in_community = _measure(_("concluded in the community, filed at grid level"))
    entry_community = _measure(_("concluded, filed at community level"))
    entry_community_in_community = _measure(_("concluded in the community, filed at community level"))
    concluded_on_time = _measure(_("concluded with no stage overdue"))
    work_minutes = _measure(_("working minutes from filing to conclusion"))
    h00 = _measure("< 1 h")
    h01 = _measure("1–2 h")
    h02 = _measure("2–4 h")
    h03 = _measure("4–8 h")
    h04 = _measure("8–12 h")
    h05 = _measure("12–16 h")
    h06 = _measure("16–24 h")
    h07 = _measure("24–32 h")
    h08 = _measure("32–40 h")
    h09 = _measure("40–56 h")
    h10 = _measure("56–80 h")
    h11 = _measure("80–120 h")
    h12 = _measure("120–160 h")
    h13 = _measure("160–240 h")
    h14 = _measure("240–400 h")
    h15 = _measure("≥ 400 h")
    rejected = _measure(_("rejected"))
    rejected_out_of_remit = _measure(_("rejected: outside grid affairs"))
    rejected_judicial = _measure(_("rejected: in legal proceedings"))
    rejected_insufficient = _measure(_("rejected: not enough information"))
    rejected_not_actionable = _measure(_("rejected: nothing to do"))
    rejected_other = _measure(_("rejected: other reasons"))
    duplicates = _measure(_("marked as duplicates"))
    reopened = _measure(_("reopened"))
    escalated = _measure(_("escalations"))
    auto_escalated = _measure(_("automatic escalations"))
    follow_ups = _measure(_("follow-ups counted"))
    follow_ups_satisfied = _measure(_("follow-ups satisfied or fairly satisfied"))
    summoned = _measure(_("departments summoned"))
    checked_in_on_time = _measure(_("check-ins on time"))
    checked_in_late = _measure(_("late check-ins"))

    class Meta:
        abstract = True


class CaseRollup(CaseMeasures):
    """The case figures of one place, one local day and one leaf category (0: all categories)."""

    class Meta:
        verbose_name = _("case rollup")
        verbose_name_plural = _("case rollups")
        constraints = [_case_key("caserollup")]
        indexes = [_place_day_index("caserollup")]


class CaseRollupMonth(CaseMeasures):
    """The daily rows of one finished calendar month summed, keyed by the month's first day in `day`.

    Written once a month ends (see dashboards.rollup.months) and kept current after that by the job,
    so a period of many months reads a row per month instead of one per day.
    """

    class Meta:
        verbose_name = _("monthly case rollup")
        verbose_name_plural = _("monthly case rollups")
        constraints = [_case_key("caserollupmonth")]
        indexes = [_place_day_index("caserollupmonth")]


class SummonsRollup(models.Model):
    """Summonses per place, day and department (吹哨报到), for the late check-ins by department."""

    depth = models.PositiveSmallIntegerField(_("code length"))
    code = models.BigIntegerField(_("region code"))
    day = models.DateField(_("day"))
    department_id = models.IntegerField(_("department"))
    summoned = _measure(_("summoned"))
    checked_in_on_time = _measure(_("check-ins on time"))
    checked_in_late = _measure(_("late check-ins"))

    class Meta:
        verbose_name = _("summons rollup")
        verbose_name_plural = _("summons rollups")
        constraints = [
            models.UniqueConstraint(fields=["depth", "code", "day", "department_id"], name="summonsrollup_key"),
        ]


class RollupState(models.Model):
    """The watermark: every case event with an id up to ``last_event_id`` is counted in the rollups."""

    name = models.CharField(max_length=32, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    # When the job last moved the watermark: every event committed before then is counted ("数据截至").
    updated_at = models.DateTimeField(null=True, blank=True)
    # The last day of the last month summed into the monthly rollups (none yet: empty).
    months_through = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("rollup watermark")
        verbose_name_plural = _("rollup watermarks")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_event_id}"
