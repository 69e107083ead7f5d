"""Lists that work on a phone and pages with no dead ends: cards and counts, folded filters,
home-page buttons only for what the role may do, accept-on-filing, deadline wording, unread look, case map."""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from cases.due import due_status, duration_short
from cases.models import Case, CaseAction, CaseState
from grids.counting import count_rows
from notifications.models import Notification
from tests.case_factories import file_case
from tests.factories import UserFactory, assign

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def cards(page: str) -> int:
    return len(re.findall(r'class="card mb-2 list-card', page))


def shown_count(page: str) -> tuple[int, bool]:
    match = re.search(r'id="results-count" data-count="(\d+)"( data-approximate="1")?', page)
    assert match, "the list says how many rows match"
    return int(match.group(1)), bool(match.group(2))


# ---------------------------------------------------------------- lists: cards, counts, folded filters


def test_case_list_shows_a_card_per_case_and_the_count(client, case_world):
    w = case_world
    for i in range(3):
        file_case(w, title=f"井盖缺失{i}", address="金塔小区东门")
    client.force_login(w.u.community)
    page = html(client.get(reverse("cases:list")))
    assert cards(page) == 3
    assert shown_count(page) == (3, False)
    assert "共 3 条" in page
    card = page[page.index("list-card") :]
    assert "金塔第一网格" in card[:2000] and "金塔小区东门" in card[:2000]  # the place
    assert 'data-state="submitted"' in card[:2000]  # the state
    assert "剩余" in card[:2000]  # the time left
    filtered = html(client.get(reverse("cases:list"), {"q": "井盖缺失1"}))
    assert shown_count(filtered) == (1, False) and cards(filtered) == 1


def test_filters_fold_behind_one_button_without_inline_script(client, case_world):
    client.force_login(case_world.u.community)
    page = html(client.get(reverse("cases:list"), {"urgency": "urgent", "level": "grid"}))
    assert 'data-bs-toggle="collapse" data-bs-target="#case-filter-more"' in page
    assert re.search(r'<div class="collapse filter-more" id="case-filter-more">', page)
    # The button counts the conditions folded away (the search box stays in sight).
    assert re.search(r'筛选 <span class="badge rounded-pill text-bg-danger">2</span>', page)
    assert not re.search(r"\son[a-z]+=", page.split("<footer", 1)[0]), "no inline event handlers"
    assert "gridgov/lists.css" in page


def test_resident_and_member_lists_show_cards_and_counts(client, users, territory):
    client.force_login(users.community)
    page = html(client.get(reverse("grids:resident_list")))
    count, approximate = shown_count(page)
    assert count == 2 and not approximate  # 李明 and 王芳 live in community A
    assert cards(page) == 2
    assert 'data-bs-target="#resident-filter-more"' in page
    assert "138****" not in page or "13912345678" not in page  # phones stay masked
    assert "139****5678" in page
    members = html(client.get(reverse("partyorg:member_list")))
    assert shown_count(members) == (0, False)
    assert 'data-bs-target="#member-filter-more"' in members


def test_count_is_exact_below_the_cap_and_an_estimate_marked_approximate_above(case_world):
    w = case_world
    for i in range(6):
        file_case(w, title=f"事件{i}")
    cases = Case.objects.all()
    assert count_rows(cases, cap=10).value == 6 and not count_rows(cases, cap=10).approximate
    above = count_rows(cases, cap=3)
    assert above.approximate and above.value >= 4  # the planner's estimate, never below what was seen


def test_an_approximate_count_reads_about(client, case_world, monkeypatch):
    from cases.views import desk

    monkeypatch.setattr(desk, "count_rows", lambda qs: count_rows(qs, cap=1))
    w = case_world
    for i in range(3):
        file_case(w, title=f"事件{i}")
    client.force_login(w.u.community)
    page = html(client.get(reverse("cases:list")))
    value, approximate = shown_count(page)
    assert approximate and value >= 2
    assert re.search(r"约 [\d,]+ 条", page)


