"""Admin screens of the resident ledger: masked lists, the roster export (居民花名册), tags and the access log.

Rosters are imported in the import centre (``imports``); the resident list links to it.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from config.admin_exports import StreamingExportMixin
from imports.pipeline.jobs import can_import

from ..models import PiiAccessLog, Residence, Resident, Tag
from ..pii import mask_id_number, mask_phone
from ..resources import ROSTER_FORMATS, ResidentRosterExportResource


class ResidenceInline(admin.TabularInline):
    model = Residence
    extra = 0
    fields = ("household", "moved_in", "moved_out", "reason")
    readonly_fields = fields
    can_delete = False


@admin.register(Resident)
class ResidentAdmin(StreamingExportMixin, ExportMixin, admin.ModelAdmin):
    """Lists show masked personal data; the full values are revealed on the resident's page.

    The export masks ID numbers and phones like the list does. There is no import here: the
    change list sends those who may import to the import centre.
    """

    export_form_class = ExportForm
    import_export_change_list_template = "admin/grids/resident/change_list.html"

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

    def get_queryset(self, request):
        # Staff without a superuser's reach see (and export) only the ledger of their scope.
        return super().get_queryset(request).visible_to(request.user)

    def changelist_view(self, request, extra_context=None):
        if can_import(request.user):
            extra_context = {**(extra_context or {}), "import_centre_url": reverse("imports:index")}
        return super().changelist_view(request, extra_context)

    # ------------------------------------------------------------ roster export

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def get_export_formats(self):
        return ROSTER_FORMATS

    def get_export_resource_classes(self, request):
        return [ResidentRosterExportResource]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_system")

    def get_readonly_fields(self, request, obj=None):
        return ("slug", "is_system") if obj and obj.is_system else ("is_system",)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_system)


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
