"""The desktop case pages: list with filters and keyset paging, detail with actions, board, department inbox, print."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from cases import services
from cases.models import Case, CaseCategory, CaseEvent, CaseLevel, CaseState, Summons
from tests.case_factories import file_case

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def html(response) -> str:
    return response.content.decode()


def login(client, user):
    client.force_login(user)
    return client


def act_url(case: Case, action: str) -> str:
    return reverse("cases:act", args=[case.pk, action])


def act(client, case: Case, action: str, data: dict | None = None, *, version: int | None = None, **extra):
    """Post an action with the version the page would have been rendered with."""
    case.refresh_from_db()
    payload = {"version": case.version if version is None else version, **(data or {})}
    return client.post(act_url(case, action), payload, **extra)


def action_names(page: str) -> set[str]:
    return set(re.findall(r'<details class="case-action[^"]*" data-action="([a-z_]+)"', page))


def listed_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-case="(\d+)"', page)]


def pager(page: str) -> dict[str, str]:
    """The newer (prev) and older (next) links of the case list."""
    return dict(re.findall(r'<a class="page-link" rel="(prev|next)" href="([^"]*)"', page))


def state_of(case: Case) -> str:
    case.refresh_from_db()
    return case.state


def board_column(page: str, case: Case) -> str | None:
    """The column of the dispatch board in which the case's card sits."""
    position = page.find(f'data-case="{case.pk}"')
    if position < 0:
        return None
    columns = [(m.start(), m.group(1)) for m in re.finditer(r'data-column="([a-z]+)"', page)]
    found = None
    for start, name in columns:
        if start < position:
            found = name
    return found


def run_to_resolved(w, case: Case) -> Case:
    """Accept, dispatch and resolve by the grid member, through the services."""
    services.case_dispatch(case=case, actor=w.u.grid_a1, handler=w.u.grid_a1)
    return services.case_resolve(case=case, actor=w.u.grid_a1, resolution="已清理")


def to_level(w, case: Case, level: str) -> Case:
    """Escalate the case up to the given level, each step by a handler of the level it sits at."""
    actors = {CaseLevel.GRID: w.u.grid_a1, CaseLevel.COMMUNITY: w.u.community, CaseLevel.STREET: w.street}
    case.refresh_from_db()
    while case.level != level:
        case = services.case_escalate(case=case, actor=actors[case.level], reason="需要上级处理")
    return case


# ---------------------------------------------------------------- list


def test_list_needs_login(client, case_world):
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_list_shows_only_cases_in_scope(client, case_world):
    w = case_world
    mine = file_case(w)
    theirs = file_case(w, reporter=w.u.outsider, region=w.t.grid_b1, title="朝阳的事")
    page = html(login(client, w.u.community).get(reverse("cases:list")))
    assert listed_ids(page) == [mine.pk]
    assert mine.number in page and theirs.number not in page
    page = html(login(client, w.u.outsider).get(reverse("cases:list")))
    assert listed_ids(page) == [theirs.pk]


def test_list_filters_by_state(client, case_world):
    w = case_world
    submitted = file_case(w)
    accepted = services.case_accept(case=file_case(w, title="第二件"), actor=w.u.grid_a1)
    client = login(client, w.u.community)
    page = html(client.get(reverse("cases:list"), {"state": "submitted"}))
    assert listed_ids(page) == [submitted.pk]
    page = html(client.get(reverse("cases:list"), {"state": ["submitted", "accepted"]}))
    assert listed_ids(page) == [accepted.pk, submitted.pk]
    assert 'value="accepted" id="id_state_accepted" checked' in page


def test_list_filters_overdue_and_shows_it_in_red(client, case_world):
    w = case_world
    late = file_case(w, title="超期的")
    on_time = file_case(w, title="未超期")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    client = login(client, w.u.community)
    page = html(client.get(reverse("cases:list"), {"overdue": "true"}))
    assert listed_ids(page) == [late.pk]
    assert "due-overdue" in page
    page = html(client.get(reverse("cases:list"), {"overdue": "false"}))
    assert listed_ids(page) == [on_time.pk]
    assert "due-overdue" not in page


