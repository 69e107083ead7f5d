"""Forms of the desktop case pages: one small form per action of the case detail page.

Each form knows its case and the acting user, offers only choices the service would accept,
and hands its cleaned values to one service in `perform()`. The rules stay in cases.services:
a ValidationError they raise is shown beside the field it names.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .. import services
from ..models import Case, CaseLevel, Department, RejectReason
from ..models.choices import next_level
from .action_base import ActionForm, note_field, reason_field
from .people import (
    UserChoiceField,
    community_members,
    covering_departments,
    handler_candidates,
    takers_among,
)
from .supervision import (
    AttachForm,
    CommentForm,
    EditForm,
    FollowUpForm,
    SummonForm,
    TagUnreasonableForm,
    UnresolvableForm,
    VerifyForm,
)

__all__ = ["ACTION_FORMS", "ActionForm", "SummonsReportForm", "community_members", "takers_among"]


class AcceptForm(ActionForm):
    action = "accept"
    label = _("Accept")
    icon = "bi-inbox"
    button = "btn-danger"
    note = note_field()

    def perform(self) -> str:
        services.case_accept(
            case=self.case, actor=self.user, expected_version=self.expected_version, note=self.cleaned_data["note"]
        )
        return gettext("The case was accepted; you are now its handler.")


class DispatchForm(ActionForm):
    action = "dispatch"
    label = _("Dispatch")
    icon = "bi-send"
    button = "btn-danger"
    handler = UserChoiceField(queryset=User.objects.none(), label=_("Give it to"), empty_label=_("Choose…"))
    note = note_field(_("Instructions"))

    def setup(self) -> None:
        candidates = handler_candidates(self.case)
        field = self.fields["handler"]
        field.queryset = User.objects.filter(pk__in=[user.pk for user, _label in candidates])
        field.labels = {user.pk: label for user, label in candidates}
        # The widget lists the candidates already loaded instead of querying them again.
        field.widget.choices = [("", field.empty_label)] + [
            (user.pk, field.label_from_instance(user)) for user, _label in candidates
        ]
        if any(user.pk == self.user.pk for user, _label in candidates):
            field.initial = self.user.pk

    def perform(self) -> str:
        handler = self.cleaned_data["handler"]
        services.case_dispatch(
            case=self.case,
            actor=self.user,
            handler=handler,
            expected_version=self.expected_version,
            note=self.cleaned_data["note"],
        )
        return gettext("The case was given to %(name)s.") % {"name": handler.display_name}


class ReturnForm(ActionForm):
    action = "return"
    label = _("Return to the level below")
    icon = "bi-arrow-down-circle"
    reason = reason_field()

    def perform(self) -> str:
        services.case_return(
            case=self.case, actor=self.user, reason=self.cleaned_data["reason"], expected_version=self.expected_version
        )
        return gettext("The case was returned to the level below.")


class RejectForm(ActionForm):
    action = "reject"
    label = _("Reject as out of remit")
    icon = "bi-x-circle"
    button = "btn-outline-danger"
    reason_code = forms.ChoiceField(
        label=_("Reason"), choices=RejectReason.choices, initial=RejectReason.OUT_OF_REMIT, required=False
    )
    reason = reason_field(_("Why it is outside the remit"))

    def perform(self) -> str:
        services.case_reject(
            case=self.case,
            actor=self.user,
            reason=self.cleaned_data["reason"],
            reason_code=self.cleaned_data["reason_code"] or RejectReason.OTHER,
            expected_version=self.expected_version,
        )
        return gettext("The case was rejected as out of remit.")


class DuplicateForm(ActionForm):
    action = "duplicate"
    label = _("Mark as duplicate")
    icon = "bi-files"
    original = forms.CharField(
        label=_("Number of the original case"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "640302-2026-000123"}),
    )

    def perform(self) -> str:
        number = self.cleaned_data["original"].strip()
        original = Case.objects.visible_to(self.user).filter(number=number).first()
        if original is None:
            raise ValidationError({"original": [_("No such case in your places.")]})
        services.case_mark_duplicate(
            case=self.case, actor=self.user, original=original, expected_version=self.expected_version
        )
        return gettext("The case was marked as a duplicate of %(number)s.") % {"number": original.number}


class ResolveForm(ActionForm):
    action = "resolve"
    label = _("Resolve")
    icon = "bi-check2-circle"
    button = "btn-success"
    resolution = reason_field(_("What was done"), rows=3)

    def perform(self) -> str:
        services.case_resolve(
            case=self.case,
            actor=self.user,
            resolution=self.cleaned_data["resolution"],
            expected_version=self.expected_version,
        )
        return gettext("The case is resolved and waits for verification.")


class HoldForm(ActionForm):
    action = "hold"
    label = _("Put on hold")
    icon = "bi-pause-circle"
    reason = reason_field(_("Why the case waits"))

    def perform(self) -> str:
        services.case_hold(
            case=self.case, actor=self.user, reason=self.cleaned_data["reason"], expected_version=self.expected_version
        )
        return gettext("The case is on hold; its clock is paused.")


class ResumeForm(ActionForm):
    action = "resume"
    label = _("Resume")
    icon = "bi-play-circle"
    button = "btn-danger"
    note = note_field()

    def perform(self) -> str:
        services.case_resume(
            case=self.case, actor=self.user, expected_version=self.expected_version, note=self.cleaned_data["note"]
        )
        return gettext("The case was resumed; its clock runs again.")


class EscalateForm(ActionForm):
    action = "escalate"
    label = _("Escalate")
    icon = "bi-arrow-up-circle"
    button = "btn-outline-danger"
    reason = reason_field()
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        label=_("Department"),
        required=False,
        empty_label=_("The department in charge of this category"),
    )

    def setup(self) -> None:
        if next_level(self.case.level) == CaseLevel.DEPARTMENT:
            departments = list(covering_departments(self.case))
            field = self.fields["department"]
            field.queryset = Department.objects.filter(pk__in=[d.pk for d in departments])
            field.widget.choices = [("", field.empty_label)] + [(d.pk, d.name) for d in departments]
        else:
            del self.fields["department"]

    def perform(self) -> str:
        services.case_escalate(
            case=self.case,
            actor=self.user,
            reason=self.cleaned_data["reason"],
            department=self.cleaned_data.get("department"),
            expected_version=self.expected_version,
        )
        return gettext("The case was escalated to the next level.")


# The order in which the detail page offers the actions: the usual next step first.
ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        AcceptForm,
        DispatchForm,
        ResolveForm,
        VerifyForm,
        ResumeForm,
        HoldForm,
        EscalateForm,
        ReturnForm,
        SummonForm,
        RejectForm,
        DuplicateForm,
        UnresolvableForm,
        TagUnreasonableForm,
        FollowUpForm,
        EditForm,
        AttachForm,
        CommentForm,
    )
}


class SummonsReportForm(forms.Form):
    report = forms.CharField(
        label=_("What the department did"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )
