"""A small Party organisation chain on the named test territory, built straight from the models.

金塔社区党委 (community A) → 金塔第一网格党支部 (grid A1) → 1号楼党小组 (building A1, in micro-grid A1-1),
with a member of each category. Service-level tests build their own rows through the services.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from partyorg.models import MemberCategory, OrgKind, PartyMember, PartyOrg


def _org(*, name: str, kind: str, region, parent=None) -> PartyOrg:
    org = PartyOrg(name=name, kind=kind, region=region, region_code=region.code, parent=parent)
    org.full_clean()
    org.save()
    return org


def _member(*, org: PartyOrg, name: str, category: str, resident=None, workplace: str = "") -> PartyMember:
    member = PartyMember(
        org=org,
        region_code=org.region_code,
        name=name,
        category=category,
        resident=resident,
        workplace=workplace,
        joined_party_on=dt.date(1998, 7, 1),
    )
    member.full_clean()
    member.save()
    return member


def build_party_world(t: SimpleNamespace, u: SimpleNamespace) -> SimpleNamespace:
    committee = _org(name="金塔社区党委", kind=OrgKind.COMMITTEE, region=t.comm_a)
    branch = _org(name="金塔第一网格党支部", kind=OrgKind.BRANCH, region=t.grid_a1, parent=committee)
    group = _org(name="1号楼党小组", kind=OrgKind.GROUP, region=t.micro_a1, parent=branch)
    group.buildings.add(t.building_a1)
    other_committee = _org(name="朝阳社区党委", kind=OrgKind.COMMITTEE, region=t.comm_b)
    secretary = _member(org=committee, name="马秀兰", category=MemberCategory.DIRECT)
    branch_secretary = _member(org=branch, name="李明", category=MemberCategory.RETIRED, resident=t.res_a1)
    in_service = _member(org=group, name="王军", category=MemberCategory.IN_SERVICE, workplace="利通区税务局")
    mobile = _member(org=group, name="杨帆", category=MemberCategory.MOBILE)
    outsider_member = _member(org=other_committee, name="马强", category=MemberCategory.DIRECT, resident=t.res_b1)
    return SimpleNamespace(
        t=t, u=u, committee=committee, branch=branch, group=group, other_committee=other_committee,
        secretary=secretary, branch_secretary=branch_secretary, in_service=in_service, mobile=mobile,
        outsider_member=outsider_member,
    )  # fmt: skip
