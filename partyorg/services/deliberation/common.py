"""The rules shared by every 议事协商 step: who may act, the state machine, the topic lock and its events."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import GRID_ROLES
from accounts.scoping import get_scope
from grids.models import Region, RegionLevel

from ...models import PARTY_EDIT_ROLES, Topic, TopicEvent, TopicStep, can_edit_party, scoping

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
