"""Serializers of the territory and ledger API.

Output shapes only read attributes already loaded by the views' querysets (no query per row).
Input serializers check the shape of a request; the rules of the ledger live in grids.services.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    ELDERLY_AGE,
    Building,
    Estate,
    Gender,
    Household,
    LedgerColour,
    Region,
    Relation,
    ResidencyType,
    Resident,
    Tag,
    Unit,
)
from ..pii import mask_id_number, mask_phone

# ---------------------------------------------------------------- territory


class RegionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True, default=None)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "level",
            "level_display",
            "parent_code",
            "valid_from",
            "valid_to",
            "is_current",
            "target_households_min",
            "target_households_max",
            "code_is_invented",
        ]
        read_only_fields = fields


class EstateSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Estate
        fields = ["id", "name", "kind", "kind_display", "region_code", "address"]
        read_only_fields = fields


class BuildingSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)

    class Meta:
        model = Building
        fields = ["id", "estate", "estate_name", "number", "region_code", "floors", "latitude", "longitude"]
        read_only_fields = fields


class UnitSerializer(serializers.ModelSerializer):
    building_number = serializers.CharField(source="building.number", read_only=True)
    estate = serializers.IntegerField(source="building.estate_id", read_only=True)
    estate_name = serializers.CharField(source="building.estate.name", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "number", "building", "building_number", "estate", "estate_name", "region_code"]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer):
    unit_number = serializers.CharField(source="unit.number", read_only=True)
    building = serializers.IntegerField(source="unit.building_id", read_only=True)
    building_number = serializers.CharField(source="unit.building.number", read_only=True)
    estate = serializers.IntegerField(source="unit.building.estate_id", read_only=True)
    estate_name = serializers.CharField(source="unit.building.estate.name", read_only=True)
    resident_count = serializers.IntegerField(read_only=True, help_text="Residents currently living here.")

    class Meta:
        model = Household
        fields = [
            "id",
            "room",
            "address",
            "region_code",
            "unit",
            "unit_number",
            "building",
            "building_number",
            "estate",
            "estate_name",
            "resident_count",
            "created_at",
        ]
        read_only_fields = fields


# ---------------------------------------------------------------- residents


class ResidentSerializer(serializers.ModelSerializer):
    """A ledger row as every ledger role may see it: ID number and phone masked."""

    id_number = serializers.SerializerMethodField(help_text="Masked, e.g. 640302********1234.")
    phone = serializers.SerializerMethodField(help_text="Masked, e.g. 138****5678.")
    age = serializers.IntegerField(read_only=True)
    is_elderly = serializers.BooleanField(read_only=True, help_text="Aged 60 or over.")
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    household_address = serializers.CharField(source="household.address", read_only=True, allow_null=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "name",
            "gender",
            "birth_date",
            "age",
            "is_elderly",
            "id_number",
            "phone",
            "residency_type",
            "relation",
            "ledger_colour",
            "tags",
            "note",
            "household",
            "household_address",
            "region_code",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_id_number(self, obj: Resident) -> str:
        return mask_id_number(obj.id_number)

    def get_phone(self, obj: Resident) -> str:
        return mask_phone(obj.phone)

    def to_representation(self, obj: Resident) -> dict:
        """The hot path of every ledger list: one dict per row instead of a walk over the fields.

        The declared fields still describe the output (schema, browsable API);
        tests check that this gives exactly what the generic walk gives. Rows of
        `selectors.resident_page` bring the household's address and the tag slugs with them
        (`household_address`, `tag_slugs`); other rows read the household and the prefetched tags.
        """
        today, tz = self._today_and_zone()
        loaded = obj.__dict__
        if "household_address" in loaded:
            address = loaded["household_address"]
        else:
            address = obj.household.address if obj.household_id else None
        slugs = loaded.get("tag_slugs")
        if slugs is None:
            slugs = [tag.slug for tag in obj.tags.all()]
        born = obj.birth_date
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))  # as Resident.age
        return {
            "id": obj.pk,
            "name": obj.name,
            "gender": obj.gender,
            "birth_date": born.isoformat(),
            "age": age,
            "is_elderly": age >= ELDERLY_AGE,
            "id_number": mask_id_number(obj.id_number),
            "phone": mask_phone(obj.phone),
            "residency_type": obj.residency_type,
            "relation": obj.relation,
            "ledger_colour": obj.ledger_colour,
            "tags": list(slugs),
            "note": obj.note,
            "household": obj.household_id,
            "household_address": address,
            "region_code": obj.region_code,
            "created_at": _iso(obj.created_at, tz),
            "updated_at": _iso(obj.updated_at, tz),
        }

    def _today_and_zone(self) -> tuple[dt.date, dt.tzinfo]:
        """Today's date and the current time zone, looked up once per serializer, not once per row."""
        cached = self.__dict__.get("_today_and_zone_cache")
        if cached is None:
            cached = self.__dict__["_today_and_zone_cache"] = (timezone.localdate(), timezone.get_current_timezone())
        return cached


