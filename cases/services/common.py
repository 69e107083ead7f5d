"""Helpers shared by the case services: locking, events, notifications, the case URL."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.messages import Message
from notifications.services import notify

from ..models import Case, CaseEvent
from . import access
from .clock import CLOCK_FIELDS, clock_stop
from .errors import CaseConflict


def case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def lock_case(case: Case | int, *, expected_version: int | None = None) -> Case:
    """The case row locked for this transaction; 409-style conflict when the client's copy is stale."""
    pk = case.pk if isinstance(case, Case) else case
    locked = Case.objects.select_for_update(of=("self",)).select_related("category", "department").get(pk=pk)
    if expected_version is not None and locked.version != expected_version:
        raise CaseConflict(
            _("This case was changed by someone else after you opened it (now at version %(version)d). "
              "Reload it and try again.") % {"version": locked.version}
        )  # fmt: skip
    return locked


def require_state(case: Case, states: Iterable[str]) -> None:
    if case.state not in set(states):
        raise CaseConflict(
            _("This case is now “%(state)s”, so this step is no longer possible. Reload it to see what changed.")
            % {"state": case.get_state_display()}
        )


def deny(message: str) -> PermissionDenied:
    return PermissionDenied(message)


def need_reason(reason: str | Message, field: str = "reason") -> str | Message:
    """The reason without surrounding blanks; an empty one is refused. A system note (a Message) is kept
    as it is, to be stored as its id (see `event_note`)."""
    if isinstance(reason, Message):
        return reason
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: [_("Give a reason.")]})
    return reason


def need_action(user, case: Case, action: str, message: str) -> None:
    """Refuse with the message unless the user may take this action on the case now."""
    if action not in access.allowed_actions(user, case):
        raise PermissionDenied(message)


def is_late(case: Case) -> bool:
    """Whether the stage under way has passed its deadline (the dashboards' on-time figure reads it)."""
    return case.due_at is not None and timezone.now() > case.due_at


def end_case(case: Case, *, state: str, reason: str = "") -> list[str]:
    """Put the case in a final state and stop its clock; return the fields changed."""
    now = timezone.now()
    case.state = state
    case.closed_at = now
    case.closed_level = case.level
    case.closure_reason = reason
    clock_stop(case)
    return ["state", "closed_at", "closed_level", "closure_reason", *CLOCK_FIELDS]


def event_note(note: str | Message, data: dict | None = None) -> tuple[str, dict]:
    """(note text, event data) for a note typed by a person (kept as typed) or written by the system.

    A system note (a Message of cases.messages) is stored as its id and parameters in the event's
    data and shown in the reader's language; the note column keeps its text in the default language.
    """
    data = dict(data or {})
    if isinstance(note, Message):
        data["note_id"], data["note_params"] = note.id, note.params
        return note.render_default(), data
    return note, data


def save_with_event(
    case: Case,
    *,
    fields: Iterable[str],
    actor,
    action: str,
    from_state: str = "",
    from_level: str = "",
    note: str | Message = "",
    data: dict | None = None,
) -> CaseEvent:
    """Save the changed fields with a new version and append the event that explains them."""
    note, data = event_note(note, data)
    now = timezone.now()
    case.version += 1
    case.updated_at = now
    case.save(update_fields=sorted({*fields, "version", "updated_at"}))
    return CaseEvent.objects.create(
        case=case,
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        from_state=from_state,
        to_state=case.state if from_state else "",
        from_level=from_level,
        to_level=case.level if from_level else "",
        note=note,
        data=data,
        created_at=now,
    )


def notify_case(case: Case, recipient_ids: Iterable[int | None], title: Message, body: str = "", *, skip=None) -> None:
    """Notify the people concerned (except `skip`, usually the actor); body is text a person typed."""
    skip_ids = {getattr(skip, "pk", skip)} if skip is not None else set()
    ids = {pk for pk in recipient_ids if pk and pk not in skip_ids}
    if ids:
        notify(recipient_ids=ids, title=title, body=body, url=case_url(case), case_id=case.pk)


def case_title(case: Case) -> str:
    return f"{case.number} {case.title}"
