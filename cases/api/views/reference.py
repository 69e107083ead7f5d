"""Endpoints of the case reference data: categories and departments."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from ...models import CaseCategory, Department
from ..serializers import CaseCategorySerializer, DepartmentSerializer
from .common import departments_visible_to

# ---------------------------------------------------------------- reference data


@extend_schema_view(
    list=extend_schema(summary="Case categories in use, each top category followed by its subcategories"),
    retrieve=extend_schema(summary="One case category, by its code"),
)
@extend_schema(tags=["case reference"])
class CaseCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The two-level category tree, flattened; cases are filed under subcategories."""

    serializer_class = CaseCategorySerializer
    pagination_class = None
    filter_backends: list = []
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9-]+"

    def get_queryset(self) -> QuerySet:
        return (
            CaseCategory.objects.filter(is_active=True)
            .filter(Q(parent__isnull=True) | Q(parent__is_active=True))
            .select_related("parent")
            .order_by(
                Coalesce("parent__sort_order", "sort_order"),
                Coalesce("parent__code", "code"),
                F("parent_id").asc(nulls_first=True),
                "sort_order",
                "code",
            )
        )


@extend_schema_view(
    list=extend_schema(summary="Departments serving your places"),
    retrieve=extend_schema(summary="One department"),
)
@extend_schema(tags=["case reference"])
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Functional departments (职能部门) whose jurisdiction covers or lies inside your places."""

    serializer_class = DepartmentSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Department.objects.none()
        return (
            departments_visible_to(self.request.user)
            .select_related("region")
            .prefetch_related("duties")
            .order_by("region_code", "name", "id")
        )
