"""Forms of the 双报到, co-building and 书记领办 pages; the rules stay in partyorg.services.service."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grids.forms import DateInput, ServiceErrorsMixin

from ..models import (
    CoBuildingUnit,
    ListItem,
    ListItemStatus,
    ListKind,
    MemberCategory,
    MemberStatus,
    OrgKind,
    PartyMember,
    PartyOrg,
    Position,
    PositionTitle,
)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PartyMember) -> str:
        name = obj.resident.name if obj.resident_id else obj.name
        return f"{name} · {obj.org.name}"


class DualRegistrationForm(ServiceErrorsMixin, forms.Form):
    member = MemberChoiceField(queryset=PartyMember.objects.none(), label=_("In-service member"))
    workplace = forms.CharField(
        label=_("Workplace"),
        max_length=100,
        required=False,
        help_text=_("Left empty: the workplace on the member's record."),
    )
    skills = forms.CharField(label=_("Skills and what they offer"), max_length=200, required=False)
    registered_on = forms.DateField(label=_("Registered on"), widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            PartyMember.objects.visible_to(user)
            .filter(category=MemberCategory.IN_SERVICE, status=MemberStatus.ACTIVE)
            .select_related("org", "resident")
            .order_by("name", "id")
        )


class ServiceRecordForm(ServiceErrorsMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    hours = forms.DecimalField(label=_("Hours"), max_digits=4, decimal_places=1, min_value=0.1, max_value=24)
    description = forms.CharField(label=_("What was done"), max_length=200)


class ReportPeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput(), required=False)
    end = forms.DateField(label=_("Until"), widget=DateInput(), required=False)

    def period(self) -> tuple[dt.date, dt.date]:
        """The chosen period; by default the current year up to today."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or today.replace(month=1, day=1)
        end = data.get("end") or today
        if end < start:
            start, end = end, start
        return start, end


class CoBuildingUnitForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    joint_committee = forms.ModelChoiceField(
        queryset=PartyOrg.objects.none(), label=_("Member of the joint Party committee"), required=False
    )
    contact_name = forms.CharField(label=_("Contact"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    joined_on = forms.DateField(label=_("Joined on"), widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, user, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["joint_committee"].queryset = (
            PartyOrg.objects.visible_to(user).under(community.code).filter(kind=OrgKind.JOINT_COMMITTEE)
        )


class AgreementForm(ServiceErrorsMixin, forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput(), initial=timezone.localdate)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput(), required=False)
    text = forms.CharField(label=_("Terms"), widget=forms.Textarea(attrs={"rows": 3}))


class ListItemForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("List"), choices=ListKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(
        label=pgettext_lazy("party", "Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    unit = forms.ModelChoiceField(
        queryset=CoBuildingUnit.objects.none(),
        label=_("Co-building unit"),
        required=False,
        help_text=_("Who offers the resource or runs the project."),
    )

    def __init__(self, *args, user, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = CoBuildingUnit.objects.visible_to(user).filter(community=community)


class MatchForm(ServiceErrorsMixin, forms.Form):
    resource = forms.ModelChoiceField(queryset=ListItem.objects.none(), label=_("Resource"))
    title = forms.CharField(label=_("Project title"), max_length=100, required=False)

    def __init__(self, *args, user, community, statuses=(ListItemStatus.OPEN,), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = (
            ListItem.objects.visible_to(user)
            .filter(community=community, kind=ListKind.RESOURCE, status__in=statuses)
            .order_by("title", "id")
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ListItemStatus.choices)


class SecretaryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Position) -> str:
        member = obj.member
        name = member.resident.name if member.resident_id else member.name
        return f"{name} · {obj.org.name}"


class SecretaryProjectForm(ServiceErrorsMixin, forms.Form):
    """The secretary is chosen as a current 书记 position: it names both the organisation and its leader."""

    position = SecretaryChoiceField(queryset=Position.objects.none(), label=_("Led by (secretary and organisation)"))
    title = forms.CharField(label=_("Title"), max_length=100)
    goal = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 2}))
    started_on = forms.DateField(label=_("Started on"), widget=DateInput(), initial=timezone.localdate)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput(), required=False)
    is_public = forms.BooleanField(label=_("Show on the public board"), required=False, initial=True)

    def __init__(self, *args, user, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].queryset = (
            Position.objects.visible_to(user)
            .under(community.code)
            .current()
            .filter(title=PositionTitle.SECRETARY)
            .select_related("member__resident", "org")
            .order_by("org__region_code", "org__name", "id")
        )


class ProjectUpdateForm(ServiceErrorsMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 2}))
