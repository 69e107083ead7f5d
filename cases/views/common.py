"""Helpers shared by the case pages: scoped look-ups and htmx partial answers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from accounts.refusals import refusal_response

from ..models import Case

DETAIL_RELATED = (
    "category",
    "category__parent",
    "region",
    "estate",
    "building",
    "household",
    "department",
    "handler",
    "reporter",
    "resolved_by",
)


def is_partial(request: HttpRequest) -> bool:
    """An htmx request for a fragment (a history restore needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def vary(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["HX-Request"])
    return response


def visible_cases(user) -> QuerySet[Case]:
    return Case.objects.visible_to(user).select_related(*DETAIL_RELATED)


def case_for(user, pk: int) -> Case:
    """The case if the user may see it; 404 for a missing case and for one outside their places alike."""
    return get_object_or_404(visible_cases(user), pk=pk)


def digits(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def field_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """403 with the service's reason, so the person in the street knows why."""
    message = str(exc) or _("Your role does not allow this action here.")
    return refusal_response(request, message)


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
