"""The cases API under /api/v1/: filing, scope, the state machine, conflicts, files, work lists, patrols, summonses."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from cases import services
from cases.models import Attachment, Case, CaseCategory, CaseState, Department, Patrol, Summons
from grids.pii import mask_phone
from tests.case_factories import file_case
from tests.factories import UserFactory, assign

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 24
PHONE = "13912345678"


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def text_file(name: str = "notes.png") -> SimpleUploadedFile:
    # named like a photo; the type is read from the bytes
    return SimpleUploadedFile(name, b"just some words, not a picture", content_type="image/png")


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def act(user, case: Case, name: str, status: int = 200, **data) -> dict:
    response = client_for(user).post(f"{CASES}{case.pk}/{name}/", data, format="json")
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def w(case_world):
    return case_world


@pytest.fixture
def case_a(w) -> Case:
    """A case in grid A1 filed by its grid member, with the resident's phone."""
    return file_case(w, reporter_phone=PHONE, reporter_name="李明")


@pytest.fixture
def second_grid_member(w):
    """Another grid member of grid A1, to race grid_a1 for the same case."""
    user = UserFactory(username="grid_a1_part")
    assign(user, Role.GRID_MEMBER_PART, w.t.grid_a1)
    return user


# ---------------------------------------------------------------- filing


