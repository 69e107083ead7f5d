"""Working on a case and ending it: hold and resume, escalate, resolve, verify, file as unresolvable."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.messages import Message, message

from ..models import Case, CaseAction, CaseLevel, CaseState, Department
from ..models.choices import ACTIVE_STATES, next_level
from ..models.reference import pick_department
from ..workcal import WorkingTime
from . import access
from .clock import CLOCK_FIELDS, clock_set, clock_start, clock_stop
from .common import (
    case_title,
    end_case,
    is_late,
    lock_case,
    need_action,
    need_reason,
    notify_case,
    require_state,
    save_with_event,
)


@transaction.atomic
def case_hold(*, case: Case, actor, reason: str | Message, expected_version: int | None = None) -> Case:
    """Pause the clock (e.g. waiting for parts or for the resident); the time left is kept.

    The reason is typed by a person, or a system note (`cases.messages.note`) shown in the reader's language.
    """
    reason = need_reason(reason)
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.IN_PROGRESS})
    need_action(actor, case, "hold", _("Only the handler may put the case on hold."))
    now = timezone.now()
    wt = WorkingTime.load()
    case.held_minutes_left = wt.minutes_between(now, case.due_at) if case.due_at and case.due_at > now else 0
    case.state = CaseState.ON_HOLD
    clock_stop(case)
    save_with_event(
        case,
        fields=["state", "held_minutes_left", *CLOCK_FIELDS],
        actor=actor,
        action=CaseAction.HOLD,
        from_state=CaseState.IN_PROGRESS,
        note=reason,
        data={"minutes_left": case.held_minutes_left},
    )
    return case


@transaction.atomic
def case_resume(*, case: Case, actor, expected_version: int | None = None, note: str = "") -> Case:
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.ON_HOLD})
    need_action(actor, case, "resume", _("Only the handler may resume the case."))
    left = case.held_minutes_left or 0
    case.state = CaseState.IN_PROGRESS
    clock_set(case, start=timezone.now(), minutes=left, wt=WorkingTime.load())
    case.held_minutes_left = None
    save_with_event(
        case,
        fields=["state", "held_minutes_left", *CLOCK_FIELDS],
        actor=actor,
        action=CaseAction.RESUME,
        from_state=CaseState.ON_HOLD,
        note=note,
        data={"minutes_left": left},
    )
    return case


def department_for(case: Case) -> Department | None:
    """The department on duty for this case's category at its place (see `pick_department`)."""
    candidates = Department.objects.filter(region_code__in=[case.region_code[:n] for n in (2, 4, 6, 9, 12, 15)])
    pk = pick_department(
        candidates.duty_rows(),
        category_id=case.category_id,
        parent_id=case.category.parent_id,
        region_code=case.region_code,
    )
    return Department.objects.get(pk=pk) if pk else None


@transaction.atomic
def case_escalate(
    *, case: Case, actor, reason: str, department: Department | None = None, expected_version: int | None = None
) -> Case:
    """Hand the case up one level (grid → community → street → department)."""
    reason = need_reason(reason)
    case = lock_case(case, expected_version=expected_version)
    require_state(case, ACTIVE_STATES)
    need_action(actor, case, "escalate", _("Only the handlers of this level may escalate the case."))
    target = next_level(case.level)
    if target == CaseLevel.DEPARTMENT:
        if department is not None and (
            not department.is_active or not case.region_code.startswith(department.region_code)
        ):
            raise ValidationError({"department": [_("%(name)s has no jurisdiction here.") % {"name": department.name}]})
        department = department or department_for(case)
        if department is None:
            raise ValidationError(
                {"department": [_("No department handles this category here; summon departments instead.")]}
            )
    from_state, from_level = case.state, case.level
    case.level = target
    case.department = department if target == CaseLevel.DEPARTMENT else None
    case.state = CaseState.SUBMITTED
    case.handler = None
    case.escalation_count += 1
    clock_start(case, stage="accept", start=timezone.now())
    save_with_event(
        case,
        fields=["level", "department", "state", "handler", "escalation_count", *CLOCK_FIELDS],
        actor=actor,
        action=CaseAction.ESCALATE,
        from_state=from_state,
        from_level=from_level,
        note=reason,
    )
    notify_case(
        case,
        access.handler_ids_for(level=case.level, region_code=case.region_code, department_id=case.department_id),
        message("case.escalated", title=case_title(case)),
        reason,
        skip=actor,
    )
    return case


