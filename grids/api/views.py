"""REST API of the territory and the resident ledger.

Every queryset starts from the user's scope, so an out-of-scope row answers 404 exactly like a
missing one. Writes go through grids.services, whose errors come back under the same field keys.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, QuerySet
from django.db.models.functions import Length
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.services import client_ip

from .. import selectors, services
from ..filters import RegionFilter
from ..models import Building, Estate, Household, Region, Resident, Unit
from .filters import BuildingFilter, EstateFilter, HouseholdFilter, ResidentApiFilter, UnitFilter
from .pagination import CountedPagePagination
from .permissions import LEDGER_EDIT_DENIED, CanEditLedger
from .serializers import (
    BuildingSerializer,
    EstateSerializer,
    HouseholdSerializer,
    RegionSerializer,
    ResidentCreateSerializer,
    ResidentSavedSerializer,
    ResidentSerializer,
    ResidentUpdateSerializer,
    RevealRequestSerializer,
    RevealSerializer,
    UnitSerializer,
)


def api_validation_error(exc: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as DRF's, keeping its field keys (and '__all__' as non-field)."""
    detail = serializers.as_serializer_error(exc)
    if "__all__" in detail:
        detail.setdefault(api_settings.NON_FIELD_ERRORS_KEY, []).extend(detail.pop("__all__"))
    return ValidationError(detail)


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """List and detail of one territorial model, narrowed to the user's scope."""

    model: type = Region

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return self.model.objects.none()
        return self.refine(self.model.objects.visible_to(self.request.user))

    def refine(self, queryset: QuerySet) -> QuerySet:
        """Joins and order for this endpoint, on top of the scoped rows."""
        return queryset.order_by("pk")


