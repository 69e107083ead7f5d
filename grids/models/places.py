"""Estates, buildings, units and households, with the querysets that scope places and ledger rows."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scoping import get_scope, ledger_q

from .regions import Region, code_index


class PlaceQuerySet(models.QuerySet):
    """Places and public facts of the territory (estates, buildings, published grid workers,
    stations): visible to anyone holding a role there, whatever the role."""

    def visible_to(self, user):
        return self.filter(get_scope(user).q("region_code"))

    def under(self, code: str):
        return self.filter(region_code__startswith=code)


class TerritorialQuerySet(PlaceQuerySet):
    """Rows of the resident ledger: visible only to ledger roles, by prefix of their region_code."""

    def visible_to(self, user):
        return self.filter(ledger_q(user))


class EstateKind(models.TextChoices):
    COMMERCIAL = "commercial", _("Commercial-residential")
    OLD = "old", _("Old neighbourhood")
    TRANSITIONAL = "transitional", _("Transitional")
    WORK_UNIT = "work_unit", _("Work-unit compound")


class Estate(models.Model):
    """A residential estate (小区)."""

    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("type"), max_length=16, choices=EstateKind.choices, default=EstateKind.COMMERCIAL)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="estates", verbose_name=_("region"))
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        ordering = ["region_code", "name"]
        indexes = [code_index("estate")]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """A building (楼栋) in an estate, lying in exactly one grid or micro-grid."""

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("estate"))
    number = models.CharField(_("building number"), max_length=32)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("grid"))
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["estate_id", "id"]
        indexes = [code_index("building")]
        constraints = [models.UniqueConstraint(fields=["estate", "number"], name="building_unique_number")]

    def __str__(self) -> str:
        return f"{self.estate.name} {self.number}"


class Unit(models.Model):
    """A stairwell unit (单元) of a building."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="units", verbose_name=_("building"))
    number = models.CharField(_("unit number"), max_length=16)
    region_code = models.CharField(_("region code"), max_length=17, editable=False)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building_id", "number"]
        indexes = [code_index("unit")]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="unit_unique_number")]

    def __str__(self) -> str:
        return f"{self.building} {self.number}"


class Household(models.Model):
    """A household (户) living at a room of a unit."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="households", verbose_name=_("unit"))
    room = models.CharField(_("room"), max_length=16)
    address = models.CharField(_("address"), max_length=200, blank=True)
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TerritorialQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["unit_id", "room"]
        indexes = [code_index("household")]
        constraints = [models.UniqueConstraint(fields=["unit", "room"], name="household_unique_room")]

    def __str__(self) -> str:
        return f"{self.unit} {self.room}"
