"""Notifications, the system's notes on a case timeline and category names in the reader's language.

An English reader chooses English with the language switch in the footer (Django's set_language,
a cookie); a Chinese reader keeps the default. Case data (titles, numbers) is ASCII here, so any
Chinese character an English reader sees comes from the system's own wording.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases import services
from cases.models import CaseAction, CaseCategory, CaseEvent
from notifications.messages import message
from notifications.models import Notification
from notifications.services import notify
from tests.case_factories import file_case

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ROOT = Path(settings.BASE_DIR)
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _NotificationText(HTMLParser):
    """The text inside the notification items (elements with id notification-<number>) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID_TAGS:
            return
        if self.depth:
            self.depth += 1
        elif re.fullmatch(r"notification-\d+", dict(attrs).get("id") or ""):
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def notification_text(html: str) -> str:
    parser = _NotificationText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def reader(user, language: str | None) -> Client:
    """A logged-in browser session of the user, with the language chosen in the footer switch."""
    client = Client()
    client.force_login(user)
    if language:
        answer = client.post(reverse("set_language"), {"language": language, "next": "/"})
        assert answer.status_code == 302
    return client


@pytest.fixture
def story(case_world):
    """Two cases with ASCII titles: one handled on the spot and resolved, one escalated by the sweep."""
    w = case_world
    spot = file_case(w, title="Boxes in stairwell 3", description="Cardboard boxes", handle_now=True)
    services.case_resolve(case=spot, actor=w.u.grid_a1, resolution="已清理")  # typed by a person: stays as typed
    late = file_case(w, reporter=w.u.community, title="Street lamp out", description="Lamp at gate 2")
    result = services.sweep_deadlines(now=late.due_at + dt.timedelta(seconds=1))
    assert result.escalated == 1
    return w, spot, late


def test_english_reader_sees_no_chinese_in_notifications_page_bell_and_api(story):
    w, spot, late = story
    community = w.u.community
    assert Notification.objects.filter(recipient=community).count() >= 2  # resolved (verify), overdue escalated
    client = reader(community, "en")

    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200 and page.headers["Content-Language"] == "en"
    text = notification_text(page.content.decode())
    assert f"Resolved, please verify: {spot.number} Boxes in stairwell 3" in text
    assert f"Overdue, escalated to you: {late.number} Street lamp out" in text
    assert not CJK.search(text), text

    bell = client.get(reverse("notifications:bell"), headers={"HX-Request": "true"})
    assert bell.status_code == 200
    assert "Overdue, escalated to you" in bell.content.decode()
    assert not CJK.search(re.sub(r"<[^>]+>", " ", bell.content.decode())), bell.content.decode()

    data = client.get("/api/v1/notifications/").json()
    titles = [row["title"] for row in data["results"]]
    assert titles and all(not CJK.search(title) for title in titles), titles
    assert {row["message_id"] for row in data["results"]} >= {"case.resolved", "case.overdue_escalated"}
    escalated = next(row for row in data["results"] if row["message_id"] == "case.overdue_escalated")
    assert escalated["params"] == {"number": late.number, "title": "Street lamp out"}


def test_chinese_reader_sees_the_same_notifications_in_chinese(story):
    w, spot, late = story
    client = reader(w.u.community, None)
    text = notification_text(client.get(reverse("notifications:list")).content.decode())
    assert f"事件已办结，请核查：{spot.number} Boxes in stairwell 3" in text
    assert f"超期事件已上报给您：{late.number} Street lamp out" in text
    titles = [row["title"] for row in client.get("/api/v1/notifications/").json()["results"]]
    assert f"超期事件已上报给您：{late.number} Street lamp out" in titles
    # Switching back from English gives Chinese again: the text is made when it is read.
    client = reader(w.u.community, "en")
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "超期事件已上报给您" in notification_text(client.get(reverse("notifications:list")).content.decode())


