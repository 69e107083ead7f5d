"""Reference data of cases: the category tree, time limits, and the departments (职能部门)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from grids.models import Region, code_index

from .choices import CaseLevel, Urgency


class CategoryKind(models.TextChoices):
    GRID_AFFAIR = "grid_affair", _("Grid affairs")
    CITY_MANAGEMENT = "city_management", _("Digital city management")
    PROPERTY = "property", _("Property services")


def localized_name(name: str, name_en: str | None) -> str:
    """The English name when the active language is English and there is one, else the Chinese name.

    The one rule for category names on pages, in forms, in the API and on dashboards.
    """
    if name_en and (translation.get_language() or "").startswith("en"):
        return name_en
    return name


class CaseCategory(models.Model):
    """A two-level tree: a top category and its subcategories; cases are filed under a subcategory."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(
        _("English name"), max_length=64, blank=True, help_text=_("Shown instead of the name when English is chosen.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CategoryKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        if self.parent_id:
            return f"{self.parent.display_name} / {self.display_name}"
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language (see `localized_name`)."""
        return localized_name(self.name, self.name_en)

    def clean(self) -> None:
        if self.parent_id:
            if self.parent.parent_id:
                raise ValidationError({"parent": _("Categories have two levels: the parent must be a top category.")})
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("A category cannot be its own parent.")})


class TimeLimitPolicy(models.Model):
    """Working hours allowed to accept, handle and verify a case of one category at one level.

    A policy without a category is the default for every category at that level and urgency; a
    policy on a top category covers its subcategories unless they have their own.
    """

    category = models.ForeignKey(
        CaseCategory,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="time_limits",
        verbose_name=_("category"),
        help_text=_("Leave empty for the default of all categories."),
    )
    level = models.CharField(_("level"), max_length=12, choices=CaseLevel.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices)
    accept_hours = models.DecimalField(_("hours to accept"), max_digits=6, decimal_places=2)
    handle_hours = models.DecimalField(_("hours to handle"), max_digits=6, decimal_places=2)
    verify_hours = models.DecimalField(_("hours to verify"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        ordering = ["category__code", "level", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "level", "urgency"],
                condition=Q(category__isnull=False),
                name="time_limit_unique",
                violation_error_message=_("There is already a time limit for this category, level and urgency."),
            ),
            # The default rows (no category) are unique too; a partial index says so on every database.
            models.UniqueConstraint(
                fields=["level", "urgency"],
                condition=Q(category__isnull=True),
                name="time_limit_default_unique",
                violation_error_message=_("There is already a default time limit for this level and urgency."),
            ),
            models.CheckConstraint(
                condition=Q(accept_hours__gt=0) & Q(handle_hours__gt=0) & Q(verify_hours__gt=0),
                name="time_limit_positive",
                violation_error_message=_("Every time limit must be more than zero hours."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or _('All categories')} · {self.get_level_display()} · {self.get_urgency_display()}"


DutyRow = tuple[int, str, frozenset[int]]  # (department id, jurisdiction code, categories on its duty list)


def pick_department(rows: list[DutyRow], *, category_id: int, parent_id: int | None, region_code: str) -> int | None:
    """The department that answers for a case of this category at this place.

    Among active departments whose jurisdiction covers the place and whose duty list holds the
    category or its parent: one that lists the subcategory itself beats one that lists only the
    parent (路灯损坏 goes to the power company even where 城管 has all of 市容环境), then the most
    local jurisdiction, then the oldest department.
    """
    best = None
    for pk, code, duties in rows:
        if not region_code.startswith(code):
            continue
        if category_id in duties:
            rank = (0, -len(code), pk)
        elif parent_id is not None and parent_id in duties:
            rank = (1, -len(code), pk)
        else:
            continue
        best = min(best, rank) if best else rank
    return best[2] if best else None


class DepartmentQuerySet(models.QuerySet):
    def duty_rows(self) -> list[DutyRow]:
        """Active departments with their duty lists, in two queries (for `pick_department`)."""
        duties: dict[int, set[int]] = {}
        through = Department.duties.through.objects.filter(department__in=self.filter(is_active=True))
        for department_id, category_id in through.values_list("department_id", "casecategory_id"):
            duties.setdefault(department_id, set()).add(category_id)
        rows = self.filter(is_active=True).values_list("pk", "region_code")
        return [(pk, code, frozenset(duties.get(pk, ()))) for pk, code in rows]


class Department(models.Model):
    """A functional department (职能部门) that handles some categories within its jurisdiction."""

    name = models.CharField(_("name"), max_length=64)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departments", verbose_name=_("jurisdiction")
    )
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    duties = models.ManyToManyField(
        CaseCategory, blank=True, related_name="departments", verbose_name=_("duty list (categories handled)")
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="departments", verbose_name=_("staff")
    )
    phone = models.CharField(_("duty phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["region_code", "name"]
        indexes = [code_index("department")]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The denormalised code always follows the region (re-coding rewrites both together).
        if self.region_id and not self.region_code:
            self.region_code = self.region.code
        super().save(*args, **kwargs)
