"""Forms of the 议事协商 pages: one small form per action, the meeting record with formsets, the public objection.

Each action form hands its cleaned values to one service in `perform(actor, topic)`; the rules stay
in partyorg.services.deliberation and their ValidationErrors are shown beside the fields they name.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cases.models import CaseCategory
from grids.forms import DateInput, ServiceErrorsMixin
from grids.models import Region, RegionLevel

from ..models import (
    AttendeeKind,
    ForumType,
    MajorityRule,
    Objection,
    PartyMember,
    Topic,
    TopicSource,
    TopicStep,
)
from ..selectors.deliberation import communities_visible
from ..services import deliberation as services

MAX_VOTE_ROWS = 30
MAX_ATTENDEE_ROWS = 200


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.name


class TopicForm(ServiceErrorsMixin, forms.Form):
    community = CommunityChoiceField(queryset=Region.objects.none(), label=_("Community"))
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(
        label=pgettext_lazy("party", "Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    source = forms.ChoiceField(label=_("Source"), choices=[c for c in TopicSource.choices if c[0] != TopicSource.CASE])
    proposer_name = forms.CharField(
        label=_("Proposed by"), max_length=64, required=False, help_text=_("The resident or group who raised it.")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        communities = [c for c in communities_visible(user) if services.can_propose_at(user, c.code)]
        self.fields["community"].queryset = Region.objects.filter(pk__in=[c.pk for c in communities]).order_by("code")
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk

    def perform(self, actor) -> Topic:
        return services.topic_create(actor=actor, **self.cleaned_data)


# ---------------------------------------------------------------- actions on a topic


class TopicActionForm(ServiceErrorsMixin, forms.Form):
    success_message = ""

    def __init__(self, *args, topic: Topic, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic = topic
        self.user = user

    def perform(self) -> str:  # pragma: no cover - every action overrides it
        raise NotImplementedError


class MoveForm(TopicActionForm):
    to_step = forms.ChoiceField(choices=TopicStep.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def perform(self) -> str:
        topic = services.topic_move(actor=self.user, topic=self.topic, **self.cleaned_data)
        return gettext("The topic is now at “%(step)s”.") % {"step": topic.get_step_display()}


class PlanForm(TopicActionForm):
    plan = forms.CharField(label=_("Plan"), widget=forms.Textarea(attrs={"rows": 5}))

    def perform(self) -> str:
        services.topic_set_plan(actor=self.user, topic=self.topic, plan=self.cleaned_data["plan"])
        return gettext("The plan was saved.")


class DecisionForm(TopicActionForm):
    decision = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 4}))

    def perform(self) -> str:
        services.topic_record_decision(actor=self.user, topic=self.topic, decision=self.cleaned_data["decision"])
        return gettext("The decision was recorded.")


class PublicationForm(TopicActionForm):
    text = forms.CharField(
        label=_("Text shown to residents"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Left empty: the decision."),
    )
    starts_on = forms.DateField(label=_("From"), widget=DateInput(), initial=timezone.localdate)
    ends_on = forms.DateField(
        label=_("Until"),
        widget=DateInput(),
        initial=lambda: timezone.localdate() + dt.timedelta(days=services.PUBLICATION_MIN_DAYS - 1),
        help_text=_("At least %(days)d days.") % {"days": services.PUBLICATION_MIN_DAYS},
    )

    def perform(self) -> str:
        services.publication_start(actor=self.user, topic=self.topic, **self.cleaned_data)
        return gettext("The decision is published.")


class ImplementationForm(TopicActionForm):
    date = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))

    def perform(self) -> str:
        services.implementation_update_add(actor=self.user, topic=self.topic, **self.cleaned_data)
        return gettext("The progress was recorded.")


class ArchiveForm(TopicActionForm):
    summary = forms.CharField(label=_("Record to keep on file"), widget=forms.Textarea(attrs={"rows": 4}))

    def perform(self) -> str:
        services.topic_archive(actor=self.user, topic=self.topic, summary=self.cleaned_data["summary"])
        return gettext("The topic is on file.")


class AnswerForm(TopicActionForm):
    objection = forms.ModelChoiceField(queryset=Objection.objects.none(), widget=forms.HiddenInput)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, topic: Topic, user, **kwargs):
        super().__init__(*args, topic=topic, user=user, **kwargs)
        self.fields["objection"].queryset = Objection.objects.filter(publication__topic=topic)

    def perform(self) -> str:
        services.objection_answer(actor=self.user, **self.cleaned_data)
        return gettext("The answer was saved.")


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CaseCategory) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.parent_id else obj.name


class FollowUpCaseForm(TopicActionForm):
    category = CategoryChoiceField(queryset=CaseCategory.objects.none(), label=_("Category"))
    region = CommunityChoiceField(queryset=Region.objects.none(), label=_("Grid"))
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, topic: Topic, user, **kwargs):
        super().__init__(*args, topic=topic, user=user, **kwargs)
        self.fields["category"].queryset = (
            CaseCategory.objects.filter(is_active=True, parent__isnull=False)
            .select_related("parent")
            .order_by("sort_order", "code")
        )
        self.fields["region"].queryset = Region.objects.filter(
            code__startswith=topic.region_code, level__in=[RegionLevel.GRID, RegionLevel.MICROGRID]
        ).order_by("code")

    def perform(self) -> str:
        case = services.topic_create_case(actor=self.user, topic=self.topic, **self.cleaned_data)
        return gettext("Follow-up case %(number)s was filed.") % {"number": case.number}


ACTION_FORMS: dict[str, type[TopicActionForm]] = {
    "move": MoveForm,
    "plan": PlanForm,
    "decision": DecisionForm,
    "publish": PublicationForm,
    "implementation": ImplementationForm,
    "archive": ArchiveForm,
    "answer": AnswerForm,
    "case": FollowUpCaseForm,
}


# ---------------------------------------------------------------- meetings


class MeetingForm(ServiceErrorsMixin, forms.Form):
    community = CommunityChoiceField(queryset=Region.objects.none(), label=_("Community"))
    forum = forms.ChoiceField(label=_("Forum"), choices=ForumType.choices)
    forum_name = forms.CharField(label=_("Forum name"), max_length=64, required=False)
    held_at = forms.DateTimeField(label=_("Held at"), widget=DateTimeInput())
    place = forms.CharField(label=_("Place"), max_length=100)
    eligible_count = forms.IntegerField(label=_("Entitled to attend"), min_value=1)
    quorum_percent = forms.IntegerField(label=_("Quorum (%)"), min_value=1, max_value=100, initial=50)
    majority_rule = forms.ChoiceField(label=_("Majority rule"), choices=MajorityRule.choices)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    more_residents = forms.CharField(
        label=_("Further residents present"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One name a line."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        codes = [c.code for c in communities_visible(user) if services.can_edit_deliberation(user, c.code)]
        self.fields["community"].queryset = Region.objects.filter(code__in=codes).order_by("code")
        if len(codes) == 1:
            self.fields["community"].initial = Region.objects.get(code=codes[0]).pk


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PartyMember) -> str:
        return obj.resident.name if obj.resident_id else obj.name


class AttendeeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Attends as"), choices=AttendeeKind.choices, required=False)
    name = forms.CharField(label=_("Name"), max_length=64, required=False)
    member = MemberChoiceField(queryset=PartyMember.objects.none(), label=_("Party member"), required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["member"].queryset = members

    def clean(self):
        data = super().clean()
        if (data.get("name") or data.get("member")) and not data.get("kind"):
            data["kind"] = AttendeeKind.MEMBER if data.get("member") else AttendeeKind.RESIDENT
        return data


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Topic) -> str:
        return f"{obj.title} ({obj.get_step_display()})"


class VoteRowForm(forms.Form):
    """One option put to the vote; rows with the same topic make one agenda item."""

    topic = TopicChoiceField(queryset=Topic.objects.none(), label=_("Topic"), required=False)
    discussion = forms.CharField(label=_("Discussion"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    text = forms.CharField(label=_("Option"), max_length=200, required=False)
    votes_for = forms.IntegerField(label=_("For"), min_value=0, required=False)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0, required=False)
    votes_abstain = forms.IntegerField(label=_("Abstain"), min_value=0, required=False)

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        if topics is not None:
            self.fields["topic"].queryset = topics

    def clean(self):
        data = super().clean()
        filled = any(data.get(k) not in (None, "") for k in ("text", "votes_for", "votes_against", "votes_abstain"))
        if filled and not data.get("topic"):
            self.add_error("topic", gettext("Choose the topic voted on."))
        return data


AttendeeFormSet = forms.formset_factory(
    AttendeeForm, extra=6, max_num=MAX_ATTENDEE_ROWS, absolute_max=MAX_ATTENDEE_ROWS
)
VoteFormSet = forms.formset_factory(VoteRowForm, extra=3, max_num=MAX_VOTE_ROWS, absolute_max=MAX_VOTE_ROWS)


def meeting_payload(form: MeetingForm, attendee_set, vote_set) -> dict:
    """The arguments of `meeting_record` from the bound, valid forms."""
    data = dict(form.cleaned_data)
    more = data.pop("more_residents", "")
    attendees = [
        {"kind": row["kind"], "name": row.get("name", ""), "member": row.get("member")}
        for row in attendee_set.cleaned_data
        if row and (row.get("name") or row.get("member"))
    ]
    attendees += [{"kind": AttendeeKind.RESIDENT, "name": line.strip()} for line in more.splitlines() if line.strip()]
    agenda: dict[int, dict] = {}
    for row in vote_set.cleaned_data:
        if not row or not row.get("topic"):
            continue
        item = agenda.setdefault(row["topic"].pk, {"topic": row["topic"], "discussion": "", "options": []})
        if row.get("discussion") and not item["discussion"]:
            item["discussion"] = row["discussion"]
        item["options"].append(
            {
                "text": row.get("text") or "",
                "for": row.get("votes_for") or 0,
                "against": row.get("votes_against") or 0,
                "abstain": row.get("votes_abstain") or 0,
            }
        )
    data["attendees"] = attendees
    data["agenda"] = list(agenda.values())
    return data


class PublicObjectionForm(forms.Form):
    publication = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Your name"), max_length=64)
    text = forms.CharField(label=_("Your objection"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
