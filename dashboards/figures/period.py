"""Periods of the dashboards: this month, last 30 days, this quarter, this year or a custom range of local days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PERIOD_CHOICES = (
    ("month", _("This month")),
    ("30d", _("Last 30 days")),
    ("quarter", _("This quarter")),
    ("year", _("This year")),
    ("custom", _("Custom range")),
)
MAX_DAYS = 3 * 366


class PeriodError(ValueError):
    """A period that cannot be read; the message is for the user."""


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date  # first day, inclusive
    end: dt.date  # last day, inclusive

    @property
    def span(self) -> tuple[dt.date, dt.date]:
        return self.start, self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        end = self.start - dt.timedelta(days=1)
        return Period(self.kind, end - dt.timedelta(days=self.days - 1), end)

    @property
    def granularity(self) -> str:
        """Trend buckets: days up to a month, weeks up to half a year, months beyond."""
        if self.days <= 31:
            return "day"
        if self.days <= 184:
            return "week"
        return "month"

    def as_query(self) -> dict[str, str]:
        query = {"period": self.kind}
        if self.kind == "custom":
            query.update({"start": self.start.isoformat(), "end": self.end.isoformat()})
        return query


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def make_period(kind: str | None, start: str | None = None, end: str | None = None, *, today=None) -> Period:
    """The period the user asked for; raises PeriodError with a message for a bad one."""
    today = today or timezone.localdate()
    kind = kind or "month"
    if kind == "month":
        return Period(kind, today.replace(day=1), today)
    if kind == "30d":
        return Period(kind, today - dt.timedelta(days=29), today)
    if kind == "quarter":
        return Period(kind, _quarter_start(today), today)
    if kind == "year":
        return Period(kind, dt.date(today.year, 1, 1), today)
    if kind != "custom":
        raise PeriodError(_("Unknown period."))
    try:
        first = dt.date.fromisoformat(start or "")
        last = dt.date.fromisoformat(end or "")
    except ValueError:
        raise PeriodError(_("Give the start and end dates as YYYY-MM-DD.")) from None
    if last < first:
        raise PeriodError(_("The end date is before the start date."))
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(_("A period can be at most three years long."))
    return Period(kind, first, last)


def bucket_start(day: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def buckets(period: Period) -> list[dt.date]:
    """The first day of every trend bucket that meets the period, in order (one step per bucket)."""
    granularity = period.granularity
    found: list[dt.date] = []
    start = bucket_start(period.start, granularity)
    while start <= period.end:
        found.append(start)
        if granularity == "month":
            start = (start + dt.timedelta(days=32)).replace(day=1)
        else:
            start += dt.timedelta(days=7 if granularity == "week" else 1)
    return found
