"""Phone-first pages: file a case, duplicates, my inbox (patrols in patrols.py, mediation in mediation.py).

Every object is looked up in the user's scope: one outside it answers 404 exactly like a
missing one. Writes go through cases.services; when a service refuses a user who can see the
object, the page answers 403 with the service's message.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from grids.models import Building

from .. import selectors, services
from ..due import due_status
from ..forms.field import (
    BuildingPickForm,
    CaseFileForm,
    PatrolBuildingsForm,
    visible_grids,
)
from ..models import Case, CaseCategory, CaseState
from ..services import access
from ..services.errors import CaseConflict
from ..services.intake import ON_BEHALF_CHANNELS
from .common import field_forbidden, int_or_none

PER_PAGE = 20


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


@transaction.atomic
def _file_case(user, form: CaseFileForm) -> Case:
    """File the case and, when the filer handles its grid and kept "accept" ticked, accept it in the same transaction."""
    case = services.case_create(reporter=user, **form.service_kwargs())
    if form.wants_accept and case.state == CaseState.SUBMITTED and "accept" in access.allowed_actions(user, case):
        case = services.case_accept(case=case, actor=user)
    return case


@login_required
@require_http_methods(["GET", "POST"])
def case_file(request):
    user = request.user
    form = CaseFileForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "GET" and not form.places:
        return field_forbidden(request, PermissionDenied(_("You may file cases only in your own places.")))
    if request.method == "POST" and form.is_valid():
        try:
            case = _file_case(user, form)
        except PermissionDenied as exc:
            return field_forbidden(request, exc)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if case.state == CaseState.ACCEPTED and case.handler_id == user.pk:
                text = _("Case %(number)s filed and accepted; you are its handler.")
            elif case.handler_id == user.pk:
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
    pk = int_or_none(request.GET.get("region"))
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
    category = CaseCategory.objects.filter(pk=int_or_none(params.get("category"))).first()
    building_pk = int_or_none(params.get("building"))
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
        return field_forbidden(request, exc)
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


@login_required
def inbox(request):
    cases = selectors.inbox(user=request.user).select_related("building__estate")
    page = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    for case in page:
        case.due_status = due_status(case, now)
    return render(request, "cases/field/inbox.html", {"page_obj": page})


urlpatterns = [
    path("new/", case_file, name="file"),
    path("new/buildings/", file_buildings, name="file_buildings"),
    path("new/duplicates/", file_duplicates, name="file_duplicates"),
    path("<int:pk>/same/", link_report, name="link_report"),
    path("inbox/", inbox, name="inbox"),
    path("patrols/new/buildings/", patrol_buildings, name="patrol_buildings"),
]
