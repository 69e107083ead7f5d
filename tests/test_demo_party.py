"""The Party part of the demo district: the chains of each place, members, co-building, deliberation."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from fixtures.demo.party.chains import CHUANGYE, CHUNHUI, HUINONG_STREET, XINMIN_STREET
from fixtures.demo.places import FOCUS_COMMUNITY, SECOND_COMMUNITY
from fixtures.demo.reset import reset_demo
from grids.models import Building, Region, RegionLevel, Unit
from grids.validators import validate_phone
from partyorg.models import (
    AgendaItem,
    Agreement,
    Attendee,
    CoBuildingUnit,
    CrossAppointment,
    DualRegistration,
    ImplementationUpdate,
    ListItem,
    ListItemStatus,
    ListKind,
    Meeting,
    MemberCategory,
    Objection,
    OrgKind,
    PartyMember,
    PartyOrg,
    Position,
    PositionTitle,
    ProjectStatus,
    ProjectUpdate,
    Publication,
    SecretaryProject,
    ServiceRecord,
    Topic,
    TopicEvent,
    TopicStep,
    VoteOption,
)
from partyorg.selectors.org import steward_coverage

# Each test builds the demo district: slow, run by `make test-slow` (and CI), not by `make test`.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SMALL = 0.05
PARTY_MODELS = (
    PartyOrg,
    PartyOrg.buildings.through,
    PartyMember,
    Position,
    CrossAppointment,
    DualRegistration,
    ServiceRecord,
    CoBuildingUnit,
    Agreement,
    ListItem,
    SecretaryProject,
    ProjectUpdate,
    Topic,
    TopicEvent,
    Meeting,
    Attendee,
    AgendaItem,
    VoteOption,
    Publication,
    Objection,
    ImplementationUpdate,
)


def load(**options) -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def party_rows() -> dict[str, int]:
    return {model.__name__: model._base_manager.count() for model in PARTY_MODELS}


def chain(org: PartyOrg) -> list[PartyOrg]:
    """The organisation and those above it, top last."""
    orgs = [org]
    while orgs[-1].parent_id:
        orgs.append(orgs[-1].parent)
    return orgs


@pytest.fixture
def demo():
    return load(scale=SMALL)


def test_litong_chain_has_four_levels_down_to_unit_stewards(demo):
    stewards = Position.objects.current().filter(
        title=PositionTitle.UNIT_STEWARD, region_code__startswith=FOCUS_COMMUNITY, org__kind=OrgKind.GROUP
    )
    assert stewards.exists()
    for steward in stewards.select_related("org__parent__parent", "unit__building"):
        group, branch, committee = chain(steward.org)  # three organisations, the steward the fourth level
        assert steward.unit.building in group.buildings.all()
        assert (branch.kind, branch.region.level) == (OrgKind.BRANCH, RegionLevel.GRID)
        assert (committee.kind, committee.region.code) == (OrgKind.COMMITTEE, FOCUS_COMMUNITY)
        assert steward.member.org in (group, branch)
    # A branch in every grid of 金塔社区, a building group in some of its buildings but not in all.
    grids = Region.objects.filter(parent__code=FOCUS_COMMUNITY, level=RegionLevel.GRID)
    branches = PartyOrg.objects.filter(kind=OrgKind.BRANCH, region__in=grids)
    assert branches.count() == grids.count()
    with_group = Building.objects.filter(region_code__startswith=FOCUS_COMMUNITY, party_orgs__kind=OrgKind.GROUP)
    assert 0 < with_group.distinct().count() < Building.objects.filter(region_code__startswith=FOCUS_COMMUNITY).count()
    # Every organisation has its leader.
    for org in PartyOrg.objects.filter(region_code__startswith=FOCUS_COMMUNITY):
        title = PositionTitle.GROUP_LEADER if org.kind == OrgKind.GROUP else PositionTitle.SECRETARY
        assert Position.objects.current().filter(org=org, title=title).count() == 1, org


def test_steward_coverage_in_jinta_is_a_share_of_the_units(demo):
    units = Unit.objects.filter(region_code__startswith=FOCUS_COMMUNITY)
    covered = units.filter(
        party_positions__title=PositionTitle.UNIT_STEWARD, party_positions__end_date__isnull=True
    ).distinct()
    assert 0.2 <= covered.count() / units.count() <= 0.5
    coverage = steward_coverage(User.objects.get(username="community"), FOCUS_COMMUNITY)
    assert (coverage.units_covered, coverage.units_total) == (covered.count(), units.count())


def test_huinong_chain_has_five_levels_down_to_central_households(demo):
    households = Position.objects.current().filter(
        title=PositionTitle.CENTRAL_HOUSEHOLD, region_code__startswith=CHUNHUI
    )
    assert households.exists()
    for position in households.select_related("org", "building"):
        group, branch, committee, working = chain(position.org)  # and the 党员中心户, the fifth level
        assert group.kind == OrgKind.GROUP and position.building in group.buildings.all()
        assert branch.kind == OrgKind.BRANCH
        assert (committee.kind, committee.region.code) == (OrgKind.COMMITTEE, CHUNHUI)
        assert (working.kind, working.region.code) == (OrgKind.WORKING_COMMITTEE, HUINONG_STREET)
    assert PartyOrg.objects.filter(kind=OrgKind.GENERAL_BRANCH, region__name="星火社区").exists()


def test_hongsibao_joint_committee_with_member_units(demo):
    joint = PartyOrg.objects.get(kind=OrgKind.JOINT_COMMITTEE, region__code=CHUANGYE)
    assert joint.parent.kind == OrgKind.JOINT_COMMITTEE and joint.parent.region.code == XINMIN_STREET
    assert joint.member_units.count() >= 2
    assert joint.children.filter(kind=OrgKind.PROPERTY_BRANCH).exists()
    heads = Position.objects.current().filter(title=PositionTitle.BUILDING_HEAD, region_code__startswith=CHUANGYE)
    assert heads.exists()
    assert Position.objects.filter(title=PositionTitle.UNIT_STEWARD, region_code__startswith=CHUANGYE).exists()


def test_members_of_every_category_linked_to_the_ledger_where_they_live(demo):
    assert set(PartyMember.objects.values_list("category", flat=True)) == set(MemberCategory.values)
    linked = PartyMember.objects.filter(resident__isnull=False).select_related("resident", "org")
    assert linked.count() > PartyMember.objects.count() / 2
    for member in linked:
        assert member.resident.region_code.startswith(member.org.region_code)
        assert member.name == member.resident.name
    for phone in PartyMember.objects.values_list("phone", flat=True):
        validate_phone(phone)
    in_service = PartyMember.objects.filter(category=MemberCategory.IN_SERVICE, region_code=FOCUS_COMMUNITY)
    assert in_service.exists() and not in_service.filter(workplace="").exists()
    assert DualRegistration.objects.filter(member__in=in_service, community__code=FOCUS_COMMUNITY).count() == (
        in_service.count()
    )
    assert ServiceRecord.objects.filter(region_code=FOCUS_COMMUNITY).exists()
    assert CrossAppointment.objects.filter(region_code=FOCUS_COMMUNITY).count() == 2


def test_two_cobuilding_units_with_the_three_lists_and_a_need_turned_into_a_project(demo):
    units = CoBuildingUnit.objects.filter(region_code=FOCUS_COMMUNITY)
    assert units.count() == 2
    for unit in units:
        assert unit.agreements.exists()
        kinds = set(unit.list_items.values_list("kind", flat=True))
        assert {ListKind.RESOURCE, ListKind.PROJECT} <= kinds, unit
    items = ListItem.objects.filter(region_code=FOCUS_COMMUNITY)
    assert set(items.values_list("kind", flat=True)) == set(ListKind.values)
    project = items.get(kind=ListKind.PROJECT, need__isnull=False)
    assert project.need.kind == ListKind.NEED and project.resource.kind == ListKind.RESOURCE
    assert project.need.status == project.resource.status == ListItemStatus.IN_PROGRESS
    assert items.filter(kind=ListKind.NEED, status=ListItemStatus.MATCHED).exists()
    projects = SecretaryProject.objects.filter(region_code__startswith=FOCUS_COMMUNITY)
    assert {ProjectStatus.UNDER_WAY, ProjectStatus.DONE} <= set(projects.values_list("status", flat=True))
    for project in projects:
        assert (
            Position.objects.current()
            .filter(member=project.secretary, org=project.org, title=PositionTitle.SECRETARY)
            .exists()
        )


def test_topics_at_different_steps_and_a_meeting_whose_vote_passed(demo):
    topics = Topic.objects.filter(region_code=FOCUS_COMMUNITY)
    steps = set(topics.values_list("step", flat=True))
    assert len(steps) >= 3 and TopicStep.ARCHIVED in steps and TopicStep.PLANNING in steps
    meeting = Meeting.objects.get(region_code=FOCUS_COMMUNITY)
    present = meeting.attendees.count()
    assert present * 100 >= meeting.quorum_percent * meeting.eligible_count  # quorate
    options = VoteOption.objects.filter(item__meeting=meeting)
    cast = [o.votes_for + o.votes_against + o.votes_abstain for o in options]
    passed = [o for o, n in zip(options, cast, strict=True) if o.votes_for * 2 > n]  # simple majority
    assert len(passed) == 1 and all(n <= present for n in cast)
    archived = topics.get(step=TopicStep.ARCHIVED)
    assert passed[0].item.topic == archived and archived.decision and archived.archive_summary
    publication = archived.publication
    assert (publication.ends_on - publication.starts_on).days + 1 >= 5
    assert publication.ends_on < timezone.localdate()
    objection = publication.objections.get()
    assert objection.answer and publication.starts_on <= timezone.localdate(objection.created_at) <= publication.ends_on
    assert archived.implementation.count() == 2
    moments = list(archived.events.values_list("created_at", flat=True))
    assert moments == sorted(moments) and moments[-1] < timezone.now()
    assert [e.to_step for e in archived.events.exclude(to_step="")] == [
        TopicStep.COLLECTED,
        TopicStep.ADOPTED,
        TopicStep.PLANNING,
        TopicStep.VOTING,
        TopicStep.IMPLEMENTING,
        TopicStep.ARCHIVED,
    ]


def test_each_community_worker_sees_only_their_own_party_records(demo):
    community, community2 = User.objects.get(username="community"), User.objects.get(username="community2")
    for user, own, other in (
        (community, FOCUS_COMMUNITY, SECOND_COMMUNITY),
        (community2, SECOND_COMMUNITY, FOCUS_COMMUNITY),
    ):
        assert PartyOrg.objects.visible_to(user).filter(region_code__startswith=own).exists()
        assert not PartyOrg.objects.visible_to(user).filter(region_code__startswith=other).exists()
    assert Topic.objects.visible_to(community).exists() and not Topic.objects.visible_to(community2).exists()


def test_loading_again_adds_nothing(demo):
    before = party_rows()
    assert all(before.values()), before
    assert "already loaded" in load(scale=SMALL)
    assert party_rows() == before


def test_reset_removes_the_party_records_and_a_reload_builds_the_same(demo):
    before = party_rows()
    names = sorted(PartyMember.objects.values_list("name", flat=True))
    reset_demo()
    assert all(count == 0 for count in party_rows().values()), party_rows()
    load(scale=SMALL)
    assert party_rows() == before
    assert sorted(PartyMember.objects.values_list("name", flat=True)) == names
