"""议事协商: the topic state machine and who moves it, quorum and majority, publication and objections,
the archive, the link with cases, the pages (board, topic, meeting, public notices) and the API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from cases.models import CaseAction, CaseEvent, CaseState, Channel
from partyorg.models import (
    AttendeeKind,
    ForumType,
    MajorityRule,
    Publication,
    Topic,
    TopicEvent,
    TopicSource,
    TopicStep,
)
from partyorg.services import deliberation as services
from partyorg.services.deliberation import TopicConflict
from tests.factories import PASSWORD, UserFactory, assign

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _topic(w, *, actor=None, title="小区停车难", step=TopicStep.COLLECTED) -> Topic:
    """A topic of community A taken through the services up to the given step (planning or earlier)."""
    topic = services.topic_create(
        actor=actor or w.u.grid_a1, community=w.t.comm_a, title=title, description="晚上车位不够",
        source=TopicSource.RESIDENT, proposer_name="王芳",
    )  # fmt: skip
    boss = w.u.community
    if STEP_INDEX[step] >= STEP_INDEX[TopicStep.ADOPTED]:
        topic = services.topic_move(actor=boss, topic=topic, to_step=TopicStep.ADOPTED)
    if STEP_INDEX[step] >= STEP_INDEX[TopicStep.PLANNING]:
        topic = services.topic_move(actor=boss, topic=topic, to_step=TopicStep.PLANNING)
        topic = services.topic_set_plan(actor=boss, topic=topic, plan="划设夜间临时停车位 40 个")
    return topic


STEP_INDEX = {step: i for i, step in enumerate([TopicStep.COLLECTED, TopicStep.ADOPTED, TopicStep.PLANNING])}


def _people(n: int) -> list[dict]:
    return [{"kind": AttendeeKind.RESIDENT, "name": f"居民{i}"} for i in range(n)]


def _meeting(w, topic, *, present=10, eligible=15, votes=(8, 1, 1), rule=MajorityRule.SIMPLE, quorum=50):
    return services.meeting_record(
        actor=w.u.community, community=w.t.comm_a, forum=ForumType.BENCH, held_at=timezone.now(),
        place="金塔小区 3 号楼前", eligible_count=eligible, quorum_percent=quorum, majority_rule=rule,
        minutes="大家同意划设车位", attendees=_people(present),
        agenda=[{"topic": topic, "discussion": "讨论车位位置",
                 "options": [{"text": "同意方案", "for": votes[0], "against": votes[1], "abstain": votes[2]}]}],
    )  # fmt: skip


def _voted(w, **kwargs) -> Topic:
    topic = _topic(w, step=TopicStep.PLANNING)
    _meeting(w, topic, **kwargs)
    topic.refresh_from_db()
    return topic


def _implementing(w) -> Topic:
    topic = _voted(w)
    services.topic_record_decision(actor=w.u.community, topic=topic, decision="划设夜间临时停车位 40 个")
    services.publication_start(
        actor=w.u.community, topic=topic, text="", starts_on=TODAY(), ends_on=TODAY() + dt.timedelta(days=6)
    )
    return services.topic_move(actor=w.u.community, topic=topic, to_step=TopicStep.IMPLEMENTING)


# ---------------------------------------------------------------- state machine and who moves it


def test_grid_member_proposes_community_worker_adopts_every_move_an_event(party_world):
    w = party_world
    topic = _topic(w)
    assert topic.step == TopicStep.COLLECTED and topic.region_code == w.t.comm_a.code
    with pytest.raises(PermissionDenied):
        services.topic_move(actor=w.u.grid_a1, topic=topic, to_step=TopicStep.ADOPTED)
    services.topic_move(actor=w.u.community, topic=topic, to_step=TopicStep.ADOPTED, note="审核通过")
    events = list(TopicEvent.objects.filter(topic=topic).values_list("from_step", "to_step", "actor__username"))
    assert events == [("", TopicStep.COLLECTED, "grid_a1"), (TopicStep.COLLECTED, TopicStep.ADOPTED, "community")]


def test_official_and_outsider_cannot_propose(party_world):
    w = party_world
    for user in (w.u.official, w.u.outsider, w.u.nobody):
        with pytest.raises(PermissionDenied):
            services.topic_create(actor=user, community=w.t.comm_a, title="x", source=TopicSource.RESIDENT)


def test_topic_pages_who_may_move(party_world):
    w = party_world
    topic = _topic(w)
    move = reverse("partyorg:topic_act", args=[topic.pk, "move"])
    detail = reverse("partyorg:topic_detail", args=[topic.pk])
    assert client_for(w.u.grid_a1).get(detail).status_code == 200
    assert client_for(w.u.official).get(detail).status_code == 200
    assert client_for(w.u.outsider).get(detail).status_code == 404
    assert client_for(w.u.outsider).post(move, {"to_step": "adopted"}).status_code == 404
    assert client_for(w.u.grid_a1).post(move, {"to_step": "adopted"}).status_code == 403
    assert client_for(w.u.official).post(move, {"to_step": "adopted"}).status_code == 403
    topic.refresh_from_db()
    assert topic.step == TopicStep.COLLECTED
    response = client_for(w.u.community).post(move, {"to_step": "adopted"})
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.step == TopicStep.ADOPTED


@pytest.mark.usefixtures("in_english")
def test_wrong_step_is_a_conflict_and_rules_are_validation_errors(party_world):
    w = party_world
    topic = _topic(w)
    with pytest.raises(TopicConflict, match="cannot move"):
        services.topic_move(actor=w.u.community, topic=topic, to_step=TopicStep.VOTING)
    with pytest.raises(ValidationError) as exc:
        services.topic_move(actor=w.u.community, topic=topic, to_step=TopicStep.DROPPED)
    assert "note" in exc.value.message_dict
    services.topic_move(actor=w.u.community, topic=topic, to_step=TopicStep.ADOPTED)
    services.topic_move(actor=w.u.community, topic=topic, to_step=TopicStep.PLANNING)
    with pytest.raises(ValidationError) as exc:
        services.topic_move(actor=w.u.community, topic=topic, to_step=TopicStep.VOTING)
    assert "plan" in exc.value.message_dict
    response = client_for(w.u.community).post(
        reverse("partyorg:topic_act", args=[topic.pk, "move"]),
        {"to_step": "implementing", "from": "board"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409


def test_dropping_needs_a_reason_and_is_recorded(party_world):
    w = party_world
    topic = _topic(w)
    services.topic_move(actor=w.u.community, topic=topic, to_step=TopicStep.DROPPED, note="属于物业维修范围")
    event = TopicEvent.objects.filter(topic=topic).last()
    assert (event.to_step, event.note) == (TopicStep.DROPPED, "属于物业维修范围")


@pytest.mark.usefixtures("in_english")
def test_implementing_needs_passed_vote_decision_and_publication(party_world):
    w = party_world
    topic = _voted(w, votes=(3, 6, 1))  # not passed
    assert topic.step == TopicStep.VOTING
    with pytest.raises(ValidationError) as exc:
        services.topic_move(actor=w.u.community, topic=topic, to_step=TopicStep.IMPLEMENTING)
    assert {"__all__", "decision", "publication"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError, match="passed"):
        services.topic_record_decision(actor=w.u.community, topic=topic, decision="x")
    with pytest.raises(ValidationError):
        services.publication_start(
            actor=w.u.community, topic=topic, text="x", starts_on=TODAY(), ends_on=TODAY() + dt.timedelta(days=6)
        )
    _meeting(w, topic, votes=(9, 1, 0))  # a second meeting passes it
    services.topic_record_decision(actor=w.u.community, topic=topic, decision="同意划设车位")
    with pytest.raises(ValidationError) as exc:
        services.topic_move(actor=w.u.community, topic=topic, to_step=TopicStep.IMPLEMENTING)
    assert set(exc.value.message_dict) == {"publication"}
    services.publication_start(
        actor=w.u.community, topic=topic, text="", starts_on=TODAY(), ends_on=TODAY() + dt.timedelta(days=4)
    )
    assert Publication.objects.get(topic=topic).text == "同意划设车位"
    topic = services.topic_move(actor=w.u.community, topic=topic, to_step=TopicStep.IMPLEMENTING)
    assert topic.step == TopicStep.IMPLEMENTING


# ---------------------------------------------------------------- quorum and majority

VOTE_TABLE = [
    # rule, eligible, quorum %, present, for, against, abstain, quorate, passed
    (MajorityRule.SIMPLE, 20, 50, 10, 6, 4, 0, True, True),
    (MajorityRule.SIMPLE, 20, 50, 10, 5, 5, 0, True, False),  # exactly half is not more than half
    (MajorityRule.SIMPLE, 20, 50, 10, 5, 3, 2, True, False),  # abstentions count as votes cast
    (MajorityRule.SIMPLE, 20, 50, 10, 3, 2, 0, True, True),  # more than half of the votes cast
    (MajorityRule.SIMPLE, 20, 50, 9, 9, 0, 0, False, False),  # 9 of 20 is below a 50% quorum
    (MajorityRule.SIMPLE, 20, 50, 10, 0, 0, 0, True, False),
    (MajorityRule.ABSOLUTE, 20, 50, 10, 5, 0, 0, True, False),  # half of those present is not enough
    (MajorityRule.ABSOLUTE, 20, 50, 10, 6, 0, 0, True, True),
    (MajorityRule.ABSOLUTE, 20, 50, 11, 6, 0, 0, True, True),
    (MajorityRule.ABSOLUTE, 20, 50, 12, 6, 0, 0, True, False),
    (MajorityRule.TWO_THIRDS, 20, 50, 12, 8, 4, 0, True, True),  # exactly two thirds
    (MajorityRule.TWO_THIRDS, 20, 50, 12, 7, 0, 0, True, False),
    (MajorityRule.TWO_THIRDS, 20, 50, 10, 7, 3, 0, True, True),
    (MajorityRule.TWO_THIRDS, 20, 50, 10, 6, 0, 0, True, False),
    (MajorityRule.TWO_THIRDS, 30, 67, 20, 20, 0, 0, False, False),  # 20 of 30 is 66.7% < 67%
    (MajorityRule.TWO_THIRDS, 30, 66, 20, 20, 0, 0, True, True),
]


@pytest.mark.parametrize(("rule", "eligible", "quorum", "present", "yes", "no", "abstain", "quorate", "passed"),
                         VOTE_TABLE)  # fmt: skip
def test_vote_result_table(rule, eligible, quorum, present, yes, no, abstain, quorate, passed):
    result = services.vote_counts_passed(
        votes_for=yes, votes_against=no, votes_abstain=abstain, present=present, eligible=eligible,
        quorum_percent=quorum, rule=rule,
    )  # fmt: skip
    assert (result.quorate, result.passed) == (quorate, passed)


@pytest.mark.parametrize(
    ("rule", "present", "votes", "passed"),
    [
        (MajorityRule.SIMPLE, 8, (4, 4, 0), False),
        (MajorityRule.SIMPLE, 8, (5, 3, 0), True),
        (MajorityRule.ABSOLUTE, 8, (4, 0, 0), False),
        (MajorityRule.TWO_THIRDS, 9, (6, 3, 0), True),
        (MajorityRule.SIMPLE, 7, (7, 0, 0), False),  # 7 of 15 present: not quorate
    ],
)
def test_recorded_meeting_results(party_world, rule, present, votes, passed):
    w = party_world
    topic = _topic(w, step=TopicStep.PLANNING)
    meeting = _meeting(w, topic, present=present, eligible=15, votes=votes, rule=rule)
    option = meeting.agenda.get().options.get()
    assert services.vote_result(meeting, option).passed is passed
    assert bool(services.topic_passed_options(topic)) is passed


@pytest.mark.usefixtures("in_english")
def test_vote_counts_cannot_exceed_those_present(party_world):
    w = party_world
    topic = _topic(w, step=TopicStep.PLANNING)
    with pytest.raises(ValidationError, match="only 5 people were present") as exc:
        _meeting(w, topic, present=5, votes=(4, 1, 1))
    assert "agenda" in exc.value.message_dict
    topic.refresh_from_db()
    assert topic.step == TopicStep.PLANNING
    assert not topic.agenda_items.exists()


@pytest.mark.usefixtures("in_english")
def test_meeting_moves_planned_topic_to_the_vote_and_refuses_other_steps(party_world):
    w = party_world
    topic = _topic(w, step=TopicStep.PLANNING)
    _meeting(w, topic)
    topic.refresh_from_db()
    assert topic.step == TopicStep.VOTING
    assert TopicEvent.objects.filter(topic=topic, from_step="planning", to_step="voting").exists()
    fresh = _topic(w, title="楼道杂物")
    with pytest.raises(ValidationError, match="only topics being planned"):
        _meeting(w, fresh)
    with pytest.raises(PermissionDenied):
        services.meeting_record(
            actor=w.u.grid_a1, community=w.t.comm_a, forum=ForumType.BENCH, held_at=timezone.now(), place="x",
            eligible_count=10, attendees=_people(6), agenda=[],
        )  # fmt: skip


# ---------------------------------------------------------------- publication and objections


def test_publication_minimum_period(party_world):
    w = party_world
    topic = _voted(w)
    services.topic_record_decision(actor=w.u.community, topic=topic, decision="同意")
    with pytest.raises(ValidationError) as exc:
        services.publication_start(
            actor=w.u.community, topic=topic, text="同意", starts_on=TODAY(), ends_on=TODAY() + dt.timedelta(days=3)
        )
    assert "5" in exc.value.message_dict["ends_on"][0]
    publication = services.publication_start(
        actor=w.u.community, topic=topic, text="同意", starts_on=TODAY(), ends_on=TODAY() + dt.timedelta(days=4)
    )
    assert publication.region_code == w.t.comm_a.code


@pytest.mark.usefixtures("in_english")
def test_objections_only_while_the_publication_runs(party_world):
    w = party_world
    topic = _implementing(w)
    publication = topic.publication
    objection = services.objection_add(publication=publication, name="张大爷", text="车位离单元门太近")
    assert objection.pk
    Publication.objects.filter(pk=publication.pk).update(
        starts_on=TODAY() + dt.timedelta(days=1), ends_on=TODAY() + dt.timedelta(days=6)
    )
    publication.refresh_from_db()
    with pytest.raises(ValidationError, match="not started"):
        services.objection_add(publication=publication, name="张大爷", text="x")
    Publication.objects.filter(pk=publication.pk).update(
        starts_on=TODAY() - dt.timedelta(days=8), ends_on=TODAY() - dt.timedelta(days=1)
    )
    publication.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        services.objection_add(publication=publication, name="张大爷", text="x")
    with pytest.raises(PermissionDenied):
        services.objection_answer(actor=w.u.grid_a1, objection=objection, answer="已调整")
    assert services.objection_answer(actor=w.u.community, objection=objection, answer="已调整").answer == "已调整"


def _publication_with_period(w, title, start_offset, end_offset):
    topic = _voted(w)
    Topic.objects.filter(pk=topic.pk).update(title=title)
    services.topic_record_decision(actor=w.u.community, topic=topic, decision=f"{title}的决定")
    publication = services.publication_start(
        actor=w.u.community, topic=topic, text=f"{title}的决定", starts_on=TODAY(),
        ends_on=TODAY() + dt.timedelta(days=6),
    )  # fmt: skip
    Publication.objects.filter(pk=publication.pk).update(
        starts_on=TODAY() + dt.timedelta(days=start_offset), ends_on=TODAY() + dt.timedelta(days=end_offset)
    )
    return publication


def test_public_notices_page(party_world):
    w = party_world
    running = _publication_with_period(w, "停车位", -1, 5)
    _publication_with_period(w, "垃圾分类", -10, -2)
    _publication_with_period(w, "加装电梯", 2, 8)
    url = reverse("partyorg:public_notices", args=[w.t.comm_a.code])
    response = Client().get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "停车位的决定" in page and "垃圾分类的决定" in page
    assert "加装电梯" not in page
    assert page.count('name="publication"') == 1  # the objection form is on the running one only
    for private in ("居民0", "王芳", "13912345678", "139****5678", "金塔小区 3 号楼前", "大家同意划设车位"):
        assert private not in page
    assert Client().get(reverse("partyorg:public_notices", args=["640302001099"])).status_code == 404
    assert Client().get(reverse("partyorg:public_notices", args=[w.t.grid_a1.code])).status_code == 404

    strict = Client(enforce_csrf_checks=True)
    data = {"publication": running.pk, "name": "张大爷", "text": "车位离单元门太近"}
    assert strict.post(url, data).status_code == 403
    strict.get(url)
    token = strict.cookies["csrftoken"].value
    response = strict.post(url, {**data, "csrfmiddlewaretoken": token}, follow=True)
    assert response.status_code == 200
    assert "Your objection was received" in response.content.decode() or "异议" in response.content.decode()
    assert running.objections.get().name == "张大爷"
    assert "张大爷" not in Client().get(url).content.decode()  # objections are not shown to the public


def test_public_objection_refused_after_the_end(party_world):
    w = party_world
    ended = _publication_with_period(w, "垃圾分类", -10, -2)
    url = reverse("partyorg:public_notices", args=[w.t.comm_a.code])
    response = Client().post(url, {"publication": ended.pk, "name": "张大爷", "text": "x"})
    assert response.status_code == 400
    assert not ended.objections.exists()


# ---------------------------------------------------------------- archive


def test_archive_prerequisites(party_world):
    w = party_world
    topic = _implementing(w)
    with pytest.raises(ValidationError) as exc:
        services.topic_archive(actor=w.u.community, topic=topic, summary="")
    assert {"implementation", "publication", "archive_summary"} <= set(exc.value.message_dict)
    services.implementation_update_add(actor=w.u.community, topic=topic, note="已划设 40 个车位")
    with pytest.raises(ValidationError) as exc:
        services.topic_archive(actor=w.u.community, topic=topic, summary="已完成")
    assert set(exc.value.message_dict) == {"publication"}  # still running
    Publication.objects.filter(topic=topic).update(
        starts_on=TODAY() - dt.timedelta(days=7), ends_on=TODAY() - dt.timedelta(days=1)
    )
    with pytest.raises(PermissionDenied):
        services.topic_archive(actor=w.u.grid_a1, topic=topic, summary="已完成")
    topic = services.topic_archive(actor=w.u.community, topic=topic, summary="已完成，居民满意")
    topic.refresh_from_db()
    assert (topic.step, topic.archive_summary) == (TopicStep.ARCHIVED, "已完成，居民满意")
    with pytest.raises(TopicConflict):
        services.implementation_update_add(actor=w.u.community, topic=topic, note="x")


# ---------------------------------------------------------------- cases


@pytest.fixture
def case_party_world(party_world, case_reference):
    from tests.case_factories import build_case_world

    party_world.c = build_case_world(party_world.t, party_world.u)
    return party_world


def test_case_in_progress_sent_to_deliberation_waits_on_hold(case_party_world):
    from tests.case_factories import file_case

    w = case_party_world
    case = file_case(w.c, handle_now=True)
    assert case.state == CaseState.IN_PROGRESS
    topic = services.case_send_to_deliberation(actor=w.u.grid_a1, case=case)
    case.refresh_from_db()
    assert case.state == CaseState.ON_HOLD
    hold = case.events.order_by("-pk").first()
    assert str(topic.pk) in hold.note
    # The note is the system's: shown in the reader's language, not in the writer's.
    with translation.override("en"):
        assert hold.display_note == f"Sent to deliberation (topic {topic.pk})"
    with translation.override("zh-hans"):
        assert hold.display_note == f"已转入议事协商（议题 {topic.pk}）"
    assert (topic.source, topic.source_case_id, topic.community_id) == (TopicSource.CASE, case.pk, w.t.comm_a.pk)
    with pytest.raises(ValidationError):
        services.case_send_to_deliberation(actor=w.u.grid_a1, case=case)


def test_hold_notes_written_as_text_are_still_shown_in_the_readers_language():
    # Events written before the note was stored as an id hold only the Chinese text.
    old = CaseEvent(action=CaseAction.HOLD, note="已转入议事协商（议题 42）", data={"minutes_left": 5})
    with translation.override("en"):
        assert old.display_note == "Sent to deliberation (topic 42)"
    typed = CaseEvent(action=CaseAction.HOLD, note="等配件")
    with translation.override("en"):
        assert typed.display_note == "等配件"


def test_submitted_case_is_only_linked(case_party_world):
    from tests.case_factories import file_case

    w = case_party_world
    case = file_case(w.c)
    response = client_for(w.u.community).post(reverse("partyorg:case_to_deliberation", args=[case.pk]))
    topic = Topic.objects.get(source_case=case)
    assert response.status_code == 302 and response["Location"] == reverse("partyorg:topic_detail", args=[topic.pk])
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert client_for(w.u.outsider).post(reverse("partyorg:case_to_deliberation", args=[case.pk])).status_code == 404


def test_decision_creates_follow_up_case_through_the_cases_service(case_party_world):
    w = case_party_world
    topic = _implementing(w)
    with pytest.raises(PermissionDenied):
        services.topic_create_case(
            actor=w.u.grid_a1, topic=topic, category=w.c.category, region=w.t.grid_a1, title="划线"
        )
    with pytest.raises(ValidationError) as exc:
        services.topic_create_case(
            actor=w.u.community, topic=topic, category=w.c.category, region=w.t.grid_b1, title="划线"
        )
    assert "region" in exc.value.message_dict
    case = services.topic_create_case(
        actor=w.u.community, topic=topic, category=w.c.category, region=w.t.grid_a1, title="划设停车位标线",
        description="按议事决定划线",
    )  # fmt: skip
    assert case.channel == Channel.DELIBERATION and case.state == CaseState.SUBMITTED
    event = TopicEvent.objects.filter(topic=topic).last()
    assert event.data["case"] == case.pk
    page = client_for(w.u.community).get(reverse("partyorg:topic_detail", args=[topic.pk])).content.decode()
    assert case.number in page


# ---------------------------------------------------------------- pages


def test_board_columns_buttons_and_query_count(party_world, django_assert_max_num_queries):
    w = party_world
    for i in range(3):
        _topic(w, title=f"议题{i}")
    _topic(w, title="已立项", step=TopicStep.ADOPTED)
    _voted(w)
    url = reverse("partyorg:topic_board")
    community = client_for(w.u.community)
    community.get(url)
    with django_assert_max_num_queries(12):
        response = community.get(url)
    counts = dict(re.findall(r'data-step="(\w+)".*?step-count">(\d+)<', response.content.decode(), re.S))
    assert counts["collected"] == "3" and counts["adopted"] == "1" and counts["voting"] == "1"
    assert "move-adopted" in response.content.decode()
    for i in range(10):
        _topic(w, title=f"更多{i}")
    with django_assert_max_num_queries(12):
        community.get(url)
    grid_page = client_for(w.u.grid_a1).get(url).content.decode()
    assert "议题0" in grid_page and "move-adopted" not in grid_page
    outsider_page = client_for(w.u.outsider).get(url).content.decode()
    assert "议题0" not in outsider_page
    assert client_for(w.u.nobody).get(url).status_code == 404


def test_board_htmx_move(party_world):
    w = party_world
    topic = _topic(w)
    response = client_for(w.u.community).post(
        reverse("partyorg:topic_act", args=[topic.pk, "move"]),
        {"to_step": "adopted", "from": "board"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "topic-board" in response.content.decode()
    topic.refresh_from_db()
    assert topic.step == TopicStep.ADOPTED


def test_propose_page(party_world):
    w = party_world
    url = reverse("partyorg:topic_new")
    response = client_for(w.u.grid_a1).post(
        url, {"community": w.t.comm_a.pk, "title": "路灯不亮", "source": "resident", "proposer_name": "李明"}
    )
    topic = Topic.objects.get(title="路灯不亮")
    assert response.status_code == 302 and topic.created_by == w.u.grid_a1
    assert client_for(w.u.official).get(url).status_code == 403
    response = client_for(w.u.outsider).post(url, {"community": w.t.comm_a.pk, "title": "x", "source": "resident"})
    assert response.status_code == 200 and not Topic.objects.filter(title="x").exists()


@pytest.mark.usefixtures("in_english")
def test_meeting_page_records_votes_with_formsets(party_world):
    w = party_world
    topic = _topic(w, step=TopicStep.PLANNING)
    url = reverse("partyorg:meeting_new")
    data = {
        "community": w.t.comm_a.pk, "forum": "bench", "forum_name": "", "held_at": "2026-01-10T19:00",
        "place": "3号楼前", "eligible_count": 12, "quorum_percent": 50, "majority_rule": "simple",
        "minutes": "讨论停车", "more_residents": "张三\n李四\n王五\n赵六",
        "att-TOTAL_FORMS": 2, "att-INITIAL_FORMS": 0,
        "att-0-kind": "member", "att-0-name": "", "att-0-member": w.branch_secretary.pk,
        "att-1-kind": "resident", "att-1-name": "王芳",
        "vote-TOTAL_FORMS": 2, "vote-INITIAL_FORMS": 0,
        "vote-0-topic": topic.pk, "vote-0-text": "同意方案", "vote-0-votes_for": 5, "vote-0-votes_against": 1,
        "vote-0-votes_abstain": 0,
        "vote-1-topic": topic.pk, "vote-1-text": "另选位置", "vote-1-votes_for": 1, "vote-1-votes_against": 5,
        "vote-1-votes_abstain": 0,
    }  # fmt: skip
    assert client_for(w.u.grid_a1).get(url).status_code == 403
    assert client_for(w.u.official).post(url, data).status_code == 403
    too_many = {**data, "vote-0-votes_for": 9}
    response = client_for(w.u.community).post(url, too_many)
    assert response.status_code == 400 and "only 6 people were present" in response.content.decode()
    response = client_for(w.u.community).post(url, data)
    assert response.status_code == 302
    meeting = topic.agenda_items.get().meeting
    assert meeting.attendees.count() == 6
    assert set(meeting.attendees.values_list("name", flat=True)) >= {"李明", "王芳", "张三"}
    page = client_for(w.u.grid_a1).get(reverse("partyorg:meeting_detail", args=[meeting.pk])).content.decode()
    assert page.count("vote-result") == 2 and 'present-count">6<' in page
    assert client_for(w.u.outsider).get(reverse("partyorg:meeting_detail", args=[meeting.pk])).status_code == 404


def test_topic_detail_forms_for_editors_only(party_world):
    w = party_world
    topic = _voted(w)
    url = reverse("partyorg:topic_detail", args=[topic.pk])
    assert 'id="form-decision"' in client_for(w.u.community).get(url).content.decode()
    assert 'id="form-decision"' not in client_for(w.u.official).get(url).content.decode()
    response = client_for(w.u.community).post(
        reverse("partyorg:topic_act", args=[topic.pk, "publish"]),
        {"text": "x", "starts_on": TODAY().isoformat(), "ends_on": (TODAY() + dt.timedelta(days=2)).isoformat()},
    )
    assert response.status_code == 400 and not Publication.objects.filter(topic=topic).exists()


# ---------------------------------------------------------------- API


def test_api_topics_scope_and_moves(party_world, django_assert_max_num_queries):
    w = party_world
    for i in range(4):
        _topic(w, title=f"议题{i}")
    api = api_for(w.u.grid_a1)
    response = api.post(
        "/api/v1/topics/", {"community": w.t.comm_a.code, "title": "路灯", "source": "resident"}, format="json"
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert api.post(f"/api/v1/topics/{pk}/move/", {"to_step": "adopted"}, format="json").status_code == 403
    assert api_for(w.u.official).post(f"/api/v1/topics/{pk}/move/", {"to_step": "adopted"}).status_code == 403
    assert api_for(w.u.outsider).post(f"/api/v1/topics/{pk}/move/", {"to_step": "adopted"}).status_code == 404
    assert api_for(w.u.outsider).get(f"/api/v1/topics/{pk}/").status_code == 404
    boss = api_for(w.u.community)
    assert boss.post(f"/api/v1/topics/{pk}/move/", {"to_step": "voting"}, format="json").status_code == 409
    response = boss.post(f"/api/v1/topics/{pk}/move/", {"to_step": "adopted"}, format="json")
    assert response.status_code == 200 and response.json()["step"] == "adopted"
    boss.post(f"/api/v1/topics/{pk}/move/", {"to_step": "planning"}, format="json")
    response = boss.post(f"/api/v1/topics/{pk}/plan/", {"plan": "更换 6 盏路灯"}, format="json")
    assert response.status_code == 200 and response.json()["plan"] == "更换 6 盏路灯"
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/topics/")
    assert response.json()["count"] == 5
    assert api_for(w.u.outsider).get("/api/v1/topics/").json()["count"] == 0


def test_api_meeting_publication_and_objection(party_world, django_assert_max_num_queries):
    w = party_world
    topic = _topic(w, step=TopicStep.PLANNING)
    body = {
        "community": w.t.comm_a.code, "forum": "tea", "held_at": timezone.now().isoformat(), "place": "党群服务站",
        "eligible_count": 10, "quorum_percent": 50, "majority_rule": "two_thirds",
        "attendees": [{"kind": "member", "member": w.branch_secretary.pk}] + _people(5),
        "agenda": [{"topic": topic.pk, "options": [{"text": "同意", "votes_for": 4, "votes_against": 2}]}],
    }  # fmt: skip
    assert api_for(w.u.official).post("/api/v1/meetings/", body, format="json").status_code == 403
    response = api_for(w.u.community).post("/api/v1/meetings/", body, format="json")
    assert response.status_code == 201, response.content
    option = response.json()["agenda"][0]["options"][0]
    assert (response.json()["present"], option["quorate"], option["passed"]) == (6, True, True)
    assert response.json()["attendees"][0]["name"] == "李明"
    with django_assert_max_num_queries(8):
        assert api_for(w.u.grid_a1).get("/api/v1/meetings/").json()["count"] == 1
    assert api_for(w.u.outsider).get(f"/api/v1/meetings/{response.json()['id']}/").status_code == 404

    boss = api_for(w.u.community)
    assert boss.post(f"/api/v1/topics/{topic.pk}/decision/", {"decision": "同意"}, format="json").status_code == 200
    start, end = TODAY().isoformat(), (TODAY() + dt.timedelta(days=5)).isoformat()
    response = boss.post(f"/api/v1/topics/{topic.pk}/publish/", {"starts_on": start, "ends_on": end}, format="json")
    assert response.status_code == 200
    publication = Publication.objects.get(topic=topic)
    url = f"/api/v1/publications/{publication.pk}/objections/"
    assert api_for(w.u.outsider).post(url, {"name": "x", "text": "y"}, format="json").status_code == 404
    response = api_for(w.u.grid_a1).post(url, {"name": "张大爷", "text": "太近"}, format="json")
    assert response.status_code == 201
    assert boss.get(f"/api/v1/publications/{publication.pk}/").json()["objections"][0]["name"] == "张大爷"


def test_street_staff_edits_and_password_login_reaches_the_board(party_world):
    w = party_world
    street = UserFactory(username="street_p3")
    from accounts.roles import Role

    assign(street, Role.STREET_STAFF, w.t.street)
    topic = _topic(w)
    services.topic_move(actor=street, topic=topic, to_step=TopicStep.ADOPTED)
    client = Client()
    assert client.login(username="community", password=PASSWORD)
    assert client.get(reverse("partyorg:topic_board")).status_code == 200
