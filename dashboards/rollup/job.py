"""The rollup job: absorb new case events into the rollups, moving a watermark on the event id.

Each batch is one transaction that locks the watermark row, counts the events in (watermark, end]
and moves the watermark to `end`: killed half-way it leaves nothing, a second worker waits on the
row lock and then finds nothing left to do, so no event is ever counted twice.

Event ids come from a sequence and are handed out before their transactions commit, so id 101 can
be visible while 100 is not yet. The job never reads past a "safe horizon": on PostgreSQL it takes
the event table's EXCLUSIVE lock for an instant, which waits for every transaction that is still
inserting events (they hold ROW EXCLUSIVE) and blocks new ones only while it reads the largest id
(the Citus incremental-rollup technique). SQLite has one writer at a time, so its largest id is safe.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from cases.stat_selectors import rollup_case_facts, rollup_events, rollup_history
from cases.workcal import WorkingTime

from ..models import RollupState
from .deltas import COUNTED_ACTIONS, HISTORY_ACTIONS, NEEDS_HISTORY, Event, event_deltas
from .months import sum_finished_months
from .state import STATE_NAME, locked_state
from .writer import write_deltas

BATCH_SPAN = 20000  # event ids per transaction
LOCK_TIMEOUT_MS = 5000


@dataclass
class RollupResult:
    events: int = 0
    rows: int = 0
    batches: int = 0
    watermark: int = 0
    skipped: bool = False

    def as_dict(self) -> dict:
        return {
            "events": self.events,
            "rows": self.rows,
            "batches": self.batches,
            "watermark": self.watermark,
            "skipped": self.skipped,
        }


def safe_horizon() -> int | None:
    """The largest event id below which every event is committed; None when the lock could not be had."""
    from cases.models import CaseEvent

    table = connection.ops.quote_name(CaseEvent._meta.db_table)
    if connection.vendor != "postgresql":
        return CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            return cursor.fetchone()[0]
    except OperationalError:
        return None  # a long writer holds the table: try again next minute


def _absorb(start: int, end: int, wt: WorkingTime, months_through: dt.date | None = None) -> tuple[int, int]:
    """Count the events with start < id <= end; returns (events counted, rollup rows touched).

    Changes to days up to `months_through` also go to their monthly rows (see .months)."""
    events = [Event(*row) for row in rollup_events(start, end, actions=COUNTED_ACTIONS)]
    if not events:
        return 0, 0
    case_ids = {e.case_id for e in events}
    facts = rollup_case_facts(case_ids)
    need = {e.case_id for e in events if e.action in NEEDS_HISTORY}
    history: dict[int, list[Event]] = defaultdict(list)
    if need:
        for row in rollup_history(need, up_to=end, actions=HISTORY_ACTIONS):
            history[row[1]].append(Event(*row))
    deltas = event_deltas(events, facts, history, wt.minutes_between)
    return len(events), write_deltas(deltas, months_through=months_through)


def run_rollup(
    *,
    span: int = BATCH_SPAN,
    max_batches: int | None = None,
    now: dt.datetime | None = None,
    horizon: int | None = None,
) -> RollupResult:
    """Absorb every committed event not yet counted, one transaction per `span` event ids."""
    result = RollupResult()
    if horizon is None:
        horizon = safe_horizon()
    if horizon is None:
        result.skipped = True
        return result
    wt = WorkingTime.load()
    caught_up = False
    while max_batches is None or result.batches < max_batches:
        with transaction.atomic():
            state = locked_state()
            start = state.last_event_id
            result.watermark = start
            if start >= horizon:
                state.updated_at = now or timezone.now()
                state.save(update_fields=["updated_at"])
                caught_up = True
                break
            end = min(horizon, start + span)
            counted, rows = _absorb(start, end, wt, state.months_through)
            state.last_event_id = end
            state.updated_at = now or timezone.now()
            state.save(update_fields=["last_event_id", "updated_at"])
        result.events += counted
        result.rows += rows
        result.batches += 1
        result.watermark = end
    if caught_up:
        # Every event committed before the horizon is counted: months that have ended can be summed.
        sum_finished_months(today=timezone.localdate(now) if now else None)
    return result


def rebuild_rollups(*, span: int = 200000) -> RollupResult:
    """Recompute every rollup from the whole event log, in one transaction (readers see old or new, never half)."""
    from ..models import CaseRollup, CaseRollupMonth, SummonsRollup

    # The horizon is read before the long transaction, so writers are blocked only for that instant;
    # events after it are absorbed by the next run of the job.
    horizon = safe_horizon()
    if horizon is None:
        return RollupResult(skipped=True)
    with transaction.atomic():
        locked_state()
        CaseRollup.objects.all().delete()
        CaseRollupMonth.objects.all().delete()
        SummonsRollup.objects.all().delete()
        RollupState.objects.filter(name=STATE_NAME).update(last_event_id=0, months_through=None)
        return run_rollup(span=span, horizon=horizon)


def data_as_of() -> dt.datetime | None:
    """When the rollups last caught up with the event log."""
    return RollupState.objects.filter(name=STATE_NAME).values_list("updated_at", flat=True).first()
