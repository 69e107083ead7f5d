"""Serializers of the cases API.

Output shapes read only what the views' querysets have loaded (no query per row in lists).
Input serializers check the shape of a request and turn codes and ids into objects the user may
see; anything else answers "not found" under the field's key, exactly like a missing row. The
rules of cases live in cases.services.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grids.models import Building, Household, Region
from grids.pii import mask_phone

from ..models import (
    Attachment,
    Case,
    CaseCategory,
    CaseEvent,
    CaseLevel,
    CaseState,
    Channel,
    FollowUp,
    Patrol,
    PatrolPhoto,
    Satisfaction,
    Summons,
    Urgency,
)
from ..models.choices import CLOCK_STATES
from ..models.reference import Department
from ..services import access

NOT_FOUND = _("Not found.")
VERSION_HELP = (
    "The `version` of the case you read. When given and the case has changed since, "
    "the answer is 409 and nothing is changed."
)

# ---------------------------------------------------------------- helpers

# Levels and states appear under several names (level, from_level, closed_level, …); they are
# plain strings in the schema, with their values listed, so that one choice set has one name.
LEVEL_VALUES = ", ".join(CaseLevel.values)
STATE_VALUES = ", ".join(CaseState.values)


def _user(serializer: serializers.Serializer):
    request = serializer.context.get("request")
    return request.user if request is not None else None


def _display_name(user) -> str | None:
    return user.display_name if user is not None else None


def _page_url(name: str, pk: int) -> str | None:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def attachment_url(attachment_id: int) -> str | None:
    """The page that serves an attachment to those who may see its case (None if the site has none)."""
    return _page_url("cases:attachment", attachment_id)


@extend_schema_field(OpenApiTypes.NUMBER)
class CoordinateField(serializers.DecimalField):
    """A latitude or longitude; phones send more decimals than are kept, so extra ones are rounded."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(max_digits=9, decimal_places=6, **kwargs)

    def validate_precision(self, value: Decimal) -> Decimal:
        return super().validate_precision(value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


class _ScopedLookups:
    """Code and id look-ups limited to the requesting user's scope; anything else is "not found"."""

    def _region(self, code: str) -> Region:
        region = Region.objects.visible_to(_user(self)).filter(code=code.strip()).first()
        if region is None:
            raise serializers.ValidationError(NOT_FOUND)
        return region

    def _category(self, code: str) -> CaseCategory:
        category = CaseCategory.objects.select_related("parent").filter(code=code.strip()).first()
        if category is None:
            raise serializers.ValidationError(NOT_FOUND)
        return category

    def _building(self, pk: int | None) -> Building | None:
        if pk is None:
            return None
        building = Building.objects.visible_to(_user(self)).select_related("estate", "region").filter(pk=pk).first()
        if building is None:
            raise serializers.ValidationError(NOT_FOUND)
        return building

    def _household(self, pk: int | None) -> Household | None:
        if pk is None:
            return None
        household = Household.objects.visible_to(_user(self)).select_related("unit__building").filter(pk=pk).first()
        if household is None:
            raise serializers.ValidationError(NOT_FOUND)
        return household


# ---------------------------------------------------------------- output: cases


class CaseSerializer(serializers.ModelSerializer):
    """A case as lists show it (no personal data)."""

    category = serializers.CharField(source="category.code", read_only=True, help_text="Category code.")
    category_name = serializers.CharField(source="category.name", read_only=True)
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
    "id", "number", "title", "category__code", "category__name", "urgency", "channel", "state", "level",
    "region_code", "region__name", "handler_id", "handler__username", "handler__full_name", "department_id",
    "department__name", "due_at", "is_unreasonable", "report_count", "created_at", "updated_at", "version",
)  # fmt: skip


