"""The mediation record of a dispute case: parties, sessions, outcome."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms.field import (
    MediationConcludeForm,
    MediationOpenForm,
    MediationSessionForm,
    PartyFormSet,
)
from ..models import Case, Mediation
from ..services import access, fieldwork
from .common import field_forbidden

# ---------------------------------------------------------------- mediation


def _is_dispute(case: Case) -> bool:
    codes = {case.category.code, case.category.parent.code if case.category.parent_id else ""}
    return fieldwork.DISPUTE_CATEGORY_CODE in codes


def _can_keep_mediation(user, case: Case) -> bool:
    """Who may write the record (the same people services.fieldwork lets through)."""
    return access.handles_level(user, case) or access.can_supervise(user, case) or access.is_handler(user, case)


def _open_mediation(request, case: Case, context: dict) -> HttpResponse | None:
    open_form = MediationOpenForm(request.POST)
    parties = PartyFormSet(request.POST, prefix="parties")
    context.update(open_form=open_form, parties=parties)
    if not (open_form.is_valid() and parties.is_valid()):
        return None
    try:
        fieldwork.mediation_open(
            case=case,
            actor=request.user,
            mediator_name=open_form.cleaned_data["mediator_name"],
            parties=[form.cleaned_data for form in parties.forms],
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "parties" in exc.error_dict:
            context["party_errors"] = exc.message_dict["parties"]
        else:
            open_form.add_service_errors(exc)
        return None
    messages.success(request, _("Mediation record opened."))
    return redirect("cases:mediation", pk=case.pk)


def _add_session(request, case: Case, mediation: Mediation, context: dict) -> HttpResponse | None:
    form = MediationSessionForm(request.POST, prefix="session")
    context["session_form"] = form
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        fieldwork.mediation_add_session(
            mediation=mediation, actor=request.user, held_on=data["held_on"], notes=data["notes"], place=data["place"]
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None
    messages.success(request, _("Session recorded."))
    return redirect("cases:mediation", pk=case.pk)


def _conclude(request, case: Case, mediation: Mediation, context: dict) -> HttpResponse | None:
    form = MediationConcludeForm(request.POST, prefix="conclude")
    context["conclude_form"] = form
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        fieldwork.mediation_conclude(
            mediation=mediation,
            actor=request.user,
            outcome=data["outcome"],
            agreement=data["agreement"],
            next_step=data["next_step"],
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None
    messages.success(request, _("Mediation concluded."))
    return redirect("cases:mediation", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def mediation(request, pk: int):
    """The mediation record of a dispute case: parties, sessions, outcome."""
    user = request.user
    case = get_object_or_404(Case.objects.visible_to(user).select_related("category__parent"), pk=pk)
    record = (
        Mediation.objects.filter(case=case)
        .select_related("case", "mediator")
        .prefetch_related("parties", "sessions__recorded_by")
        .first()
    )
    is_dispute = _is_dispute(case)
    can_keep = is_dispute and _can_keep_mediation(user, case)
    context = {
        "case": case,
        "mediation": record,
        "is_dispute": is_dispute,
        "can_keep": can_keep,
        "show_phones": case.handler_id is not None and case.handler_id == user.pk,
        "open_form": MediationOpenForm(initial={"mediator_name": user.display_name}),
        "parties": PartyFormSet(prefix="parties"),
        "session_form": MediationSessionForm(prefix="session"),
        "conclude_form": MediationConcludeForm(prefix="conclude"),
        "party_errors": [],
    }
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "open" and record is None:
                done = _open_mediation(request, case, context)
            elif step == "session" and record is not None:
                done = _add_session(request, case, record, context)
            elif step == "conclude" and record is not None:
                done = _conclude(request, case, record, context)
            else:
                messages.error(
                    request, _("This step is not possible any more; the page shows the record as it is now.")
                )
                done = redirect("cases:mediation", pk=case.pk)
        except PermissionDenied as exc:
            return field_forbidden(request, exc)
        if done is not None:
            return done
    return render(request, "cases/field/mediation.html", context)


urlpatterns = [
    path("<int:pk>/mediation/", mediation, name="mediation"),
]
