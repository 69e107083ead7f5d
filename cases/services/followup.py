"""Follow-up visits (回访) after closing; an unsatisfied answer within 7 days reopens the case."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.messages import message

from ..messages import note as system_note
from ..models import Case, CaseAction, CaseState, FollowUp, Satisfaction
from . import access
from .clock import CLOCK_FIELDS, clock_start
from .common import case_title, lock_case, notify_case, require_state, save_with_event

# An unsatisfied answer this soon after closing reopens the case.
REOPEN_WINDOW = dt.timedelta(days=7)


@transaction.atomic
def case_follow_up(
    *,
    case: Case,
    actor,
    satisfaction: str,
    note: str = "",
    by_reporter: bool | None = None,
    expected_version: int | None = None,
) -> FollowUp:
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.CLOSED})
    if not access.can_follow_up(actor, case):
        raise PermissionDenied(_("Only the reporter or the workers of this place may record a follow-up."))
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": [_("Choose satisfied, fairly satisfied or unsatisfied.")]})
    if by_reporter is None:
        by_reporter = case.reporter_id == actor.pk
    follow_up = FollowUp.objects.create(
        case=case, satisfaction=satisfaction, recorded_by=actor, by_reporter=by_reporter, note=note.strip()
    )
    save_with_event(
        case,
        fields=[],
        actor=actor,
        action=CaseAction.FOLLOW_UP,
        note=note,
        data={"satisfaction": satisfaction, "by_reporter": by_reporter},
    )
    now = timezone.now()
    if satisfaction == Satisfaction.UNSATISFIED and case.closed_at and now - case.closed_at <= REOPEN_WINDOW:
        case.state = CaseState.IN_PROGRESS
        case.closed_at = None
        case.closed_level = ""
        case.closed_on_time = None
        case.handler_id = case.resolved_by_id or case.handler_id
        clock_start(case, stage="handle", start=now)
        save_with_event(
            case,
            fields=["state", "closed_at", "closed_level", "closed_on_time", "handler", *CLOCK_FIELDS],
            actor=actor,
            action=CaseAction.REOPEN,
            from_state=CaseState.CLOSED,
            note=system_note("case_note.reopened"),
        )
        notify_case(case, [case.handler_id], message("case.reopened", title=case_title(case)), note, skip=actor)
    return follow_up