def test_list_filters_by_region_prefix_and_suggests_own_places(client, case_world):
    w = case_world
    in_a1 = file_case(w)
    in_a2 = file_case(w, reporter=w.u.grid_a2, region=w.t.grid_a2, title="二网格的事")
    client = login(client, w.u.community)
    page = html(client.get(reverse("cases:list"), {"region": w.t.grid_a2.code}))
    assert listed_ids(page) == [in_a2.pk]
    page = html(client.get(reverse("cases:list"), {"region": w.t.comm_a.code}))
    assert listed_ids(page) == [in_a2.pk, in_a1.pk]
    assert f'<option value="{w.t.grid_a1.code}">' in page
    assert f'<option value="{w.t.grid_b1.code}">' not in page  # not one of the community worker's places


def test_list_category_filter_includes_subcategories(client, case_world):
    w = case_world
    safety = file_case(w)
    other_category = CaseCategory.objects.filter(parent__code="GA01").order_by("code").first()
    other = file_case(w, category=other_category, title="意见")
    client = login(client, w.u.community)
    page = html(client.get(reverse("cases:list"), {"category": w.category.parent.code}))
    assert listed_ids(page) == [safety.pk]
    page = html(client.get(reverse("cases:list"), {"category": other_category.code}))
    assert listed_ids(page) == [other.pk]


def test_list_htmx_swaps_only_the_results(client, case_world):
    w = case_world
    case = file_case(w)
    response = login(client, w.u.community).get(reverse("cases:list"), {"state": "submitted"}, **HTMX)
    page = html(response)
    assert "<html" not in page and 'id="case-filter"' not in page
    assert listed_ids(page) == [case.pk]
    assert "HX-Request" in response["Vary"]


def test_list_bad_filter_says_what_is_wrong(client, case_world):
    w = case_world
    file_case(w)
    page = html(login(client, w.u.community).get(reverse("cases:list"), {"created_from": "not-a-date"}))
    assert "alert-danger" in page
    assert listed_ids(page) == []


def test_list_keyset_paging(client, case_world, monkeypatch):
    from cases.views import desk

    monkeypatch.setattr(desk, "CASES_PER_PAGE", 2)
    w = case_world
    cases = [file_case(w, title=f"事件{i}") for i in range(5)]
    ids = [c.pk for c in reversed(cases)]  # newest first
    client = login(client, w.u.community)
    page = html(client.get(reverse("cases:list")))
    assert listed_ids(page) == ids[:2]
    assert pager(page) == {"next": f"?before={ids[1]}"}

    page = html(client.get(reverse("cases:list"), {"before": ids[1]}))
    assert listed_ids(page) == ids[2:4]
    assert pager(page) == {"prev": f"?after={ids[2]}", "next": f"?before={ids[3]}"}

    page = html(client.get(reverse("cases:list"), {"before": ids[3]}))
    assert listed_ids(page) == ids[4:]
    assert pager(page) == {"prev": f"?after={ids[4]}"}  # the oldest page

    page = html(client.get(reverse("cases:list"), {"after": ids[4]}))
    assert listed_ids(page) == ids[2:4]
    assert pager(page) == {"prev": f"?after={ids[2]}", "next": f"?before={ids[3]}"}
    page = html(client.get(reverse("cases:list"), {"after": ids[2]}))
    assert listed_ids(page) == ids[:2]
    assert pager(page) == {"next": f"?before={ids[1]}"}  # the newest page

    # Paging keeps the filters.
    page = html(client.get(reverse("cases:list"), {"state": "submitted"}))
    assert pager(page) == {"next": f"?state=submitted&amp;before={ids[1]}"}


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:list"))
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_rows(client, case_world, django_assert_max_num_queries):
    w = case_world
    for i in range(5):
        case = file_case(w, title=f"事件{i}")
        if i % 2:
            services.case_dispatch(case=case, actor=w.u.grid_a1, handler=w.u.grid_a1)
    client = login(client, w.u.community)
    few = _list_queries(client)
    for i in range(25):
        case = file_case(w, reporter=w.u.grid_a2, region=w.t.grid_a2, title=f"更多{i}")
        if i % 3 == 0:
            services.case_dispatch(case=case, actor=w.u.grid_a2, handler=w.u.grid_a2)
    many = _list_queries(client)
    assert many == few
    # 9: the menu's one query (cases.views.menu) and the row count (grids.counting) included.
    with django_assert_max_num_queries(9):
        page = html(client.get(reverse("cases:list"), {"state": "in_progress", "category": w.category.parent.code}))
    assert len(listed_ids(page)) == 11


