"""The import centre's entry in the site navigation."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def can_import(context) -> bool:
    """Whether the current user may import rosters (administrators, street staff, community workers)."""
    from imports.pipeline.jobs import can_import as allowed

    user = context["request"].user
    return user.is_authenticated and allowed(user)
