"""Desktop pages: the case list (the detail page lives in detail.py, the board and department inbox in board.py).

Every case is looked up in the user's scope: one outside it answers 404 exactly like a missing
one. Actions go through cases.services with the version the page showed; a user who sees the
case but may not act gets 403 with the service's message.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.shortcuts import render
from django.urls import path

from grids.counting import count_rows
from grids.models import Region, RegionLevel

from .. import selectors
from ..models import Case, CaseCategory, CaseLevel, CaseState, Channel, Urgency
from ..services import access
from .common import digits, is_partial, vary
from .menu import case_menu_for

CASES_PER_PAGE = 50
# Suggestions for the region filter of the case list; longer lists are typed as codes.
REGION_SUGGESTIONS = 500
BOARD_COMMUNITY_CHOICES = 500

# ---------------------------------------------------------------- list


def _keyset_page(queryset: QuerySet[Case], params) -> dict:
    """One page of newest-first cases by id: ?before=<id> goes to older ones, ?after=<id> to newer ones.

    No COUNT over the table: one more row than the page tells whether there is a further page,
    and an EXISTS whether there is one on the other side.
    """
    before, after = digits(params.get("before")), digits(params.get("after"))
    if after is not None:
        chunk = list(queryset.filter(pk__gt=after).order_by("id")[: CASES_PER_PAGE + 1])
        has_newer = len(chunk) > CASES_PER_PAGE
        rows = chunk[:CASES_PER_PAGE][::-1]
        has_older = queryset.filter(pk__lte=after).exists()
    else:
        if before is not None:
            queryset, has_newer = queryset.filter(pk__lt=before), queryset.filter(pk__gte=before).exists()
        else:
            has_newer = False
        chunk = list(queryset.order_by("-id")[: CASES_PER_PAGE + 1])
        has_older = len(chunk) > CASES_PER_PAGE
        rows = chunk[:CASES_PER_PAGE]
    return {
        "rows": rows,
        "newer_id": rows[0].pk if rows and has_newer else None,
        "older_id": rows[-1].pk if rows and has_older else None,
        "has_newer": has_newer,
    }


def _category_options() -> list[tuple[CaseCategory, bool]]:
    """Top categories each followed by their subcategories (is_child True), in display order."""
    categories = list(CaseCategory.objects.order_by("sort_order", "code"))
    children: dict[int, list[CaseCategory]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    options = []
    for category in categories:
        if category.parent_id is None:
            options.append((category, False))
            options.extend((child, True) for child in children.get(category.pk, []))
    return options


@login_required
def case_list(request):
    user = request.user
    filterset = selectors.CaseFilter(request.GET, queryset=selectors.case_list(user=user), request=request)
    form = filterset.form
    valid = form.is_valid()
    page = _keyset_page(filterset.qs, request.GET) if valid else None
    filter_keys = set(filterset.filters)
    context = {
        "form": form,
        "page": page,
        "row_count": count_rows(filterset.qs) if valid else None,
        "filtered": any(value for key, value in request.GET.items() if key in filter_keys),
        # Filters folded behind the phone's "Filters" button, counted on the button.
        "folded_filters": len({key for key, value in request.GET.items() if value and key in filter_keys - {"q"}}),
        "states": CaseState.choices,
        "chosen_states": set(request.GET.getlist("state")),
        "levels": CaseLevel.choices,
        "urgencies": Urgency.choices,
        "channels": Channel.choices,
    }
    if not is_partial(request):
        context["category_options"] = _category_options()
        context["region_suggestions"] = (
            Region.objects.visible_to(user)
            .filter(level__in=[RegionLevel.STREET, RegionLevel.COMMUNITY, RegionLevel.GRID, RegionLevel.MICROGRID])
            .order_by("code")
            .values_list("code", "name")[:REGION_SUGGESTIONS]
        )
        context["board_available"] = case_menu_for(user)["board"]
        context["has_departments"] = bool(access.department_ids(user))
    template = "cases/desk/_list_results.html" if is_partial(request) else "cases/desk/list.html"
    return vary(render(request, template, context))


urlpatterns = [
    path("", case_list, name="list"),
]
