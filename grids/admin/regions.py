"""Admin screens of the region tree: boundaries and centres, and re-coding a region with its subtree."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import geo, services
from ..models import Region, RegionCodeHistory


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
