"""The case entries of the navigation bar, by what the user's roles let them do."""

from __future__ import annotations

from django import template

from accounts.roles import Role
from accounts.scoping import get_scope

from ..services.access import FILE_ROLES

register = template.Library()

BOARD_ROLES = frozenset({Role.COMMUNITY_WORKER, Role.STREET_STAFF})


@register.simple_tag(takes_context=True)
def case_menu(context) -> dict[str, bool]:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    scope = get_scope(user)
    return {
        "file": scope.has_any_role(FILE_ROLES),
        "board": scope.has_any_role(BOARD_ROLES),
        "department": scope.has_any_role({Role.DEPARTMENT_STAFF}),
        "patrols": scope.has_any_role(FILE_ROLES - {Role.VOLUNTEER, Role.PROPERTY_STAFF}),
    }


@register.simple_tag(takes_context=True)
def case_work(context) -> dict[str, int]:
    """Counts for the home page: cases waiting for the user, and how many of them are overdue."""
    from django.utils import timezone

    from ..selectors import inbox

    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"waiting": 0, "overdue": 0}
    waiting = inbox(user=user).order_by()
    return {
        "waiting": waiting.count(),
        "overdue": waiting.filter(due_at__lte=timezone.now()).count(),
    }
