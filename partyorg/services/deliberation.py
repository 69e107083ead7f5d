"""议事协商 services: topics through the six steps, meetings and votes, publication, objections, implementation.

Who may do what:
- propose a topic: community workers and street staff (editors) and the grid roles working inside the
  community (grid members collect topics from residents);
- every other step, meetings, publications, answers and implementation: editors (`can_edit_party`);
- objections: anyone, through the public page, while the publication runs.
A step that is not the topic's current one raises TopicConflict (409); a broken rule raises ValidationError.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import GRID_ROLES
from accounts.scoping import get_scope
from cases.models import Case, CaseState, Channel
from grids.models import Region, RegionLevel

from ..models import (
    PARTY_EDIT_ROLES,
    AgendaItem,
    Attendee,
    ImplementationUpdate,
    MajorityRule,
    Meeting,
    Objection,
    PartyMember,
    Publication,
    Topic,
    TopicEvent,
    TopicSource,
    TopicStep,
    VoteOption,
    can_edit_party,
    scoping,
)

# "四议两公开": a decision is shown to residents for at least this many days (both ends counted).
PUBLICATION_MIN_DAYS = 5
# Who may put a topic forward at a community: its editors and the grid roles working inside it.
PROPOSE_ROLES = frozenset(PARTY_EDIT_ROLES | GRID_ROLES)
# The moves of the state machine; every one of them is for editors.
TRANSITIONS: dict[str, frozenset[str]] = {
    TopicStep.COLLECTED: frozenset({TopicStep.ADOPTED, TopicStep.DROPPED}),
    TopicStep.ADOPTED: frozenset({TopicStep.PLANNING, TopicStep.DROPPED}),
    TopicStep.PLANNING: frozenset({TopicStep.VOTING}),
    TopicStep.VOTING: frozenset({TopicStep.IMPLEMENTING}),
    TopicStep.IMPLEMENTING: frozenset({TopicStep.ARCHIVED}),
}
# Topics a meeting may vote on.
AGENDA_STEPS = frozenset({TopicStep.PLANNING, TopicStep.VOTING})


class TopicConflict(Exception):
    """The topic is not at the step the action needs (someone moved it, or the page is stale); answers 409."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------- access


def can_propose_at(user, community_code: str) -> bool:
    """Editors of the community, and grid roles held at the community or at a place inside it."""
    scope = get_scope(user)
    if scope.unrestricted or scope.covers(community_code, roles=PROPOSE_ROLES):
        return True
    return any(prefix.startswith(community_code) for prefix in scope.prefixes(PROPOSE_ROLES))


def can_edit_deliberation(user, community_code: str) -> bool:
    return can_edit_party(user, community_code)


def _require_edit(actor, code: str, message: str | None = None) -> None:
    scoping.require_party_edit(actor, code, message or _("Only community workers of this community may do this."))


def allowed_moves(user, topic: Topic) -> list[str]:
    """The steps this user may try to move the topic to now (pages show only these buttons)."""
    if not can_edit_party(user, topic.region_code):
        return []
    order = [TopicStep.ADOPTED, TopicStep.PLANNING, TopicStep.VOTING, TopicStep.IMPLEMENTING, TopicStep.ARCHIVED]
    possible = TRANSITIONS.get(topic.step, frozenset())
    return [step for step in [*order, TopicStep.DROPPED] if step in possible]


# ---------------------------------------------------------------- helpers


def _lock(topic: Topic | int) -> Topic:
    pk = topic.pk if isinstance(topic, Topic) else topic
    return Topic.objects.select_for_update().select_related("community").get(pk=pk)


def _step_label(step: str) -> str:
    return str(TopicStep(step).label) if step in TopicStep.values else step


def _require_step(topic: Topic, steps, action: str) -> None:
    if topic.step not in set(steps):
        raise TopicConflict(
            _("This topic is now at the step “%(step)s”, so you cannot %(action)s. Reload it to see what changed.")
            % {"step": _step_label(topic.step), "action": action}
        )


