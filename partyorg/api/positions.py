"""REST API of Party positions: who holds which position (书记, 组长, 党员楼栋长, 单元红管家) for which period.

Querysets start from visible_to(user), so an out-of-scope row answers 404 like a missing one;
writes go through partyorg.services.org and need an editing role at the row's place (403).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grids.models import Building, Unit

from ..models import PartyMember, PartyOrg, Position, PositionTitle
from ..services import org as services
from .org import EndSerializer, PartyWriteMixin, ScopedRelatedField


class PositionSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = Position
        fields = [
            "id", "member", "member_name", "org", "title", "building", "unit", "start_date", "end_date",
            "region_code", "is_current",
        ]  # fmt: skip
        read_only_fields = fields

    def get_is_current(self, obj: Position) -> bool:
        today = timezone.localdate()
        return obj.start_date <= today and (obj.end_date is None or obj.end_date >= today)


class PositionWriteSerializer(serializers.Serializer):
    member = ScopedRelatedField(queryset=PartyMember.objects.none())
    title = serializers.ChoiceField(choices=PositionTitle.choices)
    org = ScopedRelatedField(queryset=PartyOrg.objects.none(), required=False, allow_null=True)
    building = ScopedRelatedField(queryset=Building.objects.none(), required=False, allow_null=True)
    unit = ScopedRelatedField(queryset=Unit.objects.none(), required=False, allow_null=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)


@extend_schema_view(
    list=extend_schema(summary="List positions in your scope"),
    retrieve=extend_schema(summary="One position"),
    create=extend_schema(summary="Assign a position (or a unit steward)", request=PositionWriteSerializer),
)
@extend_schema(tags=["party"])
class PositionViewSet(PartyWriteMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Positions held for a period: 书记, 组长, 党员楼栋长, 单元红管家 (at a unit) and others."""

    serializer_class = PositionSerializer
    filterset_fields = ["org", "member", "title", "unit", "building"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Position.objects.none()
        return (
            Position.objects.visible_to(self.request.user)
            .select_related("member")
            .order_by("org_id", "title", "start_date", "pk")
        )

    def create(self, request, *args, **kwargs):
        self.require_any_edit_role()
        data = self.read_input(PositionWriteSerializer)
        position = self.call(services.position_assign, **data)
        return Response(PositionSerializer(self.get_queryset().get(pk=position.pk)).data, status=201)

    @extend_schema(summary="End a position", request=EndSerializer, responses=PositionSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        self.require_any_edit_role()
        position = self.get_object()
        self.require_edit(position.region_code)
        data = self.read_input(EndSerializer)
        position = self.call(services.position_end, position=position, **data)
        return Response(PositionSerializer(self.get_queryset().get(pk=position.pk)).data)


def register(router) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("party-positions", PositionViewSet, basename="party-position")
