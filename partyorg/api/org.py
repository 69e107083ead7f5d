"""REST API of the organisation tree: organisations, members, cross-appointments, steward coverage.

Positions have their own module (positions.py), which shares this module's serializer fields and PartyWriteMixin.

Querysets start from visible_to(user), so an out-of-scope row answers 404 like a missing one;
writes go through partyorg.services.org and need an editing role at the row's place (403).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.scoping import get_scope
from grids.api.views import api_validation_error
from grids.models import Building, Region, Resident
from grids.pii import mask_phone

from ..models import (
    PARTY_EDIT_ROLES,
    CrossAppointment,
    MemberStatus,
    OrgKind,
    PartyMember,
    PartyOrg,
    can_edit_party,
)
from ..selectors import org as selectors
from ..services import org as services

EDIT_DENIED = _("Your role may not edit Party organisations here.")


@extend_schema_field({"type": "string", "description": "One of: " + ", ".join(OrgKind.values) + "."})
class OrgKindField(serializers.ChoiceField):
    """The kind of an organisation; described without an enum component, whose name would collide with
    the other choice sets named "kind" (an ENUM_NAME_OVERRIDES entry in the settings would allow one)."""

    def __init__(self, **kwargs):
        super().__init__(choices=OrgKind.choices, **kwargs)


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up among the rows the requesting user sees."""

    def get_queryset(self):
        request = self.context.get("request")
        return self.queryset.model.objects.visible_to(getattr(request, "user", None))


class VisibleRegionField(serializers.SlugRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        return Region.objects.visible_to(getattr(request, "user", None))


# ---------------------------------------------------------------- serializers


class PartyOrgSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = OrgKindField(read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PartyOrg
        fields = [
            "id", "name", "kind", "parent", "region", "region_code", "buildings",
            "founded_on", "dissolved_on", "sort_order", "member_count",
        ]  # fmt: skip
        read_only_fields = fields


class PartyOrgWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = OrgKindField()
    region = VisibleRegionField(slug_field="code", queryset=Region.objects.none(), help_text="Region code.")
    parent = ScopedRelatedField(queryset=PartyOrg.objects.none(), allow_null=True, required=False)
    buildings = ScopedRelatedField(queryset=Building.objects.none(), many=True, required=False)
    founded_on = serializers.DateField(allow_null=True, required=False)
    sort_order = serializers.IntegerField(min_value=0, required=False)


class PartyMemberSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField(help_text="Masked, e.g. 138****5678.")
    positions = serializers.SerializerMethodField()

    class Meta:
        model = PartyMember
        fields = [
            "id", "org", "resident", "name", "phone", "category", "status", "joined_party_on",
            "joined_org_on", "workplace", "region_code", "positions",
        ]  # fmt: skip
        read_only_fields = fields

    def get_name(self, obj: PartyMember) -> str:
        return obj.resident.name if obj.resident_id else obj.name

    def get_phone(self, obj: PartyMember) -> str:
        return mask_phone(obj.phone)

    def get_positions(self, obj: PartyMember) -> list[str]:
        return [p.title for p in getattr(obj, "current_positions", [])]


class PartyMemberWriteSerializer(serializers.Serializer):
    org = ScopedRelatedField(queryset=PartyOrg.objects.none())
    resident = ScopedRelatedField(queryset=Resident.objects.none(), allow_null=True, required=False)
    name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=PartyMember._meta.get_field("category").choices)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    joined_party_on = serializers.DateField(allow_null=True, required=False)
    joined_org_on = serializers.DateField(allow_null=True, required=False)
    workplace = serializers.CharField(max_length=100, required=False, allow_blank=True)


class PartyMemberUpdateSerializer(PartyMemberWriteSerializer):
    org = None
    category = serializers.ChoiceField(choices=PartyMember._meta.get_field("category").choices, required=False)
    status = serializers.ChoiceField(choices=MemberStatus.choices, required=False)


class EndSerializer(serializers.Serializer):
    end_date = serializers.DateField()


class CrossAppointmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CrossAppointment
        fields = [
            "id", "community_org", "member", "person_name", "community_role", "organisation_kind",
            "organisation_name", "organisation_role", "start_date", "end_date", "region_code",
        ]  # fmt: skip
        read_only_fields = fields


class CrossAppointmentWriteSerializer(serializers.Serializer):
    community_org = ScopedRelatedField(queryset=PartyOrg.objects.none())
    member = ScopedRelatedField(queryset=PartyMember.objects.none(), required=False, allow_null=True)
    person_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    community_role = serializers.CharField(max_length=64)
    organisation_kind = serializers.ChoiceField(choices=CrossAppointment.OrganisationKind.choices)
    organisation_name = serializers.CharField(max_length=100)
    organisation_role = serializers.CharField(max_length=64)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)


class CoverageSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    level = serializers.CharField(source="region.level")
    units_total = serializers.IntegerField()
    units_covered = serializers.IntegerField(help_text="Units with a current unit red steward.")
    unit_share = serializers.FloatField(allow_null=True)
    buildings_total = serializers.IntegerField()
    buildings_covered = serializers.IntegerField(
        help_text="Buildings with an active Party group or a current Party member building head."
    )
    building_share = serializers.FloatField(allow_null=True)


# ---------------------------------------------------------------- views


