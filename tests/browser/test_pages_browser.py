"""The main pages in a real browser, for a community worker and a grid member, on a phone and a desktop."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases import services
from cases.reference_data import load_case_reference
from notifications.models import Notification
from tests.case_factories import build_case_world, file_case
from tests.factories import build_named_users, build_territory

from .harness import assert_chinese, assert_no_horizontal_overflow, screenshot

pytestmark = pytest.mark.browser

USERS = ["community", "grid_a1"]
PAGES = ["home", "case_list", "resident_list", "case_detail", "notification_list"]


@pytest.fixture(scope="module")
def world(browser_data) -> SimpleNamespace:
    """The named territory and cast, and two cases: one with its place on the map, escalated to the community
    worker, and one the community worker returned to the grid member (both of them get notifications)."""
    t = build_territory()
    u = build_named_users(t)
    load_case_reference()
    w = build_case_world(t, u)
    case = file_case(w, latitude=Decimal("37.997500"), longitude=Decimal("106.198600"), address="金塔小区1号楼东侧")
    services.case_accept(case=case, actor=u.grid_a1, note="马上去看")
    services.case_escalate(case=case, actor=u.grid_a1, reason="需要社区协调物业")  # tells the community
    returned = file_case(w, title="路灯不亮", description="2号楼门口路灯坏了")
    services.case_escalate(case=returned, actor=u.grid_a1, reason="需要社区处理")
    services.case_return(case=returned, actor=u.community, reason="网格内可以处理")  # tells the grid member
    paths = {
        "home": reverse("accounts:home"),
        "case_list": reverse("cases:list"),
        "resident_list": reverse("grids:resident_list"),
        "case_detail": reverse("cases:detail", args=[case.pk]),
        "notification_list": reverse("notifications:list"),
    }
    return SimpleNamespace(t=t, u=u, w=w, case=case, paths=paths)


def open_as(pages, world, username: str, page_name: str, viewport):
    return pages.open(world.paths[page_name], viewport, user=getattr(world.u, username))


@pytest.mark.parametrize("page_name", PAGES)
@pytest.mark.parametrize("username", USERS)
def test_page_opens_in_chinese_without_errors(pages, world, viewport, username, page_name):
    page = open_as(pages, world, username, page_name, viewport)
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    assert_chinese(page.title())
    assert_no_horizontal_overflow(page)
    screenshot(page, f"{page_name}-{username}-{viewport}")


@pytest.mark.parametrize("username", USERS)
def test_case_detail_draws_the_place_on_a_map(pages, world, viewport, username):
    page = open_as(pages, world, username, "case_detail", viewport)
    case_map = page.locator("[data-case-map]")
    expect(case_map).to_have_attribute("data-map-ready", "1")  # desk.js drew it with the vendored Leaflet
    expect(case_map.locator(".leaflet-interactive")).to_have_count(1)  # the marker of the place
    assert case_map.bounding_box()["width"] > 200
    assert page.locator(".case-coordinates").inner_text() == "37.997500, 106.198600"


@pytest.mark.parametrize("username", USERS)
def test_notification_list_shows_what_happened_to_the_case(pages, world, viewport, username):
    user = getattr(world.u, username)
    titles = list(Notification.objects.filter(recipient=user).values_list("title", flat=True))
    assert titles, f"the data should have notified {username}"
    page = open_as(pages, world, username, "notification_list", viewport)
    listed = page.locator("main .list-group-item")
    expect(listed).to_have_count(len(titles))
    for title in titles:
        expect(listed.filter(has_text=title)).to_be_visible()
