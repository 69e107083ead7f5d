"""Output serializers of cases: list rows, detail, log, attachments, follow-ups and summonses in brief."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grids.pii import mask_phone

from ...models import Attachment, Case, CaseEvent, CaseLevel, CaseState, Channel, FollowUp, Summons, Urgency
from ...models.choices import CLOCK_STATES
from ...models.reference import localized_name
from ...services import access
from .common import LEVEL_VALUES, STATE_VALUES, _display_name, _user, attachment_url

# ---------------------------------------------------------------- output: cases


class CaseSerializer(serializers.ModelSerializer):
    """A case as lists show it (no personal data)."""

    category = serializers.CharField(source="category.code", read_only=True, help_text="Category code.")
    category_name = serializers.CharField(
        source="category.display_name", read_only=True, help_text="In the request's language (Accept-Language)."
    )
    urgency_display = serializers.CharField(source="get_urgency_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    level = serializers.CharField(read_only=True, help_text=f"Who holds the case: {LEVEL_VALUES}.")
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    handler = serializers.IntegerField(source="handler_id", read_only=True, allow_null=True)
    handler_name = serializers.SerializerMethodField()
    department = serializers.IntegerField(source="department_id", read_only=True, allow_null=True)
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True, default=None)
    is_overdue = serializers.BooleanField(read_only=True, help_text="Past its deadline and still on the clock.")

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "title",
            "category",
            "category_name",
            "urgency",
            "urgency_display",
            "channel",
            "channel_display",
            "state",
            "state_display",
            "level",
            "level_display",
            "region_code",
            "region_name",
            "handler",
            "handler_name",
            "department",
            "department_name",
            "due_at",
            "is_overdue",
            "is_unreasonable",
            "report_count",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields
        extra_kwargs = {"version": {"help_text": "Raised by every change; send it back with edits and actions."}}

    def get_handler_name(self, obj: Case) -> str | None:
        return _display_name(obj.handler) if obj.handler_id else None

    def to_representation(self, instance: Case) -> dict:
        """The row built in one go (see `case_rows`); subclasses keep DRF's generic path."""
        if type(self) is not CaseSerializer:
            return super().to_representation(instance)
        return case_rows([_values_of(instance)])[0]


# The values a list row is made of, as `QuerySet.values()` names them.
ROW_VALUES = (
    "id", "number", "title", "category__code", "category__name", "category__name_en", "urgency", "channel", "state", "level",
    "region_code", "region__name", "handler_id", "handler__username", "handler__full_name", "department_id",
    "department__name", "due_at", "is_unreasonable", "report_count", "created_at", "updated_at", "version",
)  # fmt: skip


def _values_of(case: Case) -> dict:
    handler, department = case.handler if case.handler_id else None, case.department if case.department_id else None
    return {
        "id": case.pk, "number": case.number, "title": case.title, "category__code": case.category.code,
        "category__name": case.category.name, "category__name_en": case.category.name_en, "urgency": case.urgency, "channel": case.channel, "state": case.state,
        "level": case.level, "region_code": case.region_code, "region__name": case.region.name,
        "handler_id": case.handler_id, "handler__username": handler.username if handler else None,
        "handler__full_name": handler.full_name if handler else None, "department_id": case.department_id,
        "department__name": department.name if department else None, "due_at": case.due_at,
        "is_unreasonable": case.is_unreasonable, "report_count": case.report_count, "created_at": case.created_at,
        "updated_at": case.updated_at, "version": case.version,
    }  # fmt: skip


def case_rows(values: list[dict]) -> list[dict]:
    """List rows from `ROW_VALUES` dicts: the same output as CaseSerializer's declared fields.

    Lists render many of these; DRF's generic path (a field object per value, a signature
    inspection per `get_*_display`, a model instance per joined row) costs more than the query.
    A test compares this with DRF's generic output.
    """
    tz = timezone.get_current_timezone()
    labels = {name: {k: str(v) for k, v in choices.choices} for name, choices in _CHOICES.items()}
    now = timezone.now()
    rows = []
    for v in values:
        due_at = v["due_at"]
        rows.append(
            {
                "id": v["id"], "number": v["number"], "title": v["title"], "category": v["category__code"],
                "category_name": localized_name(v["category__name"], v["category__name_en"]), "urgency": v["urgency"],
                "urgency_display": labels["urgency"][v["urgency"]], "channel": v["channel"],
                "channel_display": labels["channel"][v["channel"]], "state": v["state"],
                "state_display": labels["state"][v["state"]], "level": v["level"],
                "level_display": labels["level"][v["level"]], "region_code": v["region_code"],
                "region_name": v["region__name"], "handler": v["handler_id"],
                "handler_name": (v["handler__full_name"] or v["handler__username"]) if v["handler_id"] else None,
                "department": v["department_id"], "department_name": v["department__name"],
                "due_at": _iso(due_at, tz) if due_at is not None else None,
                "is_overdue": v["state"] in CLOCK_STATES and due_at is not None and due_at <= now,
                "is_unreasonable": v["is_unreasonable"], "report_count": v["report_count"],
                "created_at": _iso(v["created_at"], tz), "updated_at": _iso(v["updated_at"], tz),
                "version": v["version"],
            }
        )  # fmt: skip
    return rows


