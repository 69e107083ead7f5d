"""Shared pieces of the 双报到, co-building and 书记领办 API: scoped fields, the service call and the base viewset."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from accounts.scoping import get_scope
from grids.api.views import api_validation_error
from grids.models import Region, RegionLevel

from ...models import (
    PARTY_VIEW_ROLES,
    DualRegistration,
)

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
