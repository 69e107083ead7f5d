"""Publication of a decision to residents (公示) and the objections raised while it runs."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import Objection, Publication, Topic, TopicStep
from .common import PUBLICATION_MIN_DAYS, TopicConflict, _event, _lock, _require_edit, _require_step
from .votes import topic_passed_options


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