def _event(topic: Topic, *, actor, from_step: str = "", to_step: str = "", note: str = "", data=None) -> TopicEvent:
    now = timezone.now()
    topic.updated_at = now
    topic.save(update_fields=["updated_at"])
    return TopicEvent.objects.create(
        topic=topic,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        from_step=from_step,
        to_step=to_step,
        note=note,
        data=data or {},
        created_at=now,
    )


def _community(region: Region) -> Region:
    if region.level != RegionLevel.COMMUNITY:
        raise ValidationError({"community": [_("Choose a community.")]})
    return region


# ---------------------------------------------------------------- votes


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


# ---------------------------------------------------------------- topics


@transaction.atomic
def topic_create(
    *,
    actor,
    community: Region,
    title: str,
    description: str = "",
    source: str = TopicSource.RESIDENT,
    source_case: Case | None = None,
    proposer_name: str = "",
) -> Topic:
    """Collect a topic (集议题) at a community."""
    community = _community(community)
    if not can_propose_at(actor, community.code):
        raise PermissionDenied(_("Only those working in this community may propose topics here."))
    errors: dict[str, list[str]] = {}
    if source == TopicSource.CASE and source_case is None:
        errors["source_case"] = [_("Name the case this topic comes from.")]
    if source_case is not None and not source_case.region_code.startswith(community.code):
        errors["source_case"] = [_("This case is not in the chosen community.")]
    now = timezone.now()
    topic = Topic(
        community=community,
        region_code=community.code,
        title=(title or "").strip(),
        description=(description or "").strip(),
        source=source,
        source_case=source_case,
        proposer_name=(proposer_name or "").strip(),
        step=TopicStep.COLLECTED,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    try:
        topic.full_clean(exclude=list(errors))
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    topic.save()
    data = {"case": source_case.pk} if source_case is not None else {}
    _event(topic, actor=actor, to_step=TopicStep.COLLECTED, note=_("Topic collected."), data=data)
    return topic


def _check_move_rules(topic: Topic, to_step: str, note: str) -> None:
    if to_step == TopicStep.DROPPED and not note:
        raise ValidationError({"note": [_("Say why the topic is not taken up.")]})
    if to_step == TopicStep.VOTING and not topic.plan.strip():
        raise ValidationError({"plan": [_("Write the plan before the topic goes to a vote.")]})
    if to_step == TopicStep.IMPLEMENTING:
        errors: dict[str, list[str]] = {}
        if not topic_passed_options(topic):
            errors.setdefault("__all__", []).append(_("No meeting has passed a vote on this topic yet."))
        if not topic.decision.strip():
            errors.setdefault("decision", []).append(_("Record the decision first."))
        if not Publication.objects.filter(topic=topic).exists():
            errors.setdefault("publication", []).append(_("Publish the decision to residents first (公示)."))
        if errors:
            raise ValidationError(errors)
    if to_step == TopicStep.ARCHIVED:
        errors = {}
        if not topic.implementation.exists():
            errors.setdefault("implementation", []).append(_("Record at least one implementation update first."))
        publication = Publication.objects.filter(topic=topic).first()
        if publication is None or publication.ends_on >= timezone.localdate():
            errors.setdefault("publication", []).append(
                _("The publication period must be over before the topic goes on file.")
            )
        if not topic.archive_summary.strip():
            errors.setdefault("archive_summary", []).append(_("Write the record to keep on file."))
        if errors:
            raise ValidationError(errors)


@transaction.atomic
def topic_move(*, actor, topic: Topic, to_step: str, note: str = "") -> Topic:
    """Move the topic one step on; every move is an event."""
    if to_step not in TopicStep.values:
        raise ValidationError({"to_step": [_("Unknown step.")]})
    topic = _lock(topic)
    _require_edit(actor, topic.region_code, _("Only community workers of this community may move topics."))
    if to_step not in TRANSITIONS.get(topic.step, frozenset()):
        raise TopicConflict(
            _("This topic is at the step “%(step)s”; it cannot move to “%(to)s”. Reload it to see what changed.")
            % {"step": _step_label(topic.step), "to": _step_label(to_step)}
        )
    note = (note or "").strip()
    _check_move_rules(topic, to_step, note)
    from_step = topic.step
    updated = Topic.objects.filter(pk=topic.pk, step=from_step).update(step=to_step)
    if updated != 1:  # pragma: no cover - the row is locked; kept as the last guard
        raise TopicConflict(_("This topic was moved by someone else. Reload it."))
    topic.step = to_step
    _event(topic, actor=actor, from_step=from_step, to_step=to_step, note=note)
    return topic


@transaction.atomic
def topic_set_plan(*, actor, topic: Topic, plan: str) -> Topic:
    """Write or rewrite the plan (拟方案) while the topic is being planned."""
    topic = _lock(topic)
    _require_edit(actor, topic.region_code)
    _require_step(topic, {TopicStep.PLANNING}, _("change its plan"))
    plan = (plan or "").strip()
    if not plan:
        raise ValidationError({"plan": [_("Write the plan.")]})
    topic.plan = plan
    topic.full_clean()
    topic.save(update_fields=["plan"])
    _event(topic, actor=actor, note=_("Plan written."), data={"action": "plan"})
    return topic


@transaction.atomic
def topic_record_decision(*, actor, topic: Topic, decision: str) -> Topic:
    """Record what was decided, once a meeting has passed a vote on the topic."""
    topic = _lock(topic)
    _require_edit(actor, topic.region_code)
    _require_step(topic, {TopicStep.VOTING}, _("record its decision"))
    decision = (decision or "").strip()
    if not decision:
        raise ValidationError({"decision": [_("Write the decision.")]})
    _require_passed(topic)
    topic.decision = decision
    topic.full_clean()
    topic.save(update_fields=["decision"])
    _event(topic, actor=actor, note=_("Decision recorded."), data={"action": "decision"})
    return topic


@transaction.atomic
def topic_archive(*, actor, topic: Topic, summary: str) -> Topic:
    """Put the topic on file (有备案) with the record to keep."""
    topic = _lock(topic)
    _require_edit(actor, topic.region_code)
    _require_step(topic, {TopicStep.IMPLEMENTING}, _("put it on file"))
    summary = (summary or "").strip()
    topic.archive_summary = summary
    _check_move_rules(topic, TopicStep.ARCHIVED, "")
    topic.save(update_fields=["archive_summary"])
    return topic_move(actor=actor, topic=topic, to_step=TopicStep.ARCHIVED)


@transaction.atomic
def implementation_update_add(*, actor, topic: Topic, note: str, date: dt.date | None = None) -> ImplementationUpdate:
    """Record progress in carrying out the decision (促落实)."""
    topic = _lock(topic)
    _require_edit(actor, topic.region_code)
    _require_step(topic, {TopicStep.IMPLEMENTING}, _("record implementation progress"))
    update = ImplementationUpdate(
        topic=topic, date=date or timezone.localdate(), note=(note or "").strip(), recorded_by=actor
    )
    update.full_clean()
    if update.date > timezone.localdate():
        raise ValidationError({"date": [_("Progress cannot be recorded for a future date.")]})
    update.save()
    _event(topic, actor=actor, note=update.note, data={"action": "implementation", "update": update.pk})
    return update


# ---------------------------------------------------------------- meetings


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


# ---------------------------------------------------------------- publication and objections


@transaction.atomic
def publication_start(*, actor, topic: Topic, text: str, starts_on: dt.date, ends_on: dt.date) -> Publication:
    """Publish the decision to residents (公示) for at least PUBLICATION_MIN_DAYS days."""
    topic = _lock(topic)
    _require_edit(actor, topic.region_code)
    _require_step(topic, {TopicStep.VOTING}, _("publish its decision"))
    if Publication.objects.filter(topic=topic).exists():
        raise TopicConflict(_("The decision on this topic has already been published."))
    errors: dict[str, list[str]] = {}
    text = (text or topic.decision or "").strip()
    if not text:
        errors["text"] = [_("Write the text to publish.")]
    if starts_on and ends_on and (ends_on - starts_on).days + 1 < PUBLICATION_MIN_DAYS:
        errors["ends_on"] = [
            _("A decision is published for at least %(days)d days (四议两公开); this period is %(given)d days.")
            % {"days": PUBLICATION_MIN_DAYS, "given": max((ends_on - starts_on).days + 1, 0)}
        ]
    if starts_on and starts_on < timezone.localdate():
        errors.setdefault("starts_on", []).append(_("A publication cannot start in the past."))
    if not topic_passed_options(topic):
        errors.setdefault("__all__", []).append(_("No meeting has passed a vote on this topic yet."))
    publication = Publication(
        topic=topic, region_code=topic.region_code, text=text, starts_on=starts_on, ends_on=ends_on,
        published_by=actor,
    )  # fmt: skip
    try:
        publication.full_clean(exclude=list(errors))
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    publication.save()
    _event(
        topic,
        actor=actor,
        note=_("Published to residents from %(start)s to %(end)s.") % {"start": starts_on, "end": ends_on},
        data={"action": "publication", "publication": publication.pk},
    )
    return publication


@transaction.atomic
def objection_add(*, publication: Publication, name: str, text: str) -> Objection:
    """A resident's objection to a published decision; only while the publication runs. No login needed."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    today = timezone.localdate()
    if today < publication.starts_on:
        raise ValidationError(_("This publication has not started yet; objections open on %(date)s.")
                              % {"date": publication.starts_on})  # fmt: skip
    if today > publication.ends_on:
        raise ValidationError(_("This publication ended on %(date)s; objections are closed.")
                              % {"date": publication.ends_on})  # fmt: skip
    objection = Objection(publication=publication, name=(name or "").strip(), text=(text or "").strip())
    objection.full_clean()
    objection.save()
    return objection


@transaction.atomic
def objection_answer(*, actor, objection: Objection, answer: str) -> Objection:
    objection = Objection.objects.select_for_update().select_related("publication").get(pk=objection.pk)
    _require_edit(actor, objection.publication.region_code)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": [_("Write the answer.")]})
    objection.answer = answer
    objection.full_clean()
    objection.save(update_fields=["answer"])
    return objection


# ---------------------------------------------------------------- cases


@transaction.atomic
def case_send_to_deliberation(*, actor, case: Case, title: str | None = None) -> Topic:
    """Turn a case into a topic; a case in progress waits on it (held through the cases service)."""
    from cases.services import case_hold

    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("You cannot see this case."))
    if Topic.objects.filter(source_case=case).exclude(step=TopicStep.DROPPED).exists():
        raise ValidationError(_("This case has already been sent to deliberation."))
    community = Region.objects.get(code=case.region_code[:12])
    topic = topic_create(
        actor=actor,
        community=community,
        title=(title or case.title)[:100],
        description=case.description,
        source=TopicSource.CASE,
        source_case=case,
        proposer_name=case.reporter_name,
    )
    if case.state == CaseState.IN_PROGRESS:
        case_hold(case=case, actor=actor, reason=_("Sent to deliberation (topic %(id)d)") % {"id": topic.pk})
        _event(topic, actor=actor, note=_("The case waits on this topic."), data={"case": case.pk, "held": True})
    return topic


@transaction.atomic
def topic_create_case(*, actor, topic: Topic, category, region: Region, title: str, description: str = "") -> Case:
    """File a follow-up case of a decision through the cases service (channel: deliberation meeting)."""
    from cases.services import case_create

    topic = _lock(topic)
    _require_edit(actor, topic.region_code)
    if not topic.decision.strip():
        raise ValidationError({"__all__": [_("Record the decision before filing follow-up cases.")]})
    if not region.code.startswith(topic.region_code):
        raise ValidationError({"region": [_("Choose a grid of this topic's community.")]})
    case = case_create(
        reporter=actor,
        region=region,
        category=category,
        title=title,
        description=description,
        channel=Channel.DELIBERATION,
        event_data={"topic": topic.pk},
    )
    _event(
        topic,
        actor=actor,
        note=_("Follow-up case %(number)s filed.") % {"number": case.number},
        data={"action": "case", "case": case.pk, "number": case.number},
    )
    return case
