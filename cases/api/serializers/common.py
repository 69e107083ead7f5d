"""Shared pieces of the cases API serializers: messages, help texts, scoped look-ups and fields."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grids.models import Building, Household, Region

from ...models import CaseCategory, CaseLevel, CaseState

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


class CoordinateField(serializers.DecimalField):
    """A latitude or longitude; phones send more decimals than are kept, so extra ones are rounded."""

    limit = 180
    default_error_messages = {"out_of_range": _("A longitude lies between -180 and 180.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(max_digits=9, decimal_places=6, **kwargs)

    def validate_precision(self, value: Decimal) -> Decimal:
        # Checked before rounding: a huge value (1e200) cannot even be rounded to six places.
        if abs(value) > self.limit:
            self.fail("out_of_range")
        return super().validate_precision(value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


@extend_schema_field({"type": "number", "minimum": -90, "maximum": 90, "nullable": True})
class LatitudeField(CoordinateField):
    limit = 90
    default_error_messages = {"out_of_range": _("A latitude lies between -90 and 90.")}


@extend_schema_field({"type": "number", "minimum": -180, "maximum": 180, "nullable": True})
class LongitudeField(CoordinateField):
    pass


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
