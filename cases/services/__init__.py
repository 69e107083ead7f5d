"""Case services: intake, the state machine, departments' summonses, follow-ups and the deadline sweep."""

from .errors import CaseConflict
from .escalation import SweepResult, sweep_deadlines
from .followup import case_follow_up
from .intake import attachments_add, case_create, duplicate_candidates
from .records import case_link_report
from .summons import case_summon, summons_check_in, summons_report
from .transitions import (
    case_accept,
    case_comment,
    case_dispatch,
    case_edit,
    case_escalate,
    case_hold,
    case_mark_duplicate,
    case_mark_unresolvable,
    case_reject,
    case_resolve,
    case_resume,
    case_return,
    case_tag_unreasonable,
    case_verify,
)

__all__ = [
    "CaseConflict",
    "SweepResult",
    "attachments_add",
    "case_accept",
    "case_comment",
    "case_create",
    "case_dispatch",
    "case_edit",
    "case_escalate",
    "case_follow_up",
    "case_hold",
    "case_link_report",
    "case_mark_duplicate",
    "case_mark_unresolvable",
    "case_reject",
    "case_resolve",
    "case_resume",
    "case_return",
    "case_summon",
    "case_tag_unreasonable",
    "case_verify",
    "duplicate_candidates",
    "summons_check_in",
    "summons_report",
    "sweep_deadlines",
]
