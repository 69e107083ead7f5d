"""The Party entries of the navigation bar, from the user's scope (no query beyond the scope's own)."""

from __future__ import annotations

from django import template

from accounts.scoping import get_scope

from ..models import PARTY_VIEW_ROLES

register = template.Library()

COMMUNITY_CODE_LENGTH = 12


@register.simple_tag(takes_context=True)
def party_menu(context) -> dict:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    scope = get_scope(user)
    if not scope.has_any_role(PARTY_VIEW_ROLES):
        return {}
    # Community pages (双报到, 一书三单, 书记领办) for each community the user works at as a whole.
    communities = sorted({code for code in scope.prefixes(PARTY_VIEW_ROLES) if len(code) == COMMUNITY_CODE_LENGTH})
    return {"show": True, "communities": communities}


@register.simple_tag(takes_context=True)
def deliberation_offer(context, case) -> bool:
    """Whether the case page offers "send to deliberation" to this user (the service decides in the end)."""
    from cases.models import OPEN_STATES, CaseState
    from cases.services.access import allowed_actions

    from ..models import Topic, TopicStep
    from ..services.deliberation import can_propose_at

    user = context.get("user")
    if user is None or not user.is_authenticated or case.state not in OPEN_STATES:
        return False
    if not can_propose_at(user, case.region_code[:COMMUNITY_CODE_LENGTH]):
        return False
    if case.state == CaseState.IN_PROGRESS and "hold" not in allowed_actions(user, case):
        return False
    return not Topic.objects.filter(source_case=case).exclude(step=TopicStep.DROPPED).exists()
