"""Deadline arithmetic in working time: office hours, weekends, public holidays and make-up working days.

Office hours are wall-clock times in ``settings.TIME_ZONE`` (Asia/Shanghai); every instant handed in
must be timezone-aware and every instant handed back is in UTC.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from .models import CalendarDay, CalendarDayKind, CaseCategory, CaseLevel, TimeLimitPolicy, Urgency, WorkCalendar

__all__ = [
    "BUILTIN_LIMITS",
    "PolicyCache",
    "WorkingTime",
    "hours_to_minutes",
    "policy_minutes",
]

# A deadline that finds no working day within this many calendar days is a broken calendar, not a date.
MAX_IDLE_DAYS = 3 * 366

# Used when a calendar has no row at all, so that deadlines can still be computed on a fresh install.
_BUILTIN_PERIODS = ((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 30), dt.time(18, 0)))
_BUILTIN_WEEKEND = frozenset({6, 7})


@dataclass(frozen=True)
class WorkingTime:
    """An immutable snapshot of one working calendar, cheap to query many times.

    ``periods`` are the office hours of every working day as (start, end) wall-clock times in order;
    ``weekend`` holds ISO weekdays that rest; ``holidays`` and ``workdays`` are the dates that break
    the weekly rule (a holiday rests even on a weekday, a make-up working day works even at the weekend).
    """

    periods: tuple[tuple[dt.time, dt.time], ...] = _BUILTIN_PERIODS
    weekend: frozenset[int] = _BUILTIN_WEEKEND
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    tz: dt.tzinfo = field(default_factory=lambda: ZoneInfo(settings.TIME_ZONE))
    _special: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    _day_minutes: int = field(init=False, repr=False, compare=False)
    _weekly_days: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("A working calendar needs at least one period of office hours.")
        previous_end = None
        for start, end in self.periods:
            if not start < end or (previous_end is not None and start < previous_end):
                raise ValueError("Office hours must be increasing, non-overlapping periods within one day.")
            previous_end = end
        if not self.weekend <= set(range(1, 8)):
            raise ValueError("Weekend days are ISO weekday numbers from 1 to 7.")
        # The dataclass is frozen: derived values are set once here.
        object.__setattr__(self, "_special", tuple(sorted(self.holidays | self.workdays)))
        object.__setattr__(
            self, "_day_minutes", sum(_minutes_of_day(end) - _minutes_of_day(start) for start, end in self.periods)
        )
        object.__setattr__(self, "_weekly_days", 7 - len(self.weekend))

    # ------------------------------------------------------------------ construction

    @classmethod
    def load(cls, calendar: WorkCalendar | None = None) -> WorkingTime:
        """Snapshot the given calendar, else the default one, else the built-in office hours (at most 2 queries)."""
        if calendar is None:
            calendar = WorkCalendar.objects.filter(is_default=True).first()
            if calendar is None:
                return cls()
        holidays: set[dt.date] = set()
        workdays: set[dt.date] = set()
        for date, kind in CalendarDay.objects.filter(calendar=calendar).values_list("date", "kind"):
            (workdays if kind == CalendarDayKind.WORKDAY else holidays).add(date)
        return cls(
            periods=(
                (calendar.morning_start, calendar.morning_end),
                (calendar.afternoon_start, calendar.afternoon_end),
            ),
            weekend=frozenset(calendar.weekend_set),
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
        )

    # ------------------------------------------------------------------ queries

    @property
    def minutes_per_day(self) -> int:
        """Working minutes of one full working day."""
        return self._day_minutes

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        return day.isoweekday() not in self.weekend

    def add(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """The instant (in UTC) at which ``minutes`` working minutes have passed since ``start``.

        A deadline that falls exactly at the end of a period is that end (12:00, not 14:30). Zero or
        negative minutes return ``start`` unchanged. Raises ValueError if no working day comes within
        three years.
        """
        _require_aware(start, "start")
        if minutes <= 0:
            return start
        remaining = dt.timedelta(minutes=minutes)
        full_day = dt.timedelta(minutes=self._day_minutes)
        cursor = start.astimezone(dt.UTC)
        day = start.astimezone(self.tz).date()
        first_day = True
        idle_days = 0
        while True:
            if self.is_working_day(day):
                idle_days = 0
                # A whole working day that does not finish the count is skipped without looking at its hours.
                if not first_day and remaining > full_day:
                    remaining -= full_day
                else:
                    for period_start, period_end in self._bounds(day):
                        if cursor >= period_end:
                            continue
                        segment_start = max(cursor, period_start)
                        available = period_end - segment_start
                        if remaining <= available:
                            return segment_start + remaining
                        remaining -= available
            else:
                idle_days += 1
                if idle_days > MAX_IDLE_DAYS:
                    raise ValueError(
                        f"No working day within {MAX_IDLE_DAYS} days after {day - dt.timedelta(days=idle_days)}."
                    )
            first_day = False
            day += dt.timedelta(days=1)

    def minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole working minutes in [start, end); 0 if ``end`` is not after ``start``."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        if end <= start:
            return 0
        first = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        if first == last:
            seconds = self._seconds_on(first, start, end)
        else:
            seconds = self._seconds_on(first, start, end) + self._seconds_on(last, start, end)
            seconds += self.working_days_in(first + dt.timedelta(days=1), last) * self._day_minutes * 60
        return int(seconds // 60)

    def working_days_in(self, first: dt.date, stop: dt.date) -> int:
        """Number of working days in [first, stop), counted by whole weeks plus the dates that break the rule."""
        if stop <= first:
            return 0
        weeks, rest = divmod((stop - first).days, 7)
        count = weeks * self._weekly_days
        tail = first + dt.timedelta(days=weeks * 7)
        count += sum(1 for offset in range(rest) if (tail + dt.timedelta(days=offset)).isoweekday() not in self.weekend)
        low = bisect.bisect_left(self._special, first)
        high = bisect.bisect_left(self._special, stop)
        for day in self._special[low:high]:
            count += int(self.is_working_day(day)) - int(day.isoweekday() not in self.weekend)
        return count

    # ------------------------------------------------------------------ helpers

    def _bounds(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The office-hour periods of a day as UTC instants (so arithmetic never sees wall-clock jumps)."""
        return [
            (
                dt.datetime.combine(day, start, tzinfo=self.tz).astimezone(dt.UTC),
                dt.datetime.combine(day, end, tzinfo=self.tz).astimezone(dt.UTC),
            )
            for start, end in self.periods
        ]

    def _seconds_on(self, day: dt.date, start: dt.datetime, end: dt.datetime) -> float:
        """Working seconds of ``day`` that lie inside [start, end)."""
        if not self.is_working_day(day):
            return 0.0
        total = 0.0
        for period_start, period_end in self._bounds(day):
            overlap = min(end, period_end) - max(start, period_start)
            if overlap > dt.timedelta(0):
                total += overlap.total_seconds()
        return total