def _iso(value, tz) -> str:
    """As DRF's DateTimeField renders an aware datetime: ISO 8601 in the current time zone, UTC as Z."""
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_CHOICES = {"urgency": Urgency, "channel": Channel, "state": CaseState, "level": CaseLevel}


class SummonsBriefSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    summoned_by_name = serializers.CharField(source="summoned_by.display_name", read_only=True)
    checked_in_late = serializers.BooleanField(
        read_only=True, help_text="Checked in after the limit, or not yet checked in and the limit has passed."
    )

    class Meta:
        model = Summons
        fields = [
            "id",
            "department",
            "department_name",
            "summoned_by_name",
            "summoned_at",
            "note",
            "check_in_due_at",
            "checked_in_at",
            "checked_in_late",
            "report",
            "reported_at",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Page serving the file to those who may see the case.")

    class Meta:
        model = Attachment
        fields = ["id", "kind", "content_type", "size", "original_name", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, obj: Attachment) -> str | None:
        return attachment_url(obj.pk)


class FollowUpSerializer(serializers.ModelSerializer):
    satisfaction_display = serializers.CharField(source="get_satisfaction_display", read_only=True)
    recorded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = ["id", "satisfaction", "satisfaction_display", "by_reporter", "note", "recorded_by_name", "created_at"]
        read_only_fields = fields

    def get_recorded_by_name(self, obj: FollowUp) -> str | None:
        return _display_name(obj.recorded_by) if obj.recorded_by_id else None


class CaseDetailSerializer(CaseSerializer):
    """One case with what its page shows; the reporter's phone is masked except for the handler."""

    reporter = serializers.IntegerField(source="reporter_id", read_only=True, allow_null=True)
    reporter_phone = serializers.SerializerMethodField(help_text="Masked (138****5678) unless you are the handler.")
    estate = serializers.IntegerField(source="estate_id", read_only=True, allow_null=True)
    building = serializers.IntegerField(source="building_id", read_only=True, allow_null=True)
    household = serializers.IntegerField(source="household_id", read_only=True, allow_null=True)
    resolved_by_name = serializers.SerializerMethodField()
    closed_level = serializers.CharField(
        read_only=True, help_text=f"Level when the case ended ({LEVEL_VALUES}); empty while open."
    )
    duplicate_of_number = serializers.CharField(
        source="duplicate_of.number", read_only=True, allow_null=True, default=None
    )
    allowed_actions = serializers.SerializerMethodField(
        help_text="What you may do now, sorted: accept, attach, comment, dispatch, duplicate, edit, escalate, "
        "follow_up, hold, reject, resolve, resume, return, summon, tag_unreasonable, unresolvable, verify "
        "(the action endpoints spell the underscores as hyphens)."
    )
    summonses = SummonsBriefSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "description",
            "reporter",
            "reporter_name",
            "reporter_phone",
            "estate",
            "building",
            "household",
            "latitude",
            "longitude",
            "address",
            "escalation_count",
            "was_overdue",
            "accepted_at",
            "resolved_at",
            "resolved_by_name",
            "resolution",
            "closed_at",
            "closed_level",
            "closed_on_time",
            "closure_reason",
            "duplicate_of",
            "duplicate_of_number",
            "allowed_actions",
            "summonses",
            "attachments",
            "follow_ups",
        ]
        read_only_fields = fields

    def get_reporter_phone(self, obj: Case) -> str:
        user = _user(self)
        if user is not None and obj.handler_id is not None and obj.handler_id == user.pk:
            return obj.reporter_phone
        return mask_phone(obj.reporter_phone)

    def get_resolved_by_name(self, obj: Case) -> str | None:
        return _display_name(obj.resolved_by) if obj.resolved_by_id else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj: Case) -> list[str]:
        user = _user(self)
        return sorted(access.allowed_actions(user, obj)) if user is not None else []


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    actor_name = serializers.SerializerMethodField(help_text="Empty (null) for the system, e.g. the deadline sweep.")
    action_display = serializers.CharField(source="get_action_display", read_only=True)
    from_state = serializers.CharField(read_only=True, help_text=f"{STATE_VALUES}; empty if the state did not change.")
    to_state = serializers.CharField(read_only=True, help_text=f"{STATE_VALUES}; empty if the state did not change.")
    from_level = serializers.CharField(read_only=True, help_text=f"{LEVEL_VALUES}; empty if the level did not change.")
    to_level = serializers.CharField(read_only=True, help_text=f"{LEVEL_VALUES}; empty if the level did not change.")
    note = serializers.CharField(
        source="display_note",
        read_only=True,
        help_text="As typed by a person; a note of the system is in the request's language (data.note_id names it).",
    )

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "actor",
            "actor_name",
            "action",
            "action_display",
            "from_state",
            "to_state",
            "from_level",
            "to_level",
            "note",
            "data",
            "created_at",
        ]
        read_only_fields = fields

    def get_actor_name(self, obj: CaseEvent) -> str | None:
        return _display_name(obj.actor) if obj.actor_id else None


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What changed, in the user's language.")
    version = serializers.IntegerField(allow_null=True, help_text="The case's version now, when known.")