def test_timeline_system_notes_follow_the_reader_and_typed_notes_stay_as_typed(story):
    w, spot, late = story
    english, chinese = reader(w.u.community, "en"), reader(w.u.community, None)

    page = english.get(reverse("cases:detail", args=[late.pk])).content.decode()
    assert "Not done in time; escalated automatically." in page
    assert "未在时限内办理" not in page
    assert "未在时限内办理，已自动上报。" in chinese.get(reverse("cases:detail", args=[late.pk])).content.decode()

    events = english.get(f"/api/v1/cases/{spot.pk}/events/").json()
    notes = {event["action"]: event["note"] for event in events}
    assert notes["dispatch"] == "Handled on the spot."
    assert notes["resolve"] == "已清理"  # what the grid member typed
    system = [event for event in english.get(f"/api/v1/cases/{late.pk}/events/").json() if event["actor"] is None]
    assert system and all(event["note"] and not CJK.search(event["note"]) for event in system), system
    assert system[-1]["data"]["note_id"] == "case_note.auto_escalated"
    chinese_notes = {e["action"]: e["note"] for e in chinese.get(f"/api/v1/cases/{spot.pk}/events/").json()}
    assert chinese_notes["dispatch"] == "已现场处置。"


def test_notes_written_before_ids_are_recognised_when_shown(story):
    """The event log is append-only: old events keep their Chinese text and are translated when read."""
    w, _spot, late = story
    old = CaseEvent.objects.create(case=late, action=CaseAction.OVERDUE, note="已超过办理时限。")
    typed = CaseEvent.objects.create(
        case=late, action=CaseAction.COMMENT, actor=w.u.community, note="已超过办理时限。?"
    )
    mediation = CaseEvent.objects.create(case=late, action=CaseAction.COMMENT, note="调解结束：部分调解成功")
    with translation.override("en"):
        assert old.display_note == "The time limit has passed."
        assert typed.display_note == "已超过办理时限。?"
        assert mediation.display_note == "Mediation concluded: Partly settled"
    with translation.override("zh-hans"):
        assert old.display_note == "已超过办理时限。"


def test_category_names_follow_the_reader_in_pages_forms_and_api(story):
    w, spot, _late = story
    english, chinese = reader(w.u.community, "en"), reader(w.u.community, None)
    category = spot.category
    assert category.name_en and not CJK.search(category.name_en)

    rows = english.get("/api/v1/cases/").json()["results"]
    assert {row["category_name"] for row in rows} == {category.name_en}
    assert {row["category_name"] for row in chinese.get("/api/v1/cases/").json()["results"]} == {category.name}
    tree = english.get("/api/v1/case-categories/?page_size=200").json()
    tree = tree["results"] if isinstance(tree, dict) else tree
    names = {row["code"]: row for row in tree}
    assert names[category.code]["name"] == category.name_en and names[category.code]["name_zh"] == category.name
    assert all(not CJK.search(row["name"]) for row in tree)

    detail = english.get(reverse("cases:detail", args=[spot.pk])).content.decode()
    assert f"{category.parent.name_en} / {category.name_en}" in detail
    assert category.name not in detail
    with translation.override("en"):
        assert str(category) == f"{category.parent.name_en} / {category.name_en}"
    with translation.override("zh-hans"):
        assert str(category) == f"{category.parent.name} / {category.name}"


def test_every_reference_category_has_an_english_name(case_world):
    missing = CaseCategory.objects.filter(name_en="").values_list("code", flat=True)
    assert list(missing) == []
    assert not CaseCategory.objects.exclude(name_en="").filter(name_en__regex=r"[\u4e00-\u9fff]").exists()


def test_english_catalogue_of_every_message_has_no_chinese(case_world):
    """Each registered template, rendered in English with ASCII values, is English through and through."""
    from notifications.messages import CATALOG, render

    with translation.override("en"):
        for message_id in CATALOG.ids():
            text = render(message_id, _Anything(), fallback="")
            assert text and not CJK.search(text), (message_id, text)
    with translation.override("zh-hans"):
        assert all(CJK.search(render(mid, _Anything())) for mid in CATALOG.ids()), "every template has a translation"


