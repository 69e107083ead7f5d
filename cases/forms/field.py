"""Forms of the phone pages: file a case, record a patrol, turn a finding into a case, mediation.

Every rule about the data is checked by cases.services; these forms only shape the input and
put the services' ValidationErrors beside the fields they name.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import get_scope
from grids.forms import DateInput, ServiceErrorsMixin
from grids.models import Building, Region, RegionLevel
from grids.validators import validate_phone

from ..models import CaseCategory, Channel, MediationOutcome, Urgency
from ..services.access import FILE_ROLES, LEVEL_ROLES
from ..services.intake import ON_BEHALF_CHANNELS

GRID_LEVELS = (RegionLevel.GRID, RegionLevel.MICROGRID)
# Roles that may record patrols (what services.fieldwork.patrol_create accepts).
PATROL_ROLES = LEVEL_ROLES["grid"] | {"community_worker"}
# Channels offered on the phone form: the worker's own patrol, or a report they take down for someone.
FIELD_CHANNELS = (Channel.PATROL, Channel.RESIDENT, Channel.HOTLINE)
CHOOSE = _("Choose…")
# Camera first on phones; the services still sniff every file.
PHOTO_ATTRS = {"accept": "image/*", "capture": "environment"}


def grid_places(user, roles: Iterable[str]) -> QuerySet[Region]:
    """Current grids (and micro-grids held as such) where the user holds one of the roles."""
    scope = get_scope(user)
    places = Region.objects.current().filter(level__in=GRID_LEVELS)
    if scope.unrestricted:
        return places.filter(level=RegionLevel.GRID).order_by("code")
    prefixes = scope.prefixes(roles)
    if not prefixes:
        return places.none()
    micro = [code for code in prefixes if len(code) > 15]
    return places.filter((Q(level=RegionLevel.GRID) & scope.q("code", roles=roles)) | Q(code__in=micro)).order_by(
        "code"
    )


def visible_grids(user) -> QuerySet[Region]:
    """Grids and micro-grids the user can see at all; the services decide whether they may act there."""
    return Region.objects.visible_to(user).filter(level__in=GRID_LEVELS)


def buildings_in(user, region: Region | None) -> QuerySet[Building]:
    if region is None:
        return Building.objects.none()
    return Building.objects.visible_to(user).under(region.code).select_related("estate").order_by("estate__name", "pk")


def category_groups() -> list[tuple[str, list[tuple[int, str]]]]:
    """Subcategories in use, grouped under their top categories (an optgroup each)."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    subcategories = (
        CaseCategory.objects.filter(is_active=True, parent__isnull=False, parent__is_active=True)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )
    for category in subcategories:
        groups.setdefault(category.parent_id, (category.parent.display_name, []))[1].append(
            (category.pk, category.display_name)
        )
    return list(groups.values())


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the list may be empty."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={**PHOTO_ATTRS, "multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def position_field(label) -> forms.DecimalField:
    """Filled by the "use my position" button (static/cases/field.js), rounded to six decimals."""
    return forms.DecimalField(label=label, required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)


class OfferMixin:
    """Fields that accept more than they offer: a select lists only one grid's buildings,
    and anything else the user can see reaches the service, which says what is wrong with it."""

    def offer(self, name: str, items: Iterable, *, empty: str | None = "---------", label=str) -> None:
        field = self.fields[name]
        options = [(item.pk, label(item)) for item in items]
        field.widget.choices = ([("", empty)] if empty is not None else []) + options


def region_label(region: Region) -> str:
    return region.name


def _chosen_region(form: forms.Form, places: list[Region]) -> Region | None:
    """The grid chosen in the submitted data, else the initial one, else the only one offered."""
    key = form.add_prefix("region")
    raw = form.data.get(key) if form.is_bound else form.initial.get("region")
    if isinstance(raw, Region):
        return raw
    if raw:
        try:
            return form.fields["region"].queryset.filter(pk=int(raw)).first()
        except (TypeError, ValueError):
            return None
    return places[0] if len(places) == 1 else None


