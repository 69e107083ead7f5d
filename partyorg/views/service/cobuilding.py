"""The co-building board: units, their agreements and the three lists (htmx or whole page)."""

from __future__ import annotations

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


@login_required
@require_POST
def cobuilding_unit_add(request, code: str):
    community = selectors.community_get_for_user(user=request.user, code=code)
    _require_edit(request.user, community.code)
    form = CoBuildingUnitForm(request.POST, user=request.user, community=community)
    if not form.is_valid():
        return _board_answer(request, community, _form_errors(form))
    try:
        services.cobuilding_unit_add(actor=request.user, community=community, **form.cleaned_data)
    except ValidationError as exc:
        return _board_answer(request, community, exc.messages)
    return _board_answer(request, community, success=_("The co-building unit is added."))


@login_required
@require_POST
def agreement_add(request, pk: int):
    unit = get_object_or_404(CoBuildingUnit.objects.visible_to(request.user).select_related("community"), pk=pk)
    _require_edit(request.user, unit.region_code)
    form = AgreementForm(request.POST)
    if not form.is_valid():
        return _board_answer(request, unit.community, _form_errors(form))
    try:
        services.agreement_add(actor=request.user, unit=unit, **form.cleaned_data)
    except ValidationError as exc:
        return _board_answer(request, unit.community, exc.messages)
    return _board_answer(request, unit.community, success=_("The agreement is recorded."))


@login_required
@require_POST
def list_item_add(request, code: str):
    community = selectors.community_get_for_user(user=request.user, code=code)
    _require_edit(request.user, community.code)
    form = ListItemForm(request.POST, user=request.user, community=community)
    if not form.is_valid():
        return _board_answer(request, community, _form_errors(form))
    try:
        services.list_item_add(actor=request.user, community=community, **form.cleaned_data)
    except ValidationError as exc:
        return _board_answer(request, community, exc.messages)
    return _board_answer(request, community, success=_("The item is on the list."))


def _item_for_user(request, pk: int) -> ListItem:
    item = get_object_or_404(ListItem.objects.visible_to(request.user).select_related("community"), pk=pk)
    _require_edit(request.user, item.region_code)
    return item


@login_required
@require_POST
def need_match(request, pk: int):
    need = _item_for_user(request, pk)
    form = MatchForm(request.POST, user=request.user, community=need.community)
    if not form.is_valid():
        return _board_answer(request, need.community, _form_errors(form))
    try:
        services.need_match(actor=request.user, need=need, resource=form.cleaned_data["resource"])
    except ValidationError as exc:
        return _board_answer(request, need.community, exc.messages)
    return _board_answer(request, need.community, success=_("The need is matched to the resource."))


@login_required
@require_POST
def make_project(request, pk: int):
    need = _item_for_user(request, pk)
    statuses = (ListItemStatus.OPEN, ListItemStatus.MATCHED)
    form = MatchForm(request.POST, user=request.user, community=need.community, statuses=statuses)
    if not form.is_valid():
        return _board_answer(request, need.community, _form_errors(form))
    try:
        services.project_from_need(
            actor=request.user,
            need=need,
            resource=form.cleaned_data["resource"],
            title=form.cleaned_data["title"] or None,
        )
    except ValidationError as exc:
        return _board_answer(request, need.community, exc.messages)
    return _board_answer(request, need.community, success=_("The service project is under way."))


@login_required
@require_POST
def list_item_status(request, pk: int):
    item = _item_for_user(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _board_answer(request, item.community, _form_errors(form))
    try:
        services.list_item_set_status(actor=request.user, item=item, status=form.cleaned_data["status"])
    except ValidationError as exc:
        return _board_answer(request, item.community, exc.messages)
    return _board_answer(request, item.community, success=_("The status is changed."))


urlpatterns = [
    path("cobuilding/<str:code>/", cobuilding, name="cobuilding"),
    path("cobuilding/<str:code>/units/add/", cobuilding_unit_add, name="cobuilding_unit_add"),
    path("cobuilding/<str:code>/items/add/", list_item_add, name="list_item_add"),
    path("cobuilding/units/<int:pk>/agreements/add/", agreement_add, name="agreement_add"),
    path("cobuilding/items/<int:pk>/match/", need_match, name="need_match"),
    path("cobuilding/items/<int:pk>/make-project/", make_project, name="make_project"),
    path("cobuilding/items/<int:pk>/status/", list_item_status, name="list_item_status"),
]
