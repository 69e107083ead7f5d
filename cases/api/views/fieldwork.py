"""Endpoints of fieldwork: patrols and departments' summonses."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ... import selectors, services
from ...models import Patrol, Summons
from ...services import access, fieldwork
from ..serializers import (
    CaseDetailSerializer,
    CheckInSerializer,
    PatrolCreateSerializer,
    PatrolFileCaseSerializer,
    PatrolSerializer,
    SummonsReportSerializer,
    SummonsSerializer,
)
from .cases import CasePagination
from .common import RESPONSES_400, _service_errors, case_detail_queryset


class PatrolPagination(CasePagination):
    """Newest recorded first."""


# ---------------------------------------------------------------- patrols


@extend_schema_view(
    list=extend_schema(
        summary="Patrols and visits in your scope, newest first",
        description="Cursor-paginated (follow `next`); `page_size` up to 200.",
    ),
    retrieve=extend_schema(summary="One patrol"),
)
@extend_schema(tags=["patrols"])
class PatrolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Patrols and household visits (巡查走访) of grid members; a finding can be filed as a case."""

    serializer_class = PatrolSerializer
    pagination_class = PatrolPagination
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Patrol.objects.none()
        return selectors.patrol_list(user=self.request.user).prefetch_related("buildings", "households", "photos")

    @extend_schema(
        summary="Record a patrol in your grid",
        description="Multipart, with photos under `photos`; or JSON without photos.",
        request={"multipart/form-data": PatrolCreateSerializer, "application/json": PatrolCreateSerializer},
        responses={
            201: PatrolSerializer,
            400: OpenApiResponse(description="Invalid data, or a region, building or household not found."),
            403: OpenApiResponse(description="You may record patrols only in your own grid."),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = PatrolCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        patrol = _service_errors(lambda: fieldwork.patrol_create(patroller=request.user, **values))
        patrol = self.get_queryset().get(pk=patrol.pk)
        return Response(self.get_serializer(patrol).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="File a finding of this patrol as a case",
        request=PatrolFileCaseSerializer,
        responses={
            201: CaseDetailSerializer,
            400: RESPONSES_400,
            403: OpenApiResponse(description="Only the grid member who patrolled can file its findings."),
            404: OpenApiResponse(description="No such patrol in your places."),
        },
    )
    @action(detail=True, methods=["post"], url_path="file-case", url_name="file-case")
    def file_case(self, request, pk=None):
        patrol = get_object_or_404(Patrol.objects.visible_to(request.user), pk=pk)
        serializer = PatrolFileCaseSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        case = _service_errors(lambda: fieldwork.case_create_from_patrol(patrol=patrol, actor=request.user, **values))
        detail = case_detail_queryset(request.user).get(pk=case.pk)
        return Response(
            CaseDetailSerializer(detail, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


# ---------------------------------------------------------------- summonses


@extend_schema_view(
    list=extend_schema(summary="Your departments' summonses still waiting for a check-in or a report"),
    retrieve=extend_schema(summary="One summons of your departments"),
)
@extend_schema(tags=["summonses"])
class SummonsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """街道吹哨、部门报到: the department inbox; summonses of other departments answer 404."""

    serializer_class = SummonsSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Summons.objects.none()
        if self.action == "list":
            return selectors.department_inbox(user=self.request.user)
        return (
            Summons.objects.filter(department_id__in=sorted(access.department_ids(self.request.user)))
            .select_related("case", "case__category", "department", "summoned_by")
            .order_by("id")
        )

    def _answer(self, call: Callable[[], Summons]) -> Response:
        summons = _service_errors(call)
        return Response(self.get_serializer(self.get_queryset().get(pk=summons.pk)).data)

    @extend_schema(
        summary="Check in (报到) to a summons",
        description="Checking in twice changes nothing.",
        request=CheckInSerializer,
        responses={200: SummonsSerializer, 404: OpenApiResponse(description="No such summons of your departments.")},
    )
    @action(detail=True, methods=["post"], url_path="check-in", url_name="check-in")
    def check_in(self, request, pk=None):
        summons = self.get_object()
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = serializer.validated_data["note"]
        return self._answer(lambda: services.summons_check_in(summons=summons, actor=request.user, note=note))

    @extend_schema(
        summary="Report back what the department did (checks in first if needed)",
        request=SummonsReportSerializer,
        responses={
            200: SummonsSerializer,
            400: RESPONSES_400,
            404: OpenApiResponse(description="No such summons of your departments."),
        },
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        summons = self.get_object()
        serializer = SummonsReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = serializer.validated_data["report"]
        return self._answer(lambda: services.summons_report(summons=summons, actor=request.user, report=report))
