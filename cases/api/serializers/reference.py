"""Serializers of the case reference data: categories and departments."""

from __future__ import annotations

from rest_framework import serializers

from ...models import CaseCategory
from ...models.reference import Department

# ---------------------------------------------------------------- reference data


class CaseCategorySerializer(serializers.ModelSerializer):
    """A category; its name is in the request's language (Accept-Language: en gives the English name)."""

    name = serializers.CharField(
        source="display_name", read_only=True, help_text="In the request's language; name_zh and name_en give both."
    )
    name_zh = serializers.CharField(source="name", read_only=True, help_text="The Chinese name.")
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True, default=None)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_leaf = serializers.SerializerMethodField(help_text="Cases are filed under subcategories (is_leaf true).")

    class Meta:
        model = CaseCategory
        fields = [
            "id",
            "code",
            "name",
            "name_zh",
            "name_en",
            "kind",
            "kind_display",
            "parent_code",
            "is_leaf",
            "sort_order",
        ]
        extra_kwargs = {
            "name_en": {"help_text": "The English name; may be empty (then name is Chinese in English too)."}
        }
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
