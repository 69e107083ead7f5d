"""FilterSets shared by the resident list page and the API."""

from __future__ import annotations

import datetime as dt
import re

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ELDERLY_AGE, ELDERLY_TAG, LedgerColour, Region, ResidencyType, Resident, Tag

_LAST4_RE = re.compile(r"^\d{3}[\dXx]$")
_DIGITS_RE = re.compile(r"^\d{11}$")


def birth_date_bounds(*, min_age: int | None, max_age: int | None, today: dt.date | None = None) -> Q:
    """Ages as a condition on birth_date (which is indexed), not a computed column."""
    today = today or timezone.localdate()

    def years_before(years: int) -> dt.date:
        try:
            return today.replace(year=today.year - years)
        except ValueError:  # 29 February
            return today.replace(year=today.year - years, day=28)

    query = Q()
    if min_age is not None:
        query &= Q(birth_date__lte=years_before(min_age))
    if max_age is not None:
        query &= Q(birth_date__gt=years_before(max_age + 1))
    return query


def tag_choices() -> list[tuple[str, str]]:
    return [(ELDERLY_TAG, _("Elderly (60+)")), *Tag.objects.values_list("slug", "name")]


class ResidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), help_text=_("Name, last 4 of ID, or phone"))
    ledger_colour = django_filters.ChoiceFilter(choices=LedgerColour.choices, label=_("Ledger colour"))
    residency_type = django_filters.ChoiceFilter(choices=ResidencyType.choices, label=_("Residency type"))
    tag = django_filters.ChoiceFilter(choices=tag_choices, method="filter_tag", label=_("Special group"))
    age_min = django_filters.NumberFilter(method="filter_age", label=_("Age from"), min_value=0, max_value=150)
    age_max = django_filters.NumberFilter(method="filter_age", label=_("Age to"), min_value=0, max_value=150)
    region = django_filters.CharFilter(method="filter_region", label=_("Region code"))
    household = django_filters.NumberFilter(field_name="household_id", label=_("Household"))

    class Meta:
        model = Resident
        fields = ["q", "ledger_colour", "residency_type", "tag", "age_min", "age_max", "region", "household"]

    def filter_q(self, queryset, name, value):
        term = (value or "").strip()
        if not term:
            return queryset
        query = Q(name__icontains=term)
        if _LAST4_RE.match(term):
            query |= Q(id_number__endswith=term.upper())
        if _DIGITS_RE.match(term):
            query |= Q(phone=term)
        if len(term) == 18:
            query |= Q(id_number=term.upper())
        return queryset.filter(query)

    def filter_tag(self, queryset, name, value):
        if not value:
            return queryset
        if value == ELDERLY_TAG:
            return queryset.filter(birth_date_bounds(min_age=ELDERLY_AGE, max_age=None))
        return queryset.filter(tags__slug=value)

    def filter_age(self, queryset, name, value):
        # Both bounds are applied together once, from the cleaned data.
        return queryset

    def filter_region(self, queryset, name, value):
        code = (value or "").strip()
        if not code:
            return queryset
        return queryset.filter(region_code__startswith=code)

    @property
    def qs(self):
        queryset = super().qs
        data = getattr(self.form, "cleaned_data", {}) or {}
        min_age, max_age = data.get("age_min"), data.get("age_max")
        if min_age is not None or max_age is not None:
            queryset = queryset.filter(
                birth_date_bounds(
                    min_age=int(min_age) if min_age is not None else None,
                    max_age=int(max_age) if max_age is not None else None,
                )
            )
        return queryset


class RegionFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent__code", label=_("Parent code"))
    level = django_filters.CharFilter(field_name="level", label=_("Level"))
    under = django_filters.CharFilter(field_name="code", lookup_expr="startswith", label=_("Code prefix"))

    class Meta:
        model = Region
        fields = ["parent", "level", "under"]
