"""The co-building board: units, their agreements and the three lists (htmx or whole page)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grids.models import Region

from ...forms.service import AgreementForm, CoBuildingUnitForm, ListItemForm, MatchForm, StatusForm
from ...models import CoBuildingUnit, ListItem, ListItemStatus, ListKind, can_edit_party
from ...selectors import service as selectors
from ...services import service as services
from .common import _form_errors, _is_partial, _require_edit


def _board_context(request, community: Region, errors: list[str] | None = None) -> dict:
    user = request.user
    units = list(selectors.cobuilding_units(user=user, community=community))
    lists = selectors.three_lists(user=user, community=community)
    can_edit = can_edit_party(user, community.code)
    context = {
        "community": community,
        "units": units,
        "lists": lists,
        "can_edit": can_edit,
        "errors": errors or [],
        "kinds": ListKind,
        "statuses": ListItemStatus,
        "open_resources": [item for item in lists.resources if item.status == ListItemStatus.OPEN],
    }
    if can_edit:
        context["unit_form"] = CoBuildingUnitForm(user=user, community=community)
        context["item_form"] = ListItemForm(user=user, community=community)
    return context


def _board_answer(request, community: Region, errors: list[str] | None = None, success: str = "") -> HttpResponse:
    """After a write: the board fragment for htmx, else back to the page with a message."""
    if _is_partial(request):
        context = _board_context(request, community, errors)
        context["success"] = success if not errors else ""
        response = render(request, "partyorg/service/_cobuilding_board.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    for error in errors or []:
        messages.error(request, error)
    if success and not errors:
        messages.success(request, success)
    return redirect("partyorg:cobuilding", code=community.code)


@login_required
def cobuilding(request, code: str):
    community = selectors.community_get_for_user(user=request.user, code=code)
    return render(request, "partyorg/service/cobuilding.html", _board_context(request, community))


def _submit(request, community: Region, form, write: Callable[[dict], object], success: str) -> HttpResponse:
    """Check the form, then write its data through the service; the board answers either way."""
    if not form.is_valid():
        return _board_answer(request, community, _form_errors(form))
    try:
        write(form.cleaned_data)
    except ValidationError as exc:
        return _board_answer(request, community, exc.messages)
    return _board_answer(request, community, success=success)


@login_required
@require_POST
def cobuilding_unit_add(request, code: str):
    community = selectors.community_get_for_user(user=request.user, code=code)
    _require_edit(request.user, community.code)
    return _submit(
        request,
        community,
        CoBuildingUnitForm(request.POST, user=request.user, community=community),
        lambda data: services.cobuilding_unit_add(actor=request.user, community=community, **data),
        _("The co-building unit is added."),
    )


@login_required
@require_POST
def agreement_add(request, pk: int):
    unit = get_object_or_404(CoBuildingUnit.objects.visible_to(request.user).select_related("community"), pk=pk)
    _require_edit(request.user, unit.region_code)
    return _submit(
        request,
        unit.community,
        AgreementForm(request.POST),
        lambda data: services.agreement_add(actor=request.user, unit=unit, **data),
        _("The agreement is recorded."),
    )


@login_required
@require_POST
def list_item_add(request, code: str):
    community = selectors.community_get_for_user(user=request.user, code=code)
    _require_edit(request.user, community.code)
    return _submit(
        request,
        community,
        ListItemForm(request.POST, user=request.user, community=community),
        lambda data: services.list_item_add(actor=request.user, community=community, **data),
        _("The item is on the list."),
    )


def _item_for_user(request, pk: int) -> ListItem:
    item = get_object_or_404(ListItem.objects.visible_to(request.user).select_related("community"), pk=pk)
    _require_edit(request.user, item.region_code)
    return item


@login_required
@require_POST
def need_match(request, pk: int):
    need = _item_for_user(request, pk)
    return _submit(
        request,
        need.community,
        MatchForm(request.POST, user=request.user, community=need.community),
        lambda data: services.need_match(actor=request.user, need=need, resource=data["resource"]),
        _("The need is matched to the resource."),
    )


@login_required
@require_POST
def make_project(request, pk: int):
    need = _item_for_user(request, pk)
    statuses = (ListItemStatus.OPEN, ListItemStatus.MATCHED)
    return _submit(
        request,
        need.community,
        MatchForm(request.POST, user=request.user, community=need.community, statuses=statuses),
        lambda data: services.project_from_need(
            actor=request.user, need=need, resource=data["resource"], title=data["title"] or None
        ),
        _("The service project is under way."),
    )


@login_required
@require_POST
def list_item_status(request, pk: int):
    item = _item_for_user(request, pk)
    return _submit(
        request,
        item.community,
        StatusForm(request.POST),
        lambda data: services.list_item_set_status(actor=request.user, item=item, status=data["status"]),
        _("The status is changed."),
    )


urlpatterns = [
    path("cobuilding/<str:code>/", cobuilding, name="cobuilding"),
    path("cobuilding/<str:code>/units/add/", cobuilding_unit_add, name="cobuilding_unit_add"),
    path("cobuilding/<str:code>/items/add/", list_item_add, name="list_item_add"),
    path("cobuilding/units/<int:pk>/agreements/add/", agreement_add, name="agreement_add"),
    path("cobuilding/items/<int:pk>/match/", need_match, name="need_match"),
    path("cobuilding/items/<int:pk>/make-project/", make_project, name="make_project"),
    path("cobuilding/items/<int:pk>/status/", list_item_status, name="list_item_status"),
]
