"""Admin screens of Party organisation records, with the import and export of organisations and members.

Organisations, members and positions are written through partyorg.services.org: the imports run
every row through them (all or nothing), and the change forms are read-only, because the pages
apply the tree's rules and the admin form would bypass them.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm

from config.admin_exports import StreamingExportMixin
from grids.resources import ImportFileMessagesMixin

from .models import CrossAppointment, PartyMember, PartyOrg, Position
from .resources import (
    CHOICE_COLUMNS,
    FORMATS,
    MEMBER_COLUMNS,
    MEMBER_REQUIRED,
    ORG_COLUMNS,
    ORG_REQUIRED,
    PartyMemberExportResource,
    PartyMemberResource,
    PartyOrgExportResource,
    PartyOrgResource,
    template_file,
)


class ScopedAdmin(admin.ModelAdmin):
    """Staff without a superuser's reach see only their scope; rows are written through the services."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PartyImportAdmin(ImportFileMessagesMixin, StreamingExportMixin, ImportExportMixin, ScopedAdmin):
    """The import of a Party roster: the file through the services as the importing user, all or nothing."""

    import_resource = PartyOrgResource
    export_resource = PartyOrgExportResource
    import_columns: tuple[str, ...] = ()
    import_required: tuple[str, ...] = ()
    template_title = ""
    export_form_class = ExportForm
    import_template_name = "partyorg/org/admin_import.html"

    def get_import_resource_classes(self, request):
        return [self.import_resource]

    def get_export_resource_classes(self, request):
        return [self.export_resource]

    def get_import_formats(self):
        return FORMATS

    def get_export_formats(self):
        return FORMATS

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"actor": request.user}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True  # all or nothing
        return kwargs

    def get_import_context_data(self, **kwargs):
        return {
            "party_required": self.import_required,
            "party_optional": [c for c in self.import_columns if c not in self.import_required],
            "party_choices": [(c, "、".join(v)) for c, v in CHOICE_COLUMNS.items() if c in self.import_columns],
            "party_template_url": f"admin:{self.opts.app_label}_{self.opts.model_name}_import_template",
        }

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request,
                gettext(
                    "Nothing was imported: the file no longer passes the checks. Upload it again to see the problems."
                ),
            )
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        messages.success(request, gettext("Imported rows: %(count)d.") % {"count": getattr(result, "party_created", 0)})

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import_template"
        template = path(
            "import-template/<str:file_format>/", self.admin_site.admin_view(self.import_template_view), name=name
        )
        return [template, *super().get_urls()]

    def import_template_view(self, request, file_format: str):
        """An empty file to fill in: CSV or Excel."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        content_types = {"csv": "text/csv; charset=utf-8", "xlsx": base_formats.XLSX.CONTENT_TYPE}
        if file_format not in content_types:
            raise Http404
        content = template_file(self.import_columns, file_format, self.template_title)
        response = HttpResponse(content, content_type=content_types[file_format])
        response["Content-Disposition"] = content_disposition_header(True, f"{self.template_title}模板.{file_format}")
        return response


@admin.register(PartyOrg)
class PartyOrgAdmin(PartyImportAdmin):
    import_resource = PartyOrgResource
    export_resource = PartyOrgExportResource
    import_columns = ORG_COLUMNS
    import_required = ORG_REQUIRED
    template_title = "党组织"

    list_display = ("name", "kind", "parent", "region", "region_code", "founded_on", "dissolved_on")
    list_filter = ("kind",)
    search_fields = ("name", "=region_code")
    list_select_related = ("parent", "region")
    filter_horizontal = ("buildings",)


@admin.register(PartyMember)
class PartyMemberAdmin(PartyImportAdmin):
    import_resource = PartyMemberResource
    export_resource = PartyMemberExportResource
    import_columns = MEMBER_COLUMNS
    import_required = MEMBER_REQUIRED
    template_title = "党员花名册"

    list_display = ("display_name", "org", "category", "masked_phone", "status", "joined_org_on")
    list_filter = ("category", "status")
    search_fields = ("name", "org__name", "=region_code")
    list_select_related = ("org", "resident")
    exclude = ("phone",)
    readonly_fields = ("masked_phone",)

    @admin.display(description=_("name"))
    def display_name(self, obj):
        return obj.resident.name if obj.resident_id else obj.name

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        from grids.pii import mask_phone

        return mask_phone(obj.phone)


@admin.register(Position)
class PositionAdmin(ScopedAdmin):
    list_display = ("member", "title", "org", "unit", "building", "start_date", "end_date")
    list_filter = ("title",)
    search_fields = ("member__name", "org__name")
    list_select_related = ("member", "org", "unit__building__estate", "building__estate")


@admin.register(CrossAppointment)
class CrossAppointmentAdmin(ScopedAdmin):
    list_display = (
        "person_name", "community_role", "organisation_kind", "organisation_name", "organisation_role",
        "start_date", "end_date",
    )  # fmt: skip
    list_filter = ("organisation_kind",)
    search_fields = ("person_name", "organisation_name")