class CaseFileForm(ServiceErrorsMixin, OfferMixin, forms.Form):
    """File a case from the phone."""

    category = forms.ModelChoiceField(queryset=CaseCategory.objects.all(), label=_("Category"))
    urgency = forms.ChoiceField(
        choices=Urgency.choices, initial=Urgency.NORMAL, label=_("Urgency"), widget=forms.RadioSelect
    )
    title = forms.CharField(
        label=_("Title"), max_length=100, widget=forms.TextInput(attrs={"placeholder": _("What is it, in a few words")})
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("My grid"))
    building = forms.ModelChoiceField(queryset=Building.objects.none(), required=False, label=_("Building"))
    latitude = position_field(_("Latitude"))
    longitude = position_field(_("Longitude"))
    address = forms.CharField(
        label=_("Address or landmark"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. east gate of the estate, beside the bins")}),
    )
    uploads = MultipleFileField(label=_("Photos"))
    channel = forms.ChoiceField(
        choices=[(c.value, c.label) for c in FIELD_CHANNELS],
        initial=Channel.PATROL,
        label=_("Source"),
        # field.js shows the reporter's name and phone for these channels.
        widget=forms.Select(attrs={"data-channel": "", "data-on-behalf": " ".join(sorted(ON_BEHALF_CHANNELS))}),
    )
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=64, required=False)
    reporter_phone = forms.CharField(
        label=_("Reporter's phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    accept_now = forms.BooleanField(
        label=_("Accept it myself as I file it"),
        required=False,
        initial=True,
        help_text=_("You handle cases of this grid: the case is accepted and given to you, with no second step."),
    )
    handle_now = forms.BooleanField(
        label=_("I will handle it on the spot"),
        required=False,
        help_text=_("The case is given to you at once instead of waiting to be dispatched."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.places = list(grid_places(user, FILE_ROLES))
        self.fields["region"].queryset = visible_grids(user)
        self.offer("region", self.places, empty=None if len(self.places) == 1 else CHOOSE, label=region_label)
        if len(self.places) == 1 and not self.is_bound:
            self.initial.setdefault("region", self.places[0].pk)
        self.fields["category"].widget.choices = [("", CHOOSE), *category_groups()]
        self.fields["building"].queryset = Building.objects.visible_to(user)
        self.region = _chosen_region(self, self.places)
        self.offer("building", buildings_in(user, self.region), empty=_("Not at a building"))
        self.can_handle_now = get_scope(user).has_any_role(LEVEL_ROLES["grid"])
        if not self.can_handle_now:
            del self.fields["handle_now"]
            del self.fields["accept_now"]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        on_behalf = data["channel"] in ON_BEHALF_CHANNELS
        return {
            "region": data["region"],
            "category": data["category"],
            "title": data["title"],
            "description": data["description"],
            "urgency": data["urgency"],
            "channel": data["channel"],
            "reporter_name": data["reporter_name"] if on_behalf else "",
            "reporter_phone": data["reporter_phone"] if on_behalf else "",
            "building": data["building"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "address": data["address"],
            "uploads": data["uploads"],
            "handle_now": bool(data.get("handle_now")),
        }

    @property
    def wants_accept(self) -> bool:
        """Whether the filer asked to accept the case in the same step (checked by default for grid handlers)."""
        return bool(self.cleaned_data.get("accept_now")) and not self.cleaned_data.get("handle_now")


class BuildingPickForm(OfferMixin, forms.Form):
    """Only to render the building select of one grid (the htmx partial of the case form)."""

    building = forms.ModelChoiceField(queryset=Building.objects.none(), required=False, label=_("Building"))

    def __init__(self, *args, user, region: Region, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.visible_to(user)
        self.offer("building", buildings_in(user, region), empty=_("Not at a building"))


class PatrolBuildingsForm(OfferMixin, forms.Form):
    """Only to render the building checkboxes of one grid (the htmx partial of the patrol form)."""

    buildings = forms.ModelMultipleChoiceField(
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Buildings visited"),
    )

    def __init__(self, *args, user, region: Region, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["buildings"].queryset = Building.objects.visible_to(user)
        self.offer("buildings", buildings_in(user, region), empty=None)


class PatrolForm(ServiceErrorsMixin, OfferMixin, forms.Form):
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("Grid"))
    date = forms.DateField(label=_("Date"), widget=DateInput())
    buildings = forms.ModelMultipleChoiceField(
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Buildings visited"),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("What you saw and who you talked to")}),
    )
    photos = MultipleFileField(label=_("Photos"))
    latitude = position_field(_("Latitude"))
    longitude = position_field(_("Longitude"))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.places = list(grid_places(user, PATROL_ROLES))
        self.fields["region"].queryset = visible_grids(user)
        self.offer("region", self.places, empty=None if len(self.places) == 1 else CHOOSE, label=region_label)
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
            if len(self.places) == 1:
                self.initial.setdefault("region", self.places[0].pk)
        self.fields["buildings"].queryset = Building.objects.visible_to(user)
        self.region = _chosen_region(self, self.places)
        self.offer("buildings", buildings_in(user, self.region), empty=None)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "region": data["region"],
            "date": data["date"],
            "buildings": list(data["buildings"]),
            "notes": data["notes"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "photos": data["photos"],
        }


class PatrolFindingForm(ServiceErrorsMixin, OfferMixin, forms.Form):
    """Turn a finding of a patrol into a case; place, position and photos come from the patrol."""

    category = forms.ModelChoiceField(queryset=CaseCategory.objects.all(), label=_("Category"))
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    urgency = forms.ChoiceField(
        choices=Urgency.choices, initial=Urgency.NORMAL, label=_("Urgency"), widget=forms.RadioSelect
    )
    building = forms.ModelChoiceField(queryset=Building.objects.none(), required=False, label=_("Building"))
    handle_now = forms.BooleanField(
        label=_("I will handle it on the spot"),
        required=False,
        help_text=_("The case is given to you at once instead of waiting to be dispatched."),
    )

    def __init__(self, *args, user, patrol, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        visited = list(patrol.buildings.select_related("estate").order_by("estate__name", "pk"))
        self.fields["category"].widget.choices = [("", CHOOSE), *category_groups()]
        self.fields["building"].queryset = patrol.buildings.all()
        self.offer("building", visited, empty=None if len(visited) == 1 else _("Not at a building"))
        if not self.is_bound:
            self.initial.setdefault("description", patrol.notes)
            if len(visited) == 1:
                self.initial.setdefault("building", visited[0].pk)
        if not get_scope(user).has_any_role(LEVEL_ROLES["grid"]):
            del self.fields["handle_now"]


# ---------------------------------------------------------------- mediation


class PartyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    side = forms.CharField(
        label=_("Side"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. applicant, respondent")}),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("name") or "").strip() and ((data.get("phone") or "").strip() or (data.get("side") or "")):
            self.add_error("name", _("Give the name of this party, or leave the whole row empty."))
        return data


PartyFormSet = forms.formset_factory(PartyForm, extra=4, max_num=12, validate_max=True)


class MediationOpenForm(ServiceErrorsMixin, forms.Form):
    mediator_name = forms.CharField(label=_("Mediator"), max_length=64)


class MediationSessionForm(ServiceErrorsMixin, forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("What was said and agreed"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())


class MediationConcludeForm(ServiceErrorsMixin, forms.Form):
    # Not required here: the service says which outcomes there are when none is chosen.
    outcome = forms.ChoiceField(
        choices=MediationOutcome.choices, label=_("Outcome"), required=False, widget=forms.RadioSelect
    )
    agreement = forms.CharField(label=_("Agreement"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    next_step = forms.CharField(
        label=_("Where it went next"),
        max_length=200,
        required=False,
        help_text=_("For a dispute not settled: e.g. people's court, petition office, legal aid."),
    )
