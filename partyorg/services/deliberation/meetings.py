"""Meetings with their attendees, agenda and votes (议事会, 党群议事会 and the like)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Region

from ...models import AgendaItem, Attendee, MajorityRule, Meeting, PartyMember, Topic, TopicStep, VoteOption
from .common import AGENDA_STEPS, _community, _event, _lock, _require_edit, _step_label
from .votes import vote_result


def _clean_count(value, field: str, errors: dict) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(_("Give a whole number."))
        return 0
    if number < 0:
        errors.setdefault(field, []).append(_("A count cannot be negative."))
        return 0
    return number


@transaction.atomic
def meeting_record(
    *,
    actor,
    community: Region,
    forum: str,
    forum_name: str = "",
    held_at: dt.datetime,
    place: str,
    eligible_count: int,
    quorum_percent: int = 50,
    majority_rule: str = MajorityRule.SIMPLE,
    minutes: str = "",
    attendees: list[dict],
    agenda: list[dict],
) -> Meeting:
    """Record a meeting with who came and the votes per topic; topics still being planned go to the vote.

    attendees: [{kind, name, member?, resident?}]; agenda: [{topic, discussion, options: [{text, for,
    against, abstain}]}]. Vote counts cannot exceed those present.
    """
    community = _community(community)
    _require_edit(actor, community.code, _("Only community workers of this community may record meetings."))
    errors: dict[str, list[str]] = {}
    meeting = Meeting(
        community=community,
        region_code=community.code,
        forum=forum,
        forum_name=(forum_name or "").strip(),
        held_at=held_at,
        place=(place or "").strip(),
        eligible_count=eligible_count,
        quorum_percent=quorum_percent,
        majority_rule=majority_rule,
        minutes=(minutes or "").strip(),
        recorded_by=actor,
    )
    try:
        meeting.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if held_at and held_at > timezone.now() + dt.timedelta(hours=1):
        errors.setdefault("held_at", []).append(_("Record a meeting after it has been held."))

    people: list[Attendee] = []
    for row in attendees:
        name = (row.get("name") or "").strip()
        member, resident = row.get("member"), row.get("resident")
        if isinstance(member, PartyMember) and not name:
            name = member.resident.name if member.resident_id else member.name
        if resident is not None and not name:
            name = resident.name
        if not name:
            continue
        if member is not None and not member.region_code.startswith(community.code):
            errors.setdefault("attendees", []).append(_("%(name)s is not a member in this community.") % {"name": name})
        if resident is not None and not resident.region_code.startswith(community.code):
            errors.setdefault("attendees", []).append(
                _("%(name)s is not a resident of this community.") % {"name": name}
            )
        attendee = Attendee(kind=row.get("kind") or "", name=name, member=member, resident=resident)
        try:
            attendee.full_clean(exclude=["meeting"])
        except ValidationError as exc:
            errors.setdefault("attendees", []).extend(exc.messages)
        people.append(attendee)
    present = len(people)
    if not people:
        errors.setdefault("attendees", []).append(_("List who attended."))

    items: list[tuple[AgendaItem, list[VoteOption]]] = []
    seen_topics: set[int] = set()
    for row in agenda:
        topic: Topic = row["topic"]
        if topic.pk in seen_topics:
            errors.setdefault("agenda", []).append(_("“%(title)s” is on the agenda twice.") % {"title": topic.title})
            continue
        seen_topics.add(topic.pk)
        topic = _lock(topic)
        if topic.region_code != community.code:
            errors.setdefault("agenda", []).append(
                _("“%(title)s” is a topic of another community.") % {"title": topic.title}
            )
        elif topic.step not in AGENDA_STEPS:
            errors.setdefault("agenda", []).append(
                _("“%(title)s” is at the step “%(step)s”; only topics being planned or up for a vote can be voted on.")
                % {"title": topic.title, "step": _step_label(topic.step)}
            )
        elif topic.step == TopicStep.PLANNING and not topic.plan.strip():
            errors.setdefault("agenda", []).append(
                _("“%(title)s” has no plan yet; write it before the vote.") % {"title": topic.title}
            )
        item = AgendaItem(topic=topic, discussion=(row.get("discussion") or "").strip())
        options = []
        for option_row in row.get("options") or []:
            text = (option_row.get("text") or "").strip()
            counts = [_clean_count(option_row.get(key), "agenda", errors) for key in ("for", "against", "abstain")]
            if not text and not any(counts):
                continue
            if not text:
                errors.setdefault("agenda", []).append(_("Give the text of every option put to the vote."))
            if sum(counts) > present:
                errors.setdefault("agenda", []).append(
                    _("“%(option)s”: %(cast)d votes were counted but only %(present)d people were present.")
                    % {"option": text or topic.title, "cast": sum(counts), "present": present}
                )
            option = VoteOption(text=text, votes_for=counts[0], votes_against=counts[1], votes_abstain=counts[2])
            options.append(option)
        if not options:
            errors.setdefault("agenda", []).append(
                _("“%(title)s”: give at least one option with its vote.") % {"title": topic.title}
            )
        items.append((item, options))
    if not items:
        errors.setdefault("agenda", []).append(_("Put at least one topic on the agenda."))
    if errors:
        raise ValidationError(errors)

    meeting.save()
    for attendee in people:
        attendee.meeting = meeting
    Attendee.objects.bulk_create(people)
    meeting.present_count = present
    for item, options in items:
        item.meeting = meeting
        item.save()
        for option in options:
            option.item = item
        VoteOption.objects.bulk_create(options)
        topic = item.topic
        results = [{"option": o.text, "passed": vote_result(meeting, o).passed} for o in options]
        if topic.step == TopicStep.PLANNING:
            Topic.objects.filter(pk=topic.pk).update(step=TopicStep.VOTING)
            topic.step = TopicStep.VOTING
            _event(
                topic,
                actor=actor,
                from_step=TopicStep.PLANNING,
                to_step=TopicStep.VOTING,
                note=_("Put to the vote at the meeting."),
                data={"meeting": meeting.pk, "results": results},
            )
        else:
            _event(
                topic, actor=actor, note=_("Voted on at a meeting."), data={"meeting": meeting.pk, "results": results}
            )
    return meeting
