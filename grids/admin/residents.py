"""Admin screens of the resident ledger: masked lists, the roster import (居民花名册), tags and the access log."""

from __future__ import annotations

import contextlib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ExportForm, ImportForm

from accounts.roles import LEDGER_EDIT_ROLES
from accounts.scoping import get_scope
from config.admin_exports import StreamingExportMixin

from .. import services
from ..models import PiiAccessLog, Region, Residence, Resident, Tag
from ..pii import mask_id_number, mask_phone
from ..resources import (
    CHOICE_COLUMNS,
    IMPORT_COLUMNS,
    REQUIRED_COLUMNS,
    ROSTER_FORMATS,
    ImportFileMessagesMixin,
    ResidentRosterExportResource,
    ResidentRosterResource,
    roster_template,
)


class ResidenceInline(admin.TabularInline):
    model = Residence
    extra = 0
    fields = ("household", "moved_in", "moved_out", "reason")
    readonly_fields = fields
    can_delete = False


def roster_region(user, code: str) -> Region:
    """The region a roster is imported into: it must exist and the user must edit its ledger."""
    code = (code or "").strip()
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError(_("No region has the code %(code)s."), params={"code": code})
    if not services.can_edit_ledger(user, region.code):
        raise ValidationError(_("You may not edit the resident ledger of %(region)s."), params={"region": region})
    return region


class RosterImportForm(ImportForm):
    region = forms.CharField(
        label=_("Region code"),
        max_length=17,
        help_text=_(
            "Code of the street, community or grid whose roster this is, e.g. 640302001001. The estates and "
            "buildings of the file are looked up under it."
        ),
    )
    field_order = ["resource", "region", "import_file", "format"]

    def __init__(self, formats, resources, *, user, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.user = user

    def clean_region(self) -> Region:
        return roster_region(self.user, self.cleaned_data["region"])


class RosterConfirmImportForm(ConfirmImportForm):
    region = forms.CharField(widget=forms.HiddenInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_region(self) -> Region:
        # Checked again: the confirm step is a new request.
        return roster_region(self.user, self.cleaned_data["region"])


@admin.register(Resident)
class ResidentAdmin(ImportFileMessagesMixin, StreamingExportMixin, ImportExportMixin, admin.ModelAdmin):
    """Lists show masked personal data; the full values are revealed on the resident's page.

    The roster import (居民花名册) runs every row through grids.services and saves nothing unless
    every row passes. The export masks ID numbers and phones like the list does.
    """

    resource_classes = [ResidentRosterResource]
    import_form_class = RosterImportForm
    confirm_form_class = RosterConfirmImportForm
    export_form_class = ExportForm
    import_template_name = "admin/grids/resident/import.html"

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

    # ------------------------------------------------------------ roster import

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def get_import_formats(self):
        return ROSTER_FORMATS

    def get_export_formats(self):
        return ROSTER_FORMATS

    def get_export_resource_classes(self, request):
        return [ResidentRosterExportResource]

    def get_import_form_initial(self, request):
        # Someone who keeps the ledger of one place only imports into it.
        places = get_scope(request.user).prefixes(LEDGER_EDIT_ROLES)
        return {"region": places[0]} if len(places) == 1 else {}

    def get_import_form_kwargs(self, request):
        return {**super().get_import_form_kwargs(request), "user": request.user}

    def get_confirm_form_kwargs(self, request, import_form=None):
        return {**super().get_confirm_form_kwargs(request, import_form), "user": request.user}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["region"] = import_form.cleaned_data["region"].code
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        return {"region": getattr(form, "cleaned_data", {}).get("region")}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # All or nothing: a row that fails at the final import (the ledger may have changed
        # since the preview) rolls back the rows before it too.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def get_import_context_data(self, **kwargs):
        return {
            "roster_required": REQUIRED_COLUMNS,
            "roster_optional": [c for c in IMPORT_COLUMNS if c not in REQUIRED_COLUMNS],
            "roster_choices": [(column, "、".join(values)) for column, values in CHOICE_COLUMNS.items()],
        }

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        self._discard_rejected_upload(response)
        return response

    def _discard_rejected_upload(self, response) -> None:
        """Remove the temporary copy of an upload that will never be confirmed: it holds full ID numbers."""
        context = getattr(response, "context_data", None) or {}
        if context.get("confirm_form") is not None:
            return
        upload = getattr(context.get("form"), "cleaned_data", {}).get("import_file")
        name = getattr(upload, "tmp_storage_name", None)
        if name:
            storage = self.get_tmp_storage_class()(name=name, **self.get_tmp_storage_class_kwargs())
            with contextlib.suppress(OSError):
                storage.remove()

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request,
                gettext(
                    "Nothing was imported: the file no longer passes the checks (the ledger has changed since "
                    "the preview). Upload it again to see the problems."
                ),
            )
            return HttpResponseRedirect(reverse("admin:grids_resident_import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        summary = result.roster_summary
        messages.success(
            request,
            gettext(
                "Roster imported into %(region)s. New residents: %(residents)d; new households: %(households)d; "
                "new units: %(units)d."
            )
            % {
                "region": result.roster_region,
                "residents": summary.residents,
                "households": summary.households,
                "units": summary.units,
            },
        )
        if summary.warnings:
            rows = sorted({number for number, _column, _message in summary.warnings})
            messages.warning(
                request,
                gettext("Imported despite the warnings shown on the preview; please check rows %(rows)s.")
                % {"rows": ", ".join(str(n) for n in rows)},
            )

    def get_urls(self):
        template = path(
            "import-template/<str:file_format>/",
            self.admin_site.admin_view(self.import_template_view),
            name="grids_resident_import_template",
        )
        return [template, *super().get_urls()]

    def import_template_view(self, request, file_format: str):
        """An empty roster to fill in: CSV or Excel."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        content_types = {"csv": "text/csv; charset=utf-8", "xlsx": base_formats.XLSX.CONTENT_TYPE}
        if file_format not in content_types:
            raise Http404
        response = HttpResponse(roster_template(file_format), content_type=content_types[file_format])
        response["Content-Disposition"] = content_disposition_header(True, f"居民花名册模板.{file_format}")
        return response


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
