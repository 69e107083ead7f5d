"""The base of the case detail page's action forms, and their shared fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from grids.forms import ServiceErrorsMixin

from ..models import Case


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


def reason_field(label=None, *, rows: int = 2, required_in_browser: bool = True) -> forms.CharField:
    # The services say when a reason is missing, so the message is the same for pages and the API.
    attrs = {"rows": rows}
    if required_in_browser:
        attrs["required"] = True
    return forms.CharField(label=label or _("Reason"), required=False, widget=forms.Textarea(attrs=attrs))


def note_field(label=None) -> forms.CharField:
    return forms.CharField(label=label or _("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ActionForm(ServiceErrorsMixin, forms.Form):
    """One action on one case, posted with the version of the case the page showed."""

    action = ""
    label = ""
    icon = "bi-check2"
    button = "btn-outline-secondary"
    multipart = False

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, data=None, files=None, *, case: Case, user, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        super().__init__(data, files, **kwargs)
        self.case = case
        self.user = user
        self.fields["version"].initial = case.version
        self.setup()

    def setup(self) -> None:
        """Choices that depend on the case and the user."""

    @property
    def expected_version(self) -> int:
        return self.cleaned_data["version"]

    def perform(self) -> str:
        """Call the service; return the message to show on success."""
        raise NotImplementedError
