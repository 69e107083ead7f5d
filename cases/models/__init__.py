"""Cases: reference data (categories, time limits, the working calendar, departments), the case
with its event log, and the field work around it (patrols, mediation)."""

from .calendar import CalendarDay, CalendarDayKind, WorkCalendar
from .case import Attachment, Case, CaseEvent, CaseNumberCounter, FollowUp, Summons
from .choices import (
    ACTIVE_STATES,
    CLOCK_STATES,
    FINAL_STATES,
    OPEN_STATES,
    AttachmentKind,
    CaseAction,
    CaseLevel,
    CaseState,
    Channel,
    RejectReason,
    Satisfaction,
    Urgency,
)
from .field import (
    Mediation,
    MediationOutcome,
    MediationParty,
    MediationSession,
    Patrol,
    PatrolPhoto,
)
from .reference import CaseCategory, CategoryKind, Department, TimeLimitPolicy

__all__ = [
    "ACTIVE_STATES",
    "CLOCK_STATES",
    "FINAL_STATES",
    "OPEN_STATES",
    "Attachment",
    "AttachmentKind",
    "CalendarDay",
    "CalendarDayKind",
    "Case",
    "CaseAction",
    "CaseCategory",
    "CaseEvent",
    "CaseLevel",
    "CaseNumberCounter",
    "CaseState",
    "CategoryKind",
    "Channel",
    "Department",
    "FollowUp",
    "Mediation",
    "MediationOutcome",
    "MediationParty",
    "MediationSession",
    "Patrol",
    "PatrolPhoto",
    "RejectReason",
    "Satisfaction",
    "Summons",
    "TimeLimitPolicy",
    "Urgency",
    "WorkCalendar",
]
