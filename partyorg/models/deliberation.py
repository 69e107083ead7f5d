"""议事协商: topics through the six steps (集议题 → 定议题 → 拟方案 → 做表决 → 促落实 → 有备案),
meetings with attendees and votes, publication of decisions with objections, implementation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grids.models import Region, Resident, code_index

from .org import PartyMember
from .scoping import ScopedQuerySet


class TopicStep(models.TextChoices):
    COLLECTED = "collected", _("Collected (集议题)")
    ADOPTED = "adopted", _("Adopted as a topic (定议题)")
    PLANNING = "planning", _("Plan being drafted (拟方案)")
    VOTING = "voting", _("Up for a vote (做表决)")
    IMPLEMENTING = "implementing", _("Being implemented (促落实)")
    ARCHIVED = "archived", _("On file (有备案)")
    DROPPED = "dropped", _("Not taken up")


STEP_ORDER = [
    TopicStep.COLLECTED,
    TopicStep.ADOPTED,
    TopicStep.PLANNING,
    TopicStep.VOTING,
    TopicStep.IMPLEMENTING,
    TopicStep.ARCHIVED,
]


class TopicSource(models.TextChoices):
    RESIDENT = "resident", _("Resident suggestion")
    CASE = "case", _("Case")
    MEETING = "meeting", _("Meeting")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")


class Topic(models.Model):
    """A matter for the community to deliberate; the row is the summary of its events."""

    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="topics", verbose_name=_("community"))
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(pgettext_lazy("party", "description"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=TopicSource.choices)
    source_case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="topics",
        verbose_name=_("from case"),
    )  # fmt: skip
    proposer_name = models.CharField(_("proposed by"), max_length=64, blank=True)
    step = models.CharField(_("step"), max_length=16, choices=TopicStep.choices, default=TopicStep.COLLECTED)
    plan = models.TextField(_("plan"), blank=True)
    decision = models.TextField(_("decision"), blank=True)
    archive_summary = models.TextField(_("record on file"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["region_code", "-created_at"]
        indexes = [code_index("topic")]

    def __str__(self) -> str:
        return self.title


class TopicEvent(models.Model):
    """One move of a topic, append-only."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events", verbose_name=_("topic"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_step = models.CharField(pgettext_lazy("party", "from"), max_length=16, choices=TopicStep.choices, blank=True)
    to_step = models.CharField(pgettext_lazy("party", "to"), max_length=16, choices=TopicStep.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("topic event")
        verbose_name_plural = _("topic events")
        ordering = ["topic_id", "created_at", "id"]


class ForumType(models.TextChoices):
    BENCH = "bench", _("Bench meeting (板凳会)")
    CORRIDOR = "corridor", _("Corridor meeting (廊庭会)")
    COUNCIL = "council", _("Deliberation council (议事会)")
    TEA = "tea", _("Tea-table deliberation (品茶议事)")
    FAMILY = "family", _("Family-talk meeting (家话议事会)")
    CUSTOM = "custom", _("Other forum")


class MajorityRule(models.TextChoices):
    SIMPLE = "simple", _("More than half of the votes cast")
    ABSOLUTE = "absolute", _("More than half of those present")
    TWO_THIRDS = "two_thirds", _("At least two thirds of those present")


class Meeting(models.Model):
    """A deliberation meeting: who came, what was discussed, how each topic was voted."""

    community = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="deliberation_meetings", verbose_name=_("community")
    )
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    forum = models.CharField(_("forum"), max_length=12, choices=ForumType.choices)
    forum_name = models.CharField(
        _("forum name"), max_length=64, blank=True, help_text=_("For another forum, e.g. 布谷鸟议事协商会.")
    )
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=100)
    eligible_count = models.PositiveIntegerField(
        _("entitled to attend"), help_text=_("How many people are entitled to attend and vote.")
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (%)"), default=50, help_text=_("Share of those entitled who must be present for votes to count.")
    )
    majority_rule = models.CharField(
        _("majority rule"), max_length=12, choices=MajorityRule.choices, default=MajorityRule.SIMPLE
    )
    minutes = models.TextField(_("minutes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("deliberation meeting")
        verbose_name_plural = _("deliberation meetings")
        ordering = ["region_code", "-held_at"]
        indexes = [code_index("meeting")]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_percent__gte=1) & Q(quorum_percent__lte=100),
                name="meeting_quorum_percent",
                violation_error_message=_("The quorum is a percentage from 1 to 100."),
            ),
            models.CheckConstraint(
                condition=~Q(forum="custom") | ~Q(forum_name=""),
                name="meeting_custom_forum_named",
                violation_error_message=_("Name the forum."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.forum_name or self.get_forum_display()} {self.held_at:%Y-%m-%d}"


class AttendeeKind(models.TextChoices):
    MEMBER = "member", _("Party member")
    RESIDENT = "resident", _("Resident")
    FIRM = "firm", _("Property firm representative")
    COMMITTEE = "committee", _("Owners' committee representative")
    OTHER = "other", _("Other")


class Attendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    kind = models.CharField(_("attends as"), max_length=12, choices=AttendeeKind.choices)
    name = models.CharField(_("name"), max_length=64)
    member = models.ForeignKey(PartyMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["meeting_id", "kind", "id"]


class AgendaItem(models.Model):
    """A topic discussed at a meeting, with the vote on each option."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="agenda_items", verbose_name=_("topic"))
    discussion = models.TextField(_("discussion"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [models.UniqueConstraint(fields=["meeting", "topic"], name="agenda_topic_once")]


class VoteOption(models.Model):
    """One option put to the vote, with the counts for, against and abstaining."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("option"), max_length=200)
    votes_for = models.PositiveIntegerField(_("for"), default=0)
    votes_against = models.PositiveIntegerField(_("against"), default=0)
    votes_abstain = models.PositiveIntegerField(_("abstain"), default=0)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["item_id", "id"]


class Publication(models.Model):
    """公示: a decision shown to residents for a period, during which they may object."""

    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="publication", verbose_name=_("topic"))
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    text = models.TextField(_("text shown"))
    starts_on = models.DateField(pgettext_lazy("party", "from"))
    ends_on = models.DateField(_("until"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="publication_period",
                violation_error_message=_("A publication cannot end before it starts."),
            )
        ]

    @property
    def is_running(self) -> bool:
        return self.starts_on <= timezone.localdate() <= self.ends_on


class Objection(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="objections")
    name = models.CharField(_("name"), max_length=64)
    text = models.TextField(_("objection"))
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["publication_id", "created_at"]


class ImplementationUpdate(models.Model):
    """Progress of carrying out a decision (促落实)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="implementation")
    date = models.DateField(_("date"), default=timezone.localdate)
    note = models.TextField(_("what was done"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("implementation update")
        verbose_name_plural = _("implementation updates")
        ordering = ["topic_id", "date", "id"]
