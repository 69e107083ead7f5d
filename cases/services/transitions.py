"""The case state machine: one service per transition.

Each service locks the case row, checks the current state and who is acting, changes the row,
appends a CaseEvent, and notifies on commit (notification rows are written in the same
transaction, so they exist exactly when the change does).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Case, CaseAction, CaseLevel, CaseState, Department
from ..models.choices import ACTIVE_STATES, OPEN_STATES, RejectReason, next_level, previous_level
from ..models.reference import pick_department
from ..workcal import WorkingTime
from . import access
from .clock import CLOCK_FIELDS, clock_set, clock_start, clock_stop, stage_minutes
from .common import case_title, lock_case, notify_case, require_state, save_with_event

REOPEN_WINDOW = dt.timedelta(days=7)


def _need_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: [_("Give a reason.")]})
    return reason


def _need(user, case: Case, action: str, message: str) -> None:
    if action not in access.allowed_actions(user, case):
        raise PermissionDenied(message)


@transaction.atomic
def case_accept(*, case: Case, actor, expected_version: int | None = None, note: str = "") -> Case:
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.SUBMITTED})
    _need(actor, case, "accept", _("Only the handlers of this level may accept the case."))
    now = timezone.now()
    from_state = case.state
    case.state = CaseState.ACCEPTED
    case.handler = actor
    case.accepted_at = now
    clock_start(case, stage="handle", start=now)
    save_with_event(
        case,
        fields=["state", "handler", "accepted_at", *CLOCK_FIELDS],
        actor=actor,
        action=CaseAction.ACCEPT,
        from_state=from_state,
        note=note,
    )
    notify_case(
        case, [case.reporter_id], _("Your case was accepted: %(title)s") % {"title": case_title(case)}, skip=actor
    )
    return case


@transaction.atomic
def case_dispatch(*, case: Case, actor, handler=None, expected_version: int | None = None, note: str = "") -> Case:
    """Give the case to a handler (the actor by default); a submitted case is accepted on the way."""
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.IN_PROGRESS})
    _need(actor, case, "dispatch", _("Only the handlers of this level may dispatch the case."))
    handler = handler or actor
    if not handler.is_active or not access.can_take(handler, case):
        raise ValidationError({"handler": [_("This person does not handle cases at this place.")]})
    now = timezone.now()
    from_state = case.state
    fields = ["state", "handler"]
    if case.state == CaseState.SUBMITTED:
        case.accepted_at = now
        clock_start(case, stage="handle", start=now)
        fields += ["accepted_at", *CLOCK_FIELDS]
    case.state = CaseState.IN_PROGRESS
    case.handler = handler
    save_with_event(
        case,
        fields=fields,
        actor=actor,
        action=CaseAction.DISPATCH,
        from_state=from_state,
        note=note,
        data={"handler": handler.pk, "handler_name": handler.display_name},
    )
    notify_case(case, [handler.pk], _("A case was given to you: %(title)s") % {"title": case_title(case)}, skip=actor)
    return case


@transaction.atomic
def case_return(*, case: Case, actor, reason: str, expected_version: int | None = None) -> Case:
    """Send the case back down one level, with a reason (e.g. the grid can settle it)."""
    reason = _need_reason(reason)
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.SUBMITTED, CaseState.ACCEPTED})
    _need(actor, case, "return", _("Only the handlers of this level may return the case."))
    from_state, from_level = case.state, case.level
    case.level = previous_level(case.level)
    case.department = None
    case.state = CaseState.SUBMITTED
    case.handler = None
    clock_start(case, stage="accept", start=timezone.now())
    save_with_event(
        case,
        fields=["level", "department", "state", "handler", *CLOCK_FIELDS],
        actor=actor,
        action=CaseAction.RETURN,
        from_state=from_state,
        from_level=from_level,
        note=reason,
    )
    notify_case(
        case,
        access.handler_ids_for(level=case.level, region_code=case.region_code),
        _("A case was returned to you: %(title)s") % {"title": case_title(case)},
        reason,
        skip=actor,
    )
    return case


def _is_late(case: Case) -> bool:
    """Whether the stage under way has passed its deadline (the dashboards' on-time figure reads it)."""
    return case.due_at is not None and timezone.now() > case.due_at


def _end(case: Case, *, state: str, reason: str = "") -> list[str]:
    now = timezone.now()
    case.state = state
    case.closed_at = now
    case.closed_level = case.level
    case.closure_reason = reason
    clock_stop(case)
    return ["state", "closed_at", "closed_level", "closure_reason", *CLOCK_FIELDS]


@transaction.atomic
def case_reject(
    *, case: Case, actor, reason: str, reason_code: str = RejectReason.OTHER, expected_version: int | None = None
) -> Case:
    """End the case as outside the remit of grid governance, recording who and why."""
    reason = _need_reason(reason)
    if reason_code not in RejectReason.values:
        raise ValidationError({"reason_code": [_("Choose one of the listed reasons.")]})
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.SUBMITTED, CaseState.ACCEPTED})
    _need(actor, case, "reject", _("Only the handlers of this level may reject the case."))
    from_state = case.state
    fields = _end(case, state=CaseState.REJECTED, reason=reason)
    save_with_event(
        case,
        fields=fields,
        actor=actor,
        action=CaseAction.REJECT,
        from_state=from_state,
        note=reason,
        data={"reason_code": reason_code},
    )
    notify_case(case, [case.reporter_id], _("Your case was not taken up: %(title)s") % {"title": case_title(case)},
                reason, skip=actor)  # fmt: skip
    return case


