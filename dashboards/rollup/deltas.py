"""What each case event changes in the figures: the one place where the figures' rules meet the event log.

`event_deltas` turns a batch of events into additive changes keyed by (deepest region code, local
day, leaf category). It is pure Python over plain tuples, so the incremental job and the rebuild
share it, and the tests can compare it with a count made straight from cases and events.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings

from ..models import (
    CHANNEL_FIELDS,
    DURATION_BUCKETS,
    HISTOGRAM_FIELDS,
    REJECT_REASON_FIELDS,
    TOP_LEVEL_FIELDS,
)

LEVEL_RANK = {"grid": 0, "community": 1, "street": 2, "department": 3}
RANK_LEVEL = {rank: level for level, rank in LEVEL_RANK.items()}

CONCLUSION_ACTIONS = frozenset({"verify_ok", "unresolvable"})
# Events that move a figure by themselves.
COUNTED_ACTIONS = frozenset(
    {
        "submit",
        *CONCLUSION_ACTIONS,
        "reject",
        "duplicate",
        "reopen",
        "escalate",
        "auto_escalate",
        "follow_up",
        "tag_unreasonable",
        "summon",
        "check_in",
    }
)
# Events of a case's past that the rules above look back at.
HISTORY_ACTIONS = frozenset(
    {
        "submit",
        "escalate",
        "auto_escalate",
        "return",
        "overdue",
        "resolve",
        *CONCLUSION_ACTIONS,
        "follow_up",
        "tag_unreasonable",
    }
)
# Events that need the case's past to be counted.
NEEDS_HISTORY = CONCLUSION_ACTIONS | {"follow_up", "tag_unreasonable"}
SATISFIED = frozenset({"satisfied", "fairly"})
OVERDUE_ACTIONS = frozenset({"overdue", "auto_escalate"})
LATE_FLAGGED = frozenset({"resolve", *CONCLUSION_ACTIONS})


class Event(NamedTuple):  # a tuple: the job makes tens of thousands per batch
    id: int
    case_id: int
    action: str
    to_level: str
    data: dict
    created_at: dt.datetime


class CaseFacts(NamedTuple):
    """What the rollups key a case's events by: its place, category, channel and filing time."""

    region_code: str
    category_id: int
    channel: str
    created_at: dt.datetime


Key = tuple[str, dt.date, int]  # (deepest region code, local day, leaf category id)
SummonsKey = tuple[str, dt.date, int]  # (deepest region code, local day, department id)


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def duration_bucket(minutes: int) -> str:
    """The histogram field counting a conclusion that took this many working minutes."""
    hours = minutes / 60
    for index, upper in enumerate(DURATION_BUCKETS):
        if hours < upper:
            return HISTOGRAM_FIELDS[index]
    return HISTOGRAM_FIELDS[-1]


@dataclass
class Deltas:
    cases: dict[Key, dict[str, int]]
    summonses: dict[SummonsKey, dict[str, int]]

    @classmethod
    def empty(cls) -> Deltas:
        return cls(cases=defaultdict(lambda: defaultdict(int)), summonses=defaultdict(lambda: defaultdict(int)))

    def add(self, facts: CaseFacts, moment: dt.datetime, **changes: int) -> None:
        row = self.cases[(facts.region_code, local_day(moment), facts.category_id)]
        for field, value in changes.items():
            row[field] += value

    def add_summons(self, facts: CaseFacts, moment: dt.datetime, department_id: int, **changes: int) -> None:
        row = self.summonses[(facts.region_code, local_day(moment), int(department_id))]
        for field, value in changes.items():
            row[field] += value


