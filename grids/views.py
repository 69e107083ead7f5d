"""HTML pages of the territory and the resident ledger.

Every object is looked up in the user's scope: one outside it answers 404 exactly like a
missing one. Writes go through grids.services; a read-only role in scope gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, Prefetch, Q, When
from django.db.models.functions import Length
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.roles import LEDGER_EDIT_ROLES, LEDGER_ROLES
from accounts.scoping import get_scope

from . import selectors, services
from .counting import CountingPaginator
from .filters import ResidentFilter
from .forms import ResidentForm, ResidentMoveForm, RevealForm, household_places
from .models import (
    Building,
    GridWorker,
    Household,
    Region,
    RegionLevel,
    Relation,
    Residence,
    Resident,
    ServiceStation,
    Unit,
)

RESIDENTS_PER_PAGE = 25
GRID_LEVELS = {RegionLevel.GRID, RegionLevel.MICROGRID}
STATION_LEVELS = {RegionLevel.COMMUNITY, *GRID_LEVELS}
# Suggestions for the region filter of the resident list; longer lists are typed as codes.
REGION_SUGGESTIONS = 500


def _is_partial(request: HttpRequest) -> bool:
    """An htmx request for a fragment (a history restore needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _render_maybe_partial(request, full: str, partial: str, context: dict) -> HttpResponse:
    response = render(request, partial if _is_partial(request) else full, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _can_read_ledger(user, code: str) -> bool:
    return get_scope(user).covers(code, roles=LEDGER_ROLES)


# ---------------------------------------------------------------- territory


@login_required
def region_browser(request):
    children = selectors.region_children_with_counts(user=request.user, region=None)
    return render(request, "grids/region_browser.html", {"children": children})


def _breadcrumbs(user, region: Region) -> list[tuple[Region, bool]]:
    """Ancestors, each with whether the user may open it (others are shown as plain text)."""
    scope = get_scope(user)
    return [(ancestor, scope.covers(ancestor.code)) for ancestor in selectors.region_breadcrumbs(region)]


def _children_context(user, region: Region) -> dict:
    level = selectors.child_level(region.level)
    return {
        "region": region,
        "children": selectors.region_children_with_counts(user=user, region=region),
        "child_level_label": RegionLevel(level).label if level else "",
    }


@login_required
def region_detail(request, code: str):
    user = request.user
    region = selectors.region_get_for_user(user=user, code=code)
    can_read_ledger = _can_read_ledger(user, region.code)
    context = {
        **_children_context(user, region),
        "breadcrumbs": _breadcrumbs(user, region),
        "totals": selectors.region_totals(region),
        "is_grid": region.level in GRID_LEVELS,
        "can_read_ledger": can_read_ledger,
        "show_grid_lists": region.level in GRID_LEVELS,
        "show_stations": region.level in STATION_LEVELS,
    }
    if context["show_grid_lists"]:
        context.update(_grid_context(user, region))
    if context["show_stations"]:
        context["stations"] = list(ServiceStation.objects.visible_to(user).under(region.code).order_by("name"))
    return render(request, "grids/region_detail.html", context)


def _grid_context(user, region: Region) -> dict:
    """Workers on duty today and buildings with their counts, for a grid or micro-grid."""
    today = timezone.localdate()
    workers = (
        GridWorker.objects.visible_to(user)
        .under(region.code)
        .filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("region")
        .order_by("region_code", "kind", "name")
    )
    buildings = (
        Building.objects.visible_to(user)
        .under(region.code)
        .select_related("estate", "region")
        .annotate(
            household_count=Count("units__households", distinct=True),
            resident_count=Count("units__households__residents", distinct=True),
        )
        .order_by("estate__name", Length("number"), "number")  # 2号楼 before 10号楼
    )
    return {"workers": list(workers), "buildings": list(buildings)}


@login_required
def region_children(request, code: str):
    """The children of a region as a fragment, for drilling down in place with htmx."""
    region = selectors.region_get_for_user(user=request.user, code=code)
    if not _is_partial(request):
        return redirect("grids:region_detail", code=region.code)
    response = render(request, "grids/_region_children.html", _children_context(request.user, region))
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def building_detail(request, pk: int):
    user = request.user
    building = get_object_or_404(Building.objects.visible_to(user).select_related("estate", "region"), pk=pk)
    households = Household.objects.visible_to(user).annotate(resident_count=Count("residents")).order_by("room")
    units = list(
        Unit.objects.visible_to(user)
        .filter(building=building)
        .prefetch_related(Prefetch("households", queryset=households))
        .order_by(Length("number"), "number")
    )
    return render(
        request,
        "grids/building_detail.html",
        {
            "building": building,
            "units": units,
            # Units are public facts of the place; their households belong to the ledger.
            "can_read_ledger": _can_read_ledger(user, building.region_code),
            "breadcrumbs": _breadcrumbs(user, building.region) + [(building.region, True)],
            "household_total": sum(len(u.households.all()) for u in units),
            "resident_total": sum(h.resident_count for u in units for h in u.households.all()),
        },
    )


@login_required
def household_detail(request, pk: int):
    user = request.user
    household = get_object_or_404(
        Household.objects.visible_to(user).select_related("unit__building__estate", "unit__building__region"),
        pk=pk,
    )
    members = (
        Resident.objects.visible_to(user)
        .filter(household=household)
        .prefetch_related("tags")
        .order_by(Case(When(relation=Relation.HEAD, then=0), default=1, output_field=IntegerField()), "birth_date")
    )
    return render(request, "grids/household_detail.html", {"household": household, "members": list(members)})


# ---------------------------------------------------------------- residents


@login_required
def resident_list(request):
    user = request.user
    residents = selectors.resident_list(user=user)
    include_moved_out = request.GET.get("moved_out") == "1"
    if not include_moved_out:
        residents = residents.current()
    filterset = ResidentFilter(request.GET, queryset=residents, request=request)
    form = filterset.form
    for name in ("ledger_colour", "residency_type", "tag"):
        field = form.fields[name]
        field.empty_label = _("Any")
        field.widget.choices = field.choices  # the widget holds the copied field's iterator
    page = None
    if form.is_valid():
        page = CountingPaginator(filterset.qs, RESIDENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "row_count": page.paginator.row_count if page is not None else None,
        "folded_filters": len({k for k, v in request.GET.items() if v and k not in {"q", "page", "household"}}),
        "include_moved_out": include_moved_out,
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
    }
    if not _is_partial(request):
        context["region_suggestions"] = (
            Region.objects.visible_to(user)
            .filter(level__in=[RegionLevel.STREET, RegionLevel.COMMUNITY, *GRID_LEVELS])
            .order_by("code")
            .values_list("code", "name")[:REGION_SUGGESTIONS]
        )
        context["can_add"] = get_scope(user).has_any_role(LEDGER_EDIT_ROLES)
    return _render_maybe_partial(request, "grids/resident_list.html", "grids/_resident_results.html", context)


def _require_ledger_edit(user, code: str) -> None:
    if not services.can_edit_ledger(user, code):
        raise PermissionDenied(_("Your role may not edit the resident ledger here."))


def _household_place(request, user, near: str | None) -> dict:
    """The place whose households a picker offers: ?within=, else the one around `near`,
    else the user's only place; with the places to choose from."""
    places = household_places(user)
    codes = [place.code for place in places]
    within = request.GET.get("within")
    if within not in codes:
        within = next((code for code in codes if near and near.startswith(code)), None)
    if within is None and len(codes) == 1:
        within = codes[0]
    return {"places": places, "within": within}


def _show_warnings(request, warnings: list[str]) -> None:
    for warning in warnings:
        messages.warning(request, warning)


@login_required
def resident_create(request):
    user = request.user
    household = None
    household_pk = request.GET.get("household")
    if household_pk:
        if not household_pk.isdigit():
            raise Http404
        household = get_object_or_404(Household.objects.visible_to(user), pk=household_pk)
        _require_ledger_edit(user, household.region_code)
    elif not get_scope(user).has_any_role(LEDGER_EDIT_ROLES):
        raise PermissionDenied(_("Your role may not edit the resident ledger."))

    picker = _household_place(request, user, household.region_code if household is not None else None)
    initial = {"household": household} if household is not None else None
    form = ResidentForm(request.POST or None, user=user, initial=initial, within=picker["within"])
    if request.method == "POST" and form.is_valid():
        try:
            resident, warnings = services.resident_create(
                household=form.cleaned_data["household"],
                data=form.service_data(),
                tags=list(form.cleaned_data["tags"]),
                moved_in=form.cleaned_data.get("moved_in"),
            )
        except ValidationError as exc:  # e.g. the same ID number saved a moment ago
            form.add_service_errors(exc)
        else:
            messages.success(request, _("%(name)s has been added to the ledger.") % {"name": resident.name})
            _show_warnings(request, warnings)
            return redirect("grids:resident_detail", pk=resident.pk)
    return render(
        request, "grids/resident_form.html", {"form": form, "household": household, "resident": None, **picker}
    )


@login_required
def resident_update(request, pk: int):
    user = request.user
    resident = selectors.resident_get_for_user(user=user, pk=pk)
    _require_ledger_edit(user, resident.region_code)
    form = ResidentForm(request.POST or None, user=user, instance=resident)
    if request.method == "POST" and form.is_valid():
        try:
            resident, warnings = services.resident_update(
                resident=resident, data=form.service_data(), tags=list(form.cleaned_data["tags"])
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The changes have been saved."))
            _show_warnings(request, warnings)
            return redirect("grids:resident_detail", pk=resident.pk)
    return render(
        request, "grids/resident_form.html", {"form": form, "household": resident.household, "resident": resident}
    )


def _resident_detail_context(request, resident: Resident, **extra) -> dict:
    user = request.user
    scope = get_scope(user)
    history = [
        (stay, scope.covers(stay.region_code, roles=LEDGER_ROLES))
        for stay in Residence.objects.filter(resident=resident).select_related("household")
    ]
    context = {
        "resident": resident,
        "history": history,
        "can_edit": services.can_edit_ledger(user, resident.region_code),
        "can_reveal": services.can_reveal_pii(user, resident),
        "reveal_form": RevealForm(),
        "revealed": None,
    }
    context.update(extra)
    return context


@login_required
def resident_detail(request, pk: int):
    resident = selectors.resident_get_for_user(user=request.user, pk=pk)
    return render(request, "grids/resident_detail.html", _resident_detail_context(request, resident))


@login_required
def resident_move(request, pk: int):
    """Move a resident to another household (or out of the area); the history keeps each stay."""
    user = request.user
    resident = selectors.resident_get_for_user(user=user, pk=pk)
    _require_ledger_edit(user, resident.region_code)
    picker = _household_place(request, user, resident.region_code)
    form = ResidentMoveForm(request.POST or None, user=user, resident=resident, within=picker["within"])
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_move(
                resident=resident,
                household=form.cleaned_data["household"],
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The move has been recorded."))
            return redirect("grids:resident_detail", pk=resident.pk)
    return render(request, "grids/resident_move.html", {"resident": resident, "form": form, **picker})


@never_cache
@login_required
@require_POST
def resident_reveal(request, pk: int):
    """Show the full ID number and phone once, after logging who asked and why."""
    user = request.user
    resident = selectors.resident_get_for_user(user=user, pk=pk)
    if not services.can_reveal_pii(user, resident):
        raise PermissionDenied(_("Your role may not see this resident's personal data."))
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = services.pii_reveal(
                actor=user,
                resident=resident,
                reason=form.cleaned_data["reason"],
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except ValidationError as exc:
            form.add_error("reason", exc.message_dict.get("reason", exc.messages))
    if _is_partial(request):
        return render(
            request,
            "grids/_pii.html",
            {"resident": resident, "reveal_form": form, "revealed": revealed, "can_reveal": True},
        )
    return render(
        request,
        "grids/resident_detail.html",
        _resident_detail_context(request, resident, reveal_form=form, revealed=revealed),
    )
