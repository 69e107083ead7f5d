"""Pages of the organisation tree: the tree browser, organisation and member pages, member list, cross-appointments.

Every object is found in the user's scope (404 otherwise); writes need can_edit_party at the
object's place (403 for a role that only reads) and go through partyorg.services.org.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.db.models.functions import Length
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scoping import get_scope
from grids.counting import CountingPaginator
from grids.models import Building, RegionLevel, Resident, Unit

from ..forms.org import (
    CrossAppointmentForm,
    MemberForm,
    MemberStatusForm,
    OrgChildForm,
    PositionEndForm,
    PositionForm,
    community_level_orgs,
)
from ..models import PARTY_EDIT_ROLES, CrossAppointment, PartyMember, PartyOrg, Position, can_edit_party
from ..selectors import org as selectors
from ..services import org as services

MEMBERS_PER_PAGE = 25
RESIDENT_MATCHES = 20
COVERAGE_LEVELS = {RegionLevel.COMMUNITY, RegionLevel.GRID, RegionLevel.MICROGRID}


def _is_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _require_edit(user, code: str) -> None:
    if not can_edit_party(user, code):
        raise PermissionDenied(_("Your role may not edit Party organisations here."))


# ---------------------------------------------------------------- tree


@login_required
def tree(request):
    roots = selectors.org_tree(request.user)
    return render(request, "partyorg/org/tree.html", {"nodes": roots, "depth": 0})


@login_required
def org_children(request, pk: int):
    """The sub-organisations of one organisation as a fragment, for expanding the tree with htmx."""
    org = selectors.org_get_for_user(user=request.user, pk=pk)
    if not _is_partial(request):
        return redirect("partyorg:org_detail", pk=org.pk)
    response = render(
        request, "partyorg/org/_tree_nodes.html", {"nodes": selectors.org_tree(request.user, root=org), "depth": 1}
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------- organisation page


def _org_context(request, org: PartyOrg, **extra) -> dict:
    user = request.user
    scope = get_scope(user)
    can_edit = can_edit_party(user, org.region_code)
    positions = list(
        Position.objects.visible_to(user)
        .filter(org=org)
        .select_related("member__resident", "unit__building__estate", "building__estate")
        .order_by("end_date", "title", "-start_date")
    )
    members = list(
        PartyMember.objects.visible_to(user).filter(org=org).select_related("resident").order_by("status", "name")
    )
    children = list(PartyOrg.objects.visible_to(user).filter(parent=org).select_related("region"))
    stewards = Position.objects.current().filter(title__in=selectors.STEWARD_TITLES).select_related("member")
    buildings = list(
        (
            org.buildings.all()
            if org.kind == "group"
            else Building.objects.filter(region_code__startswith=org.region_code)
        )
        .select_related("estate")
        .prefetch_related(
            Prefetch("units", queryset=Unit.objects.prefetch_related(Prefetch("party_positions", queryset=stewards))),
            Prefetch("party_positions", queryset=stewards),
        )
        .order_by("estate__name", Length("number"), "number")
    )
    context = {
        "org": org,
        "parent_visible": org.parent_id is not None and scope.covers(org.parent.region_code),
        "children": children,
        "positions": positions,
        "members": members,
        "buildings": buildings,
        "can_edit": can_edit,
        "coverage": (
            selectors.steward_coverage(user, org.region_code) if org.region.level in COVERAGE_LEVELS else None
        ),
    }
    if can_edit:
        context.update(
            child_form=OrgChildForm(parent=org),
            member_form=MemberForm(user=user, org=org),
            position_form=PositionForm(org=org, members=_position_members(user, org)),
            end_form=PositionEndForm(),
        )
    context.update(extra)
    return context


def _position_members(user, org: PartyOrg):
    """Members who may hold a position in an organisation: its own and those of the organisations under it."""
    return PartyMember.objects.visible_to(user).filter(org_id__in=selectors.org_descendant_ids(user, org))


@login_required
def org_detail(request, pk: int):
    org = selectors.org_get_for_user(user=request.user, pk=pk)
    return render(request, "partyorg/org/org_detail.html", _org_context(request, org))


def _post_form(request, pk: int, *, build, save, success, form_key: str):
    """Shared shape of the forms on the organisation page: scope, permission, service, redirect."""
    user = request.user
    org = selectors.org_get_for_user(user=user, pk=pk)
    _require_edit(user, org.region_code)
    form = build(org)
    if form.is_valid():
        try:
            save(org, form)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, success)
            return redirect("partyorg:org_detail", pk=org.pk)
    return render(request, "partyorg/org/org_detail.html", _org_context(request, org, **{form_key: form}), status=400)


@login_required
@require_POST
def org_add_child(request, pk: int):
    def save(org, form):
        data = form.cleaned_data
        services.org_create(
            actor=request.user,
            name=data["name"],
            kind=data["kind"],
            region=data["region"],
            parent=org,
            buildings=data["buildings"],
            founded_on=data["founded_on"],
        )

    return _post_form(
        request,
        pk,
        build=lambda org: OrgChildForm(request.POST, parent=org),
        save=save,
        success=_("The organisation has been added."),
        form_key="child_form",
    )


@login_required
@require_POST
def member_add(request, pk: int):
    def save(org, form):
        services.member_add(actor=request.user, org=org, **form.cleaned_data)

    return _post_form(
        request,
        pk,
        build=lambda org: MemberForm(request.POST, user=request.user, org=org),
        save=save,
        success=_("The member has been added."),
        form_key="member_form",
    )


@login_required
@require_POST
def position_add(request, pk: int):
    def save(org, form):
        services.position_assign(actor=request.user, org=org, **form.cleaned_data)

    return _post_form(
        request,
        pk,
        build=lambda org: PositionForm(request.POST, org=org, members=_position_members(request.user, org)),
        save=save,
        success=_("The position has been assigned."),
        form_key="position_form",
    )


@login_required
def resident_search(request, pk: int):
    """Residents of an organisation's place matching a name, as choices for the member form (htmx)."""
    user = request.user
    org = selectors.org_get_for_user(user=user, pk=pk)
    _require_edit(user, org.region_code)
    query = (request.GET.get("resident_q") or "").strip()
    residents = []
    if query:
        residents = list(
            Resident.objects.visible_to(user)
            .current()
            .under(org.region_code)
            .filter(name__icontains=query)
            .select_related("household__unit__building__estate")
            .order_by("name", "pk")[:RESIDENT_MATCHES]
        )
    return render(request, "partyorg/org/_resident_options.html", {"residents": residents, "query": query})