class PartyWriteMixin:
    """Service calls with their errors translated for DRF; a user without any editing role gets 403 at once."""

    def require_any_edit_role(self) -> None:
        if not get_scope(self.request.user).has_any_role(PARTY_EDIT_ROLES):
            raise PermissionDenied(EDIT_DENIED)

    def require_edit(self, code: str) -> None:
        if not can_edit_party(self.request.user, code):
            raise PermissionDenied(EDIT_DENIED)

    def call(self, service, **kwargs):
        try:
            return service(actor=self.request.user, **kwargs)
        except DjangoValidationError as exc:
            raise api_validation_error(exc) from exc

    def read_input(self, serializer_class, partial: bool = False) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(summary="List the Party organisations in your scope"),
    retrieve=extend_schema(summary="One Party organisation"),
    create=extend_schema(summary="Found an organisation", request=PartyOrgWriteSerializer),
    update=extend_schema(summary="Change an organisation", request=PartyOrgWriteSerializer),
    partial_update=extend_schema(summary="Change some fields of an organisation", request=PartyOrgWriteSerializer),
)
@extend_schema(tags=["party"])
class PartyOrgViewSet(PartyWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Party organisations (党工委 → 党委 → 党支部 → 党小组, and the non-territorial ones)."""

    serializer_class = PartyOrgSerializer
    filterset_fields = ["kind", "parent"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return PartyOrg.objects.none()
        return (
            PartyOrg.objects.visible_to(self.request.user)
            .select_related("region")
            .prefetch_related("buildings")
            .annotate(member_count=Count("members", filter=Q(members__status=MemberStatus.ACTIVE)))
            .order_by("region_code", "sort_order", "name", "pk")
        )

    def create(self, request, *args, **kwargs):
        self.require_any_edit_role()
        data = self.read_input(PartyOrgWriteSerializer)
        org = self.call(services.org_create, **data)
        return Response(PartyOrgSerializer(self.get_queryset().get(pk=org.pk)).data, status=201)

    def update(self, request, *args, **kwargs):
        self.require_any_edit_role()
        org = self.get_object()
        self.require_edit(org.region_code)
        data = self.read_input(PartyOrgWriteSerializer, partial=kwargs.get("partial", False))
        org = self.call(services.org_update, org=org, **data)
        return Response(PartyOrgSerializer(self.get_queryset().get(pk=org.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="List the Party members in your scope (phones masked)"),
    retrieve=extend_schema(summary="One Party member (phone masked)"),
    create=extend_schema(summary="Add a member", request=PartyMemberWriteSerializer),
    update=extend_schema(summary="Change a member", request=PartyMemberUpdateSerializer),
    partial_update=extend_schema(summary="Change some fields of a member", request=PartyMemberUpdateSerializer),
)
@extend_schema(tags=["party"])
class PartyMemberViewSet(
    PartyWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Party members; filters: q (name), category, status, org (with the organisations under it), title."""

    serializer_class = PartyMemberSerializer
    filterset_class = selectors.MemberFilter

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return PartyMember.objects.none()
        return selectors.member_queryset(self.request.user)

    def create(self, request, *args, **kwargs):
        self.require_any_edit_role()
        data = self.read_input(PartyMemberWriteSerializer)
        member = self.call(services.member_add, **data)
        return Response(PartyMemberSerializer(self.get_queryset().get(pk=member.pk)).data, status=201)

    def update(self, request, *args, **kwargs):
        self.require_any_edit_role()
        member = self.get_object()
        self.require_edit(member.region_code)
        data = self.read_input(PartyMemberUpdateSerializer, partial=kwargs.get("partial", False))
        status = data.pop("status", None)
        if data:
            member = self.call(services.member_update, member=member, **data)
        if status is not None and status != member.status:
            member = self.call(services.member_set_status, member=member, status=status)
        return Response(PartyMemberSerializer(self.get_queryset().get(pk=member.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="List cross-appointments in your scope"),
    retrieve=extend_schema(summary="One cross-appointment"),
    create=extend_schema(summary="Record a cross-appointment", request=CrossAppointmentWriteSerializer),
)
@extend_schema(tags=["party"])
class CrossAppointmentViewSet(PartyWriteMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """双向进入、交叉任职: people holding roles in the community organisation and in a firm or committee."""

    serializer_class = CrossAppointmentSerializer
    filterset_fields = ["community_org", "organisation_kind"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return CrossAppointment.objects.none()
        return selectors.cross_appointment_list(self.request.user)

    def create(self, request, *args, **kwargs):
        self.require_any_edit_role()
        data = self.read_input(CrossAppointmentWriteSerializer)
        appointment = self.call(services.cross_appointment_add, **data)
        return Response(CrossAppointmentSerializer(appointment).data, status=201)

    @extend_schema(summary="End a cross-appointment", request=EndSerializer, responses=CrossAppointmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        self.require_any_edit_role()
        appointment = self.get_object()
        self.require_edit(appointment.region_code)
        data = self.read_input(EndSerializer)
        appointment = self.call(services.cross_appointment_end, appointment=appointment, **data)
        return Response(CrossAppointmentSerializer(appointment).data)


@extend_schema(tags=["party"])
class StewardCoverageViewSet(viewsets.ViewSet):
    """Steward coverage of a community, grid or micro-grid."""

    @extend_schema(
        summary="Steward coverage of a place",
        parameters=[
            OpenApiParameter("region", OpenApiTypes.STR, required=True, description="Code of a community or grid.")
        ],
        responses={
            200: CoverageSerializer,
            404: OpenApiResponse(description="No community, grid or micro-grid with this code in your places."),
        },
    )
    def list(self, request):
        coverage = selectors.steward_coverage(request.user, request.query_params.get("region", ""))
        return Response(CoverageSerializer(coverage).data)


def register(router) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("party-orgs", PartyOrgViewSet, basename="party-org")
    router.register("party-members", PartyMemberViewSet, basename="party-member")
    router.register("cross-appointments", CrossAppointmentViewSet, basename="cross-appointment")
    router.register("steward-coverage", StewardCoverageViewSet, basename="steward-coverage")
