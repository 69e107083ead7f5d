"""Formatting of dashboard figures: rates as percentages, changes in percentage points, hours."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.8654 → "86.5%"; None → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def hours(value) -> str:
    if value is None:
        return "—"
    return _("%(hours).1f h") % {"hours": value}


@register.filter
def figure(value, kind: str) -> str:
    """A figure's value by its kind (rate, hours or count)."""
    if kind == "rate":
        return pct(value)
    if kind == "hours":
        return hours(value)
    return "—" if value is None else f"{value:,}"


@register.filter
def change(value, kind: str) -> str:
    """The change from the previous period: percentage points for rates, a signed number otherwise."""
    if value is None:
        return ""
    if kind == "rate":
        return _("%(sign)s%(points).1f points") % {"sign": "+" if value >= 0 else "−", "points": abs(value) * 100}
    if kind == "hours":
        return _("%(sign)s%(hours).1f h") % {"sign": "+" if value >= 0 else "−", "hours": abs(value)}
    return f"{'+' if value >= 0 else '−'}{abs(value):,}"


@register.filter
def change_class(card: dict) -> str:
    """text-success when the change is an improvement, text-danger when it is worse."""
    value = card.get("change")
    if not value:
        return "text-muted"
    better = value > 0 if card.get("higher_is_better", True) else value < 0
    return "text-success" if better else "text-danger"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def can_dashboard(context) -> bool:
    """Whether the navigation offers the dashboard (officials, street staff, community workers, admins)."""
    from ..places import can_see_dashboard

    user = context.get("user")
    return bool(user and user.is_authenticated and can_see_dashboard(user))
