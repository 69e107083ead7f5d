"""双报到 through the API: registrations of in-service members and their service records."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action

from ...models import (
    DualRegistration,
    PartyMember,
    ServiceRecord,
)
from ...selectors import service as selectors
from ...services import service as services
from .common import TAG, WRITE_RESPONSES, CommunityField, ScopedPrimaryKeyField, ScopedViewSet, _call

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
