"""Reads of cases for the figures: the event log for the rollups, and the few live counts that depend on the clock.

These read by code prefix, not by user: the dashboards check the place against the user's scope
before they ask.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q
from django.db.models.functions import Substr

from .models import Case, CaseCategory, CaseEvent, Department
from .models.case import CLOCK_STATE_LIST, OPEN_STATE_LIST
from .models.reference import localized_name

# Ids per look-up: one array parameter on PostgreSQL; SQLite takes them as placeholders, kept under its bound.
ID_CHUNK = 20000


def rollup_events(start: int, end: int, *, actions: Iterable[str]) -> list[tuple]:
    """Events of the given actions with start < id <= end, as (id, case_id, action, to_level, data, created_at)."""
    return list(
        CaseEvent.objects.filter(id__gt=start, id__lte=end, action__in=list(actions))
        .order_by("id")
        .values_list("id", "case_id", "action", "to_level", "data", "created_at")
    )


def rollup_case_facts(case_ids: Iterable[int]) -> dict:
    """Place, category, channel and filing time of the given cases."""
    from dashboards.rollup.deltas import CaseFacts

    facts = {}
    ids = list(case_ids)
    for start in range(0, len(ids), ID_CHUNK):
        rows = Case.objects.filter(pk__any=ids[start : start + ID_CHUNK]).values_list(
            "pk", "region_code", "category_id", "channel", "created_at"
        )
        for pk, code, category_id, channel, created_at in rows:
            facts[pk] = CaseFacts(code, category_id, channel, created_at)
    return facts


def rollup_history(case_ids: Iterable[int], *, up_to: int, actions: Iterable[str]) -> list[tuple]:
    """The given cases' events of the given actions with id <= up_to, in (case, id) order."""
    ids = list(case_ids)
    rows: list[tuple] = []
    for start in range(0, len(ids), ID_CHUNK):
        rows.extend(
            CaseEvent.objects.filter(
                case_id__any=ids[start : start + ID_CHUNK], id__lte=up_to, action__in=list(actions)
            )
            .order_by("case_id", "id")
            .values_list("id", "case_id", "action", "to_level", "data", "created_at")
        )
    return rows


def clock_counts(
    prefix: str,
    *,
    now: dt.datetime,
    child_length: int | None = None,
    category_ids: list[int] | None = None,
    with_total: bool = False,
) -> dict[str, dict[str, int]]:
    """Open cases past their deadline ("overdue") or past their reminder time only ("reminders"), by child place.

    Keyed by the child code (the first `child_length` digits), or by `prefix` when no length is given.
    Cases whose place is the parent itself (shorter codes) are not children and are left out there;
    `with_total` adds the whole place's counts (children and parent alike) under `prefix`.
    """
    queryset = Case.objects.filter(state__in=OPEN_STATE_LIST, region_code__startswith=prefix).filter(
        Q(remind_at__lte=now) | Q(due_at__lte=now), state__in=CLOCK_STATE_LIST
    )
    if category_ids is not None:
        queryset = queryset.filter(category_id__in=category_ids)
    # Counting region_code (never empty), not the id: every column read is then in the case_open_region
    # index, so PostgreSQL counts from the index alone.
    counts = {
        "overdue": Count("region_code", filter=Q(due_at__lte=now)),
        "reminders": Count("region_code", filter=Q(due_at__gt=now, remind_at__lte=now)),
    }
    if child_length is None:
        row = queryset.aggregate(**counts)
        return {prefix: {"overdue": row["overdue"] or 0, "reminders": row["reminders"] or 0}}
    rows = (
        queryset.annotate(child=Substr("region_code", 1, child_length))
        .values("child")
        .annotate(**counts)
        .values_list("child", "overdue", "reminders")
    )
    result = {}
    total = {"overdue": 0, "reminders": 0}
    for child, overdue, reminders in rows:
        total["overdue"] += overdue
        total["reminders"] += reminders
        if len(child) == child_length:
            result[child] = {"overdue": overdue, "reminders": reminders}
    if with_total:
        result[prefix] = total
    return result


def open_case_points(prefix: str, *, now: dt.datetime, limit: int = 2000) -> list[dict]:
    """Open cases with a position under the prefix, most urgent first (overdue, then by deadline)."""
    rows = (
        Case.objects.filter(
            state__in=OPEN_STATE_LIST, region_code__startswith=prefix, latitude__isnull=False, longitude__isnull=False
        )
        .order_by("due_at", "-id")
        .values("pk", "number", "title", "latitude", "longitude", "due_at", "state")[:limit]
    )
    points = []
    for row in rows:
        overdue = row["state"] in CLOCK_STATE_LIST and row["due_at"] is not None and row["due_at"] <= now
        points.append(
            {
                "id": row["pk"],
                "number": row["number"],
                "title": row["title"],
                "latitude": float(row["latitude"]),
                "longitude": float(row["longitude"]),
                "overdue": overdue,
            }
        )
    return points


def category_tree() -> dict[int, tuple[str, int | None]]:
    """Every case category as id -> (name in the active language, parent id)."""
    rows = CaseCategory.objects.values_list("pk", "name", "name_en", "parent_id")
    return {pk: (localized_name(name, name_en), parent) for pk, name, name_en, parent in rows}


def category_by_code(code: str) -> tuple[int, str] | None:
    """(id, name) of the category with this code, or None."""
    row = CaseCategory.objects.filter(code=code).values_list("pk", "name", "name_en").first()
    return (row[0], localized_name(row[1], row[2])) if row else None


def department_names(ids: Iterable[int]) -> dict[int, str]:
    return dict(Department.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def category_codes() -> dict[int, str]:
    return dict(CaseCategory.objects.values_list("pk", "code"))
