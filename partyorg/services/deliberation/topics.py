"""Topics through their steps: collect, move, plan, decide, carry out, put on file."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from grids.models import Region

from ...models import ImplementationUpdate, Publication, Topic, TopicSource, TopicStep
from .common import (
    TRANSITIONS,
    TopicConflict,
    _community,
    _event,
    _lock,
    _require_edit,
    _require_step,
    _step_label,
    can_propose_at,
)
from .votes import _require_passed, topic_passed_options


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
