"""Serializers of fieldwork: patrols and departments' summonses."""

from __future__ import annotations

from rest_framework import serializers

from grids.models import Building, Household, Region

from ...models import CaseCategory, Patrol, PatrolPhoto, Urgency
from .cases import SummonsBriefSerializer
from .common import NOT_FOUND, LatitudeField, LongitudeField, _page_url, _ScopedLookups, _user

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
    latitude = LatitudeField(default=None)
    longitude = LongitudeField(default=None)
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
    case_category_name = serializers.CharField(source="case.category.display_name", read_only=True)
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
