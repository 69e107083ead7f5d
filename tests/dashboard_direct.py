"""The dashboard measures counted a second way: straight from cases, events, follow-ups and summonses.

Where a row of its own answers (a case's filing time and channel, its state now, a follow-up, a
summons) this reads that row rather than the event log, so it checks the rollups' event rules too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from cases.models import OPEN_STATES, Case, CaseEvent, CaseState, FollowUp, Summons
from cases.workcal import WorkingTime
from dashboards.models import DURATION_BUCKETS, HISTOGRAM_FIELDS

TZ = ZoneInfo("Asia/Shanghai")
RANK = {"grid": 0, "community": 1, "street": 2, "department": 3}
TOP = {0: "top_grid", 1: "top_community", 2: "top_street", 3: "top_department"}


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TZ).date()


def _bucket(minutes: int) -> str:
    for index, upper in enumerate(DURATION_BUCKETS):
        if minutes < upper * 60:
            return HISTOGRAM_FIELDS[index]
    return HISTOGRAM_FIELDS[-1]


def direct_measures(prefix: str, start: dt.date, end: dt.date, *, categories: set[int] | None = None) -> Counter:
    """The rollup measures of the place and period, counted without the rollups."""
    wt = WorkingTime.load()
    cases = Case.objects.filter(region_code__startswith=prefix)
    if categories is not None:
        cases = cases.filter(category_id__in=categories)
    cases = {case.pk: case for case in cases}
    inside = lambda moment: start <= _day(moment) <= end  # noqa: E731
    m: Counter = Counter()
    for case in cases.values():
        if inside(case.created_at):
            m["filed"] += 1
            m[f"filed_{case.channel}"] += 1
        if case.state == CaseState.DUPLICATE and inside(case.closed_at):
            m["duplicates"] += 1
    events = CaseEvent.objects.filter(case_id__in=list(cases)).order_by("case_id", "id")
    walk: dict[int, dict] = {}
    for event in events:
        state = walk.setdefault(event.case_id, {"top": 0, "late": False, "entry": None})
        if event.to_level:
            state["top"] = max(state["top"], RANK[event.to_level])
        if event.action == "submit":
            state["entry"] = event.to_level
        if event.action in {"overdue", "auto_escalate"} or event.data.get("late"):
            state["late"] = True
        if not inside(event.created_at):
            continue
        if event.action in {"verify_ok", "unresolvable"}:
            case = cases[event.case_id]
            m["concluded"] += 1
            m["concluded_unresolvable"] += event.action == "unresolvable"
            m[TOP[state["top"]]] += 1
            m["concluded_on_time"] += not state["late"]
            minutes = wt.minutes_between(case.created_at, event.created_at)
            m["work_minutes"] += minutes
            m[_bucket(minutes)] += 1
            if state["entry"] == "grid":
                m["entry_grid"] += 1
                m["entry_grid_in_grid"] += state["top"] == 0
                m["entry_grid_in_community"] += state["top"] <= 1
        elif event.action == "reject":
            m["rejected"] += 1
            m["rejected_" + event.data.get("reason_code", "other")] += 1
        elif event.action == "reopen":
            m["reopened"] += 1
        elif event.action in {"escalate", "auto_escalate"}:
            m["escalated"] += 1
            m["auto_escalated"] += event.action == "auto_escalate"
    for follow_up in FollowUp.objects.filter(case_id__in=list(cases)).select_related("case"):
        if inside(follow_up.created_at) and not follow_up.case.is_unreasonable:
            m["follow_ups"] += 1
            m["follow_ups_satisfied"] += follow_up.satisfaction in {"satisfied", "fairly"}
    for summons in Summons.objects.filter(case_id__in=list(cases)):
        if inside(summons.summoned_at):
            m["summoned"] += 1
        if summons.checked_in_at and inside(summons.checked_in_at):
            late = summons.checked_in_at > summons.check_in_due_at
            m["checked_in_late" if late else "checked_in_on_time"] += 1
    return +m  # drop zeros


def direct_open(prefix: str) -> int:
    return Case.objects.filter(region_code__startswith=prefix, state__in=OPEN_STATES).count()
