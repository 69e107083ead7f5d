"""议事协商 reads: the topic board, topic and meeting details with vote results, public notices.

Deliberation is the community's business: besides the Party roles of the community and above
(`visible_to`), the grid roles working inside a community see its topics, meetings and
publications, since they collect the topics and take part in the meetings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.scoping import get_scope
from grids.models import Region, RegionLevel

from ..models import (
    PARTY_VIEW_ROLES,
    STEP_ORDER,
    AgendaItem,
    ImplementationUpdate,
    Meeting,
    Objection,
    Publication,
    Topic,
    TopicEvent,
    TopicStep,
    VoteOption,
)
from ..services.deliberation import VoteResult, vote_result

COMMUNITY_DIGITS = 12
# The board is a work view: each column shows its most recently changed topics only.
BOARD_COLUMN_LIMIT = 50
BOARD_STEPS = [*STEP_ORDER, TopicStep.DROPPED]


def _inner_communities(user) -> list[str]:
    """Communities in which the user holds a Party view role only at a place inside them (a grid, a micro-grid)."""
    prefixes = get_scope(user).prefixes(PARTY_VIEW_ROLES)
    return sorted({p[:COMMUNITY_DIGITS] for p in prefixes if len(p) > COMMUNITY_DIGITS})


def _scoped(model, user) -> QuerySet:
    queryset = model.objects.visible_to(user)
    inner = _inner_communities(user) if user is not None and user.is_authenticated else []
    if inner:
        queryset = queryset | model.objects.filter(region_code__in=inner)
    return queryset


def topics_visible(user) -> QuerySet[Topic]:
    return _scoped(Topic, user)


def meetings_visible(user) -> QuerySet[Meeting]:
    return _scoped(Meeting, user)


def publications_visible(user) -> QuerySet[Publication]:
    return _scoped(Publication, user)


def communities_visible(user) -> QuerySet[Region]:
    """The communities whose deliberation the user sees (for the board's filter and the forms)."""
    scope = get_scope(user)
    queryset = Region.objects.filter(level=RegionLevel.COMMUNITY)
    if scope.unrestricted:
        return queryset.order_by("code")
    query = Q(pk__in=[])
    for prefix in scope.prefixes(PARTY_VIEW_ROLES):
        query |= Q(code__startswith=prefix) if len(prefix) <= COMMUNITY_DIGITS else Q(code=prefix[:COMMUNITY_DIGITS])
    return queryset.filter(query).order_by("code")


# ---------------------------------------------------------------- board


@dataclass
class BoardColumn:
    step: str
    label: str
    count: int = 0
    topics: list[Topic] = field(default_factory=list)


def topic_board(*, user, community_code: str = "") -> list[BoardColumn]:
    """Columns per step with counts and the latest topics; a fixed number of queries whatever the size."""
    queryset = topics_visible(user)
    if community_code:
        queryset = queryset.filter(region_code=community_code)
    counts = dict(queryset.order_by().values_list("step").annotate(n=Count("pk")))
    columns = {step: BoardColumn(step=step, label=str(TopicStep(step).label), count=counts.get(step, 0))
               for step in BOARD_STEPS}  # fmt: skip
    rows = (
        queryset.select_related("community")
        .annotate(rank=Window(RowNumber(), partition_by=F("step"), order_by=[F("updated_at").desc(), F("pk").desc()]))
        .filter(rank__lte=BOARD_COLUMN_LIMIT)
        .order_by("-updated_at", "-pk")
    )
    for topic in rows:
        column = columns.get(topic.step)
        if column is not None:
            column.topics.append(topic)
    return [columns[step] for step in BOARD_STEPS]


# ---------------------------------------------------------------- details


def _meeting_queryset(queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return (
        queryset.select_related("community", "recorded_by")
        .annotate(present_count=Count("attendees", distinct=True))
        .prefetch_related(
            "attendees",
            Prefetch(
                "agenda",
                queryset=AgendaItem.objects.select_related("topic").prefetch_related(
                    Prefetch("options", queryset=VoteOption.objects.order_by("id"))
                ),
            ),
        )
    )


def meeting_detail(*, user, pk: int) -> Meeting | None:
    """The meeting with attendees and agenda; each option carries `.result` (a VoteResult)."""
    meeting = _meeting_queryset(meetings_visible(user)).filter(pk=pk).first()
    if meeting is not None:
        attach_results(meeting)
    return meeting


def attach_results(meeting: Meeting) -> None:
    for item in meeting.agenda.all():
        for option in item.options.all():
            option.result = vote_result(meeting, option)


def topic_detail(*, user, pk: int) -> Topic | None:
    return (
        topics_visible(user)
        .select_related("community", "created_by", "source_case")
        .prefetch_related(
            Prefetch("events", queryset=TopicEvent.objects.select_related("actor").order_by("created_at", "id")),
            Prefetch("implementation", queryset=ImplementationUpdate.objects.select_related("recorded_by")),
        )
        .filter(pk=pk)
        .first()
    )


@dataclass
class TopicVote:
    meeting: Meeting
    item: AgendaItem
    options: list[tuple[VoteOption, VoteResult]]


def topic_votes(topic: Topic) -> list[TopicVote]:
    """The votes on this topic at every meeting, with results, in a fixed number of queries."""
    items = list(
        AgendaItem.objects.filter(topic=topic)
        .select_related("meeting")
        .prefetch_related(Prefetch("options", queryset=VoteOption.objects.order_by("id")))
        .order_by("meeting__held_at", "pk")
    )
    meeting_ids = {item.meeting_id for item in items}
    present = dict(Meeting.objects.filter(pk__in=meeting_ids).annotate(n=Count("attendees")).values_list("pk", "n"))
    votes = []
    for item in items:
        item.meeting.present_count = present.get(item.meeting_id, 0)
        votes.append(TopicVote(item.meeting, item, [(o, vote_result(item.meeting, o)) for o in item.options.all()]))
    return votes


def topic_publication(topic: Topic) -> Publication | None:
    return (
        Publication.objects.filter(topic=topic)
        .prefetch_related(Prefetch("objections", queryset=Objection.objects.order_by("created_at", "id")))
        .first()
    )


# ---------------------------------------------------------------- public


def public_notices(*, community: Region) -> tuple[list[Publication], list[Publication]]:
    """(running, ended) publications of a community for the public page; ones yet to start are left out."""
    today = timezone.localdate()
    rows = list(
        Publication.objects.filter(region_code=community.code, starts_on__lte=today)
        .select_related("topic")
        .only("pk", "text", "starts_on", "ends_on", "topic__title", "region_code")
        .order_by("-starts_on", "-pk")
    )
    running = [p for p in rows if p.ends_on >= today]
    ended = [p for p in rows if p.ends_on < today]
    return running, ended


def topic_counts_by_step(code: str) -> list[dict]:
    """Deliberation topics under a place per step (the six steps, then those not taken up): one query.

    Takes a code prefix ("" for everywhere) and no user: the caller scopes the place. Topics belong to
    communities, so a grid or micro-grid has none of its own.
    """
    rows = dict(Topic.objects.under(code).values("step").annotate(n=Count("id")).values_list("step", "n"))
    return [{"key": step.value, "label": str(step.label), "count": rows.get(step.value, 0)} for step in BOARD_STEPS]
