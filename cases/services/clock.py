"""Deadlines of a case: each stage (accept, handle, verify) gets its limit in working time."""

from __future__ import annotations

import datetime as dt

from ..models import Case
from ..workcal import WorkingTime, policy_minutes

STAGES = ("accept", "handle", "verify")
# A reminder goes out when this share of the limit has passed.
REMIND_SHARE = 0.75


def stage_minutes(case: Case, stage: str, *, level: str | None = None) -> int:
    minutes = policy_minutes(category=case.category, level=level or case.level, urgency=case.urgency)
    return minutes[STAGES.index(stage)]


def clock_start(case: Case, *, stage: str, start: dt.datetime, wt: WorkingTime | None = None) -> None:
    """Set due_at and remind_at for a stage that begins at `start` (fields only; the caller saves)."""
    wt = wt or WorkingTime.load()
    minutes = stage_minutes(case, stage)
    clock_set(case, start=start, minutes=minutes, wt=wt)


def clock_set(case: Case, *, start: dt.datetime, minutes: int, wt: WorkingTime) -> None:
    case.due_at = wt.add(start, minutes)
    case.remind_at = wt.add(start, int(minutes * REMIND_SHARE))
    case.reminded_at = None
    case.overdue_noticed_at = None


def clock_stop(case: Case) -> None:
    case.due_at = None
    case.remind_at = None


CLOCK_FIELDS = ["due_at", "remind_at", "reminded_at", "overdue_noticed_at"]
