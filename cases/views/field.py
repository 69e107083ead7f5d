"""Phone-first pages: file a case, my inbox, patrol log, mediation record, patrol photos.

Every object is looked up in the user's scope: one outside it answers 404 exactly like a
missing one. Writes go through cases.services; when a service refuses a user who can see the
object, the page answers 403 with the service's message.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.scoping import get_scope
from grids.models import Building

from .. import selectors, services
from ..forms.field import (
    PATROL_ROLES,
    BuildingPickForm,
    CaseFileForm,
    MediationConcludeForm,
    MediationOpenForm,
    MediationSessionForm,
    PartyFormSet,
    PatrolBuildingsForm,
    PatrolFindingForm,
    PatrolForm,
    grid_places,
    visible_grids,
)
from ..models import CLOCK_STATES, Case, CaseAction, CaseCategory, Mediation, PatrolPhoto
from ..services import access, fieldwork
from ..services.errors import CaseConflict
from ..services.intake import ON_BEHALF_CHANNELS

PER_PAGE = 20
# A case due within this time is shown in orange in the inbox.
DUE_SOON = dt.timedelta(hours=2)
# Patrol photos are immutable once stored; the browser may keep them a while, but only for this user.
PHOTO_MAX_AGE = 3600


def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """403 with the service's reason, so the person in the street knows why."""
    message = str(exc) or _("Your role does not allow this action here.")
    return render(request, "cases/field/forbidden.html", {"message": message}, status=403)


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _decimal_or_none(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# ---------------------------------------------------------------- file a case


@login_required
@require_http_methods(["GET", "POST"])
def case_file(request):
    user = request.user
    form = CaseFileForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "GET" and not form.places:
        return _forbidden(request, PermissionDenied(_("You may file cases only in your own places.")))
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(reporter=user, **form.service_kwargs())
        except PermissionDenied as exc:
            return _forbidden(request, exc)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if case.handler_id == user.pk:
                text = _("Case %(number)s filed and given to you to handle.")
            else:
                text = _("Case %(number)s filed.")
            messages.success(request, text % {"number": case.number})
            return redirect("cases:detail", pk=case.pk)
    context = {
        "form": form,
        "files_lost": request.method == "POST" and bool(request.FILES) and bool(form.errors),
        "on_behalf": " ".join(sorted(ON_BEHALF_CHANNELS)),
    }
    return render(request, "cases/field/file.html", context)


def _region_from_query(request):
    pk = _int_or_none(request.GET.get("region"))
    if pk is None:
        return None
    return get_object_or_404(visible_grids(request.user), pk=pk)


@login_required
@require_GET
def file_buildings(request):
    """The building select of one grid, for the case form (htmx swaps it in when the grid changes)."""
    region = _region_from_query(request)
    form = BuildingPickForm(user=request.user, region=region) if region else None
    return render(request, "cases/field/_building_select.html", {"form": form})


@login_required
@require_GET
def patrol_buildings(request):
    """The building checkboxes of one grid, for the patrol form."""
    region = _region_from_query(request)
    form = PatrolBuildingsForm(user=request.user, region=region) if region else None
    return render(request, "cases/field/_building_checkboxes.html", {"form": form})


@login_required
@require_GET
def file_duplicates(request):
    """Open cases that may be the same matter, as the reporter picks the category and the place."""
    user = request.user
    params = request.GET
    category = CaseCategory.objects.filter(pk=_int_or_none(params.get("category"))).first()
    building_pk = _int_or_none(params.get("building"))
    building = Building.objects.visible_to(user).filter(pk=building_pk).first() if building_pk else None
    latitude, longitude = _decimal_or_none(params.get("latitude")), _decimal_or_none(params.get("longitude"))
    found: list[Case] = []
    if category is not None:
        found = services.duplicate_candidates(
            user=user, category=category, building=building, latitude=latitude, longitude=longitude
        )
    if found:
        by_pk = Case.objects.select_related("category", "region", "building__estate").in_bulk([c.pk for c in found])
        found = [by_pk[c.pk] for c in found if c.pk in by_pk]
    return render(request, "cases/field/_duplicates.html", {"candidates": found})


@login_required
@require_POST
def link_report(request, pk: int):
    """ "This is the same": count the report on the existing case instead of filing a new one."""
    user = request.user
    case = get_object_or_404(Case.objects.visible_to(user), pk=pk)
    data = request.POST
    on_behalf = data.get("channel") in ON_BEHALF_CHANNELS
    detail_url = reverse("cases:detail", args=[case.pk])
    try:
        case = services.case_link_report(
            case=case,
            actor=user,
            note=(data.get("note") or data.get("description") or "").strip(),
            reporter_name=(data.get("reporter_name") or "").strip() if on_behalf else "",
            reporter_phone=(data.get("reporter_phone") or "").strip() if on_behalf else "",
        )
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except CaseConflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(
            request,
            # A linked report makes at least two, so the plural always fits.
            _("Your report was added to case %(number)s (now reported %(count)d times).")
            % {"number": case.number, "count": case.report_count},
        )
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(detail_url)
    return redirect(detail_url)


# ---------------------------------------------------------------- my inbox


def _due_status(case: Case, now: dt.datetime) -> str:
    if case.state not in CLOCK_STATES or case.due_at is None:
        return ""
    if case.due_at <= now:
        return "overdue"
    if case.due_at - now <= DUE_SOON:
        return "soon"
    return ""


@login_required
def inbox(request):
    cases = selectors.inbox(user=request.user).select_related("building__estate")
    page = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    for case in page:
        case.due_status = _due_status(case, now)
    return render(request, "cases/field/inbox.html", {"page_obj": page})


# ---------------------------------------------------------------- patrols


@login_required
def patrol_list(request):
    user = request.user
    patrols_here = selectors.patrol_list(user=user)
    patrols_mine = patrols_here.filter(patroller=user)
    default = "mine" if get_scope(user).has_any_role(access.LEVEL_ROLES["grid"]) else "all"
    who = request.GET.get("who") if request.GET.get("who") in {"mine", "all"} else default
    patrols = (patrols_mine if who == "mine" else patrols_here).annotate(
        photo_count=Count("photos", distinct=True), building_count=Count("buildings", distinct=True)
    )
    page = Paginator(patrols, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "who": who, "can_record": grid_places(user, PATROL_ROLES).exists()}
    return render(request, "cases/field/patrol_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def patrol_new(request):
    user = request.user
    form = PatrolForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "GET" and not form.places:
        return _forbidden(request, PermissionDenied(_("You may record patrols only in your own grid.")))
    if request.method == "POST" and form.is_valid():
        try:
            patrol = fieldwork.patrol_create(patroller=user, **form.service_kwargs())
        except PermissionDenied as exc:
            return _forbidden(request, exc)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Patrol recorded."))
            return redirect("cases:patrol_detail", pk=patrol.pk)
    context = {"form": form, "files_lost": request.method == "POST" and bool(request.FILES) and bool(form.errors)}
    return render(request, "cases/field/patrol_new.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def patrol_detail(request, pk: int):
    """A patrol with its photos, and the form that turns one of its findings into a case."""
    user = request.user
    patrol = get_object_or_404(selectors.patrol_list(user=user), pk=pk)
    # Only the patroller files its findings (services.fieldwork.case_create_from_patrol).
    can_file = patrol.patroller_id == user.pk or get_scope(user).unrestricted
    if request.method == "POST" and not can_file:
        return _forbidden(request, PermissionDenied(_("Only the grid member who patrolled can file its findings.")))
    form = PatrolFindingForm(request.POST or None, user=user, patrol=patrol) if can_file else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = fieldwork.case_create_from_patrol(
                patrol=patrol,
                actor=user,
                category=data["category"],
                title=data["title"],
                description=data["description"],
                urgency=data["urgency"],
                building=data["building"],
                handle_now=bool(data.get("handle_now")),
            )
        except PermissionDenied as exc:
            return _forbidden(request, exc)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Case %(number)s filed from this patrol.") % {"number": case.number})
            return redirect("cases:detail", pk=case.pk)
    filed = (
        Case.objects.visible_to(user)
        .filter(events__action=CaseAction.SUBMIT, events__data__patrol=patrol.pk)
        .select_related("category")
        .order_by("-id")
    )
    context = {
        "patrol": patrol,
        "photos": list(patrol.photos.all()),
        "buildings": list(patrol.buildings.select_related("estate").order_by("estate__name", "pk")),
        "filed": list(filed),
        "form": form,
    }
    return render(request, "cases/field/patrol_detail.html", context)


@login_required
@require_GET
def patrol_photo(request, pk: int):
    """A patrol photo, streamed only to those who may see the patrol (media is not served publicly)."""
    visible = selectors.patrol_list(user=request.user).values("pk")
    photo = get_object_or_404(PatrolPhoto.objects.filter(patrol__in=visible), pk=pk)
    try:
        handle = photo.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("The photo file is missing.")) from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, max_age=PHOTO_MAX_AGE)
    return response


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
            return _forbidden(request, exc)
        if done is not None:
            return done
    return render(request, "cases/field/mediation.html", context)


urlpatterns = [
    path("new/", case_file, name="file"),
    path("new/buildings/", file_buildings, name="file_buildings"),
    path("new/duplicates/", file_duplicates, name="file_duplicates"),
    path("<int:pk>/same/", link_report, name="link_report"),
    path("inbox/", inbox, name="inbox"),
    path("patrols/", patrol_list, name="patrol_list"),
    path("patrols/new/", patrol_new, name="patrol_new"),
    path("patrols/new/buildings/", patrol_buildings, name="patrol_buildings"),
    path("patrols/<int:pk>/", patrol_detail, name="patrol_detail"),
    path("patrols/photo/<int:pk>/", patrol_photo, name="patrol_photo"),
    path("<int:pk>/mediation/", mediation, name="mediation"),
]
