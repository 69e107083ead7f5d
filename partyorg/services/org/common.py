"""What the writes to the organisation tree share: the levels of each kind, the leader's title, the edit check."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import RegionLevel

from ...models import OrgKind, PartyOrg, PositionTitle, scoping

GRID_LEVELS = frozenset({RegionLevel.GRID, RegionLevel.MICROGRID})
# The levels each kind of organisation may stand for or be attached to.
KIND_LEVELS: dict[str, frozenset[str]] = {
    OrgKind.WORKING_COMMITTEE: frozenset({RegionLevel.STREET}),
    OrgKind.COMMITTEE: frozenset({RegionLevel.COMMUNITY}),
    OrgKind.GENERAL_BRANCH: frozenset({RegionLevel.COMMUNITY}),
    # A grid branch, or a 小区党支部 of the community.
    OrgKind.BRANCH: frozenset({RegionLevel.COMMUNITY, *GRID_LEVELS}),
    OrgKind.GROUP: GRID_LEVELS,
    # 联合党委 of a community, or a street's 大工委.
    OrgKind.JOINT_COMMITTEE: frozenset({RegionLevel.COMMUNITY, RegionLevel.STREET}),
    OrgKind.PROPERTY_BRANCH: frozenset({RegionLevel.COMMUNITY}),
    OrgKind.OWNERS_BRANCH: frozenset({RegionLevel.COMMUNITY}),
    OrgKind.ASSOCIATION_BRANCH: frozenset({RegionLevel.COMMUNITY}),
    OrgKind.NEW_EMPLOYMENT_BRANCH: frozenset({RegionLevel.COMMUNITY}),
}
# Titles with one holder at a time in an organisation; the leader whose absence is a vacancy.
SINGLE_HOLDER_TITLES = frozenset({PositionTitle.SECRETARY, PositionTitle.GROUP_LEADER, PositionTitle.GRID_HEAD})
ORG_FIELDS = frozenset({"name", "kind", "region", "parent", "buildings", "founded_on", "sort_order"})
MEMBER_FIELDS = frozenset({"name", "category", "resident", "phone", "joined_party_on", "joined_org_on", "workplace"})


def leader_title(kind: str) -> str:
    """The position whose holder leads an organisation of this kind: 组长 of a group, else 书记."""
    return PositionTitle.GROUP_LEADER if kind == OrgKind.GROUP else PositionTitle.SECRETARY


def require_party_edit(actor, code: str) -> None:
    scoping.require_party_edit(actor, code, _("Your role may not edit Party organisations here."))


def _today() -> dt.date:
    return timezone.localdate()


def _is_active_org(org: PartyOrg, on: dt.date | None = None) -> bool:
    return org.dissolved_on is None or org.dissolved_on > (on or _today())
