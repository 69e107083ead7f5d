"""The official's dashboard in a real browser: charts drawn, the map's points, drilling down, the big screen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import Case
from cases.reference_data import load_case_reference
from dashboards.rollup.job import run_rollup
from fixtures.demo.boundaries import draw_demo_boundaries
from grids.models import Region
from tests.case_factories import build_case_world, file_case
from tests.factories import build_named_users, build_territory

from .harness import assert_chinese, assert_no_horizontal_overflow, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(browser_data) -> SimpleNamespace:
    """Cases in 金塔社区 (one closed in the grid, two open with a position, one overdue), rolled up."""
    t = build_territory()
    u = build_named_users(t)
    load_case_reference()
    w = build_case_world(t, u)
    draw_demo_boundaries({region.code: region for region in Region.objects.all()})
    done = file_case(w, title="井盖缺失")
    services.case_accept(case=done, actor=u.grid_a1)
    services.case_dispatch(case=done, actor=u.grid_a1)
    services.case_resolve(case=done, actor=u.grid_a1, resolution="已更换")
    services.case_verify(case=done, actor=w.verifier, ok=True)
    file_case(w, title="路灯不亮", latitude=Decimal("37.9975"), longitude=Decimal("106.1986"))
    late = file_case(w, title="垃圾满溢", latitude=Decimal("37.9979"), longitude=Decimal("106.1990"))
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    run_rollup()
    return SimpleNamespace(t=t, u=u, w=w)


def test_official_dashboard_draws_charts_and_map(pages, world, viewport):
    page = pages.open(reverse("accounts:home"), viewport, user=world.u.official)
    assert_chinese(page.title())
    charts = page.locator(".gg-chart[data-chart]")
    count = charts.count()
    assert count >= 6
    for index in range(count):  # ECharts drew a canvas inside every chart
        expect(charts.nth(index).locator("canvas")).to_have_count(1)
    dashboard_map = page.locator("#place-map")
    expect(dashboard_map.locator(".leaflet-marker-icon, .leaflet-interactive").first).to_be_visible()
    expect(page.locator('[data-figure="overdue_now"] .gg-figure-value')).to_have_text("1")
    assert_no_horizontal_overflow(page)
    screenshot(page, f"dashboard-official-{viewport}")


def test_drilling_down_from_the_county_to_a_grid(pages, world, viewport):
    t = world.t
    page = pages.open(reverse("dashboards:place", args=[t.county.code]), viewport, user=world.u.official)
    for child in (t.street, t.comm_a, t.grid_a1):
        page.locator(f'#drilldown tr[data-code="{child.code}"] a').click()
        page.wait_for_url(f"**/dashboards/{child.code}/**")
        expect(page.locator("h1")).to_contain_text(child.name)
    expect(page.locator(".breadcrumb")).to_contain_text(t.comm_a.name)
    assert_no_horizontal_overflow(page)


def test_big_screen_refreshes_without_reloading(pages, world):
    from .harness import Viewport

    wall = Viewport("wall", 1920, 1080, mobile=False)
    page = pages.open(reverse("dashboards:screen", args=[world.t.county.code]), wall, user=world.u.official)
    expect(page.locator("body")).to_have_attribute("data-theme", "dark")
    first = page.locator("#screen-body [data-refreshed]").get_attribute("data-refreshed")
    page.evaluate("window.__notReloaded = true")
    # Instead of waiting a minute, fire the refresh's second trigger; the swap redraws the charts.
    with page.expect_response(lambda r: "partial=1" in r.url):
        page.evaluate("htmx.trigger('#screen-body', 'gg-refresh')")
    page.wait_for_function(
        "(first) => document.querySelector('#screen-body [data-refreshed]').dataset.refreshed !== first", arg=first
    )
    assert page.evaluate("window.__notReloaded") is True
    expect(page.locator("#screen-body .gg-chart[data-chart='trend'] canvas")).to_have_count(1)
    screenshot(page, "dashboard-screen")
