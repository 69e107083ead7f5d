"""Helpers shared by the case services: locking, events, notifications, the case URL."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify

from ..models import Case, CaseEvent
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


def save_with_event(
    case: Case,
    *,
    fields: Iterable[str],
    actor,
    action: str,
    from_state: str = "",
    from_level: str = "",
    note: str = "",
    data: dict | None = None,
) -> CaseEvent:
    """Save the changed fields with a new version and append the event that explains them."""
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
        data=data or {},
        created_at=now,
    )


def notify_case(case: Case, recipient_ids: Iterable[int | None], title: str, body: str = "", *, skip=None) -> None:
    skip_ids = {getattr(skip, "pk", skip)} if skip is not None else set()
    ids = {pk for pk in recipient_ids if pk and pk not in skip_ids}
    if ids:
        notify(recipient_ids=ids, title=title, body=body, url=case_url(case), case_id=case.pk)


def case_title(case: Case) -> str:
    return f"{case.number} {case.title}"