# ---------------------------------------------------------------- detail: access


def test_outsider_gets_404_everywhere(client, case_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = case_world
    case = file_case(w, uploads=[SimpleUploadedFile("a.png", PNG, content_type="image/png")])
    attachment = case.attachments.get()
    client = login(client, w.u.outsider)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("cases:print", args=[case.pk])).status_code == 404
    assert client.get(reverse("cases:attachment", args=[attachment.pk])).status_code == 404
    for action in ("accept", "comment", "nonsense"):
        assert act(client, case, action, {"note": "x"}).status_code == 404
    assert state_of(case) == CaseState.SUBMITTED
    missing = Case.objects.order_by("-pk").first().pk + 100
    assert client.get(reverse("cases:detail", args=[missing])).status_code == 404


def test_detail_shows_the_case(client, case_world):
    w = case_world
    case = file_case(
        w,
        reporter_name="李明",
        reporter_phone="13912345678",
        channel="resident",
        latitude="37.997500",
        longitude="106.198600",
        address="金塔小区1号楼",
    )
    services.case_accept(case=case, actor=w.u.grid_a1, note="马上去看")
    page = html(login(client, w.u.community).get(reverse("cases:detail", args=[case.pk])))
    assert case.number in page and "楼道堆放杂物" in page
    assert w.t.grid_a1.name in page and "金塔小区1号楼" in page
    assert "data-case-map" in page and "37.997500, 106.198600" in page
    assert "vendor/leaflet/dist/leaflet.js" in page
    assert "139****5678" in page and "13912345678" not in page  # masked: the community worker is not the handler
    assert page.count('data-event="') == 2 and page.index('data-event="submit"') < page.index('data-event="accept"')
    assert "马上去看" in page


def test_detail_shows_the_phone_to_the_handler_only(client, case_world):
    w = case_world
    case = file_case(w, reporter_name="李明", reporter_phone="13912345678", channel="resident")
    services.case_accept(case=case, actor=w.u.grid_a1)
    page = html(login(client, w.u.grid_a1).get(reverse("cases:detail", args=[case.pk])))
    assert "13912345678" in page


def test_official_reads_the_case_without_action_buttons(client, case_world):
    w = case_world
    case = file_case(w)
    client = login(client, w.u.official)
    page = html(client.get(reverse("cases:detail", args=[case.pk])))
    assert case.number in page
    assert action_names(page) == set()
    response = act(client, case, "accept")
    assert response.status_code == 403
    assert escape(gettext("Only the handlers of this level may accept the case.")) in html(response)
    assert state_of(case) == CaseState.SUBMITTED


def test_official_cannot_comment(client, case_world):
    """District officials are read-only: posting a comment is refused like any other action."""
    w = case_world
    case = file_case(w)
    response = act(login(client, w.u.official), case, "comment", {"note": "请尽快处理"})
    assert response.status_code == 403
    assert not CaseEvent.objects.filter(case=case, action="comment").exists()


def test_detail_offers_only_allowed_actions(client, case_world):
    w = case_world
    case = file_case(w)
    page = html(login(client, w.u.grid_a1).get(reverse("cases:detail", args=[case.pk])))
    grid_actions = action_names(page)
    assert {"accept", "dispatch", "reject", "duplicate", "escalate", "edit"} <= grid_actions
    assert not grid_actions & {"verify", "return", "summon", "resolve", "tag_unreasonable"}

    page = html(login(client, w.u.community).get(reverse("cases:detail", args=[case.pk])))
    community_actions = action_names(page)
    assert "tag_unreasonable" in community_actions
    assert not community_actions & {"accept", "dispatch", "verify", "resolve"}

    run_to_resolved(w, case)
    page = html(login(client, w.verifier).get(reverse("cases:detail", args=[case.pk])))
    assert "verify" in action_names(page)
    page = html(login(client, w.u.grid_a1).get(reverse("cases:detail", args=[case.pk])))
    assert "verify" not in action_names(page)


