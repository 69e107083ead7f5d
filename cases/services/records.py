"""Records about a case beside its progress: repeat reports, duplicates, tags, comments, corrections."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.validators import validate_phone
from notifications.messages import Message, message

from ..messages import note as system_note
from ..models import Case, CaseAction, CaseState
from ..models.choices import OPEN_STATES
from ..workcal import WorkingTime
from . import access
from .clock import CLOCK_FIELDS, clock_set, stage_minutes
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
def case_link_report(
    *,
    case: Case,
    actor,
    note: str | Message = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    expected_version: int | None = None,
) -> Case:
    """Someone reports an open case again: count it on that case instead of filing a new one."""
    case = lock_case(case, expected_version=expected_version)
    if not (access.can_file_at(actor, case.region_code) or case.reporter_id == actor.pk):
        raise PermissionDenied(_("You may file cases only in your own places."))
    require_state(case, OPEN_STATES)
    if reporter_phone:
        validate_phone(reporter_phone)
    case.report_count += 1
    save_with_event(
        case,
        fields=["report_count"],
        actor=actor,
        action=CaseAction.LINK_REPORT,
        note=note,
        data={k: v for k, v in {"reporter_name": reporter_name}.items() if v},
    )
    notify_case(
        case,
        [case.handler_id],
        message("case.reported_again", title=case_title(case)),
        skip=actor,
    )
    return case


@transaction.atomic
def case_mark_duplicate(*, case: Case, actor, original: Case, expected_version: int | None = None) -> Case:
    case = lock_case(case, expected_version=expected_version)
    require_state(case, {CaseState.SUBMITTED, CaseState.ACCEPTED})
    need_action(actor, case, "duplicate", _("Only the handlers of this level may mark the case as a duplicate."))
    if original.pk == case.pk:
        raise ValidationError({"original": [_("A case cannot duplicate itself.")]})
    if not Case.objects.visible_to(actor).filter(pk=original.pk).exists():
        raise ValidationError({"original": [_("No such case in your places.")]})
    while original.duplicate_of_id:  # point at the case that is really being worked on
        original = original.duplicate_of
    if original.pk == case.pk:
        raise ValidationError({"original": [_("A case cannot duplicate itself.")]})
    from_state = case.state
    fields = end_case(case, state=CaseState.DUPLICATE, reason=original.number)
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
        case_link_report(case=original, actor=actor, note=system_note("case_note.same_as", number=case.number))
    return case


@transaction.atomic
def case_tag_unreasonable(*, case: Case, actor, reason: str, expected_version: int | None = None) -> Case:
    """Tag an unreasonable request, so satisfaction figures do not count it against the grid."""
    reason = need_reason(reason)
    case = lock_case(case, expected_version=expected_version)
    need_action(actor, case, "tag_unreasonable", _("Only community or street staff may tag a request as unreasonable."))
    case.is_unreasonable = True
    save_with_event(case, fields=["is_unreasonable"], actor=actor, action=CaseAction.TAG_UNREASONABLE, note=reason)
    return case


@transaction.atomic
def case_comment(*, case: Case, actor, note: str, expected_version: int | None = None) -> Case:
    note = need_reason(note, "note")
    case = lock_case(case, expected_version=expected_version)
    need_action(actor, case, "comment", _("You may not comment on this case."))
    save_with_event(case, fields=[], actor=actor, action=CaseAction.COMMENT, note=note)
    return case


EDITABLE_FIELDS = ("title", "description", "urgency", "address")


@transaction.atomic
def case_edit(*, case: Case, actor, expected_version: int, changes: dict) -> Case:
    """Correct the details of an open case; a stale version is a conflict, never an overwrite."""
    case = lock_case(case, expected_version=expected_version)
    require_state(case, OPEN_STATES)
    need_action(actor, case, "edit", _("You may not edit this case."))
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
