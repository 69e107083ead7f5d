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