def conclusion_changes(event: Event, facts: CaseFacts, past: list[Event], working_minutes) -> dict[str, int]:
    """The changes one conclusion (closed, or on file as unable to resolve) makes.

    `past` is the case's history up to and including the event, in id order.
    """
    levels = [LEVEL_RANK[e.to_level] for e in past if e.to_level in LEVEL_RANK]
    top = RANK_LEVEL[max(levels)] if levels else "grid"
    entry = next((e.to_level for e in past if e.action == "submit" and e.to_level), "grid")
    late = any(e.action in OVERDUE_ACTIONS for e in past) or any(
        e.action in LATE_FLAGGED and e.data.get("late") for e in past
    )
    minutes = working_minutes(facts.created_at, event.created_at)
    changes = {
        "concluded": 1,
        TOP_LEVEL_FIELDS[top]: 1,
        "concluded_on_time": 0 if late else 1,
        "work_minutes": minutes,
        duration_bucket(minutes): 1,
    }
    if event.action == "unresolvable":
        changes["concluded_unresolvable"] = 1
    if entry == "grid":
        changes["entry_grid"] = 1
        changes["entry_grid_in_grid"] = int(top == "grid")
        changes["entry_grid_in_community"] = int(top in {"grid", "community"})
    elif entry == "community":
        changes["entry_community"] = 1
        changes["entry_community_in_community"] = int(top == "community")
    return changes


def event_deltas(
    events: Iterable[Event],
    facts: dict[int, CaseFacts],
    history: dict[int, list[Event]],
    working_minutes,
) -> Deltas:
    """The additive changes a batch of events makes to the rollups.

    `history` maps a case id to its HISTORY_ACTIONS events in id order (at least those up to the
    newest event of the batch); `working_minutes(start, end)` counts working time.
    """
    deltas = Deltas.empty()
    for event in events:
        case = facts.get(event.case_id)
        if case is None:  # the case was deleted since
            continue
        action = event.action
        if action == "submit":
            deltas.add(case, event.created_at, filed=1, **{CHANNEL_FIELDS.get(case.channel, "filed_api"): 1})
        elif action in CONCLUSION_ACTIONS:
            past = [e for e in history.get(event.case_id, ()) if e.id <= event.id]
            deltas.add(case, event.created_at, **conclusion_changes(event, case, past, working_minutes))
        elif action == "reject":
            reason = REJECT_REASON_FIELDS.get(event.data.get("reason_code"), "rejected_other")
            deltas.add(case, event.created_at, rejected=1, **{reason: 1})
        elif action == "duplicate":
            deltas.add(case, event.created_at, duplicates=1)
        elif action == "reopen":
            deltas.add(case, event.created_at, reopened=1)
        elif action == "escalate":
            deltas.add(case, event.created_at, escalated=1)
        elif action == "auto_escalate":
            deltas.add(case, event.created_at, escalated=1, auto_escalated=1)
        elif action == "follow_up":
            past = history.get(event.case_id, ())
            if not any(e.action == "tag_unreasonable" and e.id < event.id for e in past):
                satisfied = int(event.data.get("satisfaction") in SATISFIED)
                deltas.add(case, event.created_at, follow_ups=1, follow_ups_satisfied=satisfied)
        elif action == "tag_unreasonable":
            past = history.get(event.case_id, ())
            if any(e.action == "tag_unreasonable" and e.id < event.id for e in past):
                continue  # tagged before: its follow-ups are already left out
            # Follow-ups counted before the tag stop counting, on the days they were counted.
            for earlier in past:
                if earlier.action == "follow_up" and earlier.id < event.id:
                    satisfied = int(earlier.data.get("satisfaction") in SATISFIED)
                    deltas.add(case, earlier.created_at, follow_ups=-1, follow_ups_satisfied=-satisfied)
        elif action == "summon":
            departments = event.data.get("departments") or []
            deltas.add(case, event.created_at, summoned=len(departments))
            for department_id in departments:
                deltas.add_summons(case, event.created_at, department_id, summoned=1)
        elif action == "check_in":
            field = "checked_in_late" if event.data.get("late") else "checked_in_on_time"
            deltas.add(case, event.created_at, **{field: 1})
            if event.data.get("department") is not None:
                deltas.add_summons(case, event.created_at, event.data["department"], **{field: 1})
    return deltas
