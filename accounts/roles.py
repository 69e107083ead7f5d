"""Roles a user may hold at a place, and what each role may do."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    DISTRICT_OFFICIAL = "district_official", _("District official")
    STREET_STAFF = "street_staff", _("Street staff")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    GRID_MEMBER_FULL = "grid_member_full", _("Full-time grid member")
    GRID_MEMBER_PART = "grid_member_part", _("Part-time grid member")
    GRID_MEMBER_AUX = "grid_member_aux", _("Auxiliary grid member")
    MICROGRID_HEAD = "microgrid_head", _("Micro-grid head")
    BUILDING_HEAD = "building_head", _("Building head")
    UNIT_STEWARD = "unit_steward", _("Unit steward")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    PROPERTY_STAFF = "property_staff", _("Property staff")
    VOLUNTEER = "volunteer", _("Volunteer")


GRID_ROLES = frozenset(
    {
        Role.GRID_MEMBER_FULL,
        Role.GRID_MEMBER_PART,
        Role.GRID_MEMBER_AUX,
        Role.MICROGRID_HEAD,
        Role.BUILDING_HEAD,
        Role.UNIT_STEWARD,
    }
)

# Roles that may browse the resident ledger of their place at all.
LEDGER_ROLES = frozenset({Role.ADMIN, Role.DISTRICT_OFFICIAL, Role.STREET_STAFF, Role.COMMUNITY_WORKER} | GRID_ROLES)

# Roles that may edit the resident ledger of their place.
LEDGER_EDIT_ROLES = frozenset(
    {Role.ADMIN, Role.STREET_STAFF, Role.COMMUNITY_WORKER, Role.GRID_MEMBER_FULL, Role.GRID_MEMBER_PART}
)

# Roles that may deliberately reveal (and so log) full ID numbers and phones in their place.
PII_REVEAL_ROLES = frozenset(
    {Role.ADMIN, Role.STREET_STAFF, Role.COMMUNITY_WORKER, Role.GRID_MEMBER_FULL, Role.GRID_MEMBER_PART}
)
