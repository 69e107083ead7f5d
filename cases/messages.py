"""What the system says about cases, as message ids rendered in the reader's language.

Notifications (``case.*``) and the notes the system writes on a case's timeline
(``case_note.*``) are stored as an id and parameters (see notifications.messages). The
parameters are data (case numbers and titles, department names, times) or choice values whose
labels are translated when shown. Registered when the cases app is ready.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from notifications.messages import Message, message, register, register_legacy

from .models.choices import CaseAction
from .models.field import MediationOutcome


def _outcome_value(outcome: str) -> str:
    """The outcome's value; an old note holds its label in one of the site's languages instead."""
    if outcome in MediationOutcome.values:
        return outcome
    for value, label in MediationOutcome.choices:
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                if str(label) == outcome:
                    return value
    return outcome


def _mediation_concluded(params: Mapping[str, Any]) -> str:
    outcome = _outcome_value(params["outcome"])
    label = dict(MediationOutcome.choices).get(outcome, outcome)
    return gettext("Mediation concluded: %(outcome)s") % {"outcome": label}


# Notifications; %(title)s is the case's number and title.
NOTIFICATIONS = {
    "case.new_in_grid": _("New case in your grid: %(title)s"),
    "case.accepted": _("Your case was accepted: %(title)s"),
    "case.given": _("A case was given to you: %(title)s"),
    "case.returned": _("A case was returned to you: %(title)s"),
    "case.rejected": _("Your case was not taken up: %(title)s"),
    "case.escalated": _("A case was escalated to you: %(title)s"),
    "case.resolved": _("Resolved, please verify: %(title)s"),
    "case.closed": _("Closed: %(title)s"),
    "case.verify_failed": _("Verification failed, please handle again: %(title)s"),
    "case.unresolvable": _("Filed as unable to resolve: %(title)s"),
    "case.reported_again": _("Reported again: %(title)s"),
    "case.reopened": _("Reopened, the reporter was not satisfied: %(title)s"),
    "case.summoned": _("Your department is called in: %(title)s"),
    "case.summons_checked_in": _("%(dept)s checked in: %(title)s"),
    "case.summons_reported": _("%(dept)s reported back: %(title)s"),
    # The deadline sweep: number and title apart.
    "case.overdue_escalated": _("Overdue, escalated to you: %(number)s %(title)s"),
    "case.overdue": _("Overdue: %(number)s %(title)s"),
    "case.due_soon": _("Due soon (%(due)s): %(number)s %(title)s"),
    "case.summons_late": _("%(dept)s has not checked in in time: %(number)s"),
}

# Notes the system writes on a case's timeline (notes typed by people are shown as typed).
NOTES = {
    "case_note.handled_on_the_spot": _("Handled on the spot."),
    "case_note.same_as": _("Same as %(number)s"),
    "case_note.auto_escalated": _("Not done in time; escalated automatically."),
    "case_note.overdue": _("The time limit has passed."),
    "case_note.reopened": _("Reopened: the reporter was not satisfied."),
    "case_note.mediation_opened": _("Mediation opened."),
    "case_note.mediation_concluded": _mediation_concluded,
    "case_note.sent_to_deliberation": _("Sent to deliberation (topic %(id)s)"),
}


# The event log is append-only, so notes written before they were stored as ids are recognised
# when shown: per action, the templates the system made that action's notes from.
LEGACY_NOTES = {
    CaseAction.DISPATCH: {"case_note.handled_on_the_spot": NOTES["case_note.handled_on_the_spot"]},
    CaseAction.LINK_REPORT: {"case_note.same_as": NOTES["case_note.same_as"]},
    CaseAction.AUTO_ESCALATE: {"case_note.auto_escalated": NOTES["case_note.auto_escalated"]},
    CaseAction.OVERDUE: {"case_note.overdue": NOTES["case_note.overdue"]},
    CaseAction.REOPEN: {"case_note.reopened": NOTES["case_note.reopened"]},
    CaseAction.HOLD: {"case_note.sent_to_deliberation": NOTES["case_note.sent_to_deliberation"]},
    CaseAction.COMMENT: {
        "case_note.mediation_opened": NOTES["case_note.mediation_opened"],
        "case_note.mediation_concluded": _("Mediation concluded: %(outcome)s"),
    },
}


def legacy_scope(action: str) -> str:
    return f"case_event.{action}"


def register_case_messages() -> None:
    register(NOTIFICATIONS)
    register(NOTES)
    for action, templates in LEGACY_NOTES.items():
        register_legacy(legacy_scope(action), templates)


def note(note_id: str, **params: Any) -> Message:
    """A system note for a case event (see `cases.services.common.save_with_event`)."""
    if note_id not in NOTES:
        raise KeyError(f"unknown case note {note_id!r}")
    return message(note_id, **params)
