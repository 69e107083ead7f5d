"""The working calendar: office hours, weekends, public holidays and make-up working days (调休)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WorkCalendar(models.Model):
    """Office hours of a working day, in Asia/Shanghai; one calendar is the default."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    is_default = models.BooleanField(_("default calendar"), default=False)
    morning_start = models.TimeField(_("morning starts"), default=dt.time(8, 30))
    morning_end = models.TimeField(_("morning ends"), default=dt.time(12, 0))
    afternoon_start = models.TimeField(_("afternoon starts"), default=dt.time(14, 30))
    afternoon_end = models.TimeField(_("afternoon ends"), default=dt.time(18, 0))
    # ISO weekdays (1 = Monday … 7 = Sunday) that are rest days unless a CalendarDay says otherwise.
    weekend_days = models.CharField(
        _("weekend days"),
        max_length=13,
        default="6,7",
        help_text=_("ISO weekday numbers separated by commas: 1 is Monday, 7 is Sunday."),
    )

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not (self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end):
            raise ValidationError(
                _("Office hours must run in order: morning start, morning end, afternoon start, afternoon end.")
            )
        try:
            days = self.weekend_set
        except ValueError:
            days = None
        if days is None or not days <= set(range(1, 8)) or len(days) >= 7:
            raise ValidationError({"weekend_days": _("Give weekday numbers from 1 to 7, e.g. 6,7.")})

    @property
    def weekend_set(self) -> set[int]:
        return {int(part) for part in self.weekend_days.split(",") if part.strip()}


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (rest day)")
    WORKDAY = "workday", _("Make-up working day")


class CalendarDay(models.Model):
    """A date that breaks the weekly rule: a holiday on a weekday, or a working weekend day."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()