def test_dispatch_offers_the_people_who_can_take_the_case(client, case_world):
    w = case_world
    case = to_level(w, file_case(w), CaseLevel.COMMUNITY)
    page = html(login(client, w.u.community).get(reverse("cases:detail", args=[case.pk])))
    select = re.search(r'<select name="handler".*?</select>', page, re.S).group(0)
    assert f'value="{w.u.grid_a1.pk}"' in select  # the grid of the case
    assert f'value="{w.u.community.pk}"' in select and f'value="{w.verifier.pk}"' in select
    assert f'value="{w.u.grid_a2.pk}"' not in select  # another grid
    assert f'value="{w.u.outsider.pk}"' not in select


# ---------------------------------------------------------------- detail: the flow through cases:act


def test_full_flow_accept_dispatch_resolve_verify(client, case_world):
    w = case_world
    case = file_case(w)
    grid = login(client, w.u.grid_a1)
    detail = reverse("cases:detail", args=[case.pk])

    response = act(grid, case, "accept", {"note": "收到"})
    assert response.status_code == 302 and response["Location"] == detail
    assert state_of(case) == CaseState.ACCEPTED

    response = act(grid, case, "dispatch", {"handler": w.u.grid_a1.pk, "note": "我来处理"})
    assert response.status_code == 302
    assert state_of(case) == CaseState.IN_PROGRESS and case.handler_id == w.u.grid_a1.pk

    response = act(grid, case, "resolve", {"resolution": "杂物已清理"})
    assert state_of(case) == CaseState.RESOLVED

    response = act(grid, case, "verify", {"outcome": "ok"})
    assert response.status_code == 403
    assert escape(gettext("The person who handled a case cannot verify it.")) in html(response)
    response = act(grid, case, "verify", {"outcome": "ok"}, **HTMX)
    assert response.status_code == 403
    assert html(response).startswith('<div id="case-body"')
    assert escape(gettext("The person who handled a case cannot verify it.")) in html(response)
    assert state_of(case) == CaseState.RESOLVED

    verifier = login(client, w.verifier)
    response = act(verifier, case, "verify", {"outcome": "ok", "note": "现场已核实"}, follow=True)
    assert state_of(case) == CaseState.CLOSED
    page = html(response)
    assert escape(gettext("Verified: the case is closed.")) in page
    assert [e.action for e in case.events.all()] == ["submit", "accept", "dispatch", "resolve", "verify_ok"]


def test_action_with_htmx_swaps_the_detail_body(client, case_world):
    w = case_world
    case = file_case(w)
    response = act(login(client, w.u.grid_a1), case, "accept", **HTMX)
    assert response.status_code == 200
    page = html(response)
    assert page.startswith('<div id="case-body"') and "<html" not in page
    assert escape(gettext("The case was accepted; you are now its handler.")) in page
    assert 'data-event="accept"' in page
    assert "accept" not in action_names(page) and "dispatch" in action_names(page)
    case.refresh_from_db()
    assert f'name="version" value="{case.version}"' in page


def test_failed_verification_needs_a_note(client, case_world):
    w = case_world
    case = run_to_resolved(w, file_case(w))
    verifier = login(client, w.verifier)
    page = html(act(verifier, case, "verify", {"outcome": "failed", "note": ""}))
    assert escape(gettext("Give a reason.")) in page
    assert state_of(case) == CaseState.RESOLVED
    act(verifier, case, "verify", {"outcome": "failed", "note": "还有纸箱"})
    assert state_of(case) == CaseState.IN_PROGRESS


def test_stale_version_is_a_conflict_and_changes_nothing(client, case_world):
    w = case_world
    case = file_case(w)
    old = case.version
    services.case_edit(case=case, actor=w.u.grid_a1, expected_version=old, changes={"title": "楼道堆放纸箱"})
    grid = login(client, w.u.grid_a1)
    response = act(grid, case, "accept", version=old, **HTMX)
    assert response.status_code == 409
    assert "alert-warning" in html(response)
    assert state_of(case) == CaseState.SUBMITTED

    response = act(grid, case, "accept", version=old, follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[case.pk])
    assert "alert-warning" in html(response)
    assert state_of(case) == CaseState.SUBMITTED
    assert not case.events.filter(action="accept").exists()


def test_step_no_longer_possible_is_a_conflict(client, case_world):
    w = case_world
    case = file_case(w)
    version = case.version
    services.case_accept(case=case, actor=w.u.grid_a1)
    response = act(login(client, w.u.grid_a1), case, "accept", version=version, **HTMX)
    assert response.status_code == 409
    assert state_of(case) == CaseState.ACCEPTED