def _values_of(case: Case) -> dict:
    handler, department = case.handler if case.handler_id else None, case.department if case.department_id else None
    return {
        "id": case.pk, "number": case.number, "title": case.title, "category__code": case.category.code,
        "category__name": case.category.name, "urgency": case.urgency, "channel": case.channel, "state": case.state,
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
                "category_name": v["category__name"], "urgency": v["urgency"],
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


# ---------------------------------------------------------------- input: cases


class CaseCreateSerializer(_ScopedLookups, serializers.Serializer):
    """A new case, filed at grid level in a grid or micro-grid of your places."""

    region = serializers.CharField(max_length=17, help_text="Code of a grid or micro-grid in your scope.")
    category = serializers.CharField(max_length=16, help_text="Code of a subcategory in use, e.g. GA03-01.")
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, default=Urgency.NORMAL)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.API)
    reporter_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    building = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="Building id.")
    household = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="Household id.")
    latitude = CoordinateField(default=None)
    longitude = CoordinateField(default=None)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    handle_now = serializers.BooleanField(
        required=False, default=False, help_text="A grid member takes the case on the spot (就地处置)."
    )

    def validate_region(self, value: str) -> Region:
        return self._region(value)

    def validate_category(self, value: str) -> CaseCategory:
        return self._category(value)

    def validate_building(self, value: int | None) -> Building | None:
        return self._building(value)

    def validate_household(self, value: int | None) -> Household | None:
        return self._household(value)


class CaseCreateMultipartSerializer(CaseCreateSerializer):
    uploads = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="Photos (JPEG, PNG, GIF, WebP, HEIC) or PDF; the type is read from the file itself.",
    )


class CaseEditSerializer(serializers.Serializer):
    """Corrections to an open case; fields left out keep their values."""

    version = serializers.IntegerField(
        required=False,
        help_text="Required: the `version` of the case you read. If someone changed it since, the answer is 409.",
    )
    title = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("version") is None:
            raise serializers.ValidationError(
                {"version": [_("Send the version of the case you read, so that a newer change is not overwritten.")]}
            )
        return attrs


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None, help_text=VERSION_HELP)


class NoteSerializer(VersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CommentSerializer(VersionSerializer):
    note = serializers.CharField(allow_blank=True)


class ReasonSerializer(VersionSerializer):
    reason = serializers.CharField(allow_blank=True, help_text="Required; it is written to the case's log.")


class DispatchSerializer(NoteSerializer):
    handler = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="User id of the handler; yourself when left out."
    )


class EscalateSerializer(ReasonSerializer):
    department = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Department id, when escalating from the street; by default the one whose duties cover the category.",
    )


class ResolveSerializer(VersionSerializer):
    resolution = serializers.CharField(allow_blank=True, help_text="What was done.")


class VerifySerializer(VersionSerializer):
    ok = serializers.BooleanField(help_text="true: close the case; false: send it back to be handled again.")
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="Required when ok is false.")


class DuplicateSerializer(VersionSerializer):
    original = serializers.CharField(help_text="Number (640302-2026-000123) or id of the case this one repeats.")


class FollowUpInputSerializer(VersionSerializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SummonInputSerializer(VersionSerializer):
    departments = serializers.ListField(child=serializers.IntegerField(), help_text="Department ids.")
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="What is asked of them.")


class LinkReportSerializer(VersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    reporter_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class UploadSerializer(VersionSerializer):
    uploads = serializers.ListField(
        child=serializers.FileField(),
        help_text="Photos (JPEG, PNG, GIF, WebP, HEIC) or PDF; the type is read from the file itself.",
    )


class DuplicateQuerySerializer(_ScopedLookups, serializers.Serializer):
    category = serializers.CharField(help_text="Category code of the case about to be filed.")
    building = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="Building id.")
    latitude = CoordinateField(default=None)
    longitude = CoordinateField(default=None)

    def validate_category(self, value: str) -> CaseCategory:
        return self._category(value)

    def validate_building(self, value: int | None) -> Building | None:
        return self._building(value)


# ---------------------------------------------------------------- reference data


class CaseCategorySerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True, default=None)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_leaf = serializers.SerializerMethodField(help_text="Cases are filed under subcategories (is_leaf true).")

    class Meta:
        model = CaseCategory
        fields = ["id", "code", "name", "kind", "kind_display", "parent_code", "is_leaf", "sort_order"]
        read_only_fields = fields

    def get_is_leaf(self, obj: CaseCategory) -> bool:
        return obj.parent_id is not None


class DepartmentSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    duties = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code", help_text="Codes of the categories it handles."
    )

    class Meta:
        model = Department
        fields = ["id", "name", "region_code", "region_name", "phone", "duties"]
        read_only_fields = fields
        extra_kwargs = {"phone": {"help_text": "The department's duty phone."}}


# ---------------------------------------------------------------- patrols


class PatrolPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Page serving the photo to those who may see the patrol.")

    class Meta:
        model = PatrolPhoto
        fields = ["id", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, obj: PatrolPhoto) -> str | None:
        return _page_url("cases:patrol_photo", obj.pk)


class PatrolSerializer(serializers.ModelSerializer):
    patroller_name = serializers.CharField(source="patroller.display_name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    buildings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    households = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    photos = PatrolPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Patrol
        fields = [
            "id",
            "patroller",
            "patroller_name",
            "region_code",
            "region_name",
            "date",
            "buildings",
            "households",
            "notes",
            "latitude",
            "longitude",
            "photos",
            "created_at",
        ]
        read_only_fields = fields


class PatrolCreateSerializer(_ScopedLookups, serializers.Serializer):
    region = serializers.CharField(max_length=17, help_text="Code of your grid or micro-grid.")
    date = serializers.DateField(required=False, allow_null=True, default=None, help_text="Defaults to today.")
    buildings = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    households = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    latitude = CoordinateField(default=None)
    longitude = CoordinateField(default=None)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="JPEG, PNG, GIF, WebP or HEIC."
    )

    def validate_region(self, value: str) -> Region:
        return self._region(value)

    def validate_buildings(self, value: list[int]) -> list[Building]:
        found = {
            b.pk: b for b in Building.objects.visible_to(_user(self)).select_related("estate").filter(pk__in=value)
        }
        if set(value) - set(found):
            raise serializers.ValidationError(NOT_FOUND)
        return [found[pk] for pk in dict.fromkeys(value)]

    def validate_households(self, value: list[int]) -> list[Household]:
        found = {h.pk: h for h in Household.objects.visible_to(_user(self)).filter(pk__in=value)}
        if set(value) - set(found):
            raise serializers.ValidationError(NOT_FOUND)
        return [found[pk] for pk in dict.fromkeys(value)]


class PatrolFileCaseSerializer(_ScopedLookups, serializers.Serializer):
    """A finding of the patrol: place, position, notes and photos carry over to the case."""

    category = serializers.CharField(max_length=16, help_text="Code of a subcategory in use.")
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The patrol's notes when left empty."
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, default=Urgency.NORMAL)
    building = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Building id; by default the patrol's only building."
    )
    handle_now = serializers.BooleanField(required=False, default=False)

    def validate_category(self, value: str) -> CaseCategory:
        return self._category(value)

    def validate_building(self, value: int | None) -> Building | None:
        return self._building(value)


# ---------------------------------------------------------------- summonses


class SummonsSerializer(SummonsBriefSerializer):
    """A summons of one of your departments, with the case it is about."""

    case_number = serializers.CharField(source="case.number", read_only=True)
    case_title = serializers.CharField(source="case.title", read_only=True)
    case_category_name = serializers.CharField(source="case.category.name", read_only=True)
    case_region_code = serializers.CharField(source="case.region_code", read_only=True)

    class Meta(SummonsBriefSerializer.Meta):
        fields = [
            "id",
            "case",
            "case_number",
            "case_title",
            "case_category_name",
            "case_region_code",
            *SummonsBriefSerializer.Meta.fields[1:],
        ]
        read_only_fields = fields


class CheckInSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SummonsReportSerializer(serializers.Serializer):
    report = serializers.CharField(allow_blank=True, help_text="What the department did.")
