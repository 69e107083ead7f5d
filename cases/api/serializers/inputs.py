"""Input serializers of cases: filing, editing, the transitions and the duplicate query."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from grids.models import Building, Household, Region

from ...models import CaseCategory, Channel, RejectReason, Satisfaction, Urgency
from .common import VERSION_HELP, LatitudeField, LongitudeField, _ScopedLookups

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
    latitude = LatitudeField(default=None)
    longitude = LongitudeField(default=None)
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


class RejectSerializer(ReasonSerializer):
    reason_code = serializers.ChoiceField(
        choices=RejectReason.choices,
        default=RejectReason.OTHER,
        help_text="Why the case is not taken up, as counted on the dashboards; `reason` explains it in words.",
    )


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
    latitude = LatitudeField(default=None)
    longitude = LongitudeField(default=None)

    def validate_category(self, value: str) -> CaseCategory:
        return self._category(value)

    def validate_building(self, value: int | None) -> Building | None:
        return self._building(value)
