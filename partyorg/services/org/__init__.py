"""Writes to the organisation tree: organisations, members, positions (stewards included), cross-appointments.

Every function checks that the actor may edit Party records at the place concerned, validates the
rules of the tree (a child's place lies inside its parent's, each kind sits at its level) and
sets every denormalised region_code from the row's place.

The modules: common (levels, titles, the edit check), organisations, members, positions,
cross_appointments.
"""

from .common import (
    GRID_LEVELS,
    KIND_LEVELS,
    MEMBER_FIELDS,
    ORG_FIELDS,
    SINGLE_HOLDER_TITLES,
    leader_title,
    require_party_edit,
)
from .cross_appointments import cross_appointment_add, cross_appointment_end
from .members import member_add, member_set_status, member_transfer, member_update
from .organisations import org_create, org_dissolve, org_update
from .positions import position_assign, position_end

__all__ = [
    "GRID_LEVELS",
    "KIND_LEVELS",
    "MEMBER_FIELDS",
    "ORG_FIELDS",
    "SINGLE_HOLDER_TITLES",
    "cross_appointment_add",
    "cross_appointment_end",
    "leader_title",
    "member_add",
    "member_set_status",
    "member_transfer",
    "member_update",
    "org_create",
    "org_dissolve",
    "org_update",
    "position_assign",
    "position_end",
    "require_party_edit",
]
