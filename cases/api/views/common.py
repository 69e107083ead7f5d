"""Shared pieces of the cases API views: scoped querysets, error mapping, the 409 answer and schema responses."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.scoping import get_scope
from grids.api.views import api_validation_error

from ... import selectors, services
from ...models import Case, Department, FollowUp, Summons
from ...services import access
from ..serializers import ConflictSerializer

DETAIL_RELATED = (*selectors.LIST_RELATED, "resolved_by", "duplicate_of")

RESPONSES_400 = OpenApiResponse(description="Invalid data; the messages are under the fields' keys.")
RESPONSES_403 = OpenApiResponse(description="You may see the case but not do this; the message says why.")
RESPONSES_404 = OpenApiResponse(description="No such case in your places.")
RESPONSES_409 = OpenApiResponse(
    ConflictSerializer,
    description="The case changed first (another user acted, or the `version` you sent is stale). Reload it.",
)


def case_detail_queryset(user) -> QuerySet[Case]:
    """The user's cases with everything the detail shows, in a fixed number of queries."""
    return (
        Case.objects.visible_to(user)
        .select_related(*DETAIL_RELATED)
        .prefetch_related(
            Prefetch("summonses", queryset=Summons.objects.select_related("department", "summoned_by")),
            "attachments",
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("recorded_by")),
        )
    )


def departments_visible_to(user) -> QuerySet[Department]:
    """Active departments whose jurisdiction covers or lies inside one of the user's places (all when unrestricted)."""
    queryset = Department.objects.filter(is_active=True)
    scope = get_scope(user)
    if scope.unrestricted:
        return queryset
    query = Q(pk__in=sorted(access.department_ids(user)))
    for prefix in scope.prefixes():
        covering = [prefix[:n] for n in (2, 4, 6, 9, 12, 15, 17) if n <= len(prefix)]
        query |= Q(region_code__startswith=prefix) | Q(region_code__in=covering)
    return queryset.filter(query)


def _service_errors(call: Callable[[], object]) -> object:
    """Run one service call, turning Django's errors into DRF's (CaseConflict is left to the caller)."""
    try:
        return call()
    except DjangoValidationError as exc:
        raise api_validation_error(exc) from exc
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc


def conflict_response(case_id: int, exc: services.CaseConflict) -> Response:
    version = Case.objects.filter(pk=case_id).values_list("version", flat=True).first()
    return Response({"detail": exc.message, "version": version}, status=status.HTTP_409_CONFLICT)