@transaction.atomic
def case_hold(*, case: Case, actor, reason: str, expected_version: int | None = None) -> Case:
    """Pause the clock (e.g. waiting for parts or for the resident); the time left is kept."""
    reason = _need_reason(reason)
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.IN_PROGRESS})
    _need(actor, case, "hold", _("Only the handler may put the case on hold."))
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
    _need(actor, case, "resume", _("Only the handler may resume the case."))
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
    reason = _need_reason(reason)
    case = lock_case(case, expected_version=expected_version)
    require_state(case, ACTIVE_STATES)
    _need(actor, case, "escalate", _("Only the handlers of this level may escalate the case."))
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
        _("A case was escalated to you: %(title)s") % {"title": case_title(case)},
        reason,
        skip=actor,
    )
    return case


@transaction.atomic
def case_resolve(*, case: Case, actor, resolution: str, expected_version: int | None = None) -> Case:
    resolution = _need_reason(resolution, "resolution")
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.IN_PROGRESS})
    _need(actor, case, "resolve", _("Only the handler may resolve the case."))
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
        _("Resolved, please verify: %(title)s") % {"title": case_title(case)},
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
    _need(actor, case, "verify", _("You may not verify this case."))
    if ok:
        waiting = case.summonses.filter(reported_at__isnull=True).select_related("department")
        names = [s.department.name for s in waiting]
        if names:
            raise ValidationError(
                _("The case cannot be closed while these departments have not reported back: %(names)s.")
                % {"names": "、".join(names)}
            )
        data = {"late": _is_late(case)}
        fields = _end(case, state=CaseState.CLOSED)
        action = CaseAction.VERIFY_OK
        title = _("Closed: %(title)s")
        recipients = [case.reporter_id, case.handler_id]
    else:
        note = _need_reason(note, "note")
        case.state = CaseState.IN_PROGRESS
        clock_start(case, stage="handle", start=timezone.now())
        fields = ["state", *CLOCK_FIELDS]
        data = {}
        action = CaseAction.VERIFY_FAILED
        title = _("Verification failed, please handle again: %(title)s")
        recipients = [case.handler_id]
    save_with_event(
        case, fields=fields, actor=actor, action=action, from_state=CaseState.RESOLVED, note=note, data=data
    )
    notify_case(case, recipients, title % {"title": case_title(case)}, note, skip=actor)
    return case


@transaction.atomic
def case_mark_unresolvable(*, case: Case, actor, reason: str, expected_version: int | None = None) -> Case:
    """End the case honestly as unable to resolve for now (挂账), with the reason on file."""
    reason = _need_reason(reason)
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.ACCEPTED, CaseState.IN_PROGRESS, CaseState.ON_HOLD})
    _need(actor, case, "unresolvable", _("Only community or street staff may file a case as unable to resolve."))
    from_state = case.state
    late = _is_late(case)
    fields = _end(case, state=CaseState.UNRESOLVABLE, reason=reason)
    save_with_event(
        case,
        fields=fields,
        actor=actor,
        action=CaseAction.UNRESOLVABLE,
        from_state=from_state,
        note=reason,
        data={"late": late},
    )
    notify_case(case, [case.reporter_id, case.handler_id], _("Filed as unable to resolve: %(title)s")
                % {"title": case_title(case)}, reason, skip=actor)  # fmt: skip
    return case


