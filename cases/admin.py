"""Admin screens: the reference data of cases (editable) and the case records themselves (view only).

Cases, their events, patrols and mediations change only through the case services, so the admin
shows them read-only and scoped like every other read.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Assignment
from accounts.roles import Role
from grids.pii import mask_phone

from .models import (
    CalendarDay,
    Case,
    CaseCategory,
    CaseEvent,
    Department,
    Mediation,
    MediationParty,
    MediationSession,
    Patrol,
    TimeLimitPolicy,
    WorkCalendar,
)


class ViewOnlyMixin:
    """Nothing can be added, changed or deleted here; users with the view permission can look."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# ---------------------------------------------------------------------- reference data


class TopLevelFilter(admin.SimpleListFilter):
    title = _("level in the tree")
    parameter_name = "tree"

    def lookups(self, request, model_admin):
        return [("top", _("Top categories")), ("sub", _("Subcategories"))]

    def queryset(self, request, queryset):
        if self.value() == "top":
            return queryset.filter(parent__isnull=True)
        if self.value() == "sub":
            return queryset.filter(parent__isnull=False)
        return queryset


@admin.register(CaseCategory)
class CaseCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "kind", "sort_order", "is_active")
    list_filter = ("kind", "is_active", TopLevelFilter, ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name", "parent__name")
    list_select_related = ("parent",)
    ordering = ("code",)

    def get_queryset(self, request) -> QuerySet:
        # The name of a subcategory includes its parent's (autocomplete widgets list them too).
        return super().get_queryset(request).select_related("parent")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # Two levels only: a parent is a top category.
            kwargs["queryset"] = CaseCategory.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(TimeLimitPolicy)
class TimeLimitPolicyAdmin(admin.ModelAdmin):
    list_display = ("scope", "level", "urgency", "accept_hours", "handle_hours", "verify_hours")
    list_display_links = ("scope",)
    list_editable = ("accept_hours", "handle_hours", "verify_hours")
    list_filter = ("level", "urgency", ("category", admin.EmptyFieldListFilter))
    search_fields = ("category__code", "category__name")
    list_select_related = ("category", "category__parent")
    autocomplete_fields = ("category",)

    @admin.display(description=_("category"), ordering="category__code")
    def scope(self, obj: TimeLimitPolicy) -> str:
        return str(obj.category) if obj.category_id else str(_("All categories"))


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0
    fields = ("date", "kind", "name")


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "is_default",
        "morning_start",
        "morning_end",
        "afternoon_start",
        "afternoon_end",
        "weekend_days",
    )
    inlines = [CalendarDayInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "region_code", "phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "region_code", "region__name")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    filter_horizontal = ("duties", "staff")
    readonly_fields = ("region_code",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "duties":
            kwargs["queryset"] = CaseCategory.objects.select_related("parent")
        if db_field.name == "staff":
            # Department work is reached through the department-staff role: only its holders are offered.
            holders = Assignment.objects.active().filter(role=Role.DEPARTMENT_STAFF).values("user_id")
            kwargs["queryset"] = get_user_model().objects.filter(pk__in=holders, is_active=True)
            kwargs["help_text"] = _("Only users holding the department staff role are listed.")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj: Department, form, change) -> None:
        # The denormalised code follows the region, also when the jurisdiction is changed here.
        obj.region_code = obj.region.code
        super().save_model(request, obj, form, change)


# ---------------------------------------------------------------------- case records (view only)


class CaseEventInline(ViewOnlyMixin, admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ("created_at", "action", "from_state", "to_state", "from_level", "to_level", "actor", "note")
    readonly_fields = fields

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).select_related("actor")


@admin.register(Case)
class CaseAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "title", "state", "level", "urgency", "due_at", "created_at")
    list_filter = ("state", "level", "urgency", "channel")
    search_fields = ("number", "title")
    date_hierarchy = "created_at"
    exclude = ("reporter_phone",)
    readonly_fields = ("masked_reporter_phone",)
    inlines = [CaseEventInline]

    @admin.display(description=_("reporter's phone"))
    def masked_reporter_phone(self, obj: Case) -> str:
        return mask_phone(obj.reporter_phone)

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).visible_to(request.user)


@admin.register(CaseEvent)
class CaseEventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("case", "action", "from_state", "to_state", "from_level", "to_level", "actor", "created_at")
    list_filter = ("action",)
    search_fields = ("case__number",)
    list_select_related = ("case", "actor")

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).filter(case__in=Case.objects.visible_to(request.user))


@admin.register(Patrol)
class PatrolAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("date", "region", "patroller", "created_at")
    list_filter = ("date",)
    search_fields = ("region_code", "region__name", "patroller__username")
    list_select_related = ("region", "patroller")
    date_hierarchy = "date"

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).visible_to(request.user)


class MediationPartyInline(ViewOnlyMixin, admin.TabularInline):
    model = MediationParty
    extra = 0
    fields = ("name", "side", "masked_phone")
    readonly_fields = fields

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: MediationParty) -> str:
        return mask_phone(obj.phone)


class MediationSessionInline(ViewOnlyMixin, admin.TabularInline):
    model = MediationSession
    extra = 0
    fields = ("held_on", "place", "notes")
    readonly_fields = fields


@admin.register(Mediation)
class MediationAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("case", "mediator_name", "outcome", "created_at", "concluded_at")
    list_filter = ("outcome",)
    search_fields = ("case__number", "case__title", "mediator_name")
    list_select_related = ("case",)
    inlines = [MediationPartyInline, MediationSessionInline]

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).filter(case__in=Case.objects.visible_to(request.user))
