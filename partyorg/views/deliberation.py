"""Pages of 议事协商: the topic board, topic detail with its actions, meetings with votes, and the public notices.

Topics, meetings and publications are looked up in the user's scope (404 for missing and out-of-scope
alike); a user who sees a topic but may not act on it gets 403 with the service's message. The public
notices page needs no login and shows only what residents are meant to see.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.refusals import refusal_response
from cases.models import Case
from grids.models import Region, RegionLevel

from ..forms.deliberation import (
    ACTION_FORMS,
    ArchiveForm,
    AttendeeFormSet,
    DecisionForm,
    FollowUpCaseForm,
    ImplementationForm,
    MeetingForm,
    PlanForm,
    PublicationForm,
    PublicObjectionForm,
    TopicForm,
    VoteFormSet,
    meeting_payload,
)
from ..models import MemberStatus, PartyMember, Publication, Topic, TopicStep
from ..selectors import deliberation as selectors
from ..services import deliberation as services
from ..services.deliberation import TopicConflict


def _is_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _forbidden(request, message: str, topic: Topic | None = None) -> HttpResponse:
    message = message or _("Your role does not allow this action here.")
    if topic is None:
        return refusal_response(request, message)
    back_url = reverse("partyorg:topic_detail", args=[topic.pk])
    return refusal_response(request, message, back_url=back_url, back_label=_("Back to the topic"))


# ---------------------------------------------------------------- board


def _board_context(request, community_code: str, notice=None) -> dict:
    user = request.user
    columns = selectors.topic_board(user=user, community_code=community_code)
    editable = {
        c: services.can_edit_deliberation(user, c) for c in {t.region_code for col in columns for t in col.topics}
    }
    for column in columns:
        for topic in column.topics:
            topic.moves = services.allowed_moves(user, topic) if editable.get(topic.region_code) else []
    return {"columns": columns, "community_code": community_code, "notice": notice}


@login_required
def topic_board(request):
    user = request.user
    communities = list(selectors.communities_visible(user)[:500])
    if not communities:
        raise Http404
    code = request.GET.get("community", "")
    if code and not any(c.code == code for c in communities):
        raise Http404
    context = _board_context(request, code)
    context.update(
        communities=communities,
        can_propose=any(services.can_propose_at(user, c.code) for c in communities),
        can_record=any(services.can_edit_deliberation(user, c.code) for c in communities),
    )
    template = "partyorg/deliberation/_board.html" if _is_partial(request) else "partyorg/deliberation/board.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def topic_new(request):
    user = request.user
    form = TopicForm(request.POST or None, user=user)
    if not form.fields["community"].queryset.exists():
        return _forbidden(request, _("Only those working in a community may propose topics there."))
    if request.method == "POST" and form.is_valid():
        try:
            topic = form.perform(user)
        except PermissionDenied as exc:
            return _forbidden(request, str(exc))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The topic was collected."))
            return redirect("partyorg:topic_detail", pk=topic.pk)
    return render(request, "partyorg/deliberation/topic_form.html", {"form": form})


# ---------------------------------------------------------------- topic detail


def _topic_for(user, pk: int) -> Topic:
    topic = selectors.topic_detail(user=user, pk=pk)
    if topic is None:
        raise Http404
    return topic


def _render_topic(request, topic: Topic, *, bound=None, action: str = "", status: int = 200) -> HttpResponse:
    user = request.user
    can_edit = services.can_edit_deliberation(user, topic.region_code)
    forms = {}
    if can_edit:
        step = topic.step
        if step == TopicStep.PLANNING:
            forms["plan"] = PlanForm(initial={"plan": topic.plan}, topic=topic, user=user)
        if step == TopicStep.VOTING:
            forms["decision"] = DecisionForm(initial={"decision": topic.decision}, topic=topic, user=user)
            forms["publish"] = PublicationForm(initial={"text": topic.decision}, topic=topic, user=user)
        if step == TopicStep.IMPLEMENTING:
            forms["implementation"] = ImplementationForm(topic=topic, user=user)
            forms["archive"] = ArchiveForm(topic=topic, user=user)
        if topic.decision and step in {TopicStep.VOTING, TopicStep.IMPLEMENTING, TopicStep.ARCHIVED}:
            forms["case"] = FollowUpCaseForm(topic=topic, user=user)
    if bound is not None:
        forms[action] = bound
    publication = selectors.topic_publication(topic)
    case_ids = [e.data.get("case") for e in topic.events.all() if e.data.get("action") == "case"]
    context = {
        "topic": topic,
        "can_edit": can_edit,
        "moves": services.allowed_moves(user, topic),
        "forms": forms,
        "bound_action": action if bound is not None else "",
        "votes": selectors.topic_votes(topic),
        "publication": publication,
        "follow_up_cases": list(Case.objects.visible_to(user).filter(pk__in=case_ids).only("pk", "number", "title")),
        "source_case_visible": topic.source_case_id is not None
        and Case.objects.visible_to(user).filter(pk=topic.source_case_id).exists(),
    }
    return render(request, "partyorg/deliberation/topic_detail.html", context, status=status)


@login_required
def topic_detail(request, pk: int):
    return _render_topic(request, _topic_for(request.user, pk))


@login_required
@require_POST
def topic_act(request, pk: int, action: str):
    """Run one action on the topic through its service; the board's move buttons post here with htmx."""
    user = request.user
    topic = _topic_for(user, pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    if not services.can_edit_deliberation(user, topic.region_code):
        return _forbidden(request, _("Only community workers of this community may do this."), topic)
    form = form_class(request.POST, topic=topic, user=user)
    from_board = _is_partial(request) and request.POST.get("from") == "board"
    error = ""
    status = 200
    if form.is_valid():
        try:
            message = form.perform()
        except TopicConflict as exc:
            error, status = exc.message, 409
        except PermissionDenied as exc:
            return _forbidden(request, str(exc), topic)
        except ValidationError as exc:
            form.add_service_errors(exc)
            error, status = " ".join(str(m) for m in exc.messages), 400
        else:
            if from_board:
                return render(request, "partyorg/deliberation/_board.html",
                              _board_context(request, request.POST.get("community", ""), ("success", message)))  # fmt: skip
            messages.success(request, message)
            return redirect("partyorg:topic_detail", pk=topic.pk)
    else:
        status = 400
        error = " ".join(str(m) for errors in form.errors.values() for m in errors)
    if from_board:
        context = _board_context(request, request.POST.get("community", ""), ("danger", error))
        return render(request, "partyorg/deliberation/_board.html", context, status=status)
    if status == 409:
        messages.warning(request, error)
        return redirect("partyorg:topic_detail", pk=topic.pk)
    return _render_topic(request, _topic_for(user, pk), bound=form, action=action, status=status)


# ---------------------------------------------------------------- meetings


def _meeting_forms(request, user, data=None):
    form = MeetingForm(data, user=user)
    community_codes = [c.code for c in form.fields["community"].queryset]
    in_communities = Q(pk__in=[])
    for code in community_codes:
        in_communities |= Q(region_code__startswith=code)
    members = (
        PartyMember.objects.visible_to(user)
        .filter(in_communities, status=MemberStatus.ACTIVE)
        .select_related("resident")
        .order_by("name", "pk")
    )
    topics = (
        selectors.topics_visible(user)
        .filter(region_code__in=community_codes, step__in=services.AGENDA_STEPS)
        .order_by("region_code", "-updated_at")
    )
    chosen = request.GET.get("topic", "")
    initial_votes = None
    if data is None and chosen.isdigit() and topics.filter(pk=int(chosen)).exists():
        initial_votes = [{"topic": int(chosen), "text": _("Adopt the plan")}]
    attendee_set = AttendeeFormSet(data, prefix="att", form_kwargs={"members": members})
    vote_set = VoteFormSet(data, prefix="vote", initial=initial_votes, form_kwargs={"topics": topics})
    return form, attendee_set, vote_set


@login_required
def meeting_new(request):
    user = request.user
    form, attendee_set, vote_set = _meeting_forms(request, user, request.POST or None)
    if not form.fields["community"].queryset.exists():
        return _forbidden(request, _("Only community workers may record deliberation meetings."))
    if request.method == "POST" and all([form.is_valid(), attendee_set.is_valid(), vote_set.is_valid()]):
        try:
            meeting = services.meeting_record(actor=user, **meeting_payload(form, attendee_set, vote_set))
        except PermissionDenied as exc:
            return _forbidden(request, str(exc))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The meeting was recorded."))
            return redirect("partyorg:meeting_detail", pk=meeting.pk)
    context = {"form": form, "attendee_set": attendee_set, "vote_set": vote_set}
    return render(request, "partyorg/deliberation/meeting_form.html", context, status=400 if form.errors else 200)


@login_required
def meeting_detail(request, pk: int):
    meeting = selectors.meeting_detail(user=request.user, pk=pk)
    if meeting is None:
        raise Http404
    return render(request, "partyorg/deliberation/meeting_detail.html", {"meeting": meeting})


# ---------------------------------------------------------------- case link


@login_required
@require_POST
def case_to_deliberation(request, pk: int):
    """From a case page: send the case to deliberation (the case waits on the new topic while in progress)."""
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    try:
        topic = services.case_send_to_deliberation(actor=request.user, case=case, title=request.POST.get("title"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("cases:detail", pk=case.pk)
    messages.success(request, _("The case was sent to deliberation."))
    return redirect("partyorg:topic_detail", pk=topic.pk)


# ---------------------------------------------------------------- public notices (no login)


def public_notices(request, code: str):
    """A community's decisions published to residents (公示), with an objection form on running ones."""
    community = get_object_or_404(Region, code=code, level=RegionLevel.COMMUNITY) if code.isdigit() else None
    if community is None:
        raise Http404
    form = PublicObjectionForm(request.POST or None)
    posted_to = None
    if request.method == "POST":
        if form.is_valid():
            publication = get_object_or_404(
                Publication.objects.filter(region_code=community.code), pk=form.cleaned_data["publication"]
            )
            posted_to = publication.pk
            try:
                services.objection_add(
                    publication=publication, name=form.cleaned_data["name"], text=form.cleaned_data["text"]
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Thank you. Your objection was received and will be answered."))
                return redirect(reverse("partyorg:public_notices", kwargs={"code": community.code}))
        else:
            posted_to = form.data.get("publication")
    running, ended = selectors.public_notices(community=community)
    context = {
        "community": community,
        "running": running,
        "ended": ended,
        "form": form,
        "posted_to": str(posted_to or ""),
    }
    return render(request, "partyorg/deliberation/public_notices.html", context, status=400 if form.errors else 200)


urlpatterns = [
    path("topics/", topic_board, name="topic_board"),
    path("topics/new/", topic_new, name="topic_new"),
    path("topics/<int:pk>/", topic_detail, name="topic_detail"),
    path("topics/<int:pk>/act/<slug:action>/", topic_act, name="topic_act"),
    path("meetings/new/", meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting_detail"),
    path("cases/<int:pk>/deliberate/", case_to_deliberation, name="case_to_deliberation"),
    path("public/<str:code>/notices/", public_notices, name="public_notices"),
]
