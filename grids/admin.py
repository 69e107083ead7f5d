from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Building,
    Estate,
    GridWorker,
    Household,
    PiiAccessLog,
    Region,
    RegionCodeHistory,
    Residence,
    Resident,
    ServiceStation,
    Tag,
    Unit,
)
from .pii import mask_id_number, mask_phone


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "valid_from", "valid_to", "code_is_invented")
    list_filter = ("level", "code_is_invented")
    search_fields = ("code", "name")
    autocomplete_fields = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        # Changing a code moves dependent rows: that goes through the re-coding service.
        return ("code",) if obj else ()


@admin.register(RegionCodeHistory)
class RegionCodeHistoryAdmin(admin.ModelAdmin):
    list_display = ("old_code", "new_code", "region", "changed_at", "changed_by", "reason")
    search_fields = ("old_code", "new_code")
    readonly_fields = [f.name for f in RegionCodeHistory._meta.fields]


@admin.register(Estate)
class EstateAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "region_code")
    list_filter = ("kind",)
    search_fields = ("name", "region_code")
    autocomplete_fields = ["region"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "region_code", "floors")
    search_fields = ("number", "estate__name", "region_code")
    list_select_related = ("estate",)
    autocomplete_fields = ["estate", "region"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("__str__", "region_code")
    search_fields = ("number", "building__estate__name")
    list_select_related = ("building__estate",)
    autocomplete_fields = ["building"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("address", "room", "region_code")
    search_fields = ("address", "region_code")
    autocomplete_fields = ["unit"]


class ResidenceInline(admin.TabularInline):
    model = Residence
    extra = 0
    fields = ("household", "moved_in", "moved_out", "reason")
    readonly_fields = fields
    can_delete = False


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    """Lists show masked personal data; the full values are revealed on the resident's page."""

    list_display = ("name", "masked_id", "gender", "birth_date", "masked_phone", "ledger_colour", "region_code")
    list_filter = ("ledger_colour", "residency_type", "gender", "tags")
    search_fields = ("name", "=region_code")
    exclude = ("id_number", "phone")
    readonly_fields = ("masked_id", "masked_phone", "region_code")
    autocomplete_fields = ["household"]
    inlines = [ResidenceInline]

    @admin.display(description=_("ID number"))
    def masked_id(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    def has_add_permission(self, request):
        # New residents go through the ledger form, which validates the ID number.
        return False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_system")

    def get_readonly_fields(self, request, obj=None):
        return ("slug", "is_system") if obj and obj.is_system else ("is_system",)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_system)


@admin.register(GridWorker)
class GridWorkerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "public_phone", "start_date", "end_date")
    list_filter = ("kind",)
    search_fields = ("name", "region__code", "region__name")
    autocomplete_fields = ["region", "user"]


@admin.register(ServiceStation)
class ServiceStationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "hours")
    list_filter = ("kind",)
    search_fields = ("name",)
    autocomplete_fields = ["region"]


@admin.register(PiiAccessLog)
class PiiAccessLogAdmin(admin.ModelAdmin):
    """Who revealed whose personal data, when and why: read-only for admins."""

    list_display = ("created_at", "actor", "resident", "fields", "reason", "channel", "ip_address")
    list_filter = ("channel",)
    search_fields = ("actor__username", "resident__name", "reason")
    list_select_related = ("actor", "resident")
    readonly_fields = [f.name for f in PiiAccessLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
