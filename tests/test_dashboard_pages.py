"""Dashboard pages, export and API: what each role sees, drill-down, figures equal to a direct count, 404 outside scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from cases.models import Case, CaseEvent
from dashboards.figures import compute
from dashboards.figures.period import make_period
from dashboards.rollup.job import run_rollup
from tests.case_factories import file_case
from tests.factories import UserFactory, assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(case_world):
    """Cases in community A (grid A1) and B, one overdue, one closed in the grid, absorbed by the rollup job."""
    w = case_world
    from cases import services

    closed = file_case(w, title="井盖缺失", latitude="37.98", longitude="106.20")
    services.case_accept(case=closed, actor=w.u.grid_a1)
    services.case_dispatch(case=closed, actor=w.u.grid_a1)
    services.case_resolve(case=closed, actor=w.u.grid_a1, resolution="已更换井盖")
    services.case_verify(case=closed, actor=w.verifier, ok=True)
    overdue = file_case(w, title="路灯不亮", latitude="37.981", longitude="106.201")
    Case.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    grid_b = UserFactory(username="grid_b")
    assign(grid_b, Role.GRID_MEMBER_FULL, w.t.grid_b1)
    file_case(w, reporter=grid_b, region=w.t.grid_b1, title='=HYPERLINK("http://x")')
    run_rollup()
    w.closed, w.overdue = closed, overdue
    return w


def _login(client, user):
    client.force_login(user)
    return client


def test_official_home_is_the_dashboard_of_their_county(client, world):
    w = world
    response = _login(client, w.u.official).get("/")
    assert response.status_code == 200
    page = response.content.decode()
    summary = compute.summary(w.t.county.code, make_period("month"))
    assert summary.measures["filed"] == 3 and summary.measures["concluded"] == 1
    assert summary.figures["in_grid_rate"] == 1.0
    assert summary.overdue_now == 1
    assert 'data-figure="in_grid_rate"' in page and "100.0%" in page
    # The drill-down links one level down, to the street.
    assert reverse("dashboards:place", args=[w.t.street.code]) in page
    assert 'id="dashboard-data"' in page and 'data-chart="trend"' in page


def test_drilling_down_to_a_grid(client, world):
    w = world
    _login(client, w.u.official)
    for region, child in (
        (w.t.county, w.t.street),
        (w.t.street, w.t.comm_a),
        (w.t.comm_a, w.t.grid_a1),
        (w.t.grid_a1, w.t.micro_a1),
    ):
        response = client.get(reverse("dashboards:place", args=[region.code]))
        assert response.status_code == 200, region.code
        assert reverse("dashboards:place", args=[child.code]) in response.content.decode(), region.code
    response = client.get(reverse("dashboards:place", args=[w.t.grid_a1.code]))
    assert response.context["summary"].measures["filed"] == 2
    assert response.context["summary"].open_now == 1


def test_scope(client, world):
    w = world
    street_user = w.street
    _login(client, street_user)
    assert client.get(reverse("dashboards:place", args=[w.t.street.code])).status_code == 200
    assert client.get(reverse("dashboards:place", args=[w.t.county.code])).status_code == 404
    assert client.get(reverse("dashboards:place", args=["640302999"])).status_code == 404
    _login(client, w.u.community)
    assert client.get(reverse("dashboards:home")).context["place"].code == w.t.comm_a.code
    assert client.get(reverse("dashboards:place", args=[w.t.comm_b.code])).status_code == 404
    for user in (w.u.grid_a1, w.u.outsider, w.u.nobody, w.dept_user):
        _login(client, user)
        status = client.get(reverse("dashboards:place", args=[w.t.comm_a.code])).status_code
        assert status == 404, user.username
    _login(client, w.u.outsider)
    api = client.get(reverse("stats-summary"), {"place": w.t.comm_a.code})
    assert api.status_code == 404


def test_grid_member_sees_their_grid_card(client, world):
    w = world
    response = _login(client, w.u.grid_a1).get("/")
    page = response.content.decode()
    assert f'data-code="{w.t.grid_a1.code}"' in page
    card = response.context["grid_cards"][0]
    assert card["open_now"] == 1 and card["overdue_now"] == 1 and card["in_grid_rate"] == 1.0
    assert reverse("dashboards:home") not in page  # no dashboard in the grid member's menu


def test_export_opens_and_carries_no_formula(client, world):
    w = world
    response = _login(client, w.u.official).get(reverse("dashboards:export", args=[w.t.county.code]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) >= 8
    values = [cell.value for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in values)
    places = book.worksheets[2]
    codes = [row[0].value for row in places.iter_rows(min_row=2)]
    assert w.t.street.code in codes


def test_big_screen_and_its_refresh(client, world):
    w = world
    _login(client, w.u.official)
    page = client.get(reverse("dashboards:screen", args=[w.t.county.code]))
    assert page.status_code == 200 and 'data-theme="dark"' in page.content.decode()
    assert 'hx-trigger="every 60s, gg-refresh"' in page.content.decode()
    partial = client.get(reverse("dashboards:screen", args=[w.t.county.code]), {"partial": "1"})
    body = partial.content.decode()
    assert "<html" not in body and 'id="dashboard-data"' in body


def test_monthly_report_has_a_page_per_child(client, world):
    w = world
    _login(client, w.u.official)
    month = timezone.localdate().strftime("%Y-%m")
    response = client.get(reverse("dashboards:report", args=[w.t.street.code]), {"month": month})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="gg-report-page') == 3  # the street and its two communities
    assert response.context["main"]["summary"].measures["filed"] == 3


def test_api(client, world):
    w = world
    _login(client, w.u.official)
    summary = client.get(reverse("stats-summary"), {"place": w.t.comm_a.code, "period": "30d"}).json()
    assert summary["figures"]["filed"] == 2 and summary["overdue_now"] == 1
    assert "in_grid_rate" in summary["definitions"]
    children = client.get(reverse("stats-children"), {"place": w.t.street.code}).json()
    assert {row["place"] for row in children} == {w.t.comm_a.code, w.t.comm_b.code}
    trend = client.get(reverse("stats-trend"), {"place": w.t.county.code, "period": "year"}).json()
    assert trend["granularity"] == "month"
    assert sum(point["filed"] for point in trend["points"]) == 3
    categories = client.get(reverse("stats-categories"), {"place": w.t.county.code}).json()
    assert sum(row["filed"] for row in categories) == 3
    points = client.get(reverse("stats-map-points"), {"place": w.t.county.code}).json()
    assert {f["properties"]["overdue"] for f in points["features"]} == {True}
    assert len(points["features"]) == 1  # the closed case is not on the map, the third has no position
    bad = client.get(reverse("stats-summary"), {"place": w.t.county.code, "period": "custom", "start": "x"})
    assert bad.status_code == 400
    assert client.get(reverse("stats-summary"), {"category": "NOPE"}).status_code == 400


def test_rollup_job_is_idempotent(world):
    before = compute.measures(world.t.county.code, dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    assert run_rollup().events == 0
    assert compute.measures(world.t.county.code, dt.date(2000, 1, 1), dt.date(2100, 1, 1)) == before
    assert CaseEvent.objects.exists()
