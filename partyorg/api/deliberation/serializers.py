"""Serializers of the 议事协商 API: topics and their events, meetings with attendees and votes, publications."""

from __future__ import annotations

from rest_framework import serializers

from ...models import (
    AgendaItem,
    Attendee,
    AttendeeKind,
    ForumType,
    ImplementationUpdate,
    MajorityRule,
    Meeting,
    Objection,
    Publication,
    Topic,
    TopicEvent,
    TopicSource,
    TopicStep,
    VoteOption,
)

# ---------------------------------------------------------------- serializers


class TopicEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", default="", read_only=True)

    class Meta:
        model = TopicEvent
        fields = ["id", "created_at", "actor", "from_step", "to_step", "note", "data"]


class ImplementationUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImplementationUpdate
        fields = ["id", "date", "note"]


class TopicSerializer(serializers.ModelSerializer):
    community = serializers.CharField(source="community.code", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Topic
        fields = [
            "id", "community", "community_name", "title", "description", "source", "source_case",
            "proposer_name", "step", "plan", "decision", "archive_summary", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class TopicDetailSerializer(TopicSerializer):
    events = TopicEventSerializer(many=True, read_only=True)
    implementation = ImplementationUpdateSerializer(many=True, read_only=True)
    publication = serializers.SerializerMethodField()

    class Meta(TopicSerializer.Meta):
        fields = [*TopicSerializer.Meta.fields, "events", "implementation", "publication"]
        read_only_fields = fields

    def get_publication(self, topic: Topic) -> int | None:
        publication = getattr(topic, "publication", None)
        return publication.pk if publication is not None else None


class TopicCreateSerializer(serializers.Serializer):
    community = serializers.CharField(max_length=12, help_text="The community's 12-digit code.")
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=TopicSource.choices, default=TopicSource.RESIDENT)
    source_case = serializers.IntegerField(required=False, allow_null=True, default=None)
    proposer_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class MoveSerializer(serializers.Serializer):
    to_step = serializers.ChoiceField(choices=TopicStep.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PlanSerializer(serializers.Serializer):
    plan = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    decision = serializers.CharField()


class PublishSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class ImplementationInputSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField()


class ArchiveSerializer(serializers.Serializer):
    summary = serializers.CharField()


class TopicConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()


class AttendeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendee
        fields = ["kind", "name", "member"]


class VoteOptionSerializer(serializers.ModelSerializer):
    quorate = serializers.SerializerMethodField()
    passed = serializers.SerializerMethodField()

    class Meta:
        model = VoteOption
        fields = ["id", "text", "votes_for", "votes_against", "votes_abstain", "quorate", "passed"]

    def get_quorate(self, option) -> bool:
        return option.result.quorate

    def get_passed(self, option) -> bool:
        return option.result.passed


class AgendaItemSerializer(serializers.ModelSerializer):
    topic_title = serializers.CharField(source="topic.title", read_only=True)
    options = VoteOptionSerializer(many=True, read_only=True)

    class Meta:
        model = AgendaItem
        fields = ["id", "topic", "topic_title", "discussion", "options"]


class MeetingSerializer(serializers.ModelSerializer):
    community = serializers.CharField(source="community.code", read_only=True)
    present = serializers.IntegerField(source="present_count", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id", "community", "forum", "forum_name", "held_at", "place", "eligible_count", "present",
            "quorum_percent", "majority_rule", "minutes",
        ]  # fmt: skip


class MeetingDetailSerializer(MeetingSerializer):
    attendees = AttendeeSerializer(many=True, read_only=True)
    agenda = AgendaItemSerializer(many=True, read_only=True)

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "attendees", "agenda"]


class AttendeeInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AttendeeKind.choices)
    name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    member = serializers.IntegerField(required=False, allow_null=True, default=None)


class OptionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=200)
    votes_for = serializers.IntegerField(min_value=0, default=0)
    votes_against = serializers.IntegerField(min_value=0, default=0)
    votes_abstain = serializers.IntegerField(min_value=0, default=0)


class AgendaInputSerializer(serializers.Serializer):
    topic = serializers.IntegerField()
    discussion = serializers.CharField(required=False, allow_blank=True, default="")
    options = OptionInputSerializer(many=True)


class MeetingCreateSerializer(serializers.Serializer):
    community = serializers.CharField(max_length=12)
    forum = serializers.ChoiceField(choices=ForumType.choices)
    forum_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    held_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=100)
    eligible_count = serializers.IntegerField(min_value=1)
    quorum_percent = serializers.IntegerField(min_value=1, max_value=100, default=50)
    majority_rule = serializers.ChoiceField(choices=MajorityRule.choices, default=MajorityRule.SIMPLE)
    minutes = serializers.CharField(required=False, allow_blank=True, default="")
    attendees = AttendeeInputSerializer(many=True)
    agenda = AgendaInputSerializer(many=True)


class ObjectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objection
        fields = ["id", "name", "text", "created_at", "answer"]


class ObjectionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    text = serializers.CharField(max_length=2000)


class PublicationSerializer(serializers.ModelSerializer):
    topic_title = serializers.CharField(source="topic.title", read_only=True)
    is_running = serializers.BooleanField(read_only=True)
    objections = ObjectionSerializer(many=True, read_only=True)

    class Meta:
        model = Publication
        fields = ["id", "topic", "topic_title", "text", "starts_on", "ends_on", "is_running", "objections"]
