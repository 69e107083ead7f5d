"""Votes at deliberation meetings: quorum, majority rules and which options passed."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ...models import MajorityRule, Meeting, Topic, VoteOption


@dataclass(frozen=True)
class VoteResult:
    present: int
    cast: int
    quorate: bool
    passed: bool


def vote_counts_passed(
    *, votes_for: int, votes_against: int, votes_abstain: int, present: int, eligible: int, quorum_percent: int, rule
) -> VoteResult:
    """Whether a vote counts (quorum) and carries (majority rule); integer arithmetic, no rounding."""
    cast = votes_for + votes_against + votes_abstain
    quorate = eligible > 0 and present * 100 >= quorum_percent * eligible
    if rule == MajorityRule.ABSOLUTE:
        majority = votes_for * 2 > present
    elif rule == MajorityRule.TWO_THIRDS:
        majority = votes_for * 3 >= present * 2
    else:
        majority = votes_for * 2 > cast
    return VoteResult(present=present, cast=cast, quorate=quorate, passed=quorate and votes_for > 0 and majority)


def meeting_present(meeting: Meeting) -> int:
    """Those present: an annotated count when the selector gave one, else the attendee rows."""
    count = getattr(meeting, "present_count", None)
    if count is None:
        cached = getattr(meeting, "_prefetched_objects_cache", {}).get("attendees")
        count = len(cached) if cached is not None else meeting.attendees.count()
    return count


def vote_result(meeting: Meeting, option: VoteOption) -> VoteResult:
    return vote_counts_passed(
        votes_for=option.votes_for,
        votes_against=option.votes_against,
        votes_abstain=option.votes_abstain,
        present=meeting_present(meeting),
        eligible=meeting.eligible_count,
        quorum_percent=meeting.quorum_percent,
        rule=meeting.majority_rule,
    )


def topic_passed_options(topic: Topic) -> list[VoteOption]:
    """Every option voted on the topic that passed, at any meeting."""
    options = VoteOption.objects.filter(item__topic=topic).select_related("item__meeting")
    meetings: dict[int, Meeting] = {}
    passed = []
    for option in options:
        meeting = option.item.meeting
        if meeting.pk not in meetings:
            meeting.present_count = meeting.attendees.count()
            meetings[meeting.pk] = meeting
        if vote_result(meetings[meeting.pk], option).passed:
            passed.append(option)
    return passed


def _require_passed(topic: Topic, field: str = "__all__") -> list[VoteOption]:
    passed = topic_passed_options(topic)
    if not passed:
        raise ValidationError({field: [_("No meeting has passed a vote on this topic yet.")]})
    return passed
