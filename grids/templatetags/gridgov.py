"""Template helpers for the territory and ledger pages: masking, targets, Bootstrap widgets."""

from __future__ import annotations

from django import forms, template
from django.utils.translation import gettext_lazy as _

from accounts.roles import LEDGER_ROLES
from accounts.scoping import get_scope
from grids import pii, selectors, services

register = template.Library()

# Short names for badges; the full LedgerColour labels are too long for a phone screen.
COLOUR_NAMES = {
    "red": _("Red"),
    "yellow": _("Yellow"),
    "blue": _("Blue"),
    "orange": _("Orange"),
}


@register.filter
def mask_id(value: str | None) -> str:
    """640302199001011234 -> 640302********1234."""
    return pii.mask_id_number(value)


@register.filter
def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678."""
    return pii.mask_phone(value)


@register.filter
def colour_name(value: str) -> str:
    return COLOUR_NAMES.get(value, value)


def target_status(count: int | None, targets: tuple[int, int] | None) -> str | None:
    """'under', 'within' or 'over' the household target; None when the level has no target."""
    if not targets or count is None:
        return None
    low, high = targets
    if count < low:
        return "under"
    if count > high:
        return "over"
    return "within"


@register.inclusion_tag("grids/_count_vs_target.html")
def count_vs_target(count: int | None, targets: tuple[int, int] | None) -> dict:
    """A household count beside its target range, with an under/within/over marker."""
    return {"count": count or 0, "targets": targets, "status": target_status(count or 0, targets)}


@register.filter
def bs_widget(field: forms.BoundField):
    """Render a bound field's widget with Bootstrap classes, marked invalid when it has errors."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    extra = widget.attrs.get("class", "")
    attrs = {"class": " ".join(c for c in (css, extra, "is-invalid" if field.errors else "") if c)}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def can_edit_ledger_at(context, code: str) -> bool:
    """Whether the current user may edit the resident ledger at this place."""
    return services.can_edit_ledger(context["request"].user, code)


@register.simple_tag(takes_context=True)
def can_browse_ledger(context) -> bool:
    """Whether the resident list can show the user anyone (Resident.objects.visible_to grants only LEDGER_ROLES)."""
    user = context["request"].user
    return user.is_authenticated and get_scope(user).has_any_role(LEDGER_ROLES)


@register.simple_tag(takes_context=True)
def top_places_with_counts(context) -> list:
    """The user's top places with household, resident and building counts (a few queries)."""
    return selectors.region_children_with_counts(user=context["request"].user, region=None)


@register.filter
def widget_kind(field: forms.BoundField) -> str:
    """'checkbox', 'checkboxes' or 'input': how a field is laid out in the form templates."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"