def _minutes_of_day(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime.")


# ---------------------------------------------------------------------- time limits


def hours_to_minutes(hours: Decimal | float | int) -> int:
    """Hours (possibly fractional) as whole minutes, half a minute rounding up."""
    value = hours if isinstance(hours, Decimal) else Decimal(str(hours))
    return int((value * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# Working hours (accept, handle, verify) when no TimeLimitPolicy row applies, so a case can always be filed.
BUILTIN_LIMITS: dict[str, tuple[int, int, int]] = {
    Urgency.NORMAL.value: (8 * 60, 24 * 60, 8 * 60),
    Urgency.URGENT.value: (2 * 60, 8 * 60, 4 * 60),
}

Limits = tuple[int, int, int]
_PolicyKey = tuple[int | None, str, str]


def _check_level_urgency(level: str, urgency: str) -> None:
    if level not in CaseLevel.values:
        raise ValueError(f"Unknown case level: {level!r}.")
    if urgency not in Urgency.values:
        raise ValueError(f"Unknown urgency: {urgency!r}.")


def _row_minutes(policy: TimeLimitPolicy) -> Limits:
    return (
        hours_to_minutes(policy.accept_hours),
        hours_to_minutes(policy.handle_hours),
        hours_to_minutes(policy.verify_hours),
    )


def _resolve(
    rows: dict[_PolicyKey, Limits], *, category_id: int, parent_id: int | None, level: str, urgency: str
) -> Limits:
    """The most specific limits: the category's own row, then its parent's, then the default, then built-in."""
    candidates = [category_id] + ([parent_id] if parent_id else []) + [None]
    for candidate in candidates:
        found = rows.get((candidate, str(level), str(urgency)))
        if found is not None:
            return found
    return BUILTIN_LIMITS[urgency]


def policy_minutes(*, category: CaseCategory, level: str, urgency: str) -> Limits:
    """Working minutes (accept, handle, verify) for a case of this category, level and urgency (one query)."""
    _check_level_urgency(level, urgency)
    ids = [category.pk] + ([category.parent_id] if category.parent_id else [])
    policies = TimeLimitPolicy.objects.filter(
        Q(category_id__in=ids) | Q(category__isnull=True), level=level, urgency=urgency
    )
    rows = {(policy.category_id, policy.level, policy.urgency): _row_minutes(policy) for policy in policies}
    return _resolve(rows, category_id=category.pk, parent_id=category.parent_id, level=level, urgency=urgency)


class PolicyCache:
    """Memo of ``policy_minutes`` for bulk work: every TimeLimitPolicy row is read in one query on first use."""

    def __init__(self) -> None:
        self._rows: dict[_PolicyKey, Limits] | None = None
        self._memo: dict[_PolicyKey, Limits] = {}

    def minutes(self, *, category_id: int, parent_id: int | None, level: str, urgency: str) -> Limits:
        key = (category_id, str(level), str(urgency))
        found = self._memo.get(key)
        if found is None:
            _check_level_urgency(level, urgency)
            if self._rows is None:
                self._rows = {
                    (policy.category_id, policy.level, policy.urgency): _row_minutes(policy)
                    for policy in TimeLimitPolicy.objects.all()
                }
            found = _resolve(self._rows, category_id=category_id, parent_id=parent_id, level=level, urgency=urgency)
            self._memo[key] = found
        return found
