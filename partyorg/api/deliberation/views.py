"""Viewsets of the 议事协商 API: topics with their steps, meetings, publications and objections."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cases.models import Case
from grids.api.views import api_validation_error
from grids.models import Region, RegionLevel

from ...models import (
    AgendaItem,
    Meeting,
    Objection,
    PartyMember,
    Publication,
    Topic,
    TopicEvent,
    VoteOption,
)
from ...selectors import deliberation as selectors
from ...services import deliberation as services
from .serializers import (
    ArchiveSerializer,
    DecisionSerializer,
    ImplementationInputSerializer,
    MeetingCreateSerializer,
    MeetingDetailSerializer,
    MeetingSerializer,
    MoveSerializer,
    ObjectionInputSerializer,
    ObjectionSerializer,
    PlanSerializer,
    PublicationSerializer,
    PublishSerializer,
    TopicConflictSerializer,
    TopicCreateSerializer,
    TopicDetailSerializer,
    TopicSerializer,
)

TAG = ["deliberation"]
RESPONSES_400 = OpenApiResponse(description="Invalid data; the messages are under the fields' keys.")
RESPONSES_403 = OpenApiResponse(description="You may see the topic but not do this; the message says why.")
RESPONSES_404 = OpenApiResponse(description="No such row in your places.")
RESPONSES_409 = OpenApiResponse(description="The topic is not at the step this needs; reload it.")


def _call(fn, *args, **kwargs):
    """Run a service, turning Django's errors into DRF's; TopicConflict becomes a 409 response."""
    try:
        return fn(*args, **kwargs)
    except DjangoValidationError as exc:
        raise api_validation_error(exc) from exc
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc


# ---------------------------------------------------------------- helpers


def _community_for(user, code: str) -> Region:
    community = selectors.communities_visible(user).filter(code=code).first() if code.isdigit() else None
    if community is None or community.level != RegionLevel.COMMUNITY:
        raise api_validation_error(DjangoValidationError({"community": [gettext("No such community in your places.")]}))
    return community


def _topic_action(summary: str, request):
    return extend_schema(
        summary=summary,
        request=request,
        responses={
            200: TopicDetailSerializer,
            400: RESPONSES_400,
            403: RESPONSES_403,
            404: RESPONSES_404,
            409: TopicConflictSerializer,
        },  # fmt: skip
        tags=TAG,
    )


# ---------------------------------------------------------------- viewsets


@extend_schema_view(
    list=extend_schema(summary="Topics of your communities", tags=TAG),
    retrieve=extend_schema(summary="One topic with its events", tags=TAG),
    create=extend_schema(
        summary="Propose a topic (集议题)",
        request=TopicCreateSerializer,
        responses={201: TopicDetailSerializer, 400: RESPONSES_400, 403: RESPONSES_403},
        tags=TAG,
    ),
)
class TopicViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    filterset_fields = ["step", "source"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Topic.objects.none()
        queryset = (
            selectors.topics_visible(self.request.user).select_related("community").order_by("-updated_at", "-pk")
        )
        if self.action != "list":
            queryset = queryset.select_related("publication").prefetch_related(
                Prefetch("events", queryset=TopicEvent.objects.select_related("actor").order_by("created_at", "id")),
                "implementation",
            )
        return queryset

    def get_serializer_class(self):
        return TopicSerializer if self.action == "list" else TopicDetailSerializer

    def _detail(self, topic: Topic, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=topic.pk)
        return Response(TopicDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        data = TopicCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        community = _community_for(request.user, values.pop("community"))
        case_id = values.pop("source_case")
        source_case = None
        if case_id is not None:
            source_case = Case.objects.visible_to(request.user).filter(pk=case_id).first()
            if source_case is None:
                raise api_validation_error(
                    DjangoValidationError({"source_case": [gettext("No such case in your places.")]})
                )
        topic = _call(services.topic_create, actor=request.user, community=community, source_case=source_case, **values)
        return self._detail(topic, status.HTTP_201_CREATED)

    def _act(self, request, serializer_class, fn, **extra) -> Response:
        topic = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            _call(fn, actor=request.user, topic=topic, **data.validated_data, **extra)
        except services.TopicConflict as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return self._detail(topic)

    @_topic_action("Move the topic to another step", MoveSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        return self._act(request, MoveSerializer, services.topic_move)

    @_topic_action("Write the plan (拟方案)", PlanSerializer)
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        return self._act(request, PlanSerializer, services.topic_set_plan)

    @_topic_action("Record the decision after a passed vote", DecisionSerializer)
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        return self._act(request, DecisionSerializer, services.topic_record_decision)

    @_topic_action("Publish the decision to residents (公示)", PublishSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._act(request, PublishSerializer, services.publication_start)

    @_topic_action("Record implementation progress (促落实)", ImplementationInputSerializer)
    @action(detail=True, methods=["post"])
    def implementation(self, request, pk=None):
        return self._act(request, ImplementationInputSerializer, services.implementation_update_add)

    @_topic_action("Put the topic on file (有备案)", ArchiveSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        return self._act(request, ArchiveSerializer, services.topic_archive)


@extend_schema_view(
    list=extend_schema(summary="Deliberation meetings of your communities", tags=TAG),
    retrieve=extend_schema(summary="One meeting with attendees, agenda and vote results", tags=TAG),
    create=extend_schema(
        summary="Record a meeting with attendees and votes",
        request=MeetingCreateSerializer,
        responses={201: MeetingDetailSerializer, 400: RESPONSES_400, 403: RESPONSES_403},
        tags=TAG,
    ),
)
class MeetingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    filterset_fields = ["forum"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        queryset = selectors.meetings_visible(self.request.user).select_related("community")
        queryset = queryset.annotate(present_count=Count("attendees", distinct=True)).order_by("-held_at", "-pk")
        if self.action != "list":
            queryset = queryset.prefetch_related(
                "attendees",
                Prefetch(
                    "agenda",
                    queryset=AgendaItem.objects.select_related("topic").prefetch_related(
                        Prefetch("options", queryset=VoteOption.objects.order_by("id"))
                    ),
                ),
            )
        return queryset

    def get_serializer_class(self):
        return MeetingSerializer if self.action == "list" else MeetingDetailSerializer

    def get_object(self):
        meeting = super().get_object()
        selectors.attach_results(meeting)
        return meeting

    def create(self, request, *args, **kwargs):
        data = MeetingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        community = _community_for(request.user, values.pop("community"))
        topics = {
            t.pk: t
            for t in selectors.topics_visible(request.user).filter(pk__in=[a["topic"] for a in values["agenda"]])
        }
        member_ids = [a["member"] for a in values["attendees"] if a.get("member")]
        members = {m.pk: m for m in PartyMember.objects.visible_to(request.user).filter(pk__in=member_ids)}
        errors = []
        agenda = []
        for row in values.pop("agenda"):
            topic = topics.get(row["topic"])
            if topic is None:
                errors.append(gettext("No such topic in your places: %(id)s.") % {"id": row["topic"]})
                continue
            options = [
                {"text": o["text"], "for": o["votes_for"], "against": o["votes_against"], "abstain": o["votes_abstain"]}
                for o in row["options"]
            ]
            agenda.append({"topic": topic, "discussion": row["discussion"], "options": options})
        attendees = []
        for row in values.pop("attendees"):
            member = members.get(row["member"]) if row.get("member") else None
            if row.get("member") and member is None:
                errors.append(gettext("No such Party member in your places: %(id)s.") % {"id": row["member"]})
            attendees.append({"kind": row["kind"], "name": row["name"], "member": member})
        if errors:
            raise api_validation_error(DjangoValidationError({"agenda": errors}))
        meeting = _call(
            services.meeting_record, actor=request.user, community=community, attendees=attendees, agenda=agenda,
            **values,
        )  # fmt: skip
        fresh = self.get_queryset().get(pk=meeting.pk)
        selectors.attach_results(fresh)
        return Response(MeetingDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Publications (公示) of your communities", tags=TAG),
    retrieve=extend_schema(summary="One publication with its objections", tags=TAG),
)
class PublicationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PublicationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Publication.objects.none()
        return (
            selectors.publications_visible(self.request.user)
            .select_related("topic")
            .prefetch_related(Prefetch("objections", queryset=Objection.objects.order_by("created_at", "id")))
            .order_by("-starts_on", "-pk")
        )

    @extend_schema(
        summary="Object to a published decision while it runs",
        request=ObjectionInputSerializer,
        responses={201: ObjectionSerializer, 400: RESPONSES_400, 404: RESPONSES_404},
        tags=TAG,
    )
    @action(detail=True, methods=["post"])
    def objections(self, request, pk=None):
        publication = self.get_object()
        data = ObjectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = _call(services.objection_add, publication=publication, **data.validated_data)
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)
