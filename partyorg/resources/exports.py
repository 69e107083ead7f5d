"""The exports of Party organisations and members: Chinese columns, phones masked, every cell made safe."""

from __future__ import annotations

from import_export.fields import Field

from config.admin_exports import SafeExportResource
from grids.pii import mask_phone
from grids.resources.roster import value_name

from ..models import PartyMember, PartyOrg
from .columns import (
    BUILDINGS,
    CATEGORY,
    CATEGORY_NAMES,
    ESTATE,
    FOUNDED_ON,
    JOINED_ORG,
    JOINED_PARTY,
    KIND_NAMES,
    NAME,
    ORG,
    ORG_KIND,
    ORG_NAME,
    PARENT,
    PHONE,
    REGION_CODE,
    WORKPLACE,
)


class PartyOrgExportResource(SafeExportResource):
    name = Field(attribute="name", column_name=ORG_NAME)
    kind = Field(column_name=ORG_KIND)
    parent = Field(column_name=PARENT)
    region = Field(attribute="region_code", column_name=REGION_CODE)
    estate = Field(column_name=ESTATE)
    buildings = Field(column_name=BUILDINGS)
    founded_on = Field(attribute="founded_on", column_name=FOUNDED_ON)

    class Meta:
        model = PartyOrg
        fields = ("name", "kind", "parent", "region", "estate", "buildings", "founded_on")

    def dehydrate_kind(self, org: PartyOrg) -> str:
        return value_name(KIND_NAMES, org.kind)

    def dehydrate_parent(self, org: PartyOrg) -> str:
        return org.parent.name if org.parent_id else ""

    def dehydrate_estate(self, org: PartyOrg) -> str:
        return "、".join(sorted({b.estate.name for b in org.buildings.all()}))

    def dehydrate_buildings(self, org: PartyOrg) -> str:
        return "、".join(b.number for b in org.buildings.all())

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("parent").prefetch_related("buildings__estate")


class PartyMemberExportResource(SafeExportResource):
    """Members as a file, phones masked like on the lists; no ID numbers."""

    name = Field(column_name=NAME)
    org = Field(column_name=ORG)
    category = Field(column_name=CATEGORY)
    phone = Field(column_name=PHONE)
    joined_party_on = Field(attribute="joined_party_on", column_name=JOINED_PARTY)
    joined_org_on = Field(attribute="joined_org_on", column_name=JOINED_ORG)
    workplace = Field(attribute="workplace", column_name=WORKPLACE)

    class Meta:
        model = PartyMember
        fields = ("name", "org", "category", "phone", "joined_party_on", "joined_org_on", "workplace")

    def dehydrate_name(self, member: PartyMember) -> str:
        return member.resident.name if member.resident_id else member.name

    def dehydrate_org(self, member: PartyMember) -> str:
        return member.org.name

    def dehydrate_category(self, member: PartyMember) -> str:
        return value_name(CATEGORY_NAMES, member.category)

    def dehydrate_phone(self, member: PartyMember) -> str:
        return mask_phone(member.phone)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("org", "resident")
