from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Assignment
from ..scoping import get_scope
from ..services import client_ip, login_is_locked, username_normalise


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token (throttled like the login page)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = AuthTokenSerializer

    @extend_schema(
        tags=["accounts"],
        request=AuthTokenSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(description="Too many failed attempts for this account or address."),
        },
    )
    def post(self, request):
        # The authentication backend normalises the name and counts failures; this only answers a
        # locked account or address with 429 instead of a bare "wrong password".
        data = request.data if hasattr(request.data, "get") else {}
        username = username_normalise(data.get("username", ""))
        if login_is_locked(username=username, ip_address=client_ip(request)):
            raise Throttled(detail=_("Too many failed attempts. Please try again later."))
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


class AssignmentSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", default=None, allow_null=True)
    region_name = serializers.CharField(source="region.name", default=None, allow_null=True)
    role_display = serializers.CharField(source="get_role_display")

    class Meta:
        model = Assignment
        fields = ["role", "role_display", "region_code", "region_name", "start_date", "end_date"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField(), help_text="Roles held now, anywhere.")
    assignments = AssignmentSerializer(many=True)
    scope = serializers.ListField(child=serializers.CharField())
    unrestricted = serializers.BooleanField()


class MeView(APIView):
    """Who am I, which roles do I hold, and which region-code prefixes may I see."""

    @extend_schema(tags=["accounts"], responses=MeSerializer)
    def get(self, request):
        scope = get_scope(request.user)
        assignments = list(Assignment.objects.active().filter(user=request.user).select_related("region"))
        data = {
            "username": request.user.username,
            "full_name": request.user.full_name,
            "roles": sorted({a.role for a in assignments}),
            "assignments": assignments,
            "scope": list(scope.prefixes()),
            "unrestricted": scope.unrestricted,
        }
        return Response(MeSerializer(data).data)
