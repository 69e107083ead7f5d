"""A bounded schemathesis run against the live OpenAPI schema, as an administrator and as a grid member.

Every operation gets a few generated requests (fixed seed, so a failure comes back on the next run),
with path ids of real rows of a small district, so most requests reach the code behind the 404.
The run fails on any server error, any answer the schema does not describe (status code or body)
and any response body that does not match its schema.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections import Counter
from types import SimpleNamespace

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from cases import services as case_services
from cases.services import fieldwork
from notifications.models import Notification
from partyorg.models import AttendeeKind, ForumType, ListKind, PositionTitle, TopicStep
from partyorg.services import deliberation, org, service
from tests.case_factories import file_case

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 4
NEGATIVE_EXAMPLES = 2
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
NEGATIVE_CHECKS = [not_a_server_error, negative_data_rejection]


def _fuzz_world(w: SimpleNamespace) -> dict[str, int | str]:
    """Rows of every kind the API serves, in grid A1 of community A; returns a path id per resource."""
    t, u = w.t, w.u
    today = timezone.localdate()
    worker = u.community
    file_case(w, title="路灯不亮")  # waiting to be accepted
    handled = file_case(w, handle_now=True, title="井盖破损")
    resolved = file_case(w, handle_now=True, title="楼道堆物")
    case_services.case_resolve(case=resolved, actor=u.grid_a1, resolution="已清理", expected_version=resolved.version)
    patrol = fieldwork.patrol_create(patroller=u.grid_a1, region=t.grid_a1, notes="巡查楼道")

    org.position_assign(
        actor=worker, member=w.secretary, title=PositionTitle.SECRETARY, start_date=today - dt.timedelta(days=30)
    )
    steward_position = org.position_assign(
        actor=worker, member=w.mobile, title=PositionTitle.UNIT_STEWARD, unit=t.unit_a1, start_date=today
    )
    steward_position.refresh_from_db()
    project = service.secretary_project_add(
        actor=worker, org=w.committee, secretary=w.secretary, title="加装路灯", goal="年内完成",
        started_on=today - dt.timedelta(days=10),
    )  # fmt: skip
    registration = service.dual_registration_add(
        actor=worker, member=w.in_service, community=t.comm_a, workplace="利通区税务局",
        registered_on=today - dt.timedelta(days=20),
    )  # fmt: skip
    record = service.service_record_add(
        actor=worker, registration=registration, date=today - dt.timedelta(days=1), hours=2, description="清扫"
    )
    unit = service.cobuilding_unit_add(
        actor=worker, community=t.comm_a, name="利通区供电公司", contact_name="周工", contact_phone="13812340000"
    )
    need = service.list_item_add(actor=worker, community=t.comm_a, kind=ListKind.NEED, title="楼道照明")
    appointment = org.cross_appointment_add(
        actor=worker, community_org=w.committee, community_role="书记", organisation_kind="property_firm",
        organisation_name="金塔物业", organisation_role="兼职委员", start_date=today - dt.timedelta(days=5),
        member=w.secretary,
    )  # fmt: skip
    topic = deliberation.topic_create(actor=worker, community=t.comm_a, title="加装电梯", description="2号楼居民提议")
    for step in (TopicStep.ADOPTED, TopicStep.PLANNING):
        topic = deliberation.topic_move(actor=worker, topic=topic, to_step=step)
    topic = deliberation.topic_set_plan(actor=worker, topic=topic, plan="按楼层分摊费用")
    meeting = deliberation.meeting_record(
        actor=worker, community=t.comm_a, forum=ForumType.BENCH, held_at=timezone.now() - dt.timedelta(hours=2),
        place="2号楼下", eligible_count=10,
        attendees=[{"kind": AttendeeKind.RESIDENT, "name": f"居民{i}"} for i in range(7)],
        agenda=[{"topic": topic, "discussion": "讨论", "options": [{"text": "同意", "for": 6, "against": 1, "abstain": 0}]}],
    )  # fmt: skip
    topic.refresh_from_db()
    deliberation.topic_record_decision(actor=worker, topic=topic, decision="同意加装电梯")
    publication = deliberation.publication_start(
        actor=worker, topic=topic, text="关于加装电梯的决定", starts_on=today, ends_on=today + dt.timedelta(days=7)
    )
    second_topic = deliberation.topic_create(actor=worker, community=t.comm_a, title="停车位划线", description="")
    notification = Notification.objects.filter(recipient=u.grid_a1).order_by("id").first()
    return {
        "cases": handled.pk,
        "case-categories": w.category.code,
        "departments": w.department.pk,
        "regions": t.grid_a1.code,
        "estates": t.estate_a.pk,
        "buildings": t.building_a1.pk,
        "units": t.unit_a1.pk,
        "households": t.hh_a1[0].pk,
        "residents": t.res_a1.pk,
        "party-orgs": w.group.pk,
        "party-members": w.mobile.pk,
        "party-positions": steward_position.pk,
        "secretary-projects": project.pk,
        "dual-registrations": registration.pk,
        "cobuilding-units": unit.pk,
        "topics": second_topic.pk,
        "meetings": meeting.pk,
        "notifications": notification.pk if notification else 1,
        "cross-appointments": appointment.pk,
        "list-items": need.pk,
        "service-records": record.pk,
        "publications": publication.pk,
        "patrols": patrol.pk,
    }


def _describe(who: str, case, response, exc: BaseException) -> str:
    found = getattr(exc, "exceptions", (exc,))
    titles = "; ".join(f"{getattr(f, 'title', type(f).__name__)}: {str(f).strip()[:300]}" for f in found)
    return (
        f"[{who}] {case.operation.label} {case.path_parameters or ''} query={case.query or ''} "
        f"body={str(case.body)[:200]} -> {response.status_code} {response.text[:300]}\n    {titles}"
    )


@pytest.fixture
def fuzz_world(case_world, party_world):
    w = case_world
    w.secretary, w.mobile, w.in_service = party_world.secretary, party_world.mobile, party_world.in_service
    w.committee, w.group = party_world.committee, party_world.group
    return w


@pytest.fixture
def wsgi_app():
    """The project as a WSGI application whose requests share the test's connection and transaction.

    Django's test client does the same: the request signals must not close the connection.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def server_errors():
    """The tracebacks of the requests that raised, to show beside the failures."""
    found: list[str] = []

    def record(sender, request=None, **kwargs):
        found.append(f"{request.method} {request.get_full_path()}\n{traceback.format_exc(limit=-6)}")

    got_request_exception.connect(record)
    yield found
    got_request_exception.disconnect(record)