def _iso(value: dt.datetime, tz: dt.tzinfo) -> str:
    """A stored (aware) time in ISO 8601 in the given zone, exactly as DRF's DateTimeField writes it."""
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ResidentSavedSerializer(ResidentSerializer):
    """A resident just created or updated, with the warnings the save produced."""

    warnings = serializers.SerializerMethodField(
        help_text="Things to double-check that did not stop the save, e.g. a retired address code in the ID number."
    )

    class Meta(ResidentSerializer.Meta):
        fields = [*ResidentSerializer.Meta.fields, "warnings"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, obj: Resident) -> list[str]:
        return [str(w) for w in self.context.get("warnings", [])]

    def to_representation(self, obj: Resident) -> dict:
        return {**super().to_representation(obj), "warnings": self.get_warnings(obj)}


class _ResidentInput(serializers.Serializer):
    """Fields shared by create and update; the services check them against each other."""

    name = serializers.CharField(max_length=64, allow_blank=True)
    gender = serializers.ChoiceField(
        choices=Gender.choices,
        required=False,
        allow_blank=True,
        help_text="Optional: taken from the ID number; when given it must agree with it.",
    )
    birth_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Optional: taken from the ID number; when given it must agree with it.",
    )
    residency_type = serializers.ChoiceField(choices=ResidencyType.choices, required=False)
    relation = serializers.ChoiceField(choices=Relation.choices, required=False)
    ledger_colour = serializers.ChoiceField(choices=LedgerColour.choices, required=False)
    tags = serializers.SlugRelatedField(
        many=True, slug_field="slug", queryset=Tag.objects.all(), required=False, help_text="Tag slugs."
    )
    note = serializers.CharField(required=False, allow_blank=True)


class ResidentCreateSerializer(_ResidentInput):
    """A new resident of a household; gender and birth date follow from the ID number."""

    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(), help_text="Id of a household in your scope."
    )
    # Write-only: the browsable API would otherwise prefill its forms with the full values.
    id_number = serializers.CharField(allow_blank=True, write_only=True, help_text="18 characters (GB 11643).")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, write_only=True)
    moved_in = serializers.DateField(required=False, allow_null=True, help_text="Defaults to today.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Out-of-scope households are answered exactly like missing ones.
            self.fields["household"].queryset = Household.objects.visible_to(request.user)


class ResidentUpdateSerializer(_ResidentInput):
    """Changes to a resident; fields left out keep their values (moving house is not done here)."""

    id_number = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Leave out (or blank) to keep the number on file.",
    )
    phone = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Leave out to keep; send an empty string to clear.",
    )


class RevealRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Why you need the full data; it is logged."
    )


class RevealSerializer(serializers.Serializer):
    id_number = serializers.CharField()
    phone = serializers.CharField()
