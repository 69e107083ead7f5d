"""The case state machine: one service per transition, in modules by subject.

- acceptance.py: accept, dispatch, return one level down, reject;
- handling.py: hold and resume, escalate, resolve, verify, file as unable to resolve;
- records.py: repeat reports, duplicates, the unreasonable tag, comments, corrections.

Each service locks the case row, checks the current state and who is acting, changes the row,
appends a CaseEvent, and notifies (notification rows are written in the same transaction, so
they exist exactly when the change does). This module keeps the names importable from one place.
"""

from __future__ import annotations

from .acceptance import case_accept, case_dispatch, case_reject, case_return
from .followup import REOPEN_WINDOW
from .handling import (
    case_escalate,
    case_hold,
    case_mark_unresolvable,
    case_resolve,
    case_resume,
    case_verify,
    department_for,
)
from .records import EDITABLE_FIELDS, case_comment, case_edit, case_mark_duplicate, case_tag_unreasonable

__all__ = [
    "EDITABLE_FIELDS",
    "REOPEN_WINDOW",
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
]
