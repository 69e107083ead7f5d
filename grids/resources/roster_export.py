"""Export of the resident roster, masked like the lists."""

from __future__ import annotations

from import_export import resources
from import_export.fields import Field

from grids.models import Resident
from grids.pii import mask_id_number, mask_phone

from .roster import (
    BIRTH_DATE,
    BUILDING,
    COLOUR,
    COLOUR_NAMES,
    ESTATE,
    GENDER,
    GENDER_NAMES,
    ID_NUMBER,
    NAME,
    NOTE,
    PHONE,
    REGION_CODE,
    RELATION,
    RELATION_NAMES,
    RESIDENCY,
    RESIDENCY_NAMES,
    ROOM,
    TAGS,
    UNIT,
    value_name,
)


class ResidentRosterExportResource(resources.ModelResource):
    """The roster as a file, masked: an export is a bulk disclosure, so the ID number and phone
    appear as on the lists (640302********1234, 138****5678). Full values are revealed one
    resident at a time, with a reason, through the access log."""

    name = Field(attribute="name", column_name=NAME)
    id_number = Field(column_name=ID_NUMBER)
    gender = Field(column_name=GENDER)
    birth_date = Field(column_name=BIRTH_DATE)
    phone = Field(column_name=PHONE)
    estate = Field(column_name=ESTATE)
    building = Field(column_name=BUILDING)
    unit = Field(column_name=UNIT)
    room = Field(column_name=ROOM)
    residency_type = Field(column_name=RESIDENCY)
    relation = Field(column_name=RELATION)
    ledger_colour = Field(column_name=COLOUR)
    tags = Field(column_name=TAGS)
    note = Field(attribute="note", column_name=NOTE)
    region_code = Field(attribute="region_code", column_name=REGION_CODE)

    class Meta:
        model = Resident
        fields = (
            "name",
            "id_number",
            "gender",
            "birth_date",
            "phone",
            "estate",
            "building",
            "unit",
            "room",
            "residency_type",
            "relation",
            "ledger_colour",
            "tags",
            "note",
            "region_code",
        )

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("household__unit__building__estate").prefetch_related("tags")

    def dehydrate_id_number(self, resident: Resident) -> str:
        return mask_id_number(resident.id_number)

    def dehydrate_phone(self, resident: Resident) -> str:
        return mask_phone(resident.phone)

    def dehydrate_gender(self, resident: Resident) -> str:
        return GENDER_NAMES.get(resident.gender, "")

    def dehydrate_birth_date(self, resident: Resident) -> str:
        return resident.birth_date.isoformat() if resident.birth_date else ""

    def dehydrate_estate(self, resident: Resident) -> str:
        return resident.household.unit.building.estate.name if resident.household else ""

    def dehydrate_building(self, resident: Resident) -> str:
        return resident.household.unit.building.number if resident.household else ""

    def dehydrate_unit(self, resident: Resident) -> str:
        return resident.household.unit.number if resident.household else ""

    def dehydrate_room(self, resident: Resident) -> str:
        return resident.household.room if resident.household else ""

    def dehydrate_residency_type(self, resident: Resident) -> str:
        return value_name(RESIDENCY_NAMES, resident.residency_type)

    def dehydrate_relation(self, resident: Resident) -> str:
        return value_name(RELATION_NAMES, resident.relation)

    def dehydrate_ledger_colour(self, resident: Resident) -> str:
        return value_name(COLOUR_NAMES, resident.ledger_colour)

    def dehydrate_tags(self, resident: Resident) -> str:
        return "、".join(tag.name for tag in resident.tags.all())