def test_hold_and_resume(client, case_world):
    w = case_world
    case = file_case(w)
    services.case_dispatch(case=case, actor=w.u.grid_a1, handler=w.u.grid_a1)
    grid = login(client, w.u.grid_a1)
    page = html(act(grid, case, "hold", {"reason": ""}))
    assert escape(gettext("Give a reason.")) in page
    assert state_of(case) == CaseState.IN_PROGRESS

    act(grid, case, "hold", {"reason": "等待物业配合"})
    assert state_of(case) == CaseState.ON_HOLD and case.due_at is None
    page = html(grid.get(reverse("cases:detail", args=[case.pk])))
    assert "resume" in action_names(page) and "hold" not in action_names(page)

    act(grid, case, "resume", {"note": "物业已到场"})
    assert state_of(case) == CaseState.IN_PROGRESS and case.due_at is not None


def test_return_to_the_level_below(client, case_world):
    w = case_world
    case = to_level(w, file_case(w), CaseLevel.COMMUNITY)
    community = login(client, w.u.community)
    page = html(act(community, case, "return", {"reason": " "}))
    assert escape(gettext("Give a reason.")) in page
    case.refresh_from_db()
    assert case.level == CaseLevel.COMMUNITY

    act(community, case, "return", {"reason": "网格可以自行解决"})
    case.refresh_from_db()
    assert case.level == CaseLevel.GRID and case.state == CaseState.SUBMITTED


def test_reject_needs_a_reason(client, case_world):
    w = case_world
    case = file_case(w)
    grid = login(client, w.u.grid_a1)
    response = act(grid, case, "reject", {"reason": ""})
    assert response.status_code == 200
    page = html(response)
    assert escape(gettext("Give a reason.")) in page
    assert re.search(r'data-action="reject" open', page)  # the form is shown again, open
    assert state_of(case) == CaseState.SUBMITTED

    act(grid, case, "reject", {"reason": "属于私人纠纷，不在受理范围"})
    assert state_of(case) == CaseState.REJECTED
    assert case.closure_reason == "属于私人纠纷，不在受理范围"


def test_mark_duplicate_by_number(client, case_world):
    w = case_world
    original = file_case(w, title="原件")
    copy = file_case(w, title="重复")
    grid = login(client, w.u.grid_a1)
    page = html(act(grid, copy, "duplicate", {"original": "640302-1999-999999"}))
    assert escape(gettext("No such case in your places.")) in page
    assert state_of(copy) == CaseState.SUBMITTED

    act(grid, copy, "duplicate", {"original": original.number})
    assert state_of(copy) == CaseState.DUPLICATE and copy.duplicate_of_id == original.pk
    page = html(grid.get(reverse("cases:detail", args=[original.pk])))
    assert reverse("cases:detail", args=[copy.pk]) in page
    page = html(grid.get(reverse("cases:detail", args=[copy.pk])))
    assert reverse("cases:detail", args=[original.pk]) in page


def test_edit_details(client, case_world):
    w = case_world
    case = file_case(w)
    act(
        login(client, w.u.grid_a1),
        case,
        "edit",
        {"title": "楼道堆放大量纸箱", "description": "3单元", "urgency": "urgent", "address": "1号楼3单元"},
    )
    case.refresh_from_db()
    assert case.title == "楼道堆放大量纸箱" and case.urgency == "urgent" and case.address == "1号楼3单元"
    assert case.events.filter(action="edit").exists()


def test_escalate_to_a_chosen_department(client, case_world):
    w = case_world
    case = to_level(w, file_case(w), CaseLevel.STREET)
    street = login(client, w.street)
    page = html(street.get(reverse("cases:detail", args=[case.pk])))
    select = re.search(r'<select name="department".*?</select>', page, re.S).group(0)
    assert "住建局" in select and "城管局" in select
    act(street, case, "escalate", {"reason": "需要职能部门处理", "department": w.department.pk})
    case.refresh_from_db()
    assert case.level == CaseLevel.DEPARTMENT and case.department_id == w.department.pk
    page = html(login(client, w.dept_user).get(reverse("cases:detail", args=[case.pk])))
    assert "accept" in action_names(page)


