"""Choices shared by the case models: levels, urgency, states, channels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseLevel(models.TextChoices):
    """Who holds the case; escalation moves it one step up this list."""

    GRID = "grid", _("Grid")
    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street")
    DEPARTMENT = "department", _("Department")


LEVEL_SEQUENCE = [CaseLevel.GRID, CaseLevel.COMMUNITY, CaseLevel.STREET, CaseLevel.DEPARTMENT]
# Digits of the region code that name the place responsible at each territorial level.
LEVEL_CODE_LENGTH = {CaseLevel.GRID: 15, CaseLevel.COMMUNITY: 12, CaseLevel.STREET: 9}


def next_level(level: str) -> str | None:
    index = LEVEL_SEQUENCE.index(level)
    return LEVEL_SEQUENCE[index + 1] if index + 1 < len(LEVEL_SEQUENCE) else None


def previous_level(level: str) -> str | None:
    index = LEVEL_SEQUENCE.index(level)
    return LEVEL_SEQUENCE[index - 1] if index > 0 else None


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Ordinary")
    URGENT = "urgent", _("Urgent")


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved, awaiting verification")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected (out of remit)")
    UNRESOLVABLE = "unresolvable", _("Unable to resolve (on file)")
    DUPLICATE = "duplicate", _("Duplicate")


OPEN_STATES = frozenset(
    {CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.IN_PROGRESS, CaseState.ON_HOLD, CaseState.RESOLVED}
)
FINAL_STATES = frozenset({CaseState.CLOSED, CaseState.REJECTED, CaseState.UNRESOLVABLE, CaseState.DUPLICATE})
# States in which the handling clock runs and an overdue case escalates to the next level.
ACTIVE_STATES = frozenset({CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.IN_PROGRESS})
# States with a deadline at all (a resolved case waits for verification against its own limit).
CLOCK_STATES = ACTIVE_STATES | {CaseState.RESOLVED}


class Channel(models.TextChoices):
    PATROL = "patrol", _("Grid patrol")
    RESIDENT = "resident", _("Resident report")
    SNAPSHOT = "snapshot", _("Snap-and-report (随手拍)")
    HOTLINE = "hotline", _("12345 hotline")
    API = "api", _("API")
    DELIBERATION = "deliberation", _("Deliberation meeting")


class CaseAction(models.TextChoices):
    """What a CaseEvent records."""

    SUBMIT = "submit", _("Filed")
    ACCEPT = "accept", _("Accepted")
    DISPATCH = "dispatch", _("Dispatched")
    RETURN = "return", _("Returned to the level below")
    REJECT = "reject", _("Rejected as out of remit")
    HOLD = "hold", _("Put on hold")
    RESUME = "resume", _("Resumed")
    ESCALATE = "escalate", _("Escalated")
    AUTO_ESCALATE = "auto_escalate", _("Escalated automatically (overdue)")
    REMIND = "remind", _("Deadline reminder")
    OVERDUE = "overdue", _("Overdue")
    RESOLVE = "resolve", _("Resolved")
    VERIFY_OK = "verify_ok", _("Verified and closed")
    VERIFY_FAILED = "verify_failed", _("Verification failed")
    UNRESOLVABLE = "unresolvable", _("Filed as unable to resolve")
    DUPLICATE = "duplicate", _("Marked as duplicate")
    LINK_REPORT = "link_report", _("Reported again by someone else")
    TAG_UNREASONABLE = "tag_unreasonable", _("Tagged as an unreasonable request")
    COMMENT = "comment", _("Comment")
    ATTACH = "attach", _("File attached")
    SUMMON = "summon", _("Departments summoned")
    CHECK_IN = "check_in", _("Department checked in")
    DEPARTMENT_REPORT = "department_report", _("Department reported back")
    FOLLOW_UP = "follow_up", _("Follow-up visit")
    REOPEN = "reopen", _("Reopened")
    EDIT = "edit", _("Details edited")


class RejectReason(models.TextChoices):
    """Why a case was not taken up; the dashboards count rejections by these."""

    OUT_OF_REMIT = "out_of_remit", _("Not a grid affair")
    JUDICIAL = "judicial", _("In legal or petition proceedings")
    INSUFFICIENT = "insufficient", _("Not enough information to act on")
    NOT_ACTIONABLE = "not_actionable", _("Nothing to be done (already solved or not found)")
    OTHER = "other", _("Other reason")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    FAIRLY = "fairly", _("Fairly satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    FILE = "file", _("File")
