"""The case (事件), its append-only event log, attachments, summoned departments and follow-ups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Building, Estate, Household, Region, code_index
from notifications.messages import recognise, render

from .choices import (
    CLOCK_STATES,
    OPEN_STATES,
    AttachmentKind,
    CaseAction,
    CaseLevel,
    CaseState,
    Channel,
    Satisfaction,
    Urgency,
)
from .queries import (  # noqa: F401 - re-exported: imported from cases.models.case elsewhere
    CASE_VIEW_ROLES,
    PLACE_PREFIX_LENGTHS,
    CaseQuerySet,
    department_ids,
    under_place,
)
from .reference import CaseCategory, Department

# The sweep's queries name the states exactly as the partial indexes do, so PostgreSQL can use them.
CLOCK_STATE_LIST = sorted(CLOCK_STATES)
OPEN_STATE_LIST = sorted(OPEN_STATES)


class Case(models.Model):
    """One matter reported in the territory; the row is the summary of its event log."""

    number = models.CharField(_("case number"), max_length=24, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        CaseCategory, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category")
    )
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    channel = models.CharField(_("source"), max_length=16, choices=Channel.choices)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
        verbose_name=_("reported by"),
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=64, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="cases", verbose_name=_("grid"))
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    estate = models.ForeignKey(
        Estate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("estate")
    )
    building = models.ForeignKey(
        Building, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("building")
    )
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("household")
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    level = models.CharField(_("level"), max_length=12, choices=CaseLevel.choices, default=CaseLevel.GRID)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("department"),
        help_text=_("The department holding the case at department level."),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_cases",
        verbose_name=_("handler"),
    )
    state = models.CharField(_("state"), max_length=16, choices=CaseState.choices, default=CaseState.SUBMITTED)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(_("reminder"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    overdue_noticed_at = models.DateTimeField(_("overdue noticed"), null=True, blank=True)
    # Working minutes left on the clock while the case is on hold.
    held_minutes_left = models.PositiveIntegerField(_("working minutes left when held"), null=True, blank=True)

    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    is_unreasonable = models.BooleanField(_("unreasonable request"), default=False)
    report_count = models.PositiveIntegerField(_("times reported"), default=1)
    escalation_count = models.PositiveSmallIntegerField(_("times escalated"), default=0)
    was_overdue = models.BooleanField(_("went past a deadline"), default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.TextField(_("what was done"), blank=True)
    closed_level = models.CharField(_("level when closed"), max_length=12, choices=CaseLevel.choices, blank=True)
    closed_on_time = models.BooleanField(_("closed on time"), null=True, blank=True)
    closure_reason = models.TextField(_("reason for the ending"), blank=True)

    created_at = models.DateTimeField(_("filed at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # Raised by every change; a client that read an older version gets 409 instead of overwriting.
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-id"]
        indexes = [
            code_index("case"),
            # The escalation sweep and the reminder pass read only these small slices of the table.
            models.Index(
                fields=["due_at"],
                name="case_due_clock",
                condition=Q(state__in=CLOCK_STATE_LIST, overdue_noticed_at__isnull=True),
            ),
            models.Index(
                fields=["remind_at"],
                name="case_remind_pending",
                condition=Q(state__in=CLOCK_STATE_LIST, reminded_at__isnull=True),
            ),
            models.Index(fields=["handler", "state"], name="case_handler_state"),
            # Open cases by place: the dashboards' live counts (overdue now, reminders due) and map points.
            # Covering the clock's columns, the live counts are an index-only scan of the place's open cases.
            models.Index(
                fields=["region_code"],
                name="case_open_region",
                opclasses=["varchar_pattern_ops"],
                include=["state", "due_at", "remind_at", "category"],
                condition=Q(state__in=OPEN_STATE_LIST),
            ),
            models.Index(fields=["category", "building", "created_at"], name="case_dup_hint"),
            # The newest cases of a street, community or grid (the case list, newest first): the first
            # digits of region_code, then the id, so a quiet place's page is read straight off the
            # index instead of walking the primary key back past every newer case of other places.
            *(
                models.Index(Substr("region_code", 1, length), models.F("id"), name=f"case_place{length}_newest")
                for length in PLACE_PREFIX_LENGTHS
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=CaseState.DUPLICATE) | Q(duplicate_of__isnull=False),
                name="case_duplicate_has_original",
            ),
            models.CheckConstraint(
                condition=~Q(level=CaseLevel.DEPARTMENT) | Q(department__isnull=False),
                name="case_department_level_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        return self.state in CLOCK_STATES and self.due_at is not None and self.due_at <= timezone.now()

    @property
    def responsible_code(self) -> str:
        """Code of the place answering for the case at its current level (the department's for that level)."""
        from .choices import LEVEL_CODE_LENGTH

        if self.level == CaseLevel.DEPARTMENT and self.department_id:
            return self.department.region_code
        return self.region_code[: LEVEL_CODE_LENGTH[self.level]]


class CaseNumberCounter(models.Model):
    """The last sequence number used for (county, year); case numbers are county-year-sequence."""

    county_code = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county_code", "year"], name="case_counter_unique")]


class CaseEvent(models.Model):
    """One thing that happened to a case. Append-only: rows are never changed or deleted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for the system (deadline sweep)."),
    )
    action = models.CharField(_("action"), max_length=20, choices=CaseAction.choices)
    from_state = models.CharField(_("from state"), max_length=16, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("to state"), max_length=16, choices=CaseState.choices, blank=True)
    from_level = models.CharField(_("from level"), max_length=12, choices=CaseLevel.choices, blank=True)
    to_level = models.CharField(_("to level"), max_length=12, choices=CaseLevel.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case_id", "created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="caseevent_case_time")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_action_display()}"

    @property
    def display_note(self) -> str:
        """The note in the active language when the system wrote it, else as typed.

        The system stores its notes' ids in data["note_id"]; older events only have the text,
        recognised by the templates of their action (the log is append-only, so it is not migrated).
        """
        data = self.data if isinstance(self.data, dict) else {}
        note_id, params = data.get("note_id", ""), data.get("note_params")
        if not note_id:
            found = recognise(f"case_event.{self.action}", self.note)
            if found is None:
                return self.note
            note_id, params = found
        return render(note_id, params, self.note)


class Attachment(models.Model):
    """A photo or file of a case; the type is sniffed from the bytes, not taken from the name."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=8, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["case_id", "id"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


class Summons(models.Model):
    """A department summoned to a case by the street (街道吹哨): it checks in (报到), then reports back."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="summonses", verbose_name=_("case"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="summonses", verbose_name=_("department")
    )
    summoned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("summoned by")
    )
    summoned_at = models.DateTimeField(_("summoned at"), default=timezone.now)
    note = models.TextField(_("what is asked"), blank=True)
    check_in_due_at = models.DateTimeField(_("check in by"))
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    late_noticed_at = models.DateTimeField(null=True, blank=True)
    report = models.TextField(_("report"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("department summons")
        verbose_name_plural = _("department summonses")
        ordering = ["case_id", "summoned_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "department"], name="summons_once_per_department")]
        indexes = [
            models.Index(
                fields=["check_in_due_at"], name="summons_check_in_pending", condition=Q(checked_in_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.department}"

    @property
    def checked_in_late(self) -> bool:
        if self.checked_in_at is not None:
            return self.checked_in_at > self.check_in_due_at
        return timezone.now() > self.check_in_due_at


class FollowUp(models.Model):
    """A follow-up visit (回访) after closing, with the reporter's satisfaction."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("case"))
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_reporter = models.BooleanField(_("given by the reporter"), default=False)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["case_id", "created_at"]
