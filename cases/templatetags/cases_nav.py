"""The case entries of the navigation bar, by what the user's roles let them do."""

from __future__ import annotations

from django import template

from ..views.menu import case_menu_for

register = template.Library()


@register.simple_tag(takes_context=True)
def case_menu(context) -> dict[str, bool]:
    """Which case pages to offer: each entry asks the same question as the page it links to."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    return case_menu_for(user)


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
