"""Who may write to the ledger through the API; reads are narrowed by the querysets instead."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.roles import LEDGER_EDIT_ROLES
from accounts.scoping import get_scope

from ..services import can_edit_ledger

LEDGER_WRITE_ACTIONS = frozenset({"create", "update", "partial_update"})
LEDGER_EDIT_DENIED = _("Your role may not edit the resident ledger here.")


class CanEditLedger(BasePermission):
    """Writes need an editing role at the row's place.

    A user with no editing role anywhere is turned away before the request is even read,
    whatever the id: that tells them nothing about which residents exist.
    """

    message = LEDGER_EDIT_DENIED

    def has_permission(self, request, view) -> bool:
        if getattr(view, "action", None) not in LEDGER_WRITE_ACTIONS:
            return True
        return get_scope(request.user).has_any_role(LEDGER_EDIT_ROLES)

    def has_object_permission(self, request, view, obj) -> bool:
        if getattr(view, "action", None) not in LEDGER_WRITE_ACTIONS:
            return True
        return can_edit_ledger(request.user, obj.region_code)
