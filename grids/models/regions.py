"""The territory: a prefix tree of standard region codes, and the history of changed codes."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import get_scope

from ..geo import validate_boundary
from ..validators import LEVEL_LENGTHS


def code_index(model_name: str, field_name: str = "region_code") -> models.Index:
    """A B-tree index usable for LIKE 'prefix%' in PostgreSQL whatever the collation."""
    return models.Index(fields=[field_name], name=f"{model_name}_{field_name}_pfx", opclasses=["varchar_pattern_ops"])


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County / district")
    STREET = "street", _("Street / township")
    COMMUNITY = "community", _("Community / village")
    GRID = "grid", _("Grid")
    MICROGRID = "microgrid", _("Micro-grid")


# Household targets per level (SEED-FACTS: 300–500 per grid, 50–100 per micro-grid).
DEFAULT_TARGETS = {RegionLevel.GRID: (300, 500), RegionLevel.MICROGRID: (50, 100)}


class RegionQuerySet(models.QuerySet):
    def visible_to(self, user) -> RegionQuerySet:
        return self.filter(get_scope(user).q("code"))

    def current(self, on: dt.date | None = None) -> RegionQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def under(self, code: str) -> RegionQuerySet:
        return self.filter(code__startswith=code)


class Region(models.Model):
    """A place at any level; `code` is the materialised path of the tree."""

    code = models.CharField(_("code"), max_length=17, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    name = models.CharField(_("name"), max_length=64)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    target_households_min = models.PositiveIntegerField(_("target households (min)"), null=True, blank=True)
    target_households_max = models.PositiveIntegerField(_("target households (max)"), null=True, blank=True)
    code_is_invented = models.BooleanField(
        _("code invented for the demo"),
        default=False,
        help_text=_("Set when the digits below the county are not official (demo data)."),
    )
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        validators=[validate_boundary],
        help_text=_("A GeoJSON Polygon or MultiPolygon geometry in WGS84, each position as [longitude, latitude]."),
    )
    centre_latitude = models.DecimalField(
        _("centre latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    centre_longitude = models.DecimalField(
        _("centre longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    boundary_is_invented = models.BooleanField(
        _("boundary invented for the demo"),
        default=False,
        help_text=_("Set when the boundary was drawn for the demo and is not the official one."),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        # The unique constraint already gets a varchar_pattern_ops twin index in PostgreSQL.
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="region_valid_period",
                violation_error_message=_("A region cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(centre_latitude__isnull=True, centre_longitude__isnull=True)
                | Q(centre_latitude__isnull=False, centre_longitude__isnull=False),
                name="region_centre_complete",
                violation_error_message=_("A centre needs both a latitude and a longitude."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from ..validators import region_code_errors

        parent = self.parent
        errors = region_code_errors(
            code=self.code,
            level=self.level,
            parent_code=parent.code if parent else None,
            parent_level=parent.level if parent else None,
        )
        if errors:
            raise ValidationError({"code": errors})

    @property
    def targets(self) -> tuple[int, int] | None:
        if self.target_households_min is not None and self.target_households_max is not None:
            return (self.target_households_min, self.target_households_max)
        return DEFAULT_TARGETS.get(self.level)

    @property
    def ancestor_codes(self) -> list[str]:
        lengths = [n for n in LEVEL_LENGTHS.values() if n < len(self.code)]
        return [self.code[:n] for n in lengths]

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return (self.valid_from is None or self.valid_from <= today) and (
            self.valid_to is None or self.valid_to >= today
        )


class RegionCodeHistory(models.Model):
    """An old code of a region, kept when a grid is redrawn or re-numbered."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="code_history", verbose_name=_("region"))
    old_code = models.CharField(_("old code"), max_length=17, db_index=True)
    new_code = models.CharField(_("new code"), max_length=17)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("changed by"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("region code history")
        verbose_name_plural = _("region code history")
        ordering = ["-changed_at"]
