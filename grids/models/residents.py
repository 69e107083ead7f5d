"""The resident ledger: residents, their tags and move-in history, and the log of revealed personal data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .places import Household, TerritorialQuerySet
from .regions import code_index


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
