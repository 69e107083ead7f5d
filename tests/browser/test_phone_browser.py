"""Phone pages in a real browser: the grid member's day at 390 px, the community worker's dispatch and
verify, and the lists (cases, residents, Party members) as cards with a count and no sideways scrolling."""

from __future__ import annotations

import struct
import zlib
from types import SimpleNamespace

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases import services
from cases.models import Case, CaseState, Patrol
from cases.reference_data import load_case_reference
from tests.case_factories import build_case_world, file_case
from tests.factories import build_named_users, build_territory
from tests.party_factories import build_party_world

from .harness import DESKTOP, PHONE, assert_no_horizontal_overflow, screenshot

pytestmark = pytest.mark.browser

LISTS = {
    "cases": ("cases:list", "case-filter"),
    "residents": ("grids:resident_list", "resident-filter"),
    "members": ("partyorg:member_list", "member-filter"),
}


def tiny_png() -> bytes:
    """A valid 1×1 red PNG (the upload check sniffs the signature; the file must be a real image)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def world(browser_data) -> SimpleNamespace:
    t = build_territory()
    u = build_named_users(t)
    load_case_reference()
    w = build_case_world(t, u)
    build_party_world(t, u)
    long_title = "小区东门外人行道上的井盖缺失，夜间行人容易踩空，请尽快处理"
    for i in range(12):
        file_case(w, title=f"{long_title}{i}" if i % 3 == 0 else f"楼道堆放杂物{i}", address="金塔小区东门")
    return SimpleNamespace(t=t, u=u, w=w)


# ---------------------------------------------------------------- lists


@pytest.mark.parametrize("name", list(LISTS))
def test_list_on_a_phone_shows_cards_a_count_and_folded_filters(pages, world, name):
    url_name, form_id = LISTS[name]
    collapse_id = f"{form_id}-more"
    page = pages.open(reverse(url_name), PHONE, user=world.u.community)
    assert_no_horizontal_overflow(page)
    count = page.locator("#results-count")
    expect(count).to_be_visible()
    assert count.inner_text().startswith(("共", "约"))
    expected = int(count.get_attribute("data-count"))
    expect(page.locator(".list-card:visible")).to_have_count(min(expected, 25 if name != "cases" else 50))
    if expected:
        expect(page.locator("table:visible")).to_have_count(0)  # the table waits for a wider screen
    # The filters take no screen until asked for, then unfold.
    more = page.locator(f"#{collapse_id}")
    expect(more).to_be_hidden()
    assert page.locator(f"#{form_id}").bounding_box()["height"] < 140
    page.locator(f'[data-bs-target="#{collapse_id}"]').click()
    expect(more).to_be_visible()
    assert_no_horizontal_overflow(page)


def test_case_list_at_phone_and_desktop_widths(pages, world):
    phone = pages.open(reverse("cases:list"), PHONE, user=world.u.community)
    expect(phone.locator(".list-card:visible")).to_have_count(12)
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "phone-case-list-390")
    desk = pages.open(reverse("cases:list"), DESKTOP, user=world.u.community)
    expect(desk.locator(".list-card:visible")).to_have_count(0)
    expect(desk.locator(".case-table tbody tr")).to_have_count(12)
    assert_no_horizontal_overflow(desk)
    # Titles and handlers never wrap a character a line: each title cell is wide, one line of a name tall.
    for cell in desk.locator(".case-table .cell-title").all():
        assert cell.bounding_box()["width"] >= 200
    line = desk.locator(".case-table th").first.bounding_box()["height"]
    for header in desk.locator(".case-table th").all():
        assert header.bounding_box()["height"] <= line + 1
    screenshot(desk, "phone-case-list-1366")


# ---------------------------------------------------------------- the grid member's day on a phone


def test_grid_member_files_a_case_with_a_photo_and_accepts_it_at_once(pages, world):
    w = world.w
    page = pages.open(reverse("cases:file"), PHONE, user=world.u.grid_a1)
    page.select_option("#id_category", str(w.category.pk))
    page.fill("#id_title", "单元门禁损坏")
    page.set_input_files("#id_uploads", files=[{"name": "door.png", "mimeType": "image/png", "buffer": tiny_png()}])
    expect(page.locator("#id_accept_now")).to_be_checked()
    assert_no_horizontal_overflow(page)
    page.locator("#case-form button[type=submit]").click()
    page.wait_for_url("**/cases/*/")
    expect(page.locator(".alert-success")).to_contain_text("已登记并由您受理")
    case = Case.objects.get(title="单元门禁损坏")
    assert case.state == CaseState.ACCEPTED and case.handler_id == world.u.grid_a1.pk
    assert case.attachments.count() == 1
    assert_no_horizontal_overflow(page)


def test_grid_member_turns_a_patrol_into_a_case_and_finds_it_in_the_inbox(pages, world):
    w = world.w
    page = pages.open(reverse("cases:patrol_new"), PHONE, user=world.u.grid_a1)
    page.fill("#id_notes", "走访1号楼，楼道灯不亮")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/cases/patrols/*/")
    patrol = Patrol.objects.filter(patroller=world.u.grid_a1).latest("pk")
    page.select_option("#id_category", str(w.category.pk))
    page.fill("#id_title", "楼道灯不亮")
    assert_no_horizontal_overflow(page)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/cases/*/")
    case = Case.objects.get(title="楼道灯不亮")
    assert case.events.filter(data__patrol=patrol.pk).exists()
    pages.goto(page, reverse("cases:inbox"))
    expect(page.locator(f'.case-card[data-case="{case.number}"]')).to_be_visible()
    expect(page.locator(f'.case-card[data-case="{case.number}"] .due-left')).to_contain_text("剩余")
    assert "，" not in page.locator(f'.case-card[data-case="{case.number}"] .due-left').inner_text()
    assert_no_horizontal_overflow(page)


# ---------------------------------------------------------------- the community worker dispatches and verifies


def test_community_worker_dispatches_and_verifies(pages, world):
    w = world.w
    case = file_case(w, title="绿化带垃圾堆积")
    services.case_escalate(case=case, actor=world.u.grid_a1, reason="需要社区协调")  # now the community's
    page = pages.open(reverse("cases:detail", args=[case.pk]), DESKTOP, user=world.u.community)
    page.locator('details[data-action="dispatch"] > summary').click()
    page.select_option("#id_dispatch_handler", str(world.u.grid_a1.pk))
    page.locator('details[data-action="dispatch"] button[type=submit]').click()
    expect(page.locator(".case-notice")).to_be_visible()
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and case.handler_id == world.u.grid_a1.pk
    services.case_resolve(case=case, actor=world.u.grid_a1, resolution="已清理干净")
    page.reload()
    page.locator('details[data-action="verify"] > summary').click()
    page.locator('details[data-action="verify"] button[type=submit]').click()
    expect(page.locator(".case-notice")).to_be_visible()
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