def test_summon_check_in_late_and_report(client, case_world):
    w = case_world
    case = to_level(w, file_case(w), CaseLevel.STREET)
    street = login(client, w.street)
    page = html(street.get(reverse("cases:detail", args=[case.pk])))
    assert "summon" in action_names(page)
    act(street, case, "summon", {"departments": [w.department.pk], "note": "请住建局到场"})
    summons = Summons.objects.get(case=case)
    assert summons.department_id == w.department.pk

    # The department is late: its check-in time has passed.
    Summons.objects.filter(pk=summons.pk).update(check_in_due_at=timezone.now() - dt.timedelta(hours=1))
    dept = login(client, w.dept_user)
    page = html(dept.get(reverse("cases:department_inbox")))
    assert f'data-summons="{summons.pk}"' in page and case.number in page
    assert "summons-late" in page and "请住建局到场" in page

    response = dept.post(reverse("cases:summons_act", args=[summons.pk, "checkin"]))
    assert response.status_code == 302
    summons.refresh_from_db()
    assert summons.checked_in_at is not None and summons.checked_in_by_id == w.dept_user.pk

    page = html(dept.post(reverse("cases:summons_act", args=[summons.pk, "report"]), {"report": " "}))
    assert escape(gettext("Say what the department did.")) in page
    summons.refresh_from_db()
    assert summons.reported_at is None

    response = dept.post(reverse("cases:summons_act", args=[summons.pk, "report"]), {"report": "已督促整改"}, **HTMX)
    assert response.status_code == 200
    assert f'data-summons="{summons.pk}"' not in html(response)  # answered: it leaves the inbox
    summons.refresh_from_db()
    assert summons.report == "已督促整改"

    page = html(street.get(reverse("cases:detail", args=[case.pk])))
    assert "已督促整改" in page and "summons-late" in page


def test_summonses_of_other_departments_answer_404(client, case_world):
    w = case_world
    case = file_case(w)
    services.case_summon(case=case, actor=w.street, departments=[w.other_department])
    summons = Summons.objects.get(case=case)
    for user in (w.dept_user, w.u.outsider):
        client = login(client, user)
        assert f'data-summons="{summons.pk}"' not in html(client.get(reverse("cases:department_inbox")))
        assert client.post(reverse("cases:summons_act", args=[summons.pk, "checkin"])).status_code == 404
    summons.refresh_from_db()
    assert summons.checked_in_at is None


def test_case_cannot_close_while_a_summons_has_no_report(client, case_world):
    w = case_world
    case = file_case(w)
    services.case_summon(case=case, actor=w.street, departments=[w.department])
    case = run_to_resolved(w, case)
    page = html(act(login(client, w.verifier), case, "verify", {"outcome": "ok"}))
    assert "住建局" in page and "alert-danger" in page
    assert state_of(case) == CaseState.RESOLVED


def test_follow_up_after_closing(client, case_world):
    w = case_world
    case = run_to_resolved(w, file_case(w))
    services.case_verify(case=case, actor=w.verifier, ok=True)
    community = login(client, w.u.community)
    page = html(community.get(reverse("cases:detail", args=[case.pk])))
    assert "follow_up" in action_names(page)
    act(community, case, "follow_up", {"satisfaction": "satisfied", "note": "居民满意"})
    page = html(community.get(reverse("cases:detail", args=[case.pk])))
    assert 'data-satisfaction="satisfied"' in page and "居民满意" in page


def test_dispute_case_links_to_its_mediation(client, case_world):
    w = case_world
    case = file_case(w, category=w.dispute, title="邻里噪音纠纷")
    page = html(login(client, w.u.community).get(reverse("cases:detail", args=[case.pk])))
    assert reverse("cases:mediation", args=[case.pk]) in page
    other = file_case(w)
    page = html(client.get(reverse("cases:detail", args=[other.pk])))
    assert reverse("cases:mediation", args=[other.pk]) not in page


# ---------------------------------------------------------------- attachments and print


