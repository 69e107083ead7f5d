"""Taking a case in or turning it away: accept, dispatch, return one level down, reject.

Each service locks the case row, checks the current state and who is acting, changes the row,
appends a CaseEvent, and notifies (notification rows are written in the same transaction, so
they exist exactly when the change does).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.messages import Message, message

from ..models import Case, CaseAction, CaseState
from ..models.choices import RejectReason, previous_level
from . import access
from .clock import CLOCK_FIELDS, clock_start
from .common import (
    case_title,
    end_case,
    lock_case,
    need_action,
    need_reason,
    notify_case,
    require_state,
    save_with_event,
)


@transaction.atomic
def case_accept(*, case: Case, actor, expected_version: int | None = None, note: str = "") -> Case:
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.SUBMITTED})
    need_action(actor, case, "accept", _("Only the handlers of this level may accept the case."))
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
    notify_case(case, [case.reporter_id], message("case.accepted", title=case_title(case)), skip=actor)
    return case


@transaction.atomic
def case_dispatch(
    *, case: Case, actor, handler=None, expected_version: int | None = None, note: str | Message = ""
) -> Case:
    """Give the case to a handler (the actor by default); a submitted case is accepted on the way."""
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.IN_PROGRESS})
    need_action(actor, case, "dispatch", _("Only the handlers of this level may dispatch the case."))
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
    notify_case(case, [handler.pk], message("case.given", title=case_title(case)), skip=actor)
    return case


@transaction.atomic
def case_return(*, case: Case, actor, reason: str, expected_version: int | None = None) -> Case:
    """Send the case back down one level, with a reason (e.g. the grid can settle it)."""
    reason = need_reason(reason)
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.SUBMITTED, CaseState.ACCEPTED})
    need_action(actor, case, "return", _("Only the handlers of this level may return the case."))
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
        message("case.returned", title=case_title(case)),
        reason,
        skip=actor,
    )
    return case


@transaction.atomic
def case_reject(
    *, case: Case, actor, reason: str, reason_code: str = RejectReason.OTHER, expected_version: int | None = None
) -> Case:
    """End the case as outside the remit of grid governance, recording who and why."""
    reason = need_reason(reason)
    if reason_code not in RejectReason.values:
        raise ValidationError({"reason_code": [_("Choose one of the listed reasons.")]})
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.SUBMITTED, CaseState.ACCEPTED})
    need_action(actor, case, "reject", _("Only the handlers of this level may reject the case."))
    from_state = case.state
    fields = end_case(case, state=CaseState.REJECTED, reason=reason)
    save_with_event(
        case,
        fields=fields,
        actor=actor,
        action=CaseAction.REJECT,
        from_state=from_state,
        note=reason,
        data={"reason_code": reason_code},
    )
    notify_case(case, [case.reporter_id], message("case.rejected", title=case_title(case)),
                reason, skip=actor)  # fmt: skip
    return case