@transaction.atomic
def case_resolve(*, case: Case, actor, resolution: str, expected_version: int | None = None) -> Case:
    resolution = need_reason(resolution, "resolution")
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.IN_PROGRESS})
    need_action(actor, case, "resolve", _("Only the handler may resolve the case."))
    now = timezone.now()
    on_time = case.due_at is None or now <= case.due_at
    case.state = CaseState.RESOLVED
    case.resolved_by = actor
    case.resolved_at = now
    case.resolution = resolution
    case.closed_on_time = on_time and not case.was_overdue
    clock_start(case, stage="verify", start=now)
    save_with_event(
        case,
        fields=["state", "resolved_by", "resolved_at", "resolution", "closed_on_time", *CLOCK_FIELDS],
        actor=actor,
        action=CaseAction.RESOLVE,
        from_state=CaseState.IN_PROGRESS,
        note=resolution,
        data={"late": not on_time},
    )
    notify_case(
        case,
        access.verifier_ids_for(case),
        message("case.resolved", title=case_title(case)),
        skip=actor,
    )
    return case


@transaction.atomic
def case_verify(*, case: Case, actor, ok: bool, note: str = "", expected_version: int | None = None) -> Case:
    """The verifier (never the handler) closes the case, or sends it back to be handled again."""
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.RESOLVED})
    if actor.pk in {case.handler_id, case.resolved_by_id}:
        raise PermissionDenied(_("The person who handled a case cannot verify it."))
    need_action(actor, case, "verify", _("You may not verify this case."))
    if ok:
        waiting = case.summonses.filter(reported_at__isnull=True).select_related("department")
        names = [s.department.name for s in waiting]
        if names:
            raise ValidationError(
                _("The case cannot be closed while these departments have not reported back: %(names)s.")
                % {"names": "、".join(names)}
            )
        data = {"late": is_late(case)}
        fields = end_case(case, state=CaseState.CLOSED)
        action = CaseAction.VERIFY_OK
        message_id = "case.closed"
        recipients = [case.reporter_id, case.handler_id]
    else:
        note = need_reason(note, "note")
        case.state = CaseState.IN_PROGRESS
        clock_start(case, stage="handle", start=timezone.now())
        fields = ["state", *CLOCK_FIELDS]
        data = {}
        action = CaseAction.VERIFY_FAILED
        message_id = "case.verify_failed"
        recipients = [case.handler_id]
    save_with_event(
        case, fields=fields, actor=actor, action=action, from_state=CaseState.RESOLVED, note=note, data=data
    )
    notify_case(case, recipients, message(message_id, title=case_title(case)), note, skip=actor)
    return case


@transaction.atomic
def case_mark_unresolvable(*, case: Case, actor, reason: str, expected_version: int | None = None) -> Case:
    """End the case honestly as unable to resolve for now (挂账), with the reason on file."""
    reason = need_reason(reason)
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.ACCEPTED, CaseState.IN_PROGRESS, CaseState.ON_HOLD})
    need_action(actor, case, "unresolvable", _("Only community or street staff may file a case as unable to resolve."))
    from_state = case.state
    late = is_late(case)
    fields = end_case(case, state=CaseState.UNRESOLVABLE, reason=reason)
    save_with_event(
        case,
        fields=fields,
        actor=actor,
        action=CaseAction.UNRESOLVABLE,
        from_state=from_state,
        note=reason,
        data={"late": late},
    )
    notify_case(
        case,
        [case.reporter_id, case.handler_id],
        message("case.unresolvable", title=case_title(case)),
        reason,
        skip=actor,
    )
    return case
