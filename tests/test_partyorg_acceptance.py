"""Issue acceptance, end to end: a community worker builds a branch and a building group, assigns a
steward, records a meeting whose vote passes a topic and publishes it; residents see it on the public
page; coverage figures match a direct count; another community's worker gets 404 on all of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grids.models import Unit
from partyorg.models import AttendeeKind, ForumType, MemberCategory, OrgKind, PositionTitle, TopicStep
from partyorg.services import deliberation, org

pytestmark = pytest.mark.django_db


def test_a_community_builds_its_chain_deliberates_and_publishes(client, party_world):
    w = party_world
    t, u = w.t, w.u
    worker = u.community
    # The chain: the community committee exists; the worker adds a grid branch and a building group.
    branch = org.org_create(
        actor=worker, name="金塔第二网格党支部", kind=OrgKind.BRANCH, region=t.grid_a2, parent=w.committee
    )
    building = t.hh_a2[0].unit.building
    group = org.org_create(
        actor=worker, name="2号楼党小组", kind=OrgKind.GROUP, region=t.grid_a2, parent=branch, buildings=[building]
    )
    steward = org.member_add(actor=worker, org=group, name="周建国", category=MemberCategory.RETIRED)
    unit = Unit.objects.get(building=building)
    org.position_assign(
        actor=worker, member=steward, title=PositionTitle.UNIT_STEWARD, unit=unit, start_date=timezone.localdate()
    )

    # Coverage on the grid's branch page matches a plain count.
    units = Unit.objects.filter(region_code__startswith=t.grid_a2.code)
    with_steward = units.filter(
        party_positions__title=PositionTitle.UNIT_STEWARD, party_positions__end_date__isnull=True
    ).distinct()
    buildings = {unit.building_id for unit in units}
    grouped = {b.pk for b in group.buildings.all()}
    client.force_login(worker)
    page = client.get(reverse("partyorg:org_detail", args=[branch.pk])).content.decode()
    assert f"{with_steward.count()} / {units.count()}" in page
    assert f"{len(grouped & buildings)} / {len(buildings)}" in page

    # Deliberation: collect, adopt, plan, vote at a meeting, decide, publish.
    topic = deliberation.topic_create(actor=worker, community=t.comm_a, title="加装电梯", description="2号楼居民提议")
    for step in (TopicStep.ADOPTED, TopicStep.PLANNING):
        topic = deliberation.topic_move(actor=worker, topic=topic, to_step=step)
    topic = deliberation.topic_set_plan(actor=worker, topic=topic, plan="按楼层分摊费用，申请补贴")
    present = [{"kind": AttendeeKind.RESIDENT, "name": f"居民{i}"} for i in range(7)]
    meeting = deliberation.meeting_record(
        actor=worker, community=t.comm_a, forum=ForumType.BENCH, held_at=timezone.now() - dt.timedelta(hours=2),
        place="2号楼下", eligible_count=10, attendees=present,
        agenda=[{"topic": topic, "discussion": "充分讨论", "options": [{"text": "同意方案", "for": 6, "against": 1, "abstain": 0}]}],
    )  # fmt: skip
    topic.refresh_from_db()
    assert topic.step == TopicStep.VOTING
    deliberation.topic_record_decision(actor=worker, topic=topic, decision="同意加装电梯，按方案分摊")
    today = timezone.localdate()
    deliberation.publication_start(
        actor=worker, topic=topic, text="关于2号楼加装电梯的决定", starts_on=today, ends_on=today + dt.timedelta(days=7)
    )
    detail = client.get(reverse("partyorg:meeting_detail", args=[meeting.pk])).content.decode()
    assert "同意方案" in detail

    # Residents see the decision on the public page, without logging in.
    client.logout()
    public = client.get(reverse("partyorg:public_notices", args=[t.comm_a.code]))
    assert public.status_code == 200 and "关于2号楼加装电梯的决定" in public.content.decode()
    assert "居民1" not in public.content.decode()  # no attendee names in public

    # Another community's worker: 404 on every page of it.
    client.force_login(u.outsider)
    for url in (
        reverse("partyorg:org_detail", args=[branch.pk]),
        reverse("partyorg:org_detail", args=[group.pk]),
        reverse("partyorg:member_detail", args=[steward.pk]),
        reverse("partyorg:topic_detail", args=[topic.pk]),
        reverse("partyorg:meeting_detail", args=[meeting.pk]),
        reverse("partyorg:dual_register", args=[t.comm_a.code]),
        reverse("partyorg:cobuilding", args=[t.comm_a.code]),
        reverse("partyorg:projects", args=[t.comm_a.code]),
        f"/api/v1/party-orgs/{branch.pk}/",
        f"/api/v1/party-members/{steward.pk}/",
        f"/api/v1/topics/{topic.pk}/",
        f"/api/v1/meetings/{meeting.pk}/",
    ):
        assert client.get(url).status_code == 404, url


def test_a_case_page_sends_the_case_to_deliberation(client, case_world):
    from cases.models import CaseState
    from partyorg.models import Topic, TopicSource
    from tests.case_factories import file_case

    w = case_world
    case = file_case(w, handle_now=True)
    client.force_login(w.u.official)  # reads the case, may not send it
    assert 'id="send-to-deliberation"' not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    client.force_login(w.u.grid_a1)  # the handler
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="send-to-deliberation"' in page
    response = client.post(reverse("partyorg:case_to_deliberation", args=[case.pk]))
    topic = Topic.objects.get(source_case=case)
    assert response.status_code == 302 and topic.source == TopicSource.CASE
    case.refresh_from_db()
    assert case.state == CaseState.ON_HOLD
    assert 'id="send-to-deliberation"' not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
