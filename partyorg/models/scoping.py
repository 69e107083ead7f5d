"""Who sees and who edits Party organisation records."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models

from accounts.roles import Role
from accounts.scoping import get_scope

# Everyone working a place sees its Party organisations; volunteers and property staff do not.
PARTY_VIEW_ROLES = frozenset(set(Role.values) - {Role.VOLUNTEER, Role.PROPERTY_STAFF})
# Community and street staff keep the records (the community's Party-building worker is a community worker).
PARTY_EDIT_ROLES = frozenset({Role.ADMIN, Role.STREET_STAFF, Role.COMMUNITY_WORKER})


class ScopedQuerySet(models.QuerySet):
    """Rows with a region_code, visible to the Party roles of the places above them."""

    region_field = "region_code"

    def visible_to(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(get_scope(user).q(self.region_field, roles=PARTY_VIEW_ROLES))

    def under(self, code: str):
        return self.filter(**{f"{self.region_field}__startswith": code})


def can_edit_party(user, code: str) -> bool:
    return get_scope(user).covers(code, roles=PARTY_EDIT_ROLES)


def require_party_edit(user, code: str, message: str) -> None:
    """PermissionDenied with the caller's message unless the user may edit Party records at the place."""
    if not can_edit_party(user, code):
        raise PermissionDenied(message)
