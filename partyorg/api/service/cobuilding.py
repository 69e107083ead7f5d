"""Co-building units (共建单位) with their agreements, and the three lists (resources, needs, projects)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action

from grids.pii import mask_phone

from ...models import (
    Agreement,
    CoBuildingUnit,
    ListItem,
    ListItemStatus,
    ListKind,
    PartyOrg,
)
from ...selectors import service as selectors
from ...services import service as services
from .common import TAG, WRITE_RESPONSES, CommunityField, ScopedPrimaryKeyField, ScopedViewSet, _call, enum_field

# ---------------------------------------------------------------- co-building units


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agreement
        fields = ["id", "signed_on", "valid_until", "text"]
        read_only_fields = ["id"]


class CoBuildingUnitSerializer(serializers.ModelSerializer):
    community = serializers.CharField(source="community.code", read_only=True)
    joint_committee_name = serializers.CharField(
        source="joint_committee.name", read_only=True, default=None, allow_null=True
    )
    contact_phone = serializers.SerializerMethodField(help_text="Masked, e.g. 138****5678.")
    agreements = AgreementSerializer(many=True, read_only=True)

    class Meta:
        model = CoBuildingUnit
        fields = [
            "id", "name", "community", "joint_committee", "joint_committee_name", "contact_name", "contact_phone",
            "joined_on", "agreements",
        ]  # fmt: skip
        read_only_fields = fields

    def get_contact_phone(self, obj: CoBuildingUnit) -> str:
        return mask_phone(obj.contact_phone)


class CoBuildingUnitWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    joint_committee = ScopedPrimaryKeyField(
        PartyOrg, required=False, allow_null=True, help_text="A joint Party committee (联合党委) in the community."
    )
    contact_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    joined_on = serializers.DateField(required=False)


class CoBuildingUnitCreateSerializer(CoBuildingUnitWriteSerializer):
    community = CommunityField()


@extend_schema_view(
    list=extend_schema(summary="List co-building units with their agreements (contact phones masked)"),
    retrieve=extend_schema(summary="One co-building unit"),
)
@extend_schema(tags=[TAG])
class CoBuildingUnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Units that build the community together with it (共建单位) and their 共驻共建协议书."""

    model = CoBuildingUnit
    read_serializer = CoBuildingUnitSerializer
    filterset_fields = {"community__code": ["exact"]}

    def scoped(self, user) -> QuerySet:
        return selectors.cobuilding_units(user=user).order_by("region_code", "name", "id")

    def get_serializer_class(self):
        return {
            "create": CoBuildingUnitCreateSerializer,
            "partial_update": CoBuildingUnitWriteSerializer,
            "agreements": AgreementSerializer,
        }.get(self.action, CoBuildingUnitSerializer)

    @extend_schema(
        summary="Add a co-building unit",
        request=CoBuildingUnitCreateSerializer,
        responses={201: CoBuildingUnitSerializer, **WRITE_RESPONSES},
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        unit = _call(services.cobuilding_unit_add, actor=request.user, **serializer.validated_data)
        return self.answer(unit, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a co-building unit (fields left out keep their values)",
        request=CoBuildingUnitWriteSerializer,
        responses={200: CoBuildingUnitSerializer, **WRITE_RESPONSES},
    )
    def partial_update(self, request, pk=None):
        unit = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        _call(services.cobuilding_unit_update, actor=request.user, unit=unit, **serializer.validated_data)
        return self.answer(unit)

    @extend_schema(
        summary="Record the unit's agreement (共驻共建协议书)",
        request=AgreementSerializer,
        responses={201: CoBuildingUnitSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def agreements(self, request, pk=None):
        unit = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        _call(
            services.agreement_add,
            actor=request.user,
            unit=unit,
            signed_on=values["signed_on"],
            valid_until=values.get("valid_until"),
            text=values["text"],
        )
        return self.answer(unit, status.HTTP_201_CREATED)


# ---------------------------------------------------------------- the three lists


class ListItemSerializer(serializers.ModelSerializer):
    community = serializers.CharField(source="community.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None, allow_null=True)
    kind = enum_field(ListKind, read_only=True)
    status = enum_field(ListItemStatus, read_only=True)
    answered_by = serializers.SerializerMethodField(help_text="Resources and projects that answer this need.")

    class Meta:
        model = ListItem
        fields = [
            "id", "kind", "community", "unit", "unit_name", "title", "description", "status", "need", "resource",
            "answered_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_answered_by(self, obj: ListItem) -> list[int]:
        return [answer.pk for answer in obj.answers.all()]


class ListItemCreateSerializer(serializers.Serializer):
    community = CommunityField()
    kind = enum_field(ListKind)
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    unit = ScopedPrimaryKeyField(CoBuildingUnit, required=False, allow_null=True, default=None)


class MatchSerializer(serializers.Serializer):
    resource = ScopedPrimaryKeyField(ListItem, help_text="An open resource of the same community.")


class MakeProjectSerializer(serializers.Serializer):
    resource = ScopedPrimaryKeyField(ListItem, help_text="The resource the project uses.")
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    unit = ScopedPrimaryKeyField(
        CoBuildingUnit, required=False, allow_null=True, default=None, help_text="Default: the resource's unit."
    )


class ListStatusSerializer(serializers.Serializer):
    status = enum_field(ListItemStatus)


class ListItemFilter(django_filters.FilterSet):
    community = django_filters.CharFilter(field_name="community__code", label="Community code")

    class Meta:
        model = ListItem
        fields = ["community", "kind", "status", "unit"]


@extend_schema_view(
    list=extend_schema(summary="List items of the three lists (resources, needs, service projects)"),
    retrieve=extend_schema(summary="One list item"),
)
@extend_schema(tags=[TAG])
class ListItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """共治资源清单, 治理需求清单 and 服务项目清单: a need is matched to a resource and becomes a project."""

    model = ListItem
    read_serializer = ListItemSerializer
    filterset_class = ListItemFilter

    def scoped(self, user) -> QuerySet:
        return selectors.list_items(user=user).order_by("region_code", "kind", "-created_at", "-id")

    def get_serializer_class(self):
        return {
            "create": ListItemCreateSerializer,
            "match": MatchSerializer,
            "make_project": MakeProjectSerializer,
            "set_status": ListStatusSerializer,
        }.get(self.action, ListItemSerializer)

    @extend_schema(
        summary="Put an item on a list", request=ListItemCreateSerializer,
        responses={201: ListItemSerializer, **WRITE_RESPONSES},
    )  # fmt: skip
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = _call(services.list_item_add, actor=request.user, **serializer.validated_data)
        return self.answer(item, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Match this open need to an open resource (both become “matched”)",
        request=MatchSerializer,
        responses={200: ListItemSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def match(self, request, pk=None):
        need = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(services.need_match, actor=request.user, need=need, resource=serializer.validated_data["resource"])
        return self.answer(need)

    @extend_schema(
        summary="Turn this need and a resource into a service project (both become “in progress”)",
        request=MakeProjectSerializer,
        responses={201: ListItemSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="make-project")
    def make_project(self, request, pk=None):
        need = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        project = _call(
            services.project_from_need,
            actor=request.user,
            need=need,
            resource=values["resource"],
            title=values["title"] or None,
            unit=values["unit"],
        )
        return self.answer(project, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Set an item's status (done, withdrawn, reopened)",
        request=ListStatusSerializer,
        responses={200: ListItemSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        item = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(services.list_item_set_status, actor=request.user, item=item, status=serializer.validated_data["status"])
        return self.answer(item)
