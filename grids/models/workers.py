"""Who serves a grid and where residents find help: grid workers and service stations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .places import PlaceQuerySet
from .regions import Region, code_index


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