# ---------------------------------------------------------------- deadlines


def test_time_left_reads_compactly_in_chinese():
    with translation.override("zh-hans"):
        assert duration_short(dt.timedelta(hours=1, minutes=59, seconds=30)) == "1 小时 59 分钟"
        assert duration_short(dt.timedelta(days=2, hours=3, minutes=10)) == "2 天 3 小时"
        assert duration_short(dt.timedelta(days=1)) == "1 天"
        assert duration_short(dt.timedelta(minutes=5)) == "5 分钟"
        assert duration_short(-dt.timedelta(hours=3)) == "3 小时"
    with translation.override("en"):
        assert duration_short(dt.timedelta(hours=1, minutes=1)) == "1 hour 1 minute"


def test_due_soon_only_in_the_last_quarter_of_the_stage(client, case_world):
    w = case_world
    case = file_case(w)
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(due_at=now + dt.timedelta(hours=2), remind_at=now + dt.timedelta(hours=1))
    case.refresh_from_db()
    assert due_status(case, now) == ""  # two hours left of a fresh stage: not "due soon" yet
    assert due_status(case, now + dt.timedelta(minutes=61)) == "soon"
    assert due_status(case, now + dt.timedelta(hours=2)) == "overdue"
    client.force_login(w.u.grid_a1)
    detail = html(client.get(reverse("cases:detail", args=[case.pk])))
    assert re.search(r"剩余 (1 小时 5\d 分钟|2 小时)", detail)
    assert "，" not in re.search(r"剩余 [^<]*", detail).group(0)
    assert "due-soon-badge" not in detail
    Case.objects.filter(pk=case.pk).update(remind_at=now - dt.timedelta(minutes=1))
    assert "due-soon-badge" in html(client.get(reverse("cases:detail", args=[case.pk])))


def test_a_new_case_is_not_due_soon_at_once(case_world):
    case = file_case(case_world)
    assert case.remind_at > timezone.now()
    assert due_status(case) == ""


# ---------------------------------------------------------------- accept on filing


def _file_post(w, **extra) -> dict:
    return {
        "category": w.category.pk,
        "urgency": "normal",
        "title": "路灯不亮",
        "region": w.t.grid_a1.pk,
        "channel": "patrol",
        **extra,
    }


def test_grid_handler_accepts_on_filing_by_default(client, case_world):
    w = case_world
    client.force_login(w.u.grid_a1)
    form = html(client.get(reverse("cases:file")))
    assert re.search(r'<input type="checkbox" name="accept_now"[^>]*checked', form)
    response = client.post(reverse("cases:file"), _file_post(w, accept_now="on"))
    assert response.status_code == 302
    case = Case.objects.get(title="路灯不亮")
    assert case.state == CaseState.ACCEPTED and case.handler == w.u.grid_a1
    assert list(case.events.values_list("action", flat=True).order_by("pk")) == [CaseAction.SUBMIT, CaseAction.ACCEPT]


def test_unticked_accept_leaves_the_case_submitted(client, case_world):
    w = case_world
    client.force_login(w.u.grid_a1)
    assert client.post(reverse("cases:file"), _file_post(w)).status_code == 302
    case = Case.objects.get(title="路灯不亮")
    assert case.state == CaseState.SUBMITTED and case.handler is None


def test_filers_who_do_not_handle_the_grid_are_not_offered_accept(client, case_world):
    w = case_world
    client.force_login(w.u.community)
    form = html(client.get(reverse("cases:file")))
    assert 'name="accept_now"' not in form
    response = client.post(reverse("cases:file"), _file_post(w, accept_now="on"))
    assert response.status_code == 302
    assert Case.objects.get(title="路灯不亮").state == CaseState.SUBMITTED


# ---------------------------------------------------------------- home page and menu