@transaction.atomic
def case_mark_duplicate(*, case: Case, actor, original: Case, expected_version: int | None = None) -> Case:
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.SUBMITTED, CaseState.ACCEPTED})
    _need(actor, case, "duplicate", _("Only the handlers of this level may mark the case as a duplicate."))
    if original.pk == case.pk:
        raise ValidationError({"original": [_("A case cannot duplicate itself.")]})
    if not Case.objects.visible_to(actor).filter(pk=original.pk).exists():
        raise ValidationError({"original": [_("No such case in your places.")]})
    while original.duplicate_of_id:  # point at the case that is really being worked on
        original = original.duplicate_of
    if original.pk == case.pk:
        raise ValidationError({"original": [_("A case cannot duplicate itself.")]})
    from_state = case.state
    fields = _end(case, state=CaseState.DUPLICATE, reason=original.number)
    case.duplicate_of = original
    save_with_event(
        case,
        fields=[*fields, "duplicate_of"],
        actor=actor,
        action=CaseAction.DUPLICATE,
        from_state=from_state,
        data={"original": original.pk, "original_number": original.number},
    )
    if original.state in OPEN_STATES:
        from .intake import case_link_report

        case_link_report(case=original, actor=actor, note=_("Same as %(number)s") % {"number": case.number})
    return case


@transaction.atomic
def case_tag_unreasonable(*, case: Case, actor, reason: str, expected_version: int | None = None) -> Case:
    """Tag an unreasonable request, so satisfaction figures do not count it against the grid."""
    reason = _need_reason(reason)
    case = lock_case(case, expected_version=expected_version)
    _need(actor, case, "tag_unreasonable", _("Only community or street staff may tag a request as unreasonable."))
    case.is_unreasonable = True
    save_with_event(case, fields=["is_unreasonable"], actor=actor, action=CaseAction.TAG_UNREASONABLE, note=reason)
    return case


@transaction.atomic
def case_comment(*, case: Case, actor, note: str, expected_version: int | None = None) -> Case:
    note = _need_reason(note, "note")
    case = lock_case(case, expected_version=expected_version)
    _need(actor, case, "comment", _("You may not comment on this case."))
    save_with_event(case, fields=[], actor=actor, action=CaseAction.COMMENT, note=note)
    return case


EDITABLE_FIELDS = ("title", "description", "urgency", "address")


@transaction.atomic
def case_edit(*, case: Case, actor, expected_version: int, changes: dict) -> Case:
    """Correct the details of an open case; a stale version is a conflict, never an overwrite."""
    case = lock_case(case, expected_version=expected_version)
    require_state(case, OPEN_STATES)
    _need(actor, case, "edit", _("You may not edit this case."))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in sorted(unknown)})
    before = {field: getattr(case, field) for field in changes}
    for field, value in changes.items():
        setattr(case, field, value.strip() if isinstance(value, str) else value)
    case.full_clean(exclude=["number", "region_code"])
    changed = [field for field in changes if getattr(case, field) != before[field]]
    fields = list(changed)
    if "urgency" in changed and case.due_at is not None:
        # A new urgency means a new limit for the stage under way, counted from its start.
        stage = {CaseState.SUBMITTED: "accept", CaseState.RESOLVED: "verify"}.get(case.state, "handle")
        start = {"accept": case.created_at, "verify": case.resolved_at}.get(stage) or case.accepted_at or timezone.now()
        clock_set(case, start=start, minutes=stage_minutes(case, stage), wt=WorkingTime.load())
        fields += CLOCK_FIELDS
    if not changed:
        return case
    save_with_event(
        case,
        fields=fields,
        actor=actor,
        action=CaseAction.EDIT,
        data={"changed": {f: [str(before[f]), str(getattr(case, f))] for f in changed}},
    )
    return case


__all__ = [
    "case_accept",
    "case_comment",
    "case_dispatch",
    "case_edit",
    "case_escalate",
    "case_hold",
    "case_mark_duplicate",
    "case_mark_unresolvable",
    "case_reject",
    "case_resolve",
    "case_resume",
    "case_return",
    "case_tag_unreasonable",
    "case_verify",
    "department_for",
    "REOPEN_WINDOW",
]
