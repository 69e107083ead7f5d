"""Patrols and visits: the log, a new patrol with photos, a patrol's findings turned into cases."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.scoping import get_scope

from .. import selectors
from ..forms.field import (
    PATROL_ROLES,
    PatrolFindingForm,
    PatrolForm,
    grid_places,
)
from ..models import Case, CaseAction, PatrolPhoto
from ..services import access, fieldwork
from .common import field_forbidden

PER_PAGE = 20
# Patrol photos are immutable once stored; the browser may keep them a while, but only for this user.
PHOTO_MAX_AGE = 3600

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
        return field_forbidden(request, PermissionDenied(_("You may record patrols only in your own grid.")))
    if request.method == "POST" and form.is_valid():
        try:
            patrol = fieldwork.patrol_create(patroller=user, **form.service_kwargs())
        except PermissionDenied as exc:
            return field_forbidden(request, exc)
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
        return field_forbidden(
            request, PermissionDenied(_("Only the grid member who patrolled can file its findings."))
        )
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
            return field_forbidden(request, exc)
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


urlpatterns = [
    path("patrols/", patrol_list, name="patrol_list"),
    path("patrols/new/", patrol_new, name="patrol_new"),
    path("patrols/<int:pk>/", patrol_detail, name="patrol_detail"),
    path("patrols/photo/<int:pk>/", patrol_photo, name="patrol_photo"),
]