def test_record_patrol_is_offered_only_where_the_page_lets_the_user_record(client, case_world):
    w = case_world
    building_head = UserFactory(username="building_head")
    assign(building_head, Role.BUILDING_HEAD, w.t.micro_a1)
    patrol_new = reverse("cases:patrol_new")
    for user in (w.street, w.dept_user, building_head, w.u.steward, w.u.grid_a1, w.u.community):
        client.force_login(user)
        home = html(client.get(reverse("accounts:home")))
        offered = f'href="{patrol_new}"' in home
        answer = client.get(patrol_new).status_code
        assert offered == (answer == 200), (user.username, offered, answer)
    client.force_login(w.u.grid_a1)
    assert f'href="{patrol_new}"' in html(client.get(reverse("accounts:home")))


def test_street_home_is_titled_street_overview(client, case_world):
    client.force_login(case_world.street)
    home = html(client.get(reverse("accounts:home")))
    assert "街道概况" in home and "社区概况" not in home
    client.force_login(case_world.u.community)
    assert "社区概况" in html(client.get(reverse("accounts:home")))


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.PROPERTY_STAFF])
def test_roles_without_the_ledger_get_no_residents_menu(client, territory, users, role):
    user = UserFactory(username=f"u-{role}")
    assign(user, role, territory.comm_a)
    client.force_login(user)
    home = html(client.get(reverse("accounts:home")))
    assert f'href="{reverse("grids:resident_list")}"' not in home
    client.force_login(users.community)
    assert f'href="{reverse("grids:resident_list")}"' in html(client.get(reverse("accounts:home")))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("/") and not href.startswith("/static/"):
            self.hrefs.add(href)


@pytest.mark.slow
def test_every_link_on_every_demo_users_home_and_menu_answers(client):
    """Load the demo district (small), then as each demo user open home and every link it offers."""
    call_command("load_demo", scale=0.02, stdout=io.StringIO())
    from accounts.models import User
    from fixtures.demo.users import DEMO_USERS

    skip = ("/admin/", "/accounts/logout")
    failures = []
    for demo in DEMO_USERS:
        user = User.objects.get(username=demo.username)
        client.force_login(user)
        parser = _Links()
        parser.feed(html(client.get(reverse("accounts:home"))))
        for href in sorted(parser.hrefs):
            if href.startswith(skip):
                continue
            status = client.get(href).status_code
            if status != 200:
                failures.append(f"{demo.username}: {href} answered {status}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- unread notifications, case map


def test_unread_notifications_look_unread_not_like_errors(client, users):
    note = Notification.objects.create(recipient=users.community, title="新事件：路灯不亮")
    client.force_login(users.community)
    page = html(client.get(reverse("notifications:list")))
    anchor = page.index(f'id="notification-{note.pk}"')
    item = page[anchor - 200 : anchor + 900]
    assert "notification-unread" in item and "unread-dot" in item and "fw-bold" in item
    assert "border-danger" not in item and "list-group-item-warning" not in item


def test_case_map_draws_the_grid_outline_without_tiles(client, case_world, settings):
    from decimal import Decimal

    from grids.geo import region_set_boundary

    settings.MAP_TILE_URL = ""
    w = case_world
    ring = [[106.19, 37.99], [106.21, 37.99], [106.21, 38.01], [106.19, 38.01], [106.19, 37.99]]
    region_set_boundary(region=w.t.grid_a1, boundary={"type": "Polygon", "coordinates": [ring]})
    case = file_case(w, latitude=Decimal("37.997500"), longitude=Decimal("106.198600"))
    client.force_login(w.u.grid_a1)
    page = html(client.get(reverse("cases:detail", args=[case.pk])))
    assert 'id="case-map-config"' in page and '"tileUrl": ""' in page
    assert '"zoomIn": "放大"' in page or '"zoomIn": "\\u653e\\u5927"' in page
    assert 'id="case-map-outline"' in page and 'data-outline="case-map-outline"' in page