@extend_schema_view(
    list=extend_schema(summary="List the regions in your scope"),
    retrieve=extend_schema(summary="One region, by its code"),
)
@extend_schema(tags=["territory"])
class RegionViewSet(ScopedReadOnlyViewSet):
    """Places of the territory at every level; `code` is the standard code (GB/T 2260 and below)."""

    model = Region
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
    lookup_value_regex = r"\d{2,17}"

    def refine(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("parent").order_by("code")


@extend_schema_view(
    list=extend_schema(summary="List the estates in your scope"), retrieve=extend_schema(summary="One estate")
)
@extend_schema(tags=["territory"])
class EstateViewSet(ScopedReadOnlyViewSet):
    """Residential estates (小区)."""

    model = Estate
    serializer_class = EstateSerializer
    filterset_class = EstateFilter

    def refine(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("region_code", "name", "id")


@extend_schema_view(
    list=extend_schema(summary="List the buildings in your scope"), retrieve=extend_schema(summary="One building")
)
@extend_schema(tags=["territory"])
class BuildingViewSet(ScopedReadOnlyViewSet):
    """Buildings (楼栋), each lying in one grid or micro-grid."""

    model = Building
    serializer_class = BuildingSerializer
    filterset_class = BuildingFilter

    def refine(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("estate").order_by("estate__name", Length("number"), "number", "id")


@extend_schema_view(
    list=extend_schema(summary="List the units in your scope"), retrieve=extend_schema(summary="One unit")
)
@extend_schema(tags=["territory"])
class UnitViewSet(ScopedReadOnlyViewSet):
    """Stairwell units (单元) of buildings."""

    model = Unit
    serializer_class = UnitSerializer
    filterset_class = UnitFilter

    def refine(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("building__estate").order_by("building_id", "number", "id")


@extend_schema_view(
    list=extend_schema(summary="List the households in your scope"), retrieve=extend_schema(summary="One household")
)
@extend_schema(tags=["territory"])
class HouseholdViewSet(ScopedReadOnlyViewSet):
    """Households (户), each at a room of a unit."""

    model = Household
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter

    def refine(self, queryset: QuerySet) -> QuerySet:
        return (
            queryset.select_related("unit__building__estate")
            .annotate(resident_count=Count("residents"))
            .order_by("unit_id", "room", "id")
        )


@extend_schema_view(
    list=extend_schema(summary="List the residents in your scope (ID numbers and phones masked)"),
    retrieve=extend_schema(summary="One resident (ID number and phone masked)"),
)
@extend_schema(tags=["residents"])
class ResidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The resident ledger (居民台账)."""

    permission_classes = [IsAuthenticated, CanEditLedger]
    filterset_class = ResidentApiFilter
    pagination_class = CountedPagePagination

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Without any of its parameters the FilterSet changes nothing but costs more than the query.
        if not any(name in self.filterset_class.base_filters for name in self.request.query_params):
            return queryset
        return super().filter_queryset(queryset)

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Resident.objects.none()
        if self.action == "list":
            return selectors.resident_page(user=self.request.user)
        return selectors.resident_list(user=self.request.user)

    def get_serializer_class(self):
        return {
            "create": ResidentCreateSerializer,
            "update": ResidentUpdateSerializer,
            "partial_update": ResidentUpdateSerializer,
            "reveal": RevealRequestSerializer,
        }.get(self.action, ResidentSerializer)

    def _saved_response(self, resident: Resident, warnings: list[str], status_code: int) -> Response:
        # Re-read through the scoped selector so the answer shows what a list would show.
        resident = self.get_queryset().get(pk=resident.pk)
        serializer = ResidentSavedSerializer(resident, context={**self.get_serializer_context(), "warnings": warnings})
        return Response(serializer.data, status=status_code)

    @extend_schema(
        summary="Enter a resident into the ledger",
        request=ResidentCreateSerializer,
        responses={
            201: ResidentSavedSerializer,
            400: OpenApiResponse(description="Invalid data, or a household that does not exist in your scope."),
            403: OpenApiResponse(description="Your role may not edit the ledger at this household."),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        household = values["household"]
        if not services.can_edit_ledger(request.user, household.region_code):
            raise PermissionDenied(LEDGER_EDIT_DENIED)
        data = {key: values[key] for key in services.RESIDENT_FIELDS if key in values}
        try:
            resident, warnings = services.resident_create(
                household=household, data=data, tags=values.get("tags"), moved_in=values.get("moved_in")
            )
        except DjangoValidationError as exc:
            raise api_validation_error(exc) from exc
        return self._saved_response(resident, warnings, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a resident (fields left out keep their values)",
        request=ResidentUpdateSerializer,
        responses={200: ResidentSavedSerializer, 403: OpenApiResponse(description="Your role may not edit here.")},
    )
    def update(self, request, *args, **kwargs):
        resident = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        data = {key: values[key] for key in services.RESIDENT_FIELDS if key in values}
        data.setdefault("name", resident.name)
        if "phone" in values:
            data["keep_phone"] = False  # an empty phone sent on purpose clears it
        else:
            data["phone"] = resident.phone
        try:
            resident, warnings = services.resident_update(
                resident=resident,
                data=data,
                tags=values.get("tags"),  # absent: keep the tags
            )
        except DjangoValidationError as exc:
            raise api_validation_error(exc) from exc
        return self._saved_response(resident, warnings, status.HTTP_200_OK)

    @extend_schema(
        summary="Change some fields of a resident",
        request=ResidentUpdateSerializer,
        responses={200: ResidentSavedSerializer, 403: OpenApiResponse(description="Your role may not edit here.")},
    )
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(
        summary="See a resident's full ID number and phone (logged)",
        request=RevealRequestSerializer,
        responses={
            200: RevealSerializer,
            400: OpenApiResponse(description="No reason given."),
            403: OpenApiResponse(description="Your role may not see this resident's personal data."),
        },
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """Write an access-log row (who, whom, when, why), then answer the unmasked values."""
        resident = self.get_object()
        serializer = RevealRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            revealed = services.pii_reveal(
                actor=request.user,
                resident=resident,
                reason=serializer.validated_data.get("reason", ""),
                ip_address=client_ip(request),
                channel="api",
            )
        except DjangoValidationError as exc:
            raise api_validation_error(exc) from exc
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        response = Response(RevealSerializer(revealed).data)
        add_never_cache_headers(response)
        return response
