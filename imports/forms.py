"""Forms of the import centre: the upload, the choice of columns, and how to apply a checked file."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from .headers import Column, column_letter
from .models import ApplyMode
from .reading import max_bytes

ACCEPTED = ".csv,.xlsx"


class UploadForm(forms.Form):
    """A roster file and its type; the place only for users who may import in several places."""

    kind = forms.ChoiceField(label=_("Roster type"))
    place_code = forms.ChoiceField(
        label=_("Place"),
        required=False,
        help_text=_("Rows outside this place are refused."),
    )
    file = forms.FileField(label=_("File"), widget=forms.FileInput(attrs={"accept": ACCEPTED}))

    def __init__(self, *args, kinds: Sequence, places: Sequence[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.slug, kind.label) for kind in kinds]
        if len(places) > 1:
            self.fields["place_code"].choices = [("", _("All my places")), *places]
        else:
            del self.fields["place_code"]
        self.fields["file"].help_text = _("A CSV file or an Excel workbook (.xlsx), at most %(size)s MB.") % {
            "size": max_bytes() // (1024 * 1024)
        }


class MappingForm(forms.Form):
    """Which column of the file holds each field of the roster type: one choice per field."""

    def __init__(self, *args, columns: Sequence[Column], headers: Sequence[str], mapping: dict[str, int], **kwargs):
        super().__init__(*args, prefix="col", **kwargs)
        self.columns = list(columns)
        choices = [("", "—")] + [
            (str(index), f"{column_letter(index)} · {header}")
            for index, header in enumerate(headers)
            if str(header).strip()
        ]
        for column in self.columns:
            index = mapping.get(column.key)
            self.fields[column.key] = forms.ChoiceField(
                label=column.label,
                required=False,
                choices=choices,
                initial="" if index is None else str(index),
            )

    def rows(self) -> list[tuple[Column, forms.BoundField]]:
        return [(column, self[column.key]) for column in self.columns]

    def corrections(self) -> dict[str, str]:
        """What set_mapping takes: each field's chosen column index, "" for none."""
        return {column.key: self.cleaned_data.get(column.key) or "" for column in self.columns}


class ApplyForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How to apply"),
        choices=ApplyMode.choices,
        initial=ApplyMode.ALL,
        widget=forms.RadioSelect,
    )
