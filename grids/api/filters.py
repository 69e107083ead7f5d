"""FilterSets of the territory API: a region-code prefix and the ids of the places above a row."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from ..filters import ResidentFilter
from ..models import Building, Estate, EstateKind, Household, Unit


def _under_code(queryset, name, value):
    code = (value or "").strip()
    return queryset.filter(region_code__startswith=code) if code else queryset


class EstateFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        method=_under_code, label=_("Region code"), help_text="Region-code prefix: rows at or under this place."
    )
    kind = django_filters.ChoiceFilter(choices=EstateKind.choices, label=_("Type"))

    class Meta:
        model = Estate
        fields = ["region", "kind"]


class BuildingFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        method=_under_code, label=_("Region code"), help_text="Region-code prefix: rows at or under this place."
    )
    estate = django_filters.NumberFilter(field_name="estate_id", label=_("Estate"))

    class Meta:
        model = Building
        fields = ["region", "estate"]


class UnitFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        method=_under_code, label=_("Region code"), help_text="Region-code prefix: rows at or under this place."
    )
    estate = django_filters.NumberFilter(field_name="building__estate_id", label=_("Estate"))
    building = django_filters.NumberFilter(field_name="building_id", label=_("Building"))

    class Meta:
        model = Unit
        fields = ["region", "estate", "building"]


class HouseholdFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        method=_under_code, label=_("Region code"), help_text="Region-code prefix: rows at or under this place."
    )
    estate = django_filters.NumberFilter(field_name="unit__building__estate_id", label=_("Estate"))
    building = django_filters.NumberFilter(field_name="unit__building_id", label=_("Building"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("Unit"))

    class Meta:
        model = Household
        fields = ["region", "estate", "building", "unit"]


class ResidentApiFilter(ResidentFilter):
    """The resident list page's filters, plus the places above the household."""

    estate = django_filters.NumberFilter(field_name="household__unit__building__estate_id", label=_("Estate"))
    building = django_filters.NumberFilter(field_name="household__unit__building_id", label=_("Building"))
    unit = django_filters.NumberFilter(field_name="household__unit_id", label=_("Unit"))

    class Meta(ResidentFilter.Meta):
        fields = [*ResidentFilter.Meta.fields, "estate", "building", "unit"]

    def filter_tag(self, queryset, name, value: str):
        # Same filter; the type hint tells the schema generator that tag slugs are strings
        # (the choices come from the database, which schema generation must not query).
        return super().filter_tag(queryset, name, value)
