"""The state machine of a case through the API: one POST action per transition, each answering the fresh case."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from ... import services
from ...models import Case
from ..serializers import (
    NOT_FOUND,
    CaseDetailSerializer,
    CommentSerializer,
    DispatchSerializer,
    DuplicateSerializer,
    EscalateSerializer,
    FollowUpInputSerializer,
    LinkReportSerializer,
    NoteSerializer,
    ReasonSerializer,
    RejectSerializer,
    ResolveSerializer,
    SummonInputSerializer,
    VerifySerializer,
)
from .common import (
    RESPONSES_400,
    RESPONSES_403,
    RESPONSES_404,
    RESPONSES_409,
    departments_visible_to,
)


def _transition(summary: str, request, description: str = ""):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={
            200: CaseDetailSerializer,
            400: RESPONSES_400,
            403: RESPONSES_403,
            404: RESPONSES_404,
            409: RESPONSES_409,
        },
    )


def _simple_transition(
    name: str, service, fields: tuple[str, ...], summary: str, serializer, description: str = "", *, url=None
):
    """A transition whose input fields go straight to its service, with the version the client read."""

    def view(self, request, pk=None):
        case, data = self._case(), self._input(serializer)
        values = {field: data[field] for field in fields}
        return self._act(
            case, lambda: service(case=case, actor=request.user, expected_version=data["version"], **values)
        )

    # DRF routes an action to the class attribute named like the function, so the names must agree.
    view.__name__ = view.__qualname__ = name
    decorated = action(detail=True, methods=["post"], url_path=url, url_name=url)(view)
    return _transition(summary, serializer, description)(decorated)


class CaseTransitionsMixin:
    """The transitions of CaseViewSet; `_case`, `_input` and `_act` are the viewset's."""

    accept = _simple_transition(
        "accept", services.case_accept, ("note",), "Accept a submitted case (you become its handler)", NoteSerializer
    )

    @_transition("Give the case to a handler (yourself by default)", DispatchSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_case(self, request, pk=None):
        case, data = self._case(), self._input(DispatchSerializer)
        handler = None
        if data["handler"] is not None:
            handler = get_user_model().objects.filter(pk=data["handler"], is_active=True).first()
            if handler is None:
                raise ValidationError({"handler": [_("This person does not handle cases at this place.")]})
        return self._act(
            case,
            lambda: services.case_dispatch(
                case=case, actor=request.user, handler=handler, expected_version=data["version"], note=data["note"]
            ),
        )

    return_case = _simple_transition(
        "return_case",
        services.case_return,
        ("reason",),
        "Send the case back down one level",
        ReasonSerializer,
        url="return",
    )

    reject = _simple_transition(
        "reject",
        services.case_reject,
        ("reason", "reason_code"),
        "Reject the case as outside the remit",
        RejectSerializer,
    )

    hold = _simple_transition(
        "hold", services.case_hold, ("reason",), "Put the case on hold (its clock stops)", ReasonSerializer
    )

    resume = _simple_transition(
        "resume", services.case_resume, ("note",), "Resume a case on hold (its clock runs again)", NoteSerializer
    )

    @_transition("Escalate the case one level up (grid → community → street → department)", EscalateSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        case, data = self._case(), self._input(EscalateSerializer)
        department = None
        if data["department"] is not None:
            department = departments_visible_to(request.user).filter(pk=data["department"]).first()
            if department is None:
                raise ValidationError({"department": [NOT_FOUND]})
        return self._act(
            case,
            lambda: services.case_escalate(
                case=case,
                actor=request.user,
                reason=data["reason"],
                department=department,
                expected_version=data["version"],
            ),
        )

    resolve = _simple_transition(
        "resolve",
        services.case_resolve,
        ("resolution",),
        "Report the case resolved (it then waits for verification)",
        ResolveSerializer,
    )

    verify = _simple_transition(
        "verify",
        services.case_verify,
        (
            "ok",
            "note",
        ),
        "Verify a resolved case: close it, or send it back",
        VerifySerializer,
        "The verifier is never the person who handled or resolved the case.",
    )

    unresolvable = _simple_transition(
        "unresolvable",
        services.case_mark_unresolvable,
        ("reason",),
        "End the case as unable to resolve for now (挂账)",
        ReasonSerializer,
    )

    @_transition("Mark the case as a duplicate of another", DuplicateSerializer)
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        case, data = self._case(), self._input(DuplicateSerializer)
        value = data["original"].strip()
        match = (Q(number=value) | Q(pk=int(value))) if value.isdigit() else Q(number=value)
        original = Case.objects.visible_to(request.user).filter(match).first()
        if original is None:
            raise ValidationError({"original": [_("No such case in your places.")]})
        return self._act(
            case,
            lambda: services.case_mark_duplicate(
                case=case, actor=request.user, original=original, expected_version=data["version"]
            ),
        )

    tag_unreasonable = _simple_transition(
        "tag_unreasonable",
        services.case_tag_unreasonable,
        ("reason",),
        "Tag the request as unreasonable",
        ReasonSerializer,
        url="tag-unreasonable",
    )

    comment = _simple_transition("comment", services.case_comment, ("note",), "Comment on the case", CommentSerializer)

    follow_up = _simple_transition(
        "follow_up",
        services.case_follow_up,
        (
            "satisfaction",
            "note",
        ),
        "Record a follow-up visit (回访) of a closed case",
        FollowUpInputSerializer,
        url="follow-up",
    )

    @_transition("Summon departments to the case (街道吹哨)", SummonInputSerializer)
    @action(detail=True, methods=["post"])
    def summon(self, request, pk=None):
        case, data = self._case(), self._input(SummonInputSerializer)
        wanted = set(data["departments"])
        departments = list(departments_visible_to(request.user).filter(pk__in=wanted))
        if len(departments) != len(wanted):
            raise ValidationError({"departments": [NOT_FOUND]})
        return self._act(
            case,
            lambda: services.case_summon(
                case=case,
                actor=request.user,
                departments=departments,
                note=data["note"],
                expected_version=data["version"],
            ),
        )

    link_report = _simple_transition(
        "link_report",
        services.case_link_report,
        (
            "note",
            "reporter_name",
            "reporter_phone",
        ),
        "Count another report of the same matter on this case",
        LinkReportSerializer,
        url="link-report",
    )