class _Anything(dict):
    """Parameters that answer every name (mediation outcomes get a real value)."""

    def __getitem__(self, key):
        return "settled" if key == "outcome" else "X1"

    def __contains__(self, key):
        return True


def test_unknown_or_broken_messages_fall_back_to_the_stored_text(case_world):
    w = case_world
    (row,) = notify(recipient_ids=[w.u.community.pk], title=message("case.closed", title="C-1 Road"))
    Notification.objects.filter(pk=row.pk).update(message_id="case.gone")
    row.refresh_from_db()
    assert row.text == "已结案：C-1 Road"  # written in the default language
    Notification.objects.filter(pk=row.pk).update(message_id="case.closed", params={"wrong": 1})
    row.refresh_from_db()
    assert row.text == "已结案：C-1 Road"
    with pytest.raises(KeyError):
        message("case.closed")  # a missing parameter fails when written, not when read
    with pytest.raises(KeyError):
        message("case.no_such_message", title="x")


def test_data_migration_gives_old_notifications_their_ids(case_world):
    w = case_world
    migration = importlib.import_module("notifications.migrations.0003_notification_message_ids")
    old = [
        "超期事件已上报给您：640302-2026-000007 楼道 堆物",
        "住建局未按时报到：640302-2026-000008",
        "Due soon (2026-03-01 10:30): 640302-2026-000009 Lamp",
        "Something an administrator wrote",
    ]
    rows = [notify(recipient_ids=[w.u.community.pk], title=text)[0] for text in old]
    migration.forwards(apps, None)
    found = {
        row.title: (row.message_id, row.params) for row in Notification.objects.filter(pk__in=[r.pk for r in rows])
    }
    assert found[old[0]] == ("case.overdue_escalated", {"number": "640302-2026-000007", "title": "楼道 堆物"})
    assert found[old[1]] == ("case.summons_late", {"dept": "住建局", "number": "640302-2026-000008"})
    assert found[old[2]] == (
        "case.due_soon",
        {"due": "2026-03-01 10:30", "number": "640302-2026-000009", "title": "Lamp"},
    )
    assert found[old[3]] == ("", {})
    with translation.override("en"):
        texts = {row.title: row.text for row in Notification.objects.filter(pk__in=[r.pk for r in rows])}
    assert texts[old[0]] == "Overdue, escalated to you: 640302-2026-000007 楼道 堆物"
    assert texts[old[3]] == "Something an administrator wrote"


def _imports(path: Path, package: str) -> set[str]:
    """Modules of the package that the module imports, wherever the import statement stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
                names = [name] if node.module else [f"{base}.{alias.name}" for alias in node.names]
            else:
                names = [node.module or ""]
            found.update(names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("package", ["cases.services", "notifications"])
def test_no_import_circle_inside_the_package(package):
    """Dependencies between the modules of the package go one way (function-local imports count too)."""
    folder = ROOT / package.replace(".", "/")
    modules = {f"{package}.{p.stem}": p for p in folder.glob("*.py") if p.stem != "__init__"}
    graph = {name: {m for m in _imports(path, package) if m in modules and m != name} for name, path in modules.items()}
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for dependency in graph[name]:
            if state.get(dependency) == 1:
                raise AssertionError("import circle: " + " -> ".join([*trail, name, dependency]))
            if dependency not in state:
                visit(dependency, [*trail, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert graph["cases.services.intake" if package == "cases.services" else "notifications.services"]


def test_transitions_module_is_split_and_keeps_its_names():
    from cases.services import transitions

    for name in transitions.__all__:
        assert getattr(services, name, None) is getattr(transitions, name) or name in {
            "EDITABLE_FIELDS",
            "REOPEN_WINDOW",
            "department_for",
        }
    for path in (ROOT / "cases/services").glob("*.py"):
        assert len(path.read_text().splitlines()) <= 400, path
