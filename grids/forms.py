"""Forms of the territory and ledger pages; every rule is checked by grids.services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import LEDGER_EDIT_ROLES
from accounts.scoping import get_scope

from . import services
from .models import Gender, Household, LedgerColour, Region, RegionLevel, Relation, ResidencyType, Resident, Tag
from .pii import mask_id_number, mask_phone
from .validators import LEVEL_LENGTHS


def editable_households(user) -> QuerySet[Household]:
    """Households the user can see and where their role may edit the ledger."""
    return (
        Household.objects.visible_to(user)
        .filter(get_scope(user).q("region_code", roles=LEDGER_EDIT_ROLES))
        .select_related("unit__building__estate")
        .order_by("region_code", "address", "pk")
    )


def household_places(user) -> list[Region]:
    """Places whose households one picker lists at a time: the communities where the user may
    edit the ledger, or their narrower places (a grid member's grid)."""
    scope = get_scope(user)
    communities = Region.objects.filter(scope.q("code", roles=LEDGER_EDIT_ROLES), level=RegionLevel.COMMUNITY)
    narrower = [code for code in scope.prefixes(LEDGER_EDIT_ROLES) if len(code) > LEVEL_LENGTHS["community"]]
    return [*communities.order_by("code"), *Region.objects.filter(code__in=narrower).order_by("code")]


class HouseholdChoiceField(forms.ModelChoiceField):
    """Accepts any household of its queryset but offers only those of one place: a street or a
    whole county would make a select of thousands of options."""

    def label_from_instance(self, obj: Household) -> str:
        return obj.address or str(obj)

    def offer(self, households: QuerySet[Household]) -> None:
        options = [(h.pk, self.label_from_instance(h)) for h in households]
        self.widget.choices = [("", self.empty_label), *options]


class ServiceErrorsMixin:
    """Puts a service's ValidationError beside the fields it names."""

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.error_dict.items():
            target = name if name in self.fields else None
            if target is not None and target in self.errors:
                continue  # the field already says what is wrong with it
            for error in errors:
                self.add_error(target, error)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ResidentForm(ServiceErrorsMixin, forms.Form):
    """Create or edit a resident; ID number and phone are never pre-filled on edit."""

    household = HouseholdChoiceField(queryset=Household.objects.none(), label=_("Household"))
    name = forms.CharField(label=_("Name"), max_length=64)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=[("", _("Take from the ID number")), *Gender.choices],
        required=False,
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=DateInput(),
        help_text=_("Optional: taken from the ID number; if entered, it must agree with it."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    clear_phone = forms.BooleanField(label=_("Remove the phone number"), required=False)
    residency_type = forms.ChoiceField(
        label=_("Residency type"), choices=ResidencyType.choices, initial=ResidencyType.REGISTERED
    )
    relation = forms.ChoiceField(label=_("Relation to head"), choices=Relation.choices, initial=Relation.HEAD)
    ledger_colour = forms.ChoiceField(
        label=_("Ledger colour"), choices=LedgerColour.choices, initial=LedgerColour.ORANGE
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Special groups"),
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    moved_in = forms.DateField(
        label=_("Moved in on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave blank for today."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, instance: Resident | None = None, within: str | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "residency_type": instance.residency_type,
                    "relation": instance.relation,
                    "ledger_colour": instance.ledger_colour,
                    "tags": list(instance.tags.all()),
                    "note": instance.note,
                },
            )
        super().__init__(*args, **kwargs)
        if instance is None:
            households = editable_households(user)
            self.fields["household"].queryset = households
            self.fields["household"].offer(households.filter(region_code__startswith=within) if within else [])
            self.fields["id_number"].required = True
            self.fields["gender"].help_text = _("Optional: taken from the ID number; if chosen, it must agree with it.")
            del self.fields["clear_phone"]
            return
        # Editing: moves go through the move form (it keeps the history), and personal data
        # is shown masked; an empty input keeps the value on file.
        del self.fields["household"]
        del self.fields["moved_in"]
        keep = _("Leave blank to keep the number on file.")
        self.fields["id_number"].widget.attrs["placeholder"] = mask_id_number(instance.id_number)
        self.fields["id_number"].help_text = keep
        self.fields["gender"].help_text = _("On file: %(value)s. Leave as is to take it from the ID number.") % {
            "value": instance.get_gender_display()
        }
        self.fields["birth_date"].help_text = _("On file: %(value)s. Leave blank to take it from the ID number.") % {
            "value": instance.birth_date.isoformat()
        }
        if instance.phone:
            self.fields["phone"].widget.attrs["placeholder"] = mask_phone(instance.phone)
            self.fields["phone"].help_text = keep
        else:
            del self.fields["clear_phone"]

    def service_data(self) -> dict:
        """The cleaned values in the shape grids.services expects."""
        data = {
            key: self.cleaned_data.get(key)
            for key in services.RESIDENT_FIELDS
            if key in self.fields  # a field with an error is absent from cleaned_data: passes None
        }
        data["gender"] = data.get("gender") or None
        data["id_number"] = data.get("id_number") or ""
        data["phone"] = data.get("phone") or ""
        data["note"] = data.get("note") or ""
        if self.instance is not None:
            data["keep_phone"] = not self.cleaned_data.get("clear_phone")
        return data

    def clean(self):
        cleaned = super().clean()
        try:
            services.resident_validate(data=self.service_data(), instance=self.instance)
        except ValidationError as exc:
            self.add_service_errors(exc)
        return cleaned


class ResidentMoveForm(ServiceErrorsMixin, forms.Form):
    """Move a resident to another household, or record that they moved out."""

    household = HouseholdChoiceField(
        queryset=Household.objects.none(),
        required=False,
        label=_("New household"),
        empty_label=_("Choose…"),
    )
    moved_out = forms.BooleanField(label=_("They have moved out of the area"), required=False)
    on = forms.DateField(label=_("Date of the move"), initial=timezone.localdate, widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, user, resident: Resident, within: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        households = editable_households(user)
        if resident.household_id is not None:
            households = households.exclude(pk=resident.household_id)
        self.fields["household"].queryset = households
        self.fields["household"].offer(households.filter(region_code__startswith=within) if within else [])

    def clean(self):
        cleaned = super().clean()
        if "household" in self.errors:
            return cleaned
        # Moving out is said explicitly, so an untouched form never removes anybody.
        household, moved_out = cleaned.get("household"), cleaned.get("moved_out")
        if household is None and not moved_out:
            self.add_error("household", _("Choose the new household, or tick that they have moved out."))
        elif household is not None and moved_out:
            self.add_error("moved_out", _("Choose a new household or “moved out”, not both."))
        return cleaned


class RevealForm(forms.Form):
    """Why the user needs the full ID number and phone; the reason goes into the access log."""

    reason = forms.CharField(
        label=_("Reason for viewing"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. checking identity for a subsidy application")}),
    )