def _fuzz(schema, *, mode, tokens, ids, examples, checks, methods, failures, answered) -> None:
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() not in methods:
            continue
        if mode is GenerationMode.NEGATIVE and not len(operation.query):
            continue  # nothing to malform but the path, whose ids are real
        resource = operation.path.split("/")[3]
        fixed = {parameter.name: ids[resource] for parameter in operation.path_parameters if resource in ids}

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
        @settings(
            max_examples=examples,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            for who, token in tokens.items():
                headers = {"Authorization": f"Token {token}", "Accept-Encoding": "identity"}
                # A savepoint per request: a server error that broke the transaction is undone, so
                # that it does not turn every later request into one as well.
                savepoint = transaction.savepoint()
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    transaction.savepoint_rollback(savepoint)
                else:
                    transaction.savepoint_commit(savepoint)
                answered[response.status_code // 100] += 1
                try:
                    case.validate_response(response, checks=checks, headers=headers)
                except (Exception, BaseExceptionGroup) as exc:  # every failure is collected
                    failures.append(_describe(who, case, response, exc))

        run()


def test_every_operation_answers_within_its_schema(fuzz_world, wsgi_app, server_errors):
    ids = _fuzz_world(fuzz_world)
    tokens = {
        "admin": Token.objects.create(user=fuzz_world.u.admin).key,
        "grid member": Token.objects.create(user=fuzz_world.u.grid_a1).key,
    }
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    failures: list[str] = []
    answered: Counter[int] = Counter()
    # Valid requests of every operation, as both users: every answer within the schema.
    _fuzz(
        schema, mode=GenerationMode.POSITIVE, tokens=tokens, ids=ids, examples=EXAMPLES_PER_OPERATION,
        checks=CHECKS, methods={"GET", "POST", "PUT", "PATCH", "DELETE"}, failures=failures, answered=answered,
    )  # fmt: skip
    # Malformed query parameters and bodies (page=abc, unread=null, a string for a number): refused
    # with a 4xx, never served as if they were not there.
    _fuzz(
        schema, mode=GenerationMode.NEGATIVE, tokens={"admin": tokens["admin"]}, ids=ids,
        examples=NEGATIVE_EXAMPLES, checks=NEGATIVE_CHECKS, methods={"GET"}, failures=failures, answered=answered,
    )  # fmt: skip
    report = "\n".join(failures[:100] + server_errors[:10])
    assert not failures and not server_errors, f"{len(failures)} failures\n{report}"
    # The run reached real rows: many answers were successes, not only 404s for made-up ids.
    assert answered[2] >= 300, answered


# ---------------------------------------------------------------- what earlier runs found, pinned


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_coordinates_out_of_range_are_refused_in_chinese(case_world):
    api = _api(case_world.u.grid_a1)
    url = "/api/v1/cases/duplicates/"
    category = case_world.category.code
    for latitude, longitude in (("1e200", "106"), ("91", "106"), ("38", "-180.5"), ("NaN", "106"), ("38", "Infinity")):
        response = api.get(url, {"category": category, "latitude": latitude, "longitude": longitude})
        assert response.status_code == 400, (latitude, longitude, response.content)
        message = str(response.json())
        assert any(
            text in message for text in ("纬度应在 -90 到 90 之间", "经度应在 -180 到 180 之间", "请填写合法的数字")
        )
    assert api.get(url, {"category": category, "latitude": "1e200", "longitude": "106"}).json() == {
        "latitude": ["纬度应在 -90 到 90 之间。"]
    }
    assert api.get(url, {"category": category, "latitude": "38.0123", "longitude": "106.1"}).status_code == 200


def test_a_project_update_without_a_date_is_dated_today(party_world):
    w = party_world
    today = timezone.localdate()
    org.position_assign(
        actor=w.u.community, member=w.secretary, title=PositionTitle.SECRETARY, start_date=today - dt.timedelta(days=9)
    )
    project = service.secretary_project_add(
        actor=w.u.community, org=w.committee, secretary=w.secretary, title="加装路灯", goal="年内完成",
        started_on=today - dt.timedelta(days=3),
    )  # fmt: skip
    response = _api(w.u.community).post(
        f"/api/v1/secretary-projects/{project.pk}/updates/", {"note": "x", "progress": 10}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["updates"][-1]["date"] == today.isoformat()


def test_malformed_query_parameters_are_refused_in_chinese(case_world):
    api = _api(case_world.u.admin)
    refused = {
        "/api/v1/cases/?page_size=abc": ("page_size", "请填写 1 到 200 之间的整数。"),
        "/api/v1/cases/?page_size=0": ("page_size", "请填写 1 到 200 之间的整数。"),
        "/api/v1/cases/?page_size=500": ("page_size", "请填写 1 到 200 之间的整数。"),
        "/api/v1/cases/?cursor=bad": ("cursor", "游标无效，请直接使用返回的 next 或 previous 链接。"),
        "/api/v1/cases/?overdue=maybe": ("overdue", "请填写 true 或 false。"),
        "/api/v1/notifications/?unread=null": ("unread", "请填写 true 或 false。"),
        "/api/v1/residents/?page=abc": ("page", "请填写页码：从 1 开始的整数。"),
        "/api/v1/residents/?page=-3": ("page", "请填写页码：从 1 开始的整数。"),
        "/api/v1/estates/?page=1.5": ("page", "请填写页码：从 1 开始的整数。"),
    }
    for url, (name, message) in refused.items():
        response = api.get(url)
        assert response.status_code == 400, (url, response.content)
        assert response.json() == {name: [message]}, url
    for url in (
        "/api/v1/cases/?page_size=20&overdue=true",
        "/api/v1/notifications/?unread=false",
        "/api/v1/residents/?page=1",
    ):
        assert api.get(url).status_code == 200, url
    assert api.get("/api/v1/residents/?page=99").status_code == 404  # past the end, as documented
