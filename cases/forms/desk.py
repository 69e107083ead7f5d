"""Forms of the desktop case pages: one small form per action of the case detail page.

Each form knows its case and the acting user, offers only choices the service would accept,
and hands its cleaned values to one service in `perform()`. The rules stay in cases.services:
a ValidationError they raise is shown beside the field it names.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Assignment, User
from grids.forms import ServiceErrorsMixin

from .. import services
from ..models import Case, CaseLevel, Department, RejectReason, Satisfaction, Urgency
from ..models.choices import LEVEL_SEQUENCE, next_level
from ..services.access import LEVEL_ROLES

CODE_LENGTHS = (2, 4, 6, 9, 12, 15, 17)


def code_prefixes(code: str) -> list[str]:
    """The codes of a place and of every place above it."""
    return [code[:n] for n in CODE_LENGTHS if n <= len(code)]


def _taker_roles(level: str) -> set[str]:
    """Roles of the handlers at this territorial level and below it."""
    upto = LEVEL_SEQUENCE.index(level)
    return set().union(*(LEVEL_ROLES[lvl] for lvl in LEVEL_SEQUENCE[: upto + 1] if lvl in LEVEL_ROLES))


def _assignment_label(assignment: Assignment) -> str:
    return f"{assignment.get_role_display()} · {assignment.region.name}"


def handler_candidates(case: Case) -> list[tuple[User, str]]:
    """People the case may be dispatched to: handlers of its level, or of a lower level, at its place."""
    if case.level == CaseLevel.DEPARTMENT:
        if case.department_id is None:
            return []
        staff = case.department.staff.filter(is_active=True).order_by("full_name", "username")
        return [(user, case.department.name) for user in staff]
    rows = (
        Assignment.objects.active()
        .filter(
            role__in=_taker_roles(case.level),
            region__code__in=code_prefixes(case.region_code),
            user__is_active=True,
        )
        .select_related("user", "region")
        .order_by("-region__code", "user__full_name", "user__username", "pk")
    )
    found: dict[int, tuple[User, list[str]]] = {}
    for assignment in rows:
        user, labels = found.setdefault(assignment.user_id, (assignment.user, []))
        labels.append(_assignment_label(assignment))
    return [(user, "; ".join(labels)) for user, labels in found.values()]


def community_members(community_code: str) -> list[Assignment]:
    """Active grid workers and community workers of a community, loaded once for its dispatch board."""
    roles = LEVEL_ROLES[CaseLevel.GRID] | LEVEL_ROLES[CaseLevel.COMMUNITY]
    return list(
        Assignment.objects.active()
        .filter(role__in=roles, region__code__startswith=community_code, user__is_active=True)
        .select_related("user", "region")
        .order_by("region__code", "user__full_name", "user__username", "pk")
    )


def takers_among(case: Case, members: list[Assignment]) -> list[tuple[int, str]]:
    """(user id, label) of the members who may take this case, without a query."""
    if case.level == CaseLevel.DEPARTMENT:
        return []
    roles = _taker_roles(case.level)
    seen: dict[int, str] = {}
    for assignment in members:
        if assignment.role in roles and case.region_code.startswith(assignment.region.code):
            label = f"{assignment.user.display_name} ({_assignment_label(assignment)})"
            seen.setdefault(assignment.user_id, label)
    return list(seen.items())


def covering_departments(case: Case) -> QuerySet[Department]:
    """Active departments whose jurisdiction covers the place of the case."""
    return Department.objects.filter(is_active=True, region_code__in=code_prefixes(case.region_code)).order_by(
        "-region_code", "name"
    )


class UserChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, labels: dict[int, str] | None = None, **kwargs):
        self.labels = labels or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: User) -> str:
        extra = self.labels.get(obj.pk)
        return f"{obj.display_name} ({extra})" if extra else obj.display_name


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


def _reason_field(label=None, *, rows: int = 2, required_in_browser: bool = True) -> forms.CharField:
    # The services say when a reason is missing, so the message is the same for pages and the API.
    attrs = {"rows": rows}
    if required_in_browser:
        attrs["required"] = True
    return forms.CharField(label=label or _("Reason"), required=False, widget=forms.Textarea(attrs=attrs))


def _note_field(label=None) -> forms.CharField:
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


class AcceptForm(ActionForm):
    action = "accept"
    label = _("Accept")
    icon = "bi-inbox"
    button = "btn-danger"
    note = _note_field()

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
    note = _note_field(_("Instructions"))

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
    reason = _reason_field()

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
    reason = _reason_field(_("Why it is outside the remit"))

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
    resolution = _reason_field(_("What was done"), rows=3)

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
    reason = _reason_field(_("Why the case waits"))

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
    note = _note_field()

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
    reason = _reason_field()
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
    note = _note_field(_("Note (required when it is not done)"))

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
    reason = _reason_field()

    def perform(self) -> str:
        services.case_mark_unresolvable(
            case=self.case, actor=self.user, reason=self.cleaned_data["reason"], expected_version=self.expected_version
        )
        return gettext("The case was filed as unable to resolve.")


class TagUnreasonableForm(ActionForm):
    action = "tag_unreasonable"
    label = _("Tag as unreasonable request")
    icon = "bi-tag"
    reason = _reason_field()

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
    note = _note_field(_("What is asked of them"))

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
    note = _note_field()

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
    note = _reason_field(_("Comment"))

    def perform(self) -> str:
        services.case_comment(
            case=self.case, actor=self.user, note=self.cleaned_data["note"], expected_version=self.expected_version
        )
        return gettext("The comment was added.")


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
