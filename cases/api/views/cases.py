"""The cases endpoint: CaseViewSet (filing, editing, the log, files and work lists) and its pagination."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_filters import utils as django_filters_utils
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api_pagination import StrictCursorPagination

from ... import selectors, services
from ...models import Case, CaseEvent
from ...selectors import CaseFilter
from ..filters import CaseFilterBackend
from ..serializers import (
    ROW_VALUES,
    AttachmentSerializer,
    CaseCreateMultipartSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseEditSerializer,
    CaseEventSerializer,
    CaseSerializer,
    DuplicateQuerySerializer,
    UploadSerializer,
    case_rows,
)
from .common import (
    RESPONSES_400,
    RESPONSES_403,
    RESPONSES_404,
    RESPONSES_409,
    _service_errors,
    case_detail_queryset,
    conflict_response,
)
from .transitions import CaseTransitionsMixin

# The inbox is a work list, not an archive: it answers the most pressing cases only.
INBOX_LIMIT = 200


class CasePagination(StrictCursorPagination):
    """Newest first by id: stable while cases are filed, and no COUNT over the table."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema_view(
    list=extend_schema(
        summary="List the cases in your scope, newest first",
        description="Cursor-paginated (follow `next`); `page_size` up to 200. No total count is given.",
    ),
    retrieve=extend_schema(
        summary="One case, with its summonses, attachments, follow-ups and what you may do now",
        responses={200: CaseDetailSerializer, 404: RESPONSES_404},
    ),
)
@extend_schema(tags=["cases"])
class CaseViewSet(CaseTransitionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases (事件): filing, the state machine (accept → dispatch → resolve → verify) and the log."""

    serializer_class = CaseSerializer
    pagination_class = CasePagination
    filter_backends = [CaseFilterBackend]
    filterset_class = CaseFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Case.objects.none()
        user = self.request.user
        if self.action == "list":
            rows, errors = selectors.case_query(
                user=user, filters=self.request.query_params, request=self.request, related=()
            )
            if errors:
                raise django_filters_utils.translate_validation(errors)
            # Plain values, not model instances: the rows are built by `case_rows` (see list()).
            return rows.values(*ROW_VALUES).order_by("-id")
        return case_detail_queryset(user)

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(case_rows(page))

    # ------------------------------------------------------------ helpers

    def _case(self) -> Case:
        return get_object_or_404(Case.objects.visible_to(self.request.user), pk=self.kwargs["pk"])

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _detail(self, case: Case, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = case_detail_queryset(self.request.user).filter(pk=case.pk).first()
        if fresh is None:
            # The action took the case out of the user's sight (e.g. a department returned it):
            # they still get the row they just changed.
            case.refresh_from_db()
            fresh = case
        return Response(CaseDetailSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def _act(self, case: Case, call: Callable[[], object]) -> Response:
        """Run a service on the case and answer its fresh detail, or 409 when it changed first."""
        try:
            _service_errors(call)
        except services.CaseConflict as exc:
            return conflict_response(case.pk, exc)
        return self._detail(case)

    # ------------------------------------------------------------ create and edit

    @extend_schema(
        summary="File a case",
        description="JSON, or multipart with photos under `uploads`. The case is filed at grid level; "
        "`handle_now` lets a grid member take it on the spot.",
        request={"application/json": CaseCreateSerializer, "multipart/form-data": CaseCreateMultipartSerializer},
        responses={
            201: CaseDetailSerializer,
            400: OpenApiResponse(
                description="Invalid data, or a region, category, building or household not found in your scope."
            ),
            403: OpenApiResponse(description="You may not file cases in this place."),
        },
    )
    def create(self, request, *args, **kwargs):
        values = dict(self._input(CaseCreateMultipartSerializer))
        case = _service_errors(lambda: services.case_create(reporter=request.user, **values))
        return self._detail(case, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct the details of an open case",
        description="Send the `version` you read; if the case changed since, the answer is 409 and nothing is "
        "changed. Fields left out keep their values.",
        request=CaseEditSerializer,
        responses={
            200: CaseDetailSerializer,
            400: RESPONSES_400,
            403: RESPONSES_403,
            404: RESPONSES_404,
            409: RESPONSES_409,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        case = self._case()
        changes = dict(self._input(CaseEditSerializer))
        version = changes.pop("version")
        return self._act(
            case,
            lambda: services.case_edit(case=case, actor=request.user, expected_version=version, changes=changes),
        )

    # ------------------------------------------------------------ log and files

    @extend_schema(
        summary="The case's log, oldest first",
        responses={200: CaseEventSerializer(many=True), 404: RESPONSES_404},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, pk=None):
        case = self._case()
        events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "id")
        return Response(CaseEventSerializer(events, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The case's photos and files",
        responses={200: AttachmentSerializer(many=True), 404: RESPONSES_404},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add photos or files to the case",
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: AttachmentSerializer(many=True),
            400: RESPONSES_400,
            403: RESPONSES_403,
            404: RESPONSES_404,
            409: RESPONSES_409,
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def attachments(self, request, pk=None):
        case = self._case()
        if request.method == "POST":
            data = self._input(UploadSerializer)

            def add():
                try:
                    services.attachments_add(
                        case=case, actor=request.user, uploads=data["uploads"], expected_version=data["version"]
                    )
                except DjangoValidationError as exc:
                    if hasattr(exc, "error_dict"):
                        raise
                    raise DjangoValidationError({"uploads": exc.messages}) from exc

            try:
                _service_errors(add)
            except services.CaseConflict as exc:
                return conflict_response(case.pk, exc)
        rows = case.attachments.order_by("id")
        code = status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK
        return Response(AttachmentSerializer(rows, many=True).data, status=code)

    # ------------------------------------------------------------ work lists

    @extend_schema(
        summary="Your inbox: cases waiting for you, due soonest first",
        description=f"Cases given to you, waiting at a level you handle, or resolved and yours to verify. "
        f"Not paginated: at most {INBOX_LIMIT} cases.",
        responses={200: CaseSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def inbox(self, request):
        rows = selectors.inbox(user=request.user)[:INBOX_LIMIT]
        return Response(CaseSerializer(rows, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Open cases that may be the same matter, before filing a new one",
        description="Same category, in the same building or within 100 m, filed in the last 7 days (at most 5). "
        "Give a building, or latitude and longitude.",
        parameters=[DuplicateQuerySerializer],
        responses={200: CaseSerializer(many=True), 400: RESPONSES_400},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def duplicates(self, request):
        query = DuplicateQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        found = services.duplicate_candidates(user=request.user, **query.validated_data)
        loaded = (
            Case.objects.visible_to(request.user)
            .select_related(*selectors.LIST_RELATED)
            .in_bulk([case.pk for case in found])
        )
        rows = [loaded[case.pk] for case in found if case.pk in loaded]
        return Response(CaseSerializer(rows, many=True, context=self.get_serializer_context()).data)
