"""English mode in a real browser: notifications and the system's notes on a case timeline have no Chinese left.

The browser asks for English (Accept-Language en-US, as an English-speaking person's browser
does); case data is ASCII, so Chinese on the page could only come from the system's wording.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse

from cases import services
from cases.reference_data import load_case_reference
from tests.case_factories import build_case_world, file_case
from tests.factories import build_named_users, build_territory

from .harness import CJK, assert_chinese

pytestmark = pytest.mark.browser

ENGLISH = "en-US"
# The text of the notification items (ids notification-<number>), one string per item.
ITEMS_JS = """() => [...document.querySelectorAll("[id^='notification-']")]
    .filter((el) => /^notification-\\d+$/.test(el.id))
    .map((el) => el.innerText)"""


@pytest.fixture(scope="module")
def world(browser_data) -> SimpleNamespace:
    """A case handled on the spot and resolved, one escalated by the sweep: the community worker is told of both."""
    t = build_territory()
    u = build_named_users(t)
    load_case_reference()
    w = build_case_world(t, u)
    spot = file_case(w, title="Boxes in stairwell 3", description="Cardboard boxes", handle_now=True)
    services.case_resolve(case=spot, actor=u.grid_a1, resolution="Cleared away")
    late = file_case(w, reporter=u.community, title="Street lamp out", description="Lamp at gate 2")
    assert services.sweep_deadlines(now=late.due_at + dt.timedelta(seconds=1)).escalated == 1
    return SimpleNamespace(u=u, spot=spot, late=late)


def test_notifications_page_in_english_has_no_chinese(pages, world, viewport):
    page = pages.open(reverse("notifications:list"), viewport, user=world.u.community, locale=ENGLISH)
    assert page.evaluate("document.documentElement.lang") == "en"
    items = page.evaluate(ITEMS_JS)
    assert len(items) >= 2, items
    assert any(f"Overdue, escalated to you: {world.late.number} Street lamp out" in item for item in items), items
    assert any(f"Resolved, please verify: {world.spot.number}" in item for item in items), items
    leftovers = [item for item in items if CJK.search(item)]
    assert not leftovers, f"Chinese left in English notifications: {leftovers}"


def test_case_timeline_in_english_shows_the_system_notes_in_english(pages, world, viewport):
    page = pages.open(reverse("cases:detail", args=[world.late.pk]), viewport, user=world.u.community, locale=ENGLISH)
    timeline = page.locator(".case-timeline").inner_text()
    assert "Not done in time; escalated automatically." in timeline
    assert "未在时限内办理" not in timeline


def test_the_same_notifications_in_chinese_for_a_chinese_browser(pages, world, viewport):
    page = pages.open(reverse("notifications:list"), viewport, user=world.u.community)
    items = page.evaluate(ITEMS_JS)
    assert any("超期事件已上报给您" in item for item in items), items
    for item in items:
        assert_chinese(item)
