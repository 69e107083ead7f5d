"""Action forms for the later steps of a case: verify, supervise, summon, follow up, edit, attach, comment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Department, Satisfaction, Urgency
from .action_base import ActionForm, MultipleFileField, note_field, reason_field
from .people import covering_departments


class VerifyForm(ActionForm):
    action = "verify"
    label = _("Verify")
    icon = "bi-patch-check"
    button = "btn-success"
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("ok", _("Done: close the case")), ("failed", _("Not done: send it back to the handler"))],
        widget=forms.RadioSelect,
        initial="ok",
    )
    note = note_field(_("Note (required when it is not done)"))

    def perform(self) -> str:
        ok = self.cleaned_data["outcome"] == "ok"
        services.case_verify(
            case=self.case,
            actor=self.user,
            ok=ok,
            note=self.cleaned_data["note"],
            expected_version=self.expected_version,
        )
        if ok:
            return gettext("Verified: the case is closed.")
        return gettext("Verification failed: the case went back to its handler.")


class UnresolvableForm(ActionForm):
    action = "unresolvable"
    label = _("File as unable to resolve")
    icon = "bi-archive"
    reason = reason_field()

    def perform(self) -> str:
        services.case_mark_unresolvable(
            case=self.case, actor=self.user, reason=self.cleaned_data["reason"], expected_version=self.expected_version
        )
        return gettext("The case was filed as unable to resolve.")


class TagUnreasonableForm(ActionForm):
    action = "tag_unreasonable"
    label = _("Tag as unreasonable request")
    icon = "bi-tag"
    reason = reason_field()

    def perform(self) -> str:
        services.case_tag_unreasonable(
            case=self.case, actor=self.user, reason=self.cleaned_data["reason"], expected_version=self.expected_version
        )
        return gettext("The request was tagged as unreasonable.")


class SummonForm(ActionForm):
    action = "summon"
    label = _("Summon departments (吹哨)")
    icon = "bi-megaphone"
    button = "btn-outline-danger"
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(),
        label=_("Departments"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = note_field(_("What is asked of them"))

    def setup(self) -> None:
        summoned = self.case.summonses.values_list("department_id", flat=True)
        departments = list(covering_departments(self.case).exclude(pk__in=summoned))
        field = self.fields["departments"]
        field.queryset = Department.objects.filter(pk__in=[d.pk for d in departments])
        field.widget.choices = [(d.pk, d.name) for d in departments]

    def perform(self) -> str:
        # The summons service reads the case under a lock itself; a second whistle is refused there.
        created = services.case_summon(
            case=self.case,
            actor=self.user,
            expected_version=self.expected_version,
            departments=list(self.cleaned_data["departments"]),
            note=self.cleaned_data["note"],
        )
        return gettext("Summoned: %(names)s.") % {"names": "、".join(s.department.name for s in created)}


class FollowUpForm(ActionForm):
    action = "follow_up"
    label = _("Record a follow-up visit")
    icon = "bi-telephone"
    satisfaction = forms.ChoiceField(label=_("Satisfaction"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    note = note_field()

    def perform(self) -> str:
        services.case_follow_up(
            case=self.case,
            actor=self.user,
            expected_version=self.expected_version,
            satisfaction=self.cleaned_data["satisfaction"],
            note=self.cleaned_data["note"],
        )
        return gettext("The follow-up visit was recorded.")


class EditForm(ActionForm):
    action = "edit"
    label = _("Edit details")
    icon = "bi-pencil"
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def setup(self) -> None:
        for name in ("title", "description", "urgency", "address"):
            self.fields[name].initial = getattr(self.case, name)

    def perform(self) -> str:
        changes = {name: self.cleaned_data[name] for name in ("title", "description", "urgency", "address")}
        services.case_edit(case=self.case, actor=self.user, expected_version=self.expected_version, changes=changes)
        return gettext("The details were saved.")


class AttachForm(ActionForm):
    action = "attach"
    label = _("Add photos or files")
    icon = "bi-paperclip"
    multipart = True
    uploads = MultipleFileField(label=_("Photos or PDF files"), required=False)

    def perform(self) -> str:
        saved = services.attachments_add(
            case=self.case,
            actor=self.user,
            uploads=self.cleaned_data["uploads"],
            expected_version=self.expected_version,
        )
        count = len(saved)
        return ngettext("%(count)d file was added.", "%(count)d files were added.", count) % {"count": count}


class CommentForm(ActionForm):
    action = "comment"
    label = _("Comment")
    icon = "bi-chat-left-text"
    note = reason_field(_("Comment"))

    def perform(self) -> str:
        services.case_comment(
            case=self.case, actor=self.user, note=self.cleaned_data["note"], expected_version=self.expected_version
        )
        return gettext("The comment was added.")