@login_required
@require_POST
def position_end(request, pk: int):
    user = request.user
    position = get_object_or_404(Position.objects.visible_to(user).select_related("org"), pk=pk)
    _require_edit(user, position.org.region_code)
    form = PositionEndForm(request.POST)
    if form.is_valid():
        try:
            services.position_end(actor=user, position=position, end_date=form.cleaned_data["end_date"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The position has been ended."))
            return redirect("partyorg:org_detail", pk=position.org_id)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect("partyorg:org_detail", pk=position.org_id)


# ---------------------------------------------------------------- members


@login_required
def member_list(request):
    user = request.user
    filterset = selectors.member_filterset(user, request.GET)
    page = CountingPaginator(filterset.qs, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": filterset.form,
        "page_obj": page,
        "row_count": page.paginator.row_count,
        "folded_filters": len({k for k, v in request.GET.items() if v and k not in {"q", "page"}}),
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
    }
    template = "partyorg/org/_member_results.html" if _is_partial(request) else "partyorg/org/member_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def member_detail(request, pk: int):
    user = request.user
    member = selectors.member_get_for_user(user=user, pk=pk)
    can_edit = can_edit_party(user, member.region_code)
    status_form = MemberStatusForm(request.POST or None, initial={"status": member.status})
    if request.method == "POST":
        _require_edit(user, member.region_code)
        if status_form.is_valid():
            try:
                services.member_set_status(actor=user, member=member, status=status_form.cleaned_data["status"])
            except ValidationError as exc:
                status_form.add_service_errors(exc)
            else:
                messages.success(request, _("The changes have been saved."))
                return redirect("partyorg:member_detail", pk=member.pk)
    positions = (
        Position.objects.visible_to(user)
        .filter(member=member)
        .select_related("org", "unit__building__estate", "building__estate")
        .order_by("-start_date")
    )
    return render(
        request,
        "partyorg/org/member_detail.html",
        {"member": member, "positions": list(positions), "can_edit": can_edit, "status_form": status_form},
    )


# ---------------------------------------------------------------- cross-appointments


def _cross_form(request, data=None):
    user = request.user
    editable = get_scope(user).prefixes(PARTY_EDIT_ROLES)
    orgs = community_level_orgs(PartyOrg.objects.visible_to(user))
    if not get_scope(user).unrestricted:
        orgs = orgs.filter(pk__in=[o.pk for o in orgs if any(o.region_code.startswith(c) for c in editable)])
    members = PartyMember.objects.visible_to(user).order_by("name")
    return CrossAppointmentForm(data, orgs=orgs, members=members)


@login_required
def cross_appointment_list(request):
    user = request.user
    can_add = get_scope(user).has_any_role(PARTY_EDIT_ROLES)
    form = None
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied(_("Your role may not edit Party organisations here."))
        form = _cross_form(request, request.POST)
        if form.is_valid():
            try:
                services.cross_appointment_add(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The cross-appointment has been recorded."))
                return redirect("partyorg:cross_appointment_list")
    elif can_add:
        form = _cross_form(request)
    appointments = list(selectors.cross_appointment_list(user))
    return render(
        request,
        "partyorg/org/cross_appointments.html",
        {
            "appointments": [(a, can_edit_party(user, a.region_code)) for a in appointments],
            "form": form,
            "end_form": PositionEndForm(),
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@login_required
@require_POST
def cross_appointment_end(request, pk: int):
    user = request.user
    appointment = get_object_or_404(CrossAppointment.objects.visible_to(user), pk=pk)
    _require_edit(user, appointment.region_code)
    form = PositionEndForm(request.POST)
    if form.is_valid():
        try:
            services.cross_appointment_end(actor=user, appointment=appointment, end_date=form.cleaned_data["end_date"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The cross-appointment has been ended."))
    else:
        messages.error(request, _("Enter the last day."))
    return redirect("partyorg:cross_appointment_list")


urlpatterns = [
    path("orgs/", tree, name="tree"),
    path("orgs/<int:pk>/", org_detail, name="org_detail"),
    path("orgs/<int:pk>/children/", org_children, name="org_children"),
    path("orgs/<int:pk>/add-child/", org_add_child, name="org_add_child"),
    path("orgs/<int:pk>/add-member/", member_add, name="member_add"),
    path("orgs/<int:pk>/add-position/", position_add, name="position_add"),
    path("orgs/<int:pk>/residents/", resident_search, name="resident_search"),
    path("positions/<int:pk>/end/", position_end, name="position_end"),
    path("members/", member_list, name="member_list"),
    path("members/<int:pk>/", member_detail, name="member_detail"),
    path("cross-appointments/", cross_appointment_list, name="cross_appointment_list"),
    path("cross-appointments/<int:pk>/end/", cross_appointment_end, name="cross_appointment_end"),
]
