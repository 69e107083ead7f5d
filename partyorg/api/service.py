"""REST API of 双报到 and service records, co-building units and their lists, and 书记领办项目.

Querysets start from the user's scope (out of scope answers 404 like missing); related rows named
in a request are looked up in that scope too. Writes go through partyorg.services.service, whose
ValidationErrors come back under the same field keys and whose PermissionDenied answers 403.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.scoping import get_scope
from grids.api.views import api_validation_error
from grids.models import Region, RegionLevel
from grids.pii import mask_phone

from ..models import (
    PARTY_VIEW_ROLES,
    Agreement,
    CoBuildingUnit,
    DualRegistration,
    ListItem,
    ListItemStatus,
    ListKind,
    PartyMember,
    PartyOrg,
    ProjectStatus,
    ProjectUpdate,
    SecretaryProject,
    ServiceRecord,
)
from ..selectors import service as selectors
from ..services import service as services

TAG = "party"
WRITE_RESPONSES = {
    400: OpenApiResponse(description="Invalid data, or a related row that does not exist in your scope."),
    403: OpenApiResponse(description="Your role may not edit Party records here."),
}


def _user(field: serializers.Field):
    request = field.context.get("request")
    return getattr(request, "user", None)


def _communities(user) -> QuerySet:
    return Region.objects.filter(level=RegionLevel.COMMUNITY).filter(get_scope(user).q("code", roles=PARTY_VIEW_ROLES))


def enum_field(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field documented by a pattern of its values.

    Fields named "kind" and "status" already carry other choice sets in this API; as enums these
    would need ENUM_NAME_OVERRIDES entries in the settings to be named without a collision.
    """
    values = list(choices.values)
    schema = {"type": "string", "pattern": f"^({'|'.join(values)})$", "description": "One of: " + ", ".join(values)}
    field_class = extend_schema_field(schema)(type("InlineChoiceField", (serializers.ChoiceField,), {}))
    return field_class(choices=choices.choices, **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class CommunityField(serializers.SlugRelatedField):
    """A community by its code, among those the user may see."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The community's 12-digit code.")
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self) -> QuerySet:
        return _communities(_user(self))


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related row by id, among those of the model the user may see."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.model.objects.visible_to(_user(self))


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise api_validation_error(exc) from exc


class ScopedViewSet(viewsets.GenericViewSet):
    model: type = DualRegistration

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped(self.request.user)

    def scoped(self, user) -> QuerySet:
        return self.model.objects.visible_to(user)

    def answer(self, obj, status_code: int = status.HTTP_200_OK, serializer_class=None) -> Response:
        """Re-read a saved row through the scoped queryset, so it shows what a list would show."""
        obj = self.get_queryset().get(pk=obj.pk)
        serializer_class = serializer_class or self.read_serializer
        return Response(serializer_class(obj, context=self.get_serializer_context()).data, status=status_code)


# ---------------------------------------------------------------- 双报到


class DualRegistrationSerializer(serializers.ModelSerializer):
    community = serializers.CharField(source="community.code", read_only=True)
    member_name = serializers.SerializerMethodField(help_text="The member's name (a resident's name where linked).")
    total_hours = serializers.DecimalField(max_digits=9, decimal_places=1, read_only=True)
    record_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = DualRegistration
        fields = [
            "id", "member", "member_name", "community", "workplace", "skills", "registered_on", "ended_on",
            "total_hours", "record_count",
        ]  # fmt: skip
        read_only_fields = fields

    def get_member_name(self, obj: DualRegistration) -> str:
        return selectors.member_display_name(obj.member)


class DualRegistrationCreateSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyField(PartyMember, help_text="An in-service member (在职党员).")
    community = CommunityField()
    workplace = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    skills = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    registered_on = serializers.DateField(required=False, allow_null=True, default=None)


class RegistrationEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)


class DualRegistrationFilter(django_filters.FilterSet):
    community = django_filters.CharFilter(field_name="community__code", label="Community code")
    open = django_filters.BooleanFilter(field_name="ended_on", lookup_expr="isnull", label="Only open registrations")

    class Meta:
        model = DualRegistration
        fields = ["community", "open", "workplace"]


@extend_schema_view(
    list=extend_schema(summary="List 双报到 registrations with their service hours"),
    retrieve=extend_schema(summary="One registration"),
)
@extend_schema(tags=[TAG])
class DualRegistrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """In-service members registered with their home community (双报到)."""

    model = DualRegistration
    read_serializer = DualRegistrationSerializer
    filterset_class = DualRegistrationFilter

    def scoped(self, user) -> QuerySet:
        return selectors.dual_registrations(user=user, include_ended=True)

    def get_serializer_class(self):
        return {"create": DualRegistrationCreateSerializer, "end": RegistrationEndSerializer}.get(
            self.action, DualRegistrationSerializer
        )

    @extend_schema(
        summary="Register an in-service member with a community",
        request=DualRegistrationCreateSerializer,
        responses={201: DualRegistrationSerializer, **WRITE_RESPONSES},
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = _call(services.dual_registration_add, actor=request.user, **serializer.validated_data)
        return self.answer(registration, status.HTTP_201_CREATED)

    @extend_schema(
        summary="End a registration",
        request=RegistrationEndSerializer,
        responses={200: DualRegistrationSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        registration = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(
            services.dual_registration_end, actor=request.user, registration=registration, **serializer.validated_data
        )
        return self.answer(registration)


class ServiceRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceRecord
        fields = ["id", "registration", "date", "hours", "description"]
        read_only_fields = ["id"]

    def get_fields(self):
        fields = super().get_fields()
        fields["registration"] = ScopedPrimaryKeyField(DualRegistration)
        fields["hours"] = serializers.DecimalField(max_digits=4, decimal_places=1, help_text="More than 0, at most 24.")
        return fields


class ServiceRecordFilter(django_filters.FilterSet):
    community = django_filters.CharFilter(field_name="registration__community__code", label="Community code")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = ServiceRecord
        fields = ["registration", "community", "date_from", "date_to"]


@extend_schema_view(
    list=extend_schema(summary="List service records of registered members"),
    retrieve=extend_schema(summary="One service record"),
)
@extend_schema(tags=[TAG])
class ServiceRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """What registered members did for the community, with hours."""

    model = ServiceRecord
    read_serializer = ServiceRecordSerializer
    serializer_class = ServiceRecordSerializer
    filterset_class = ServiceRecordFilter

    def scoped(self, user) -> QuerySet:
        return ServiceRecord.objects.visible_to(user).order_by("-date", "-id")

    @extend_schema(
        summary="Record a service (no future dates; 0 < hours ≤ 24)",
        request=ServiceRecordSerializer,
        responses={201: ServiceRecordSerializer, **WRITE_RESPONSES},
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = _call(services.service_record_add, actor=request.user, **serializer.validated_data)
        return self.answer(record, status.HTTP_201_CREATED)


# ---------------------------------------------------------------- co-building units


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agreement
        fields = ["id", "signed_on", "valid_until", "text"]
        read_only_fields = ["id"]


class CoBuildingUnitSerializer(serializers.ModelSerializer):
    community = serializers.CharField(source="community.code", read_only=True)
    joint_committee_name = serializers.CharField(source="joint_committee.name", read_only=True, default=None)
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
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None)
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


# ---------------------------------------------------------------- 书记领办项目


class ProjectUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectUpdate
        fields = ["id", "date", "progress", "note"]
        read_only_fields = ["id"]

    def get_fields(self):
        fields = super().get_fields()
        fields["progress"] = serializers.IntegerField(min_value=0, max_value=100, help_text="Percent, 0–100.")
        return fields


class SecretaryProjectSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    secretary_name = serializers.SerializerMethodField()
    status = enum_field(ProjectStatus, read_only=True)
    updates = ProjectUpdateSerializer(many=True, read_only=True)

    class Meta:
        model = SecretaryProject
        fields = [
            "id", "org", "org_name", "secretary", "secretary_name", "title", "goal", "started_on", "due_on",
            "status", "progress", "is_public", "updates",
        ]  # fmt: skip
        read_only_fields = fields

    def get_secretary_name(self, obj: SecretaryProject) -> str:
        return selectors.member_display_name(obj.secretary)


class SecretaryProjectCreateSerializer(serializers.Serializer):
    org = ScopedPrimaryKeyField(PartyOrg)
    secretary = ScopedPrimaryKeyField(PartyMember, help_text="Must hold a current secretary (书记) position in org.")
    title = serializers.CharField(max_length=100)
    goal = serializers.CharField()
    started_on = serializers.DateField(required=False, allow_null=True, default=None)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    is_public = serializers.BooleanField(required=False, default=True)


class SecretaryProjectFilter(django_filters.FilterSet):
    community = django_filters.CharFilter(field_name="region_code", lookup_expr="startswith", label="Community code")

    class Meta:
        model = SecretaryProject
        fields = ["community", "org", "status", "is_public"]


@extend_schema_view(
    list=extend_schema(summary="List secretary-led projects (书记领办项目) with their updates"),
    retrieve=extend_schema(summary="One secretary-led project"),
)
@extend_schema(tags=[TAG])
class SecretaryProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Projects led by Party secretaries, with progress reports."""

    model = SecretaryProject
    read_serializer = SecretaryProjectSerializer
    filterset_class = SecretaryProjectFilter

    def scoped(self, user) -> QuerySet:
        return selectors.secretary_projects(user=user).order_by("region_code", "-started_on", "id")

    def get_serializer_class(self):
        return {"create": SecretaryProjectCreateSerializer, "updates": ProjectUpdateSerializer}.get(
            self.action, SecretaryProjectSerializer
        )

    @extend_schema(
        summary="Start a project led by an organisation's secretary",
        request=SecretaryProjectCreateSerializer,
        responses={201: SecretaryProjectSerializer, **WRITE_RESPONSES},
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = _call(services.secretary_project_add, actor=request.user, **serializer.validated_data)
        return self.answer(project, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Report progress (100 finishes the project)",
        request=ProjectUpdateSerializer,
        responses={201: SecretaryProjectSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def updates(self, request, pk=None):
        project = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(services.project_update_add, actor=request.user, project=project, **serializer.validated_data)
        return self.answer(project, status.HTTP_201_CREATED)


def register(router) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("dual-registrations", DualRegistrationViewSet, basename="party-dual-registration")
    router.register("service-records", ServiceRecordViewSet, basename="party-service-record")
    router.register("cobuilding-units", CoBuildingUnitViewSet, basename="party-cobuilding-unit")
    router.register("list-items", ListItemViewSet, basename="party-list-item")
    router.register("secretary-projects", SecretaryProjectViewSet, basename="party-secretary-project")
