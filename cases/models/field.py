"""Field work around cases: patrols and visits (巡查走访), and mediation of disputes (矛盾纠纷调处)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import get_scope
from grids.models import Building, Household, Region, Resident, code_index

from .case import CASE_VIEW_ROLES, Case


class PatrolQuerySet(models.QuerySet):
    def visible_to(self, user) -> PatrolQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(get_scope(user).q("region_code", roles=CASE_VIEW_ROLES) | models.Q(patroller=user))


class Patrol(models.Model):
    """One patrol or round of household visits by a grid member."""

    patroller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("grid member")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("grid"))
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    date = models.DateField(_("date"), default=timezone.localdate)
    buildings = models.ManyToManyField(Building, blank=True, related_name="patrols", verbose_name=_("buildings"))
    households = models.ManyToManyField(
        Household, blank=True, related_name="patrols", verbose_name=_("households visited")
    )
    notes = models.TextField(_("notes"), blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = PatrolQuerySet.as_manager()

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-date", "-id"]
        indexes = [code_index("patrol"), models.Index(fields=["patroller", "date"], name="patrol_user_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.region.name}"


class PatrolPhoto(models.Model):
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="photos", verbose_name=_("patrol"))
    file = models.FileField(_("photo"), upload_to="patrols/%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("patrol photo")
        verbose_name_plural = _("patrol photos")
        ordering = ["patrol_id", "id"]


class MediationOutcome(models.TextChoices):
    SUCCESS = "success", _("Settled")
    PARTIAL = "partial", _("Partly settled")
    FAILED = "failed", _("Not settled")


class Mediation(models.Model):
    """The mediation record of a dispute case: parties, sessions, outcome and agreement."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="mediation", verbose_name=_("case"))
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediations",
        verbose_name=_("mediator"),
    )
    mediator_name = models.CharField(_("mediator's name"), max_length=64, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=MediationOutcome.choices, blank=True)
    next_step = models.CharField(
        _("where it went next"),
        max_length=200,
        blank=True,
        help_text=_("For a dispute not settled: e.g. people's court, petition office, legal aid."),
    )
    agreement = models.TextField(_("agreement"), blank=True)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mediation")
        verbose_name_plural = _("mediations")

    def __str__(self) -> str:
        return str(self.case)


class MediationParty(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(_("name"), max_length=64)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    side = models.CharField(_("side"), max_length=32, blank=True, help_text=_("E.g. applicant, respondent."))
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("resident")
    )

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["mediation_id", "id"]

    def __str__(self) -> str:
        return self.name


class MediationSession(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    notes = models.TextField(_("notes"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["mediation_id", "held_on", "id"]
