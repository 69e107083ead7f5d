"""Between cases and topics: a case sent to deliberation, and follow-up cases filed from a decision."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Case, CaseState, Channel
from grids.models import Region

from ...models import Topic, TopicSource, TopicStep
from .common import _event, _lock, _require_edit
from .topics import topic_create


@transaction.atomic
def case_send_to_deliberation(*, actor, case: Case, title: str | None = None) -> Topic:
    """Turn a case into a topic; a case in progress waits on it (held through the cases service)."""
    from cases.messages import note
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
        case_hold(case=case, actor=actor, reason=note("case_note.sent_to_deliberation", id=topic.pk))
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
