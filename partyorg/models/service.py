"""双报到 (in-service members serving their home community), co-building units with their
"一书三单", and projects led by branch secretaries (书记领办项目)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grids.models import Region, code_index

from .org import PartyMember, PartyOrg
from .scoping import ScopedQuerySet


class DualRegistration(models.Model):
    """An in-service member registered with their home community (双报到)."""

    member = models.ForeignKey(
        PartyMember, on_delete=models.CASCADE, related_name="dual_registrations", verbose_name=_("member")
    )
    community = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="dual_registrations", verbose_name=_("home community")
    )
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    workplace = models.CharField(_("workplace"), max_length=100)
    registered_on = models.DateField(_("registered on"), default=timezone.localdate)
    skills = models.CharField(_("skills and what they offer"), max_length=200, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("dual registration")
        verbose_name_plural = _("dual registrations")
        ordering = ["region_code", "workplace", "member_id"]
        indexes = [code_index("dualreg")]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "community"], condition=Q(ended_on__isnull=True), name="dualregistration_open_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.workplace}"


class ServiceRecord(models.Model):
    """One piece of service a registered member gave the community."""

    registration = models.ForeignKey(
        DualRegistration, on_delete=models.CASCADE, related_name="services", verbose_name=_("registration")
    )
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    description = models.CharField(_("what was done"), max_length=200)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="servicerecord_hours_in_a_day",
                violation_error_message=_("Hours must be more than 0 and at most 24."),
            )
        ]


class CoBuildingUnit(models.Model):
    """A unit that builds the community together with it (共建单位), possibly in its joint committee."""

    name = models.CharField(_("name"), max_length=100)
    community = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="cobuilding_units", verbose_name=_("community")
    )
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    joint_committee = models.ForeignKey(
        PartyOrg, on_delete=models.SET_NULL, null=True, blank=True, related_name="member_units",
        verbose_name=_("member of the joint committee"),
    )  # fmt: skip
    contact_name = models.CharField(_("contact"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("co-building unit")
        verbose_name_plural = _("co-building units")
        ordering = ["region_code", "name"]
        indexes = [code_index("cobuildingunit")]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="cobuildingunit_unique_name")]

    def __str__(self) -> str:
        return self.name


class Agreement(models.Model):
    """共驻共建协议书: the agreement of a co-building unit with the community."""

    unit = models.ForeignKey(
        CoBuildingUnit, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("unit")
    )
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    signed_on = models.DateField(_("signed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    text = models.TextField(_("terms"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("co-building agreement")
        verbose_name_plural = _("co-building agreements")
        ordering = ["-signed_on"]


class ListKind(models.TextChoices):
    RESOURCE = "resource", _("Resource (共治资源清单)")
    NEED = "need", _("Need (治理需求清单)")
    PROJECT = "project", _("Service project (服务项目清单)")


class ListItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MATCHED = "matched", _("Matched")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ListItem(models.Model):
    """An item of the three lists; a need can be matched to a resource and become a service project."""

    kind = models.CharField(_("list"), max_length=8, choices=ListKind.choices)
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("community"))
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    unit = models.ForeignKey(
        CoBuildingUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="list_items",
        verbose_name=_("co-building unit"), help_text=_("Who offers the resource or runs the project."),
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(pgettext_lazy("party", "description"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ListItemStatus.choices, default=ListItemStatus.OPEN)
    need = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="answers",
        verbose_name=_("answers the need"), limit_choices_to={"kind": ListKind.NEED},
    )  # fmt: skip
    resource = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="used_by",
        verbose_name=_("uses the resource"), limit_choices_to={"kind": ListKind.RESOURCE},
    )  # fmt: skip
    created_at = models.DateTimeField(_("listed at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("list item")
        verbose_name_plural = _("list items")
        ordering = ["region_code", "kind", "-created_at"]
        indexes = [code_index("listitem")]

    def __str__(self) -> str:
        return self.title


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_WAY = "under_way", _("Under way")
    DONE = "done", _("Done")
    STOPPED = "stopped", _("Stopped")


class SecretaryProject(models.Model):
    """书记领办项目: a project led by a branch secretary, its progress published to residents."""

    org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="projects", verbose_name=_("organisation"))
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    secretary = models.ForeignKey(
        PartyMember, on_delete=models.PROTECT, related_name="led_projects", verbose_name=_("led by")
    )
    title = models.CharField(_("title"), max_length=100)
    goal = models.TextField(_("goal"))
    started_on = models.DateField(_("started on"), default=timezone.localdate)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    is_public = models.BooleanField(_("shown on the public board"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("secretary-led project")
        verbose_name_plural = _("secretary-led projects")
        ordering = ["region_code", "-started_on"]
        indexes = [code_index("secproject")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="project_progress_percent",
                violation_error_message=_("Progress is a percentage from 0 to 100."),
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.title


class ProjectUpdate(models.Model):
    project = models.ForeignKey(
        SecretaryProject, on_delete=models.CASCADE, related_name="updates", verbose_name=_("project")
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    note = models.TextField(_("what happened"))

    class Meta:
        verbose_name = _("project update")
        verbose_name_plural = _("project updates")
        ordering = ["project_id", "-date", "-id"]
