"""书记领办项目 through the API: projects led by Party secretaries and their progress reports."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action

from ...models import (
    PartyMember,
    PartyOrg,
    ProjectStatus,
    ProjectUpdate,
    SecretaryProject,
)
from ...selectors import service as selectors
from ...services import service as services
from .common import TAG, WRITE_RESPONSES, ScopedPrimaryKeyField, ScopedViewSet, _call, enum_field

# ---------------------------------------------------------------- 书记领办项目


class ProjectUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectUpdate
        fields = ["id", "date", "progress", "note"]
        read_only_fields = ["id"]

    def get_fields(self):
        fields = super().get_fields()
        fields["progress"] = serializers.IntegerField(min_value=0, max_value=100, help_text="Percent, 0–100.")
        # The model's own default (today) is not seen by the service, which needs the date given.
        fields["date"] = serializers.DateField(required=False, default=timezone.localdate, help_text="Default: today.")
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
