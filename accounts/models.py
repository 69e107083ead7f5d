"""Users and their role assignments at places."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    """A person who logs in; what they see comes from their assignments."""

    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    notify_by_email = models.BooleanField(
        _("e-mail me notifications"),
        default=False,
        help_text=_("Also send each notification to the e-mail address of the account."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class AssignmentQuerySet(models.QuerySet):
    def active(self, on=None) -> AssignmentQuerySet:
        day = on or timezone.localdate()
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


class Assignment(models.Model):
    """A role held by a user at a place for a period; a user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "grids.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("region"),
        help_text=_("Leave empty only for administrators of the whole installation."),
    )
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["user_id", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(region__isnull=False) | Q(role=Role.ADMIN),
                name="assignment_region_required",
                violation_error_message=_("Only an administrator may hold a role without a place."),
            ),
        ]

    def __str__(self) -> str:
        place = self.region.name if self.region_id else _("whole installation")
        return f"{self.user} · {self.get_role_display()} · {place}"


class LoginFailure(models.Model):
    """One failed login, kept briefly to throttle guessing."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
