"""Forms of the organisation pages: sub-organisations, members, positions, cross-appointments."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grids.models import Building, Region, RegionLevel, Resident, Unit

from ..models import CrossAppointment, MemberCategory, MemberStatus, OrgKind, PartyMember, PartyOrg, PositionTitle

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceErrorsMixin:
    def add_service_errors(self, exc: ValidationError) -> None:
        """A service's errors under the form's fields (others above the form)."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class OrgChildForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices)
    region = forms.ModelChoiceField(label=_("Place"), queryset=Region.objects.none())
    buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a Party group: the buildings it is formed in."),
    )
    founded_on = forms.DateField(label=_("Founded on"), required=False, widget=DATE)

    def __init__(self, *args, parent: PartyOrg, **kwargs):
        super().__init__(*args, **kwargs)
        code = parent.region_code
        self.fields["region"].queryset = Region.objects.current().filter(code__startswith=code).order_by("code")
        self.fields["buildings"].queryset = (
            Building.objects.filter(region_code__startswith=code)
            .select_related("estate")
            .order_by("estate__name", Length("number"), "number")
        )
        self.fields["kind"].initial = OrgKind.BRANCH if parent.kind != OrgKind.BRANCH else OrgKind.GROUP


class ResidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Resident) -> str:
        return obj.name


class MemberForm(ServiceErrorsMixin, forms.Form):
    resident = ResidentChoiceField(
        label=_("Resident"),
        queryset=Resident.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        help_text=_("Search the ledger of the place by name; leave empty for someone who does not live here."),
    )
    name = forms.CharField(label=_("Name"), max_length=64, required=False)
    category = forms.ChoiceField(label=pgettext_lazy("party", "Category"), choices=MemberCategory.choices)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    workplace = forms.CharField(label=_("Workplace"), max_length=100, required=False)
    joined_party_on = forms.DateField(label=_("Joined the Party on"), required=False, widget=DATE)
    joined_org_on = forms.DateField(label=_("Joined this organisation on"), required=False, widget=DATE)

    def __init__(self, *args, user, org: PartyOrg, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = Resident.objects.visible_to(user).current().under(org.region_code)
        self.fields["joined_org_on"].initial = timezone.localdate()


class MemberStatusForm(ServiceErrorsMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MemberStatus.choices)


class PositionForm(ServiceErrorsMixin, forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=PartyMember.objects.none())
    title = forms.ChoiceField(label=pgettext_lazy("party", "Position"), choices=PositionTitle.choices)
    building = forms.ModelChoiceField(
        label=_("Building"),
        queryset=Building.objects.none(),
        required=False,
        help_text=_("For a Party member building head."),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, help_text=_("For a unit red steward.")
    )
    start_date = forms.DateField(label=_("From"), widget=DATE)
    end_date = forms.DateField(label=_("Until"), required=False, widget=DATE)

    def __init__(self, *args, org: PartyOrg, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members.filter(status=MemberStatus.ACTIVE).order_by("name")
        buildings = Building.objects.filter(region_code__startswith=org.region_code)
        units = Unit.objects.filter(region_code__startswith=org.region_code)
        if org.kind == OrgKind.GROUP:
            buildings = buildings.filter(party_orgs=org)
            units = units.filter(building__party_orgs=org)
        self.fields["building"].queryset = buildings.select_related("estate").order_by("estate__name", "number")
        self.fields["unit"].queryset = units.select_related("building__estate").order_by(
            "building__estate__name", "building__number", "number"
        )
        self.fields["start_date"].initial = timezone.localdate()
        if org.kind == OrgKind.GROUP:
            self.fields["title"].initial = PositionTitle.UNIT_STEWARD


class PositionEndForm(ServiceErrorsMixin, forms.Form):
    end_date = forms.DateField(label=_("Last day"), widget=DATE)


class CrossAppointmentForm(ServiceErrorsMixin, forms.Form):
    community_org = forms.ModelChoiceField(label=_("Community organisation"), queryset=PartyOrg.objects.none())
    member = forms.ModelChoiceField(
        label=_("Member"),
        queryset=PartyMember.objects.none(),
        required=False,
        help_text=_("Leave empty for someone who is not a member here, and enter the name."),
    )
    person_name = forms.CharField(label=_("Name"), max_length=64, required=False)
    community_role = forms.CharField(label=_("Role in the community"), max_length=64)
    organisation_kind = forms.ChoiceField(
        label=_("Kind of organisation"), choices=CrossAppointment.OrganisationKind.choices
    )
    organisation_name = forms.CharField(label=_("Organisation"), max_length=100)
    organisation_role = forms.CharField(label=_("Role there"), max_length=64)
    start_date = forms.DateField(label=_("From"), widget=DATE)
    end_date = forms.DateField(label=_("Until"), required=False, widget=DATE)

    def __init__(self, *args, orgs, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community_org"].queryset = orgs
        self.fields["member"].queryset = members
        self.fields["start_date"].initial = timezone.localdate()


def community_level_orgs(qs):
    """Organisations a cross-appointment is held in: those of a community or street."""
    return qs.filter(region__level__in=[RegionLevel.COMMUNITY, RegionLevel.STREET]).order_by("region_code", "name")
