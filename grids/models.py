"""The territory (a prefix tree of standard codes) and the resident ledger."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import get_scope, ledger_q

from .geo import validate_boundary
from .validators import LEVEL_LENGTHS


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

        from .validators import region_code_errors

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


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class ResidencyType(models.TextChoices):
    REGISTERED = "registered", _("Registered (hukou)")
    PERMANENT = "permanent", _("Permanent resident")
    FLOATING = "floating", _("Floating population")
    LODGER = "lodger", _("Lodger")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Other")


class LedgerColour(models.TextChoices):
    """南华社区's colour ledgers."""

    RED = "red", _("Red: key or difficult needs")
    YELLOW = "yellow", _("Yellow: family or neighbour conflicts")
    BLUE = "blue", _("Blue: subsistence, hardship, elderly alone")
    ORANGE = "orange", _("Orange: ordinary household")


ELDERLY_AGE = 60
ELDERLY_TAG = "elderly"


class Tag(models.Model):
    """A special-group tag; system tags are fixed, admins may add their own."""

    slug = models.SlugField(_("key"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=32)
    is_system = models.BooleanField(_("system tag"), default=False)

    class Meta:
        verbose_name = _("special-group tag")
        verbose_name_plural = _("special-group tags")
        ordering = ["-is_system", "id"]

    def __str__(self) -> str:
        return self.name


class ResidentQuerySet(TerritorialQuerySet):
    def current(self):
        return self.filter(household__isnull=False)


class Resident(models.Model):
    """A person in the ledger."""

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("household"),
    )
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    name = models.CharField(_("name"), max_length=64)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    residency_type = models.CharField(
        _("residency type"), max_length=16, choices=ResidencyType.choices, default=ResidencyType.REGISTERED
    )
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices, default=Relation.HEAD)
    ledger_colour = models.CharField(
        _("ledger colour"), max_length=8, choices=LedgerColour.choices, default=LedgerColour.ORANGE
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="residents", verbose_name=_("special-group tags"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["region_code", "id"]
        indexes = [
            code_index("resident"),
            models.Index(fields=["birth_date"], name="resident_birth_date"),
            models.Index(fields=["ledger_colour"], name="resident_colour"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def age(self) -> int:
        today = timezone.localdate()
        years = today.year - self.birth_date.year
        if (today.month, today.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    @property
    def is_elderly(self) -> bool:
        return self.age >= ELDERLY_AGE


class Residence(models.Model):
    """A stay of a resident in a household: the move-in/move-out history."""

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="residences", verbose_name=_("resident")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residences", verbose_name=_("household")
    )
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    moved_in = models.DateField(_("moved in"))
    moved_out = models.DateField(_("moved out"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("residence")
        verbose_name_plural = _("residence history")
        ordering = ["resident_id", "-moved_in", "-id"]
        indexes = [code_index("residence")]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(moved_out__isnull=True),
                name="residence_one_open_per_resident",
            )
        ]


class GridWorkerKind(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time grid member")
    PART_TIME = "part_time", _("Part-time grid member")
    AUXILIARY = "auxiliary", _("Auxiliary grid member")
    MICROGRID_HEAD = "microgrid_head", _("Micro-grid head")
    GRID_HEAD = "grid_head", _("Grid head")
    POLICE = "police", _("Police officer of the grid")
    HEALTH = "health", _("Health grid member")
    MEDIATOR = "mediator", _("People's mediator")


class GridWorker(models.Model):
    """Someone serving a grid or micro-grid, with the contact phone published to residents."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="workers", verbose_name=_("grid"))
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grid_posts",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("type"), max_length=16, choices=GridWorkerKind.choices)
    public_phone = models.CharField(_("published phone"), max_length=20, blank=True)
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid worker")
        verbose_name_plural = _("grid workers")
        ordering = ["region_code", "kind", "name"]
        indexes = [code_index("gridworker")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class StationKind(models.TextChoices):
    PARTY_SERVICE = "party_service", _("Party-masses service station")
    WARM_NEW = "warm_new", _("Warm 'new' post for new-employment workers")


class ServiceStation(models.Model):
    """A service station (党群服务站, 暖"新"驿站)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="stations", verbose_name=_("region"))
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("type"), max_length=16, choices=StationKind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    facilities = models.TextField(_("facilities"), blank=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service station")
        verbose_name_plural = _("service stations")
        ordering = ["region_code", "name"]
        indexes = [code_index("servicestation")]

    def __str__(self) -> str:
        return self.name


class PiiAccessLog(models.Model):
    """One deliberate reveal of a resident's personal data."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pii_reveals", verbose_name=_("who")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="pii_reveals", verbose_name=_("whose")
    )
    fields = models.CharField(_("fields"), max_length=64)
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=8, default="web")

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-created_at"]