def test_attachment_is_served_in_scope_only(client, case_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = case_world
    case = file_case(w, uploads=[SimpleUploadedFile("现场.png", PNG, content_type="image/png")])
    attachment = case.attachments.get()
    url = reverse("cases:attachment", args=[attachment.pk])
    client = login(client, w.u.community)
    assert url in html(client.get(reverse("cases:detail", args=[case.pk])))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PNG
    assert login(client, w.u.outsider).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_add_attachment_through_the_detail_page(client, case_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = case_world
    case = file_case(w)
    grid = login(client, w.u.grid_a1)
    act(grid, case, "attach", {"uploads": [SimpleUploadedFile("b.png", PNG, content_type="image/png")]})
    assert case.attachments.count() == 1
    page = html(
        act(grid, case, "attach", {"uploads": [SimpleUploadedFile("c.txt", b"hello", content_type="text/plain")]})
    )
    assert "c.txt" in page and case.attachments.count() == 1


def test_print_view_masks_the_phone_even_for_the_handler(client, case_world):
    w = case_world
    case = file_case(w, reporter_name="李明", reporter_phone="13912345678", channel="resident")
    services.case_dispatch(case=case, actor=w.u.grid_a1, handler=w.u.grid_a1)
    page = html(login(client, w.u.grid_a1).get(reverse("cases:print", args=[case.pk])))
    assert "139****5678" in page and "13912345678" not in page
    assert case.number in page and 'data-event="dispatch"' in page
    assert "data-print" in page and "@page" in page
    assert "navbar" not in page


# ---------------------------------------------------------------- dispatch board


def test_board_puts_cases_in_their_columns(client, case_world):
    w = case_world
    at_grid = file_case(w, title="网格")
    waiting = to_level(w, file_case(w, title="待社区"), CaseLevel.COMMUNITY)
    handled = to_level(w, file_case(w, title="社区处理中"), CaseLevel.COMMUNITY)
    services.case_dispatch(case=handled, actor=w.u.community, handler=w.u.community)
    resolved = run_to_resolved(w, file_case(w, title="待核查"))
    above = to_level(w, file_case(w, title="街道"), CaseLevel.STREET)
    elsewhere = file_case(w, reporter=w.u.outsider, region=w.t.grid_b1, title="朝阳")

    client = login(client, w.u.community)
    response = client.get(reverse("cases:board"))
    assert response.status_code == 200
    page = html(response)
    assert board_column(page, waiting) == "waiting"
    assert board_column(page, at_grid) == "grid"
    assert board_column(page, handled) == "community"
    assert board_column(page, resolved) == "verify"
    assert board_column(page, above) == "above"
    assert board_column(page, elsewhere) is None
    page = html(client.get(reverse("cases:board", args=[w.t.comm_a.code])))
    assert board_column(page, waiting) == "waiting" and board_column(page, elsewhere) is None


def test_board_quick_dispatch(client, case_world):
    w = case_world
    case = to_level(w, file_case(w), CaseLevel.COMMUNITY)
    client = login(client, w.u.community)
    board = reverse("cases:board", args=[w.t.comm_a.code])
    page = html(client.get(board))
    form = re.search(rf'<form[^>]*action="{act_url(case, "dispatch")}".*?</form>', page, re.S).group(0)
    assert f'value="{w.u.grid_a1.pk}"' in form and f'value="{w.u.grid_a2.pk}"' not in form
    response = act(client, case, "dispatch", {"handler": w.u.grid_a1.pk, "next": board})
    assert response.status_code == 302 and response["Location"] == board
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and case.handler_id == w.u.grid_a1.pk


def test_board_access(client, case_world):
    w = case_world
    board_a = reverse("cases:board", args=[w.t.comm_a.code])
    board_b = reverse("cases:board", args=[w.t.comm_b.code])
    client = login(client, w.u.community)
    assert client.get(board_b).status_code == 404
    assert client.get(reverse("cases:board", args=["640302001009"])).status_code == 404
    client = login(client, w.u.outsider)
    assert client.get(board_a).status_code == 404
    assert client.get(reverse("cases:board")).status_code == 200
    client = login(client, w.street)  # street staff see every community of their street
    assert client.get(board_a).status_code == 200 and client.get(board_b).status_code == 200
    response = client.get(reverse("cases:board"), {"community": w.t.comm_b.code})
    assert response.status_code == 302 and response["Location"] == board_b
    for user in (w.u.official, w.u.grid_a1):
        client = login(client, user)
        assert client.get(reverse("cases:board")).status_code == 403
        assert client.get(board_a).status_code == 404


def test_department_inbox_without_a_department(client, case_world):
    w = case_world
    response = login(client, w.u.community).get(reverse("cases:department_inbox"))
    assert response.status_code == 200
    assert "data-summons" not in html(response)
