"""REST API of the notification centre: the current user's notifications only.

Another user's notification answers 404 exactly like a missing one. Writes go through
notifications.services.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    """A notification; its title is rendered in the request's language (Accept-Language or the language cookie)."""

    title = serializers.CharField(source="text", read_only=True, help_text="What it says, in the request's language.")
    params = serializers.DictField(read_only=True, help_text="The values put into the message (JSON object).")

    class Meta:
        model = Notification
        fields = ["id", "title", "message_id", "params", "body", "url", "case", "created_at", "read_at"]
        read_only_fields = fields
        extra_kwargs = {
            "message_id": {"help_text": "Id of the message, e.g. case.accepted; empty for a plain text."},
            "body": {"help_text": "Free text written by a person (a reason, a note), as written."},
            "url": {"help_text": "Path of the page this notification is about, on this site; may be empty."},
            "case": {"help_text": "Id of the case this notification is about, if any."},
            "read_at": {"help_text": "When it was first read; null while unread."},
        }


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="Number of unread notifications.")


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="Number of notifications that were unread and are now read.")


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="true: only unread; false: only read."
    )

    class Meta:
        model = Notification
        fields = ["unread"]


@extend_schema_view(
    list=extend_schema(summary="List your notifications, newest first"),
    retrieve=extend_schema(summary="One of your notifications"),
)
@extend_schema(tags=["notifications"])
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your notifications; reading one here does not mark it read (POST to read/ does)."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Notification.objects.none()
        return Notification.objects.visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        summary="Mark one notification read",
        request=None,
        responses={200: NotificationSerializer, 404: OpenApiResponse(description="No such notification of yours.")},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.notification_mark_read(user=request.user, notification_id=notification.pk)
        notification.refresh_from_db(fields=["read_at"])
        return Response(self.get_serializer(notification).data)

    @extend_schema(summary="Mark all your notifications read", request=None, responses=MarkedReadSerializer)
    @action(detail=False, methods=["post"], url_path="read-all", filterset_class=None, pagination_class=None)
    def read_all(self, request):
        marked = services.notifications_mark_all_read(user=request.user)
        return Response(MarkedReadSerializer({"marked": marked}).data)

    @extend_schema(summary="How many of your notifications are unread", responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count", filterset_class=None, pagination_class=None)
    def unread_count(self, request):
        unread = Notification.objects.visible_to(request.user).unread().count()
        return Response(UnreadCountSerializer({"unread": unread}).data)
