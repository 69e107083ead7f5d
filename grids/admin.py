"""Admin screens: territory and ledger tables, the roster import and region re-coding."""

from __future__ import annotations

import contextlib

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ExportForm, ImportForm

from accounts.roles import LEDGER_EDIT_ROLES
from accounts.scoping import get_scope

from . import geo, services
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
from .resources import (
    CHOICE_COLUMNS,
    IMPORT_COLUMNS,
    REQUIRED_COLUMNS,
    ROSTER_FORMATS,
    ResidentRosterExportResource,
    ResidentRosterResource,
    roster_template,
)


class RegionRecodeForm(forms.Form):
    new_code = forms.CharField(label=_("New code"), max_length=17)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Kept in the code history, e.g. the decision that redrew the grids."),
    )

    def __init__(self, *args, region: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        self.fields["new_code"].initial = region.code

    def clean_new_code(self) -> str:
        code = self.cleaned_data["new_code"].strip()
        if code == self.region.code:
            raise ValidationError(_("The new code is the same as the current one."))
        return code

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.error_dict.items():
            self.add_error("new_code" if name == "code" else None, errors)


CENTRE_FIELDS = {"centre_latitude", "centre_longitude"}
BOUNDARY_FIELDS = {"boundary", "boundary_is_invented", *CENTRE_FIELDS}


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "valid_from", "valid_to", "code_is_invented")
    list_filter = ("level", "code_is_invented")
    search_fields = ("code", "name")
    autocomplete_fields = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        # Changing a code moves dependent rows: that goes through the re-coding page.
        return ("code",) if obj else ()

    def save_model(self, request, obj, form, change):
        # The boundary field's validator has checked the GeoJSON already; the service keeps only the
        # geometry, and computes the centre of a new boundary unless a centre was entered with it.
        super().save_model(request, obj, form, change)
        changed = set(form.changed_data)
        if BOUNDARY_FIELDS & changed:
            new_shape = "boundary" in changed and obj.boundary is not None
            keep_centre = obj.centre_latitude is not None and (not new_shape or bool(CENTRE_FIELDS & changed))
            geo.region_set_boundary(
                region=obj,
                boundary=obj.boundary,
                centre=(obj.centre_latitude, obj.centre_longitude) if keep_centre else None,
                invented=obj.boundary_is_invented,
            )

    def get_urls(self):
        recode = path(
            "<path:object_id>/recode/",
            self.admin_site.admin_view(self.recode_view),
            name="grids_region_recode",
        )
        return [recode, *super().get_urls()]

    def recode_view(self, request, object_id):
        """Give a region and its subtree a new code through services.region_recode."""
        region = self.get_object(request, unquote(object_id))
        if region is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, region):
            raise PermissionDenied
        form = RegionRecodeForm(request.POST or None, region=region)
        if request.method == "POST" and form.is_valid():
            old_code = region.code
            try:
                region = services.region_recode(
                    region=region,
                    new_code=form.cleaned_data["new_code"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                moved = Region.objects.filter(code__startswith=region.code).count()
                self.log_change(
                    request,
                    region,
                    gettext("Code changed from %(old)s to %(new)s: %(reason)s")
                    % {"old": old_code, "new": region.code, "reason": form.cleaned_data["reason"]},
                )
                messages.success(
                    request,
                    gettext("%(name)s now has the code %(new)s (was %(old)s); regions moved: %(count)d.")
                    % {"name": region.name, "new": region.code, "old": old_code, "count": moved},
                )
                return HttpResponseRedirect(reverse("admin:grids_region_change", args=[region.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Change the code of %(region)s") % {"region": region},
            "opts": self.opts,
            "original": region,
            "form": form,
            "subtree_size": Region.objects.filter(code__startswith=region.code).count(),
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/grids/region/recode.html", context)


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
class ResidentAdmin(ImportExportMixin, admin.ModelAdmin):
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
