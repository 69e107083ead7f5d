"""How a case's deadline reads on a page: overdue, due soon, and the time left in a compact form.

"Due soon" starts when the reminder goes out (``remind_at``, set by services.clock at
REMIND_SHARE = 75 % of the stage's limit in working time), so it covers the last quarter of
each stage: a new case with a two-hour limit is not "due soon" at once, only in its last
half hour of working time, and the badge agrees with the reminder notification.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import ngettext

from .models import CLOCK_STATES, Case

OVERDUE = "overdue"
SOON = "soon"


def due_status(case: Case, now: dt.datetime | None = None) -> str:
    """'overdue', 'soon' (the last quarter of the stage's time) or '' for a case on time or without a clock."""
    if case.state not in CLOCK_STATES or case.due_at is None:
        return ""
    now = now or timezone.now()
    if case.due_at <= now:
        return OVERDUE
    if case.remind_at is not None and case.remind_at <= now:
        return SOON
    return ""


def _days(n: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", n) % {"num": n}


def _hours(n: int) -> str:
    return ngettext("%(num)d hour", "%(num)d hours", n) % {"num": n}


def _minutes(n: int) -> str:
    return ngettext("%(num)d minute", "%(num)d minutes", n) % {"num": n}


def duration_short(delta: dt.timedelta) -> str:
    """At most two units, largest first, joined by a space: "2 天 3 小时", "1 小时 59 分钟", "5 分钟"."""
    minutes = max(int(abs(delta).total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        parts = [_days(days)] + ([_hours(hours)] if hours else [])
    elif hours:
        parts = [_hours(hours)] + ([_minutes(minutes)] if minutes else [])
    else:
        parts = [_minutes(minutes)]
    return " ".join(parts)