def test_file_a_case_with_json(w):
    response = client_for(w.u.grid_a1).post(
        CASES,
        {
            "region": w.t.grid_a1.code,
            "category": w.category.code,
            "title": "路灯不亮",
            "description": "1号楼前路灯坏了",
            "urgency": "urgent",
            "reporter_name": "李明",
            "reporter_phone": PHONE,
            "building": w.t.building_a1.pk,
            "latitude": "37.9876543",  # phones send more decimals than are kept
            "longitude": "106.1987654",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert case.title == "路灯不亮"
    assert case.channel == "api"
    assert case.reporter == w.u.grid_a1
    assert case.region_code == w.t.micro_a1.code  # the building lies in the micro-grid
    assert str(case.latitude) == "37.987654"
    assert body["state"] == "submitted"
    assert body["level"] == "grid"
    assert body["category"] == w.category.code
    assert body["number"] == case.number
    assert body["version"] == 1
    assert body["reporter_phone"] == mask_phone(PHONE)
    assert PHONE not in response.content.decode()
    assert body["allowed_actions"] == sorted(body["allowed_actions"])
    assert {"accept", "dispatch", "reject", "edit"} <= set(body["allowed_actions"])
    assert body["attachments"] == []


def test_file_a_case_with_a_photo(w, media):
    response = client_for(w.u.grid_a1).post(
        CASES,
        {"region": w.t.grid_a1.code, "category": w.category.code, "title": "井盖缺失", "uploads": [png()]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    (attachment,) = response.json()["attachments"]
    assert attachment["kind"] == "photo"
    assert attachment["content_type"] == "image/png"
    assert attachment["size"] == len(PNG)
    assert attachment["url"] == f"/cases/attachment/{attachment['id']}/"
    assert len(stored_files(media)) == 1


def test_a_text_file_is_refused_and_nothing_is_saved(w, media):
    before = Case.objects.count()
    response = client_for(w.u.grid_a1).post(
        CASES,
        {"region": w.t.grid_a1.code, "category": w.category.code, "title": "井盖缺失", "uploads": [text_file()]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "notes.png" in response.json()["uploads"][0]
    assert Case.objects.count() == before
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []


def test_places_out_of_scope_are_not_found_like_missing_ones(w):
    api = client_for(w.u.grid_a1)
    base = {"category": w.category.code, "title": "占道经营"}

    def errors(**extra) -> dict:
        response = api.post(CASES, {**base, **extra}, format="json")
        assert response.status_code == 400, response.content
        return response.json()

    other_grid = errors(region=w.t.grid_b1.code)
    missing = errors(region="640302001001099")
    assert set(other_grid) == {"region"}
    assert other_grid == missing

    building_b = w.t.hh_b1[0].unit.building
    assert errors(region=w.t.grid_a1.code, building=building_b.pk) == errors(region=w.t.grid_a1.code, building=999999)
    assert set(errors(region=w.t.grid_a1.code, household=w.t.hh_b1[0].pk)) == {"household"}
    assert set(errors(region=w.t.grid_a1.code, category="NOPE")) == {"category"}
    assert not Case.objects.exists()


def test_service_rules_come_back_under_their_fields(w):
    api = client_for(w.u.grid_a1)
    top = CaseCategory.objects.get(code="GA03")
    response = api.post(
        CASES,
        {"region": w.t.grid_a1.code, "category": top.code, "title": "x", "channel": "hotline", "latitude": "38"},
        format="json",
    )
    assert response.status_code == 400
    assert {"category", "reporter_name", "latitude"} <= set(response.json())


def test_official_may_read_but_not_file(w):
    response = client_for(w.u.official).post(
        CASES, {"region": w.t.grid_a1.code, "category": w.category.code, "title": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"]


# ---------------------------------------------------------------- reading


def test_the_list_is_scoped(w, case_a):
    case_b = file_case(w, reporter=w.u.outsider, region=w.t.grid_b1, title="朝阳的事")

    def ids(user) -> set[int]:
        return {row["id"] for row in rows(client_for(user).get(CASES))}

    assert ids(w.u.grid_a1) == {case_a.pk}
    assert ids(w.u.community) == {case_a.pk}
    assert ids(w.u.outsider) == {case_b.pk}
    assert ids(w.u.official) == {case_a.pk, case_b.pk}
    assert ids(w.u.nobody) == set()
    assert ids(w.u.grid_a2) == set()


def test_list_rows_carry_no_phone(w, case_a):
    response = client_for(w.u.community).get(CASES)
    (row,) = rows(response)
    assert "reporter_phone" not in row
    assert PHONE not in response.content.decode()


def test_list_filters(w, case_a):
    other = file_case(w, region=w.t.grid_a2, reporter=w.u.grid_a2, title="二网格")
    act(w.u.grid_a1, case_a, "accept")
    Case.objects.filter(pk=other.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    api = client_for(w.u.community)

    def ids(query: str) -> set[int]:
        return {row["id"] for row in rows(api.get(f"{CASES}?{query}"))}

    assert ids("state=accepted") == {case_a.pk}
    assert ids("state=accepted&state=submitted") == {case_a.pk, other.pk}
    assert ids("overdue=true") == {other.pk}
    assert ids("overdue=false") == {case_a.pk}
    assert ids(f"region={w.t.grid_a2.code}") == {other.pk}
    assert ids(f"region={w.t.comm_b.code}") == set()  # a filter narrows the scope, never widens it
    assert ids(f"q={other.number}") == {other.pk}
    assert ids("mine=true") == set()
    assert ids(f"category={w.category.code}") == {case_a.pk, other.pk}
    assert ids(f"category={w.category.parent.code}") == {case_a.pk, other.pk}  # a top category covers its children
    assert ids(f"category={w.dispute.code}") == set()
    assert api.get(f"{CASES}?state=bogus").status_code == 400


def test_cursor_pagination_is_stable_and_counts_nothing(w):
    filed = [file_case(w, title=f"事{n}").pk for n in range(5)]
    api = client_for(w.u.community)
    response = api.get(f"{CASES}?page_size=2")
    body = response.json()
    assert "count" not in body
    seen = [row["id"] for row in body["results"]]
    # a case filed while paging does not shift the pages already being read
    file_case(w, title="新来的")
    while body["next"]:
        body = api.get(body["next"]).json()
        seen += [row["id"] for row in body["results"]]
    assert seen == sorted(filed, reverse=True)


def test_list_query_count_does_not_grow_with_rows(w, django_assert_max_num_queries):
    def file_and_accept(n: int) -> None:
        for i in range(n):
            case = file_case(w, title=f"事{i}")
            if i % 2:
                act(w.u.grid_a1, case, "accept")

    api = client_for(w.u.community)
    counts = []
    for batch in (5, 25):
        file_and_accept(batch)
        with CaptureQueriesContext(connection) as ctx:
            assert len(rows(api.get(CASES))) == Case.objects.count()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    # session, user, scope, the user's departments, the page
    with django_assert_max_num_queries(5):
        api.get(CASES)


def test_out_of_scope_case_answers_404_like_a_missing_one(w, case_a):
    api = client_for(w.u.outsider)
    out_of_scope = api.get(f"{CASES}{case_a.pk}/")
    missing = api.get(f"{CASES}999999/")
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.json() == missing.json()
    for path in ("events/", "attachments/"):
        assert api.get(f"{CASES}{case_a.pk}/{path}").status_code == 404
    assert api.post(f"{CASES}{case_a.pk}/accept/", {}, format="json").status_code == 404
    assert api.post(f"{CASES}{case_a.pk}/comment/", {"note": "hi"}, format="json").status_code == 404
    assert api.patch(f"{CASES}{case_a.pk}/", {"version": 1, "title": "x"}, format="json").status_code == 404
    case_a.refresh_from_db()
    assert case_a.version == 1


def test_phone_is_shown_to_the_handler_only(w, case_a):
    assert client_for(w.u.community).get(f"{CASES}{case_a.pk}/").json()["reporter_phone"] == mask_phone(PHONE)
    before = client_for(w.u.grid_a1).get(f"{CASES}{case_a.pk}/").json()
    assert before["reporter_phone"] == mask_phone(PHONE)  # reporter, not yet handler
    act(w.u.grid_a1, case_a, "accept")
    assert client_for(w.u.grid_a1).get(f"{CASES}{case_a.pk}/").json()["reporter_phone"] == PHONE
    assert client_for(w.u.community).get(f"{CASES}{case_a.pk}/").json()["reporter_phone"] == mask_phone(PHONE)


# ---------------------------------------------------------------- the state machine


def test_handle_resolve_verify_close_and_follow_up(w, case_a):
    body = act(w.u.grid_a1, case_a, "accept", version=1, note="马上去")
    assert (body["state"], body["handler"], body["version"]) == ("accepted", w.u.grid_a1.pk, 2)
    assert body["handler_name"] == w.u.grid_a1.display_name

    body = act(w.u.grid_a1, case_a, "dispatch", version=2)
    assert body["state"] == "in_progress"

    body = act(w.u.grid_a1, case_a, "hold", reason="等配件", version=body["version"])
    assert body["state"] == "on_hold"
    assert body["due_at"] is None
    body = act(w.u.grid_a1, case_a, "resume", version=body["version"])
    assert body["state"] == "in_progress"
    assert body["due_at"]

    body = act(w.u.grid_a1, case_a, "resolve", resolution="已清理楼道", version=body["version"])
    assert body["state"] == "resolved"
    assert body["resolution"] == "已清理楼道"
    assert body["resolved_by_name"] == w.u.grid_a1.display_name

    # the handler never verifies their own work
    denied = act(w.u.grid_a1, case_a, "verify", status=403, ok=True)
    assert denied["detail"]
    assert "verify" in client_for(w.u.community).get(f"{CASES}{case_a.pk}/").json()["allowed_actions"]

    body = act(w.u.community, case_a, "verify", ok=True, version=body["version"])
    assert body["state"] == "closed"
    assert body["closed_level"] == "grid"

    body = act(w.u.community, case_a, "follow-up", satisfaction="satisfied", note="居民满意")
    assert [f["satisfaction"] for f in body["follow_ups"]] == ["satisfied"]
    body = act(w.u.community, case_a, "comment", note="回访完成")
    assert body["state"] == "closed"


def test_failed_verification_sends_the_case_back(w, case_a):
    act(w.u.grid_a1, case_a, "dispatch")
    act(w.u.grid_a1, case_a, "resolve", resolution="处理了")
    assert "note" in act(w.u.community, case_a, "verify", status=400, ok=False)
    body = act(w.u.community, case_a, "verify", ok=False, note="杂物还在")
    assert body["state"] == "in_progress"


def test_escalate_return_and_reject(w, case_a):
    body = act(w.u.grid_a1, case_a, "escalate", reason="需要社区协调")
    assert (body["level"], body["state"], body["handler"]) == ("community", "submitted", None)
    assert "return" in client_for(w.u.community).get(f"{CASES}{case_a.pk}/").json()["allowed_actions"]

    body = act(w.u.community, case_a, "return", reason="网格可以处理")
    assert body["level"] == "grid"

    assert "reason" in act(w.u.grid_a1, case_a, "reject", status=400, reason="  ")
    body = act(w.u.grid_a1, case_a, "reject", reason="不属于网格事项")
    assert body["state"] == "rejected"
    assert body["closure_reason"] == "不属于网格事项"


def test_dispatch_to_another_handler(w, case_a):
    act(w.u.grid_a1, case_a, "escalate", reason="需要社区协调")
    refused = act(w.u.community, case_a, "dispatch", status=400, handler=w.u.outsider.pk)
    missing = act(w.u.community, case_a, "dispatch", status=400, handler=999999)
    assert set(refused) == {"handler"}
    assert refused == missing  # nothing tells whether the account exists
    body = act(w.u.community, case_a, "dispatch", handler=w.verifier.pk)
    assert (body["state"], body["handler"]) == ("in_progress", w.verifier.pk)


def test_escalate_level_by_level_up_to_a_chosen_department(w, case_a):
    assert act(w.u.grid_a1, case_a, "escalate", reason="网格处理不了")["level"] == "community"
    assert act(w.u.community, case_a, "escalate", reason="需要街道协调")["level"] == "street"
    assert set(act(w.street, case_a, "escalate", status=400, reason="x", department=999999)) == {"department"}
    body = act(w.street, case_a, "escalate", reason="交住建局", department=w.department.pk)
    assert (body["level"], body["department"], body["department_name"]) == ("department", w.department.pk, "住建局")
    assert body["escalation_count"] == 3
    # the department's staff now hold it
    assert "accept" in client_for(w.dept_user).get(f"{CASES}{case_a.pk}/").json()["allowed_actions"]
    assert act(w.dept_user, case_a, "accept")["handler"] == w.dept_user.pk


def test_unresolvable_and_tag_unreasonable(w, case_a):
    act(w.u.grid_a1, case_a, "accept")
    body = act(w.u.community, case_a, "tag-unreasonable", reason="诉求超出政策")
    assert body["is_unreasonable"] is True
    body = act(w.u.community, case_a, "unresolvable", reason="历史遗留问题")
    assert body["state"] == "unresolvable"


def test_mark_duplicate_by_number_and_link_a_report(w, case_a):
    repeat = file_case(w, title="楼道又堆满了")
    body = act(w.u.grid_a1, repeat, "duplicate", original=case_a.number)
    assert body["state"] == "duplicate"
    assert body["duplicate_of"] == case_a.pk
    assert body["duplicate_of_number"] == case_a.number

    body = act(w.u.grid_a1, case_a, "link-report", note="邻居也反映", reporter_name="王芳", reporter_phone=PHONE)
    assert body["report_count"] == 3

    foreign = file_case(w, reporter=w.u.outsider, region=w.t.grid_b1)
    third = file_case(w)
    assert set(act(w.u.grid_a1, third, "duplicate", status=400, original=str(foreign.pk))) == {"original"}


def test_summon_check_in_and_report(w, case_a):
    body = act(w.street, case_a, "summon", departments=[w.department.pk], note="请住建局到场")
    (summons,) = body["summonses"]
    assert summons["department_name"] == "住建局"
    assert summons["checked_in_at"] is None

    inbox = client_for(w.dept_user).get("/api/v1/summonses/").json()["results"]
    assert [row["id"] for row in inbox] == [summons["id"]]
    assert inbox[0]["case_number"] == case_a.number
    assert client_for(w.dept_user).get(f"{CASES}{case_a.pk}/").status_code == 200

    url = f"/api/v1/summonses/{summons['id']}/"
    for stranger in (w.u.grid_a1, w.u.outsider, w.u.department, w.street):
        api = client_for(stranger)
        assert api.get(url).status_code == 404
        assert api.post(f"{url}check-in/", {}, format="json").status_code == 404
        assert api.post(f"{url}report/", {"report": "x"}, format="json").status_code == 404
        assert api.get("/api/v1/summonses/").json()["results"] == []

    api = client_for(w.dept_user)
    checked = api.post(f"{url}check-in/", {"note": "已到场"}, format="json")
    assert checked.status_code == 200
    assert checked.json()["checked_in_at"]
    assert api.post(f"{url}report/", {"report": " "}, format="json").status_code == 400
    reported = api.post(f"{url}report/", {"report": "已加固护栏"}, format="json")
    assert reported.status_code == 200
    assert reported.json()["report"] == "已加固护栏"
    assert api.get("/api/v1/summonses/").json()["results"] == []
    assert Summons.objects.get(pk=summons["id"]).reported_at is not None


def test_a_case_cannot_close_while_a_department_owes_a_report(w, case_a):
    act(w.street, case_a, "summon", departments=[w.department.pk])
    act(w.u.grid_a1, case_a, "dispatch")
    act(w.u.grid_a1, case_a, "resolve", resolution="处理了")
    body = act(w.u.community, case_a, "verify", status=400, ok=True)
    assert "住建局" in body["non_field_errors"][0]


def test_summoning_an_unknown_department_is_a_field_error(w, case_a):
    body = act(w.street, case_a, "summon", status=400, departments=[w.department.pk, 999999])
    assert set(body) == {"departments"}
    assert not Summons.objects.exists()


def test_read_only_official_gets_403_with_the_services_message(w, case_a):
    official = w.u.official
    assert client_for(official).get(f"{CASES}{case_a.pk}/").status_code == 200
    for name, data in (("accept", {}), ("dispatch", {}), ("reject", {"reason": "x"}), ("escalate", {"reason": "x"})):
        body = act(official, case_a, name, status=403, **data)
        assert body["detail"]
    response = client_for(official).patch(f"{CASES}{case_a.pk}/", {"version": 1, "title": "改"}, format="json")
    assert response.status_code == 403
    case_a.refresh_from_db()
    assert (case_a.state, case_a.version, case_a.title) == ("submitted", 1, "楼道堆放杂物")


# ---------------------------------------------------------------- conflicts


def test_edit_needs_the_version_read(w, case_a):
    api = client_for(w.u.grid_a1)
    url = f"{CASES}{case_a.pk}/"
    missing = api.patch(url, {"title": "楼道堆放杂物（3单元）"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["version"]

    edited = api.patch(url, {"version": 1, "title": "楼道堆放杂物（3单元）", "urgency": "urgent"}, format="json")
    assert edited.status_code == 200, edited.content
    assert (edited.json()["title"], edited.json()["urgency"], edited.json()["version"]) == (
        "楼道堆放杂物（3单元）",
        "urgent",
        2,
    )

    stale = api.patch(url, {"version": 1, "title": "别的标题"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["version"] == 2
    assert stale.json()["detail"]
    case_a.refresh_from_db()
    assert case_a.title == "楼道堆放杂物（3单元）"
    assert api.put(url, {"version": 2, "title": "x"}, format="json").status_code == 405


def test_stale_version_on_a_transition_is_409(w, case_a):
    client_for(w.u.grid_a1).patch(f"{CASES}{case_a.pk}/", {"version": 1, "title": "新标题"}, format="json")
    body = act(w.u.grid_a1, case_a, "accept", status=409, version=1)
    assert body["version"] == 2
    case_a.refresh_from_db()
    assert case_a.state == "submitted"
    # services without a version of their own check it too
    assert act(w.u.grid_a1, case_a, "comment", status=409, note="看一下", version=1)["version"] == 2
    assert act(w.u.grid_a1, case_a, "comment", note="看一下", version=2)["version"] == 3


def test_two_clients_accept_the_same_case(w, case_a, second_grid_member):
    first = client_for(w.u.grid_a1).get(f"{CASES}{case_a.pk}/").json()
    second = client_for(second_grid_member).get(f"{CASES}{case_a.pk}/").json()
    assert "accept" in first["allowed_actions"] and "accept" in second["allowed_actions"]

    act(w.u.grid_a1, case_a, "accept", version=first["version"])
    late = act(second_grid_member, case_a, "accept", status=409, version=second["version"])
    assert late["version"] == 2
    assert "2" in late["detail"]  # the message names the version the case is at now
    # without a version the service still notices that the case moved on
    late = act(second_grid_member, case_a, "accept", status=409)
    assert late["detail"]
    case_a.refresh_from_db()
    assert case_a.handler == w.u.grid_a1


# ---------------------------------------------------------------- log and files


def test_events_oldest_first(w, case_a):
    act(w.u.grid_a1, case_a, "accept", note="收到")
    act(w.u.community, case_a, "comment", note="请尽快")
    response = client_for(w.u.community).get(f"{CASES}{case_a.pk}/events/")
    assert response.status_code == 200
    events = response.json()
    assert [e["action"] for e in events] == ["submit", "accept", "comment"]
    accept = events[1]
    assert (accept["from_state"], accept["to_state"], accept["note"]) == ("submitted", "accepted", "收到")
    assert accept["actor_name"] == w.u.grid_a1.display_name
    assert accept["action_display"]
    assert events[2]["actor"] == w.u.community.pk


def test_add_attachments(w, case_a, media):
    api = client_for(w.u.grid_a1)
    url = f"{CASES}{case_a.pk}/attachments/"
    refused = api.post(url, {"uploads": [text_file()]}, format="multipart")
    assert refused.status_code == 400
    assert set(refused.json()) == {"uploads"}
    assert stored_files(media) == []

    added = api.post(url, {"uploads": [png("a.png"), png("b.png")]}, format="multipart")
    assert added.status_code == 201, added.content
    assert [a["original_name"] for a in added.json()] == ["a.png", "b.png"]
    listed = client_for(w.u.community).get(url)
    assert [a["id"] for a in listed.json()] == [a["id"] for a in added.json()]
    assert len(stored_files(media)) == 2

    denied = client_for(w.u.official).post(url, {"uploads": [png()]}, format="multipart")
    assert denied.status_code == 403
    assert client_for(w.u.outsider).post(url, {"uploads": [png()]}, format="multipart").status_code == 404
    stale = api.post(url, {"uploads": [png()], "version": 1}, format="multipart")
    assert stale.status_code == 409
    assert Attachment.objects.filter(case=case_a).count() == 2


# ---------------------------------------------------------------- work lists


def test_inbox(w, case_a):
    def inbox(user) -> list[int]:
        response = client_for(user).get(f"{CASES}inbox/")
        assert response.status_code == 200
        return [row["id"] for row in response.json()]

    assert inbox(w.u.grid_a1) == [case_a.pk]
    assert inbox(w.u.community) == []  # waiting at grid level, not theirs yet
    act(w.u.grid_a1, case_a, "escalate", reason="需要社区协调")
    assert inbox(w.u.community) == [case_a.pk]
    assert inbox(w.u.outsider) == []
    assert inbox(w.u.nobody) == []


def test_duplicate_candidates(w):
    near = file_case(w, building=w.t.building_a1)
    api = client_for(w.u.grid_a1)
    response = api.get(f"{CASES}duplicates/", {"category": w.category.code, "building": w.t.building_a1.pk})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [near.pk]
    assert api.get(f"{CASES}duplicates/", {"category": w.category.code}).json() == []
    assert api.get(f"{CASES}duplicates/").status_code == 400

    outsider = client_for(w.u.outsider)
    hidden = outsider.get(f"{CASES}duplicates/", {"category": w.category.code, "building": w.t.building_a1.pk})
    missing = outsider.get(f"{CASES}duplicates/", {"category": w.category.code, "building": 999999})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()


# ---------------------------------------------------------------- reference data


def test_categories_are_a_flattened_tree(w):
    CaseCategory.objects.filter(code="GA01-04").update(is_active=False)
    response = client_for(w.u.grid_a1).get("/api/v1/case-categories/")
    assert response.status_code == 200
    rows_ = response.json()
    codes = [row["code"] for row in rows_]
    assert "GA01-04" not in codes
    for index, row in enumerate(rows_):
        if row["parent_code"]:
            # every subcategory comes after its parent, with only siblings in between
            parent_at = codes.index(row["parent_code"])
            assert parent_at < index
            assert all(r["parent_code"] == row["parent_code"] for r in rows_[parent_at + 1 : index])
    detail = client_for(w.u.grid_a1).get(f"/api/v1/case-categories/{w.category.code}/").json()
    assert (detail["parent_code"], detail["is_leaf"]) == ("GA03", True)


def test_departments_are_scoped(w):
    def names(user) -> set[str]:
        return {row["name"] for row in rows(client_for(user).get("/api/v1/departments/"))}

    Department.objects.create(name="金塔社区服务站", region=w.t.comm_a)
    county_wide = {"住建局", "城管局"}
    assert names(w.street) == county_wide | {"金塔社区服务站"}
    assert names(w.u.grid_a2) == county_wide | {"金塔社区服务站"}
    assert names(w.dept_user) == county_wide | {"金塔社区服务站"}
    assert names(w.u.outsider) == county_wide  # a department inside community A is not theirs
    assert names(w.u.nobody) == set()
    detail = client_for(w.street).get(f"/api/v1/departments/{w.department.pk}/").json()
    assert detail["duties"] == ["GA03"]


# ---------------------------------------------------------------- patrols


def test_record_a_patrol_and_file_a_finding(w, media):
    api = client_for(w.u.grid_a1)
    response = api.post(
        "/api/v1/patrols/",
        {
            "region": w.t.grid_a1.code,
            "buildings": [w.t.building_a1.pk],
            "households": [w.t.hh_a1[0].pk],
            "notes": "1号楼消防通道堵塞",
            "latitude": "37.98",
            "longitude": "106.19",
            "photos": [png()],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    patrol = response.json()
    assert patrol["buildings"] == [w.t.building_a1.pk]
    (photo,) = patrol["photos"]
    assert photo["url"] == f"/cases/patrols/photo/{photo['id']}/"
    assert [row["id"] for row in rows(api.get("/api/v1/patrols/"))] == [patrol["id"]]
    assert client_for(w.u.community).get(f"/api/v1/patrols/{patrol['id']}/").status_code == 200

    outsider = client_for(w.u.outsider)
    assert rows(outsider.get("/api/v1/patrols/")) == []
    assert outsider.get(f"/api/v1/patrols/{patrol['id']}/").status_code == 404
    url = f"/api/v1/patrols/{patrol['id']}/file-case/"
    finding = {"category": w.category.code, "title": "消防通道堵塞"}
    assert outsider.post(url, finding, format="json").status_code == 404
    assert client_for(w.u.community).post(url, finding, format="json").status_code == 403

    filed = api.post(url, finding, format="json")
    assert filed.status_code == 201, filed.content
    case = filed.json()
    assert (case["channel"], case["building"], case["description"]) == (
        "patrol",
        w.t.building_a1.pk,
        "1号楼消防通道堵塞",
    )
    assert [a["kind"] for a in case["attachments"]] == ["photo"]


def test_patrol_places_out_of_scope_are_not_found(w):
    api = client_for(w.u.grid_a1)
    building_b = w.t.hh_b1[0].unit.building
    response = api.post("/api/v1/patrols/", {"region": w.t.grid_a1.code, "buildings": [building_b.pk]}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"buildings"}
    response = api.post("/api/v1/patrols/", {"region": w.t.grid_b1.code}, format="json")
    assert set(response.json()) == {"region"}
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = api.post("/api/v1/patrols/", {"region": w.t.grid_a1.code, "date": future}, format="json")
    assert set(response.json()) == {"date"}
    assert not Patrol.objects.exists()


def test_anonymous_gets_nothing(w, case_a):
    api = APIClient()
    assert api.get(CASES).status_code in (401, 403)
    assert api.post(f"{CASES}{case_a.pk}/accept/", {}, format="json").status_code in (401, 403)
    assert api.get("/api/v1/summonses/").status_code in (401, 403)
    case_a.refresh_from_db()
    assert case_a.state == CaseState.SUBMITTED


def test_list_rows_built_by_hand_match_drf_generic_output(w, case_a):
    from rest_framework import serializers as drf

    from cases.api.serializers import CaseSerializer

    act(w.u.grid_a1, case_a, "accept")
    Case.objects.filter(pk=case_a.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    other = file_case(w, region=w.t.grid_a2, reporter=w.u.grid_a2, title="二网格")
    services.case_escalate(case=other, actor=w.u.grid_a2, reason="上报")
    for case in Case.objects.select_related("category", "region", "handler", "department").filter(
        pk__in=[case_a.pk, other.pk]
    ):
        generic = dict(drf.ModelSerializer.to_representation(CaseSerializer(), case))
        assert CaseSerializer().to_representation(case) == generic
        # The list builds the same rows from plain values.
        listed = {row["id"]: row for row in rows(client_for(w.u.community).get(CASES))}
        assert json.loads(json.dumps(listed[case.pk])) == json.loads(json.dumps(generic))
