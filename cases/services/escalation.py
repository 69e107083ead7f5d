"""The deadline sweep: reminders at 75% of a limit, escalation one level up when a limit passes.

Run every minute by Celery beat. Each batch is one transaction that claims its rows with
SELECT … FOR UPDATE SKIP LOCKED, so two sweeps never take the same case, and a sweep killed
half-way loses only its uncommitted batch, which the next sweep takes again. Every UPDATE also
re-states the condition it acts on and its row count is checked, so even a database without row
locks (SQLite) never escalates a case twice. Nothing waits in the broker: a lost or repeated
beat message changes nothing, because the due cases are found in the database each time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case as Choose
from django.db.models import DateTimeField, F, Value, When
from django.utils import timezone

from config.bulk import insert_rows
from notifications.messages import Message, message
from notifications.services import notify_bulk

from ..messages import note
from ..models import Case, CaseAction, CaseEvent, CaseLevel, CaseState, Department, Summons
from ..models.case import CLOCK_STATE_LIST
from ..models.choices import ACTIVE_STATES, next_level
from ..models.reference import DutyRow, pick_department
from ..workcal import PolicyCache, WorkingTime
from .access import HandlerDirectory
from .clock import REMIND_SHARE
from .common import case_url, event_note

log = logging.getLogger(__name__)

# A claimed case: a named tuple of the fields _claim reads (pk, number, …, parent_id, due_at).
Row = tuple

# The columns of the events the sweep writes, in the order of its tuples (the actor is the system: none).
EVENT_FIELDS = ("case_id", "action", "from_state", "to_state", "from_level", "to_level", "note", "data", "created_at")

# Cases per transaction: big enough that claiming, committing and the per-batch statements cost little
# beside the rows themselves, small enough that a batch holds its row locks for about a second.
BATCH_SIZE = 2000


@dataclass
class SweepResult:
    escalated: int = 0
    overdue_noticed: int = 0
    reminded: int = 0
    summons_late: int = 0
    batches: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Context:
    now: dt.datetime
    wt: WorkingTime = field(default_factory=WorkingTime.load)
    policies: PolicyCache = field(default_factory=PolicyCache)
    directory: HandlerDirectory = field(default_factory=HandlerDirectory)
    departments: list[DutyRow] | None = None
    _url_parts: tuple[str, str] | None = None

    def case_url(self, case: Row) -> str:
        """`case_url(case)`, reversed once per sweep instead of once per case (thousands per batch)."""
        if self._url_parts is None:
            marker = 987654321
            url = case_url(Case(pk=marker))
            head, _marker, tail = url.partition(str(marker))
            self._url_parts = (head, tail)
        head, tail = self._url_parts
        return f"{head}{case.pk}{tail}"

    def department_for(self, case: Row) -> int | None:
        """The department on duty for the case (`pick_department` over duty lists loaded once per sweep)."""
        if self.departments is None:
            self.departments = Department.objects.duty_rows()
        return pick_department(
            self.departments,
            category_id=case.category_id,
            parent_id=case.parent_id,
            region_code=case.region_code,
        )

    def deadline(self, *, category_id: int, parent_id: int | None, level: str, urgency: str):
        accept, _handle, _verify = self.policies.minutes(
            category_id=category_id, parent_id=parent_id, level=level, urgency=urgency
        )
        return self.wt.add(self.now, accept), self.wt.add(self.now, int(accept * REMIND_SHARE))


def _per_case(members: list[Row], deadlines: dict[tuple[int, str], tuple], index: int):
    """Each case's new value as one SQL expression: a plain value when all agree, else one branch per
    distinct value (a handful: the limits of all categories fall on a few lengths) listing its cases."""
    ids_by_value: dict = defaultdict(list)
    for case in members:
        ids_by_value[deadlines[(case.category_id, case.urgency)][index]].append(case.pk)
    if len(ids_by_value) == 1:
        return next(iter(ids_by_value))
    whens = [When(pk__any=ids, then=Value(value)) for value, ids in ids_by_value.items()]
    return Choose(*whens, output_field=DateTimeField())


def _claim(queryset, batch_size: int) -> list[Row]:
    """Lock up to batch_size of the cases and read what the sweep needs of them, as plain rows."""
    return list(
        queryset.select_for_update(skip_locked=True, of=("self",))
        .annotate(parent_id=F("category__parent_id"))
        .values_list(
            "pk", "number", "title", "state", "level", "department_id", "handler_id", "region_code",
            "urgency", "category_id", "parent_id", "due_at", named=True,
        )[:batch_size]
    )  # fmt: skip


def _escalate_batch(ctx: _Context, batch_size: int, result: SweepResult) -> int:
    """One transaction: claim up to batch_size overdue cases, escalate or flag each exactly once."""
    with transaction.atomic():
        due = Case.objects.filter(state__in=CLOCK_STATE_LIST, overdue_noticed_at__isnull=True, due_at__lte=ctx.now)
        cases = _claim(due.order_by("due_at", "pk"), batch_size)
        if not cases:
            return 0
        groups: dict[tuple, list[Row]] = defaultdict(list)
        notices: list[Row] = []
        for case in cases:
            target = next_level(case.level) if case.state in ACTIVE_STATES else None
            department_id = None
            if target == CaseLevel.DEPARTMENT:
                department_id = ctx.department_for(case)
                if department_id is None:
                    target = None  # nowhere to go: flag it as overdue where it is
            if target is None:
                notices.append(case)
            else:
                groups[(target, department_id)].append(case)

        events: list[tuple] = []
        messages: list[tuple[set[int], Message, str, int]] = []
        # System notes: an id shown in the reader's language, the default language's text in the column.
        escalated_note, escalated_data = event_note(note("case_note.auto_escalated"))
        overdue_note, overdue_data = event_note(note("case_note.overdue"))
        for (target, department_id), members in groups.items():
            # One UPDATE per target: the new deadline depends on (category, urgency) only, chosen in SQL.
            deadlines: dict[tuple[int, str], tuple] = {}
            for case in members:
                key = (case.category_id, case.urgency)
                if key not in deadlines:
                    deadlines[key] = ctx.deadline(
                        category_id=case.category_id, parent_id=case.parent_id, level=target,
                        urgency=case.urgency,
                    )  # fmt: skip
            due_at, remind_at = _per_case(members, deadlines, 0), _per_case(members, deadlines, 1)
            claimed = Case.objects.filter(
                pk__any=[c.pk for c in members], state__in=CLOCK_STATE_LIST, overdue_noticed_at__isnull=True,
                due_at__lte=ctx.now,
            )  # fmt: skip
            values = {
                "level": target, "department_id": department_id, "state": CaseState.SUBMITTED, "handler": None,
                "escalation_count": F("escalation_count") + 1, "was_overdue": True, "due_at": due_at, "remind_at": remind_at,
                "reminded_at": None, "overdue_noticed_at": None, "version": F("version") + 1, "updated_at": ctx.now,
            }  # fmt: skip
            if claimed.update(**values) != len(members):
                # Someone else changed some of them (only possible without row locks): go one by one.
                members = [c for c in members if claimed.filter(pk=c.pk).update(**values) == 1]
            for case in members:
                events.append(
                    (case.pk, CaseAction.AUTO_ESCALATE, case.state, CaseState.SUBMITTED, case.level, target,
                     escalated_note, {"missed_deadline": case.due_at.isoformat(), **escalated_data}, ctx.now)
                )  # fmt: skip
                recipients = ctx.directory.handlers(
                    level=target, region_code=case.region_code, department_id=department_id
                )
                if case.handler_id:
                    recipients.add(case.handler_id)
                messages.append(
                    (recipients, message("case.overdue_escalated", number=case.number, title=case.title),
                     ctx.case_url(case), case.pk)
                )  # fmt: skip
            result.escalated += len(members)

        if notices:
            claimed = Case.objects.filter(
                pk__any=[c.pk for c in notices], overdue_noticed_at__isnull=True, due_at__lte=ctx.now
            )
            values = {
                "overdue_noticed_at": ctx.now,
                "was_overdue": True,
                "version": F("version") + 1,
                "updated_at": ctx.now,
            }
            members = notices
            if claimed.update(**values) != len(notices):
                members = [c for c in notices if claimed.filter(pk=c.pk).update(**values) == 1]
            for case in members:
                events.append(
                    (case.pk, CaseAction.OVERDUE, "", "", "", "", overdue_note,
                     {"missed_deadline": case.due_at.isoformat(), **overdue_data}, ctx.now)
                )  # fmt: skip
                recipients = (
                    {case.handler_id}
                    if case.handler_id
                    else ctx.directory.handlers(
                        level=case.level, region_code=case.region_code, department_id=case.department_id
                    )
                )
                messages.append(
                    (recipients, message("case.overdue", number=case.number, title=case.title), ctx.case_url(case),
                     case.pk)
                )  # fmt: skip
            result.overdue_noticed += len(members)

        insert_rows(CaseEvent, EVENT_FIELDS, events)
        notify_bulk(messages)
        return len(cases)


def _remind_batch(ctx: _Context, batch_size: int, result: SweepResult) -> int:
    with transaction.atomic():
        pending = Case.objects.filter(
            state__in=CLOCK_STATE_LIST, reminded_at__isnull=True, remind_at__lte=ctx.now, due_at__gt=ctx.now
        )
        cases = _claim(pending.order_by("remind_at", "pk"), batch_size)
        if not cases:
            return 0
        claimed = Case.objects.filter(pk__any=[c.pk for c in cases], reminded_at__isnull=True)
        values = {"reminded_at": ctx.now, "version": F("version") + 1, "updated_at": ctx.now}
        members = cases
        if claimed.update(**values) != len(cases):
            members = [c for c in cases if claimed.filter(pk=c.pk).update(**values) == 1]
        events, messages = [], []
        for case in members:
            events.append(
                (case.pk, CaseAction.REMIND, "", "", "", "", "", {"due_at": case.due_at.isoformat()}, ctx.now)
            )  # fmt: skip
            recipients = (
                {case.handler_id}
                if case.handler_id
                else ctx.directory.handlers(
                    level=case.level, region_code=case.region_code, department_id=case.department_id
                )
            )
            due_local = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")
            messages.append(
                (recipients, message("case.due_soon", due=due_local, number=case.number, title=case.title),
                 ctx.case_url(case), case.pk)
            )  # fmt: skip
        insert_rows(CaseEvent, EVENT_FIELDS, events)
        notify_bulk(messages)
        result.reminded += len(members)
        return len(cases)


def _summons_batch(ctx: _Context, batch_size: int, result: SweepResult) -> int:
    with transaction.atomic():
        late = list(
            Summons.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(checked_in_at__isnull=True, late_noticed_at__isnull=True, check_in_due_at__lte=ctx.now)
            .select_related("case", "department")
            .order_by("check_in_due_at", "pk")[:batch_size]
        )
        if not late:
            return 0
        claimed = Summons.objects.filter(pk__any=[s.pk for s in late], late_noticed_at__isnull=True)
        claimed.update(late_noticed_at=ctx.now)
        messages = []
        for summons in late:
            recipients = ctx.directory.handlers(
                level=CaseLevel.DEPARTMENT, region_code="", department_id=summons.department_id
            )
            recipients.add(summons.summoned_by_id)
            messages.append(
                (recipients, message("case.summons_late", dept=summons.department.name, number=summons.case.number),
                 case_url(summons.case), summons.case_id)
            )  # fmt: skip
        notify_bulk(messages)
        result.summons_late += len(late)
        return len(late)


def sweep_deadlines(*, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> SweepResult:
    """Escalate overdue cases, flag those that cannot go higher, send reminders, flag late check-ins."""
    ctx = _Context(now=now or timezone.now())
    result = SweepResult()
    for step in (_escalate_batch, _remind_batch, _summons_batch):
        while step(ctx, batch_size, result):
            result.batches += 1
    if result.escalated or result.overdue_noticed or result.reminded or result.summons_late:
        log.info("deadline sweep: %s", result.as_dict())
    return result
