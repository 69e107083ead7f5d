"""The phone pages of cases: filing with photos, duplicate hints, inbox, patrols, mediation, photos."""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from cases.models import Attachment, Case, CaseState, Channel, Mediation, MediationOutcome, Patrol, PatrolPhoto
from cases.services import fieldwork
from cases.services.uploads import check_upload
from tests.case_factories import file_case

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png_bytes() -> bytes:
    """A tiny PNG: the signature and an IHDR chunk (only the signature is sniffed)."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def html(response) -> str:
    return response.content.decode()


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def errors_of(response, field: str) -> str:
    """The text of the error block beside a field ("" when the field has none)."""
    found = re.search(rf'id="id_{field}_errors"[^>]*>(.*?)</div>', html(response), re.S)
    return found.group(1) if found else ""


def file_post(w, **overrides) -> dict:
    data = {
        "category": w.category.pk,
        "urgency": "normal",
        "title": "楼道堆放杂物",
        "description": "3单元楼道堆满纸箱",
        "region": w.t.grid_a1.pk,
        "building": w.t.building_a1.pk,
        "latitude": "37.997512",
        "longitude": "106.198234",
        "address": "1号楼东侧",
        "channel": Channel.PATROL,
        "reporter_name": "",
        "reporter_phone": "",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------- filing a case


def test_grid_member_files_a_case_with_a_photo_and_it_lands_in_the_grid_inbox(client, case_world, tmp_path):
    w = case_world
    client.force_login(w.u.grid_a1)
    page = client.get(reverse("cases:file"))
    assert page.status_code == 200
    body = html(page)
    # The only grid is chosen already; the phone gets the camera; the form can carry files.
    assert re.search(rf'<option value="{w.t.grid_a1.pk}" selected>', body)
    assert 'capture="environment"' in body and 'accept="image/*"' in body
    assert 'enctype="multipart/form-data"' in body
    assert 'name="handle_now"' in body
    assert "<optgroup" in body and w.category.parent.name in body

    response = client.post(reverse("cases:file"), file_post(w, uploads=[png("现场.png")]))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.reporter == w.u.grid_a1 and case.state == CaseState.SUBMITTED
    assert case.building == w.t.building_a1 and case.region == w.t.micro_a1  # filed at the deepest place known
    assert case.latitude == Decimal("37.997512") and case.address == "1号楼东侧"
    attachment = case.attachments.get()
    assert attachment.content_type == "image/png" and attachment.original_name == "现场.png"
    assert (tmp_path / attachment.file.name).read_bytes() == png_bytes()

    inbox = client.get(reverse("cases:inbox"))
    assert case.number in html(inbox) and reverse("cases:detail", args=[case.pk]) in html(inbox)
    # Not in another grid's inbox.
    client.force_login(w.u.grid_a2)
    assert case.number not in html(client.get(reverse("cases:inbox")))


def test_handle_now_gives_the_case_to_the_grid_member(client, case_world):
    w = case_world
    client.force_login(w.u.grid_a1)
    client.post(reverse("cases:file"), file_post(w, handle_now="on"))
    case = Case.objects.get()
    assert case.handler == w.u.grid_a1 and case.state == CaseState.IN_PROGRESS


def test_handle_now_is_offered_only_to_grid_members(client, case_world):
    w = case_world
    client.force_login(w.u.community)
    body = html(client.get(reverse("cases:file")))
    assert 'name="handle_now"' not in body
    # A community worker chooses among the grids of the community: nothing is pre-selected.
    assert f'<option value="{w.t.grid_a1.pk}">' in body and f'<option value="{w.t.grid_a2.pk}">' in body
    assert w.t.grid_b1.name not in body and w.t.grid_a1.name in body


def test_a_text_file_named_jpg_is_refused_and_nothing_is_saved(client, case_world, tmp_path):
    w = case_world
    client.force_login(w.u.grid_a1)
    fake = SimpleUploadedFile("notes.jpg", b"this is only text, not a photo", content_type="image/jpeg")
    response = client.post(reverse("cases:file"), file_post(w, uploads=[png(), fake]))
    assert response.status_code == 200
    # The service's own message, in the language of the page (Chinese once translated).
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile("notes.jpg", b"this is only text, not a photo"))
    assert escape(refused.value.messages[0]) in errors_of(response, "uploads")
    assert 'id="uploads-lost"' in html(response)  # the phone is told to pick the photos again
    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert stored_files(tmp_path) == []
    # What was typed is kept.
    assert "楼道堆放杂物" in html(response)


def test_a_resident_report_needs_the_residents_name(client, case_world):
    w = case_world
    client.force_login(w.u.grid_a1)
    response = client.post(reverse("cases:file"), file_post(w, channel=Channel.RESIDENT))
    assert response.status_code == 200
    assert errors_of(response, "reporter_name")
    assert not Case.objects.exists()
    # The reporter's fields are shown (not hidden) when the resident channel is chosen.
    assert re.search(r"<div data-on-behalf-fields>", html(response))

    response = client.post(
        reverse("cases:file"),
        file_post(w, channel=Channel.RESIDENT, reporter_name="李明", reporter_phone="13912345678"),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == Channel.RESIDENT and case.reporter_name == "李明"


def test_service_errors_show_beside_their_fields(client, case_world):
    w = case_world
    client.force_login(w.u.grid_a1)
    response = client.post(
        reverse("cases:file"), file_post(w, building=w.t.hh_a2[0].unit.building.pk, latitude="", longitude="")
    )
    assert errors_of(response, "building")  # the building of grid A2 is not in grid A1
    response = client.post(reverse("cases:file"), file_post(w, category=w.category.parent.pk))
    assert errors_of(response, "category")  # a top category is not specific enough
    response = client.post(reverse("cases:file"), file_post(w, latitude="37.9", longitude=""))
    assert "position_errors" in html(response)
    assert not Case.objects.exists()


def test_building_picker_lists_only_the_buildings_of_the_chosen_grid(client, case_world):
    w = case_world
    building_a2 = w.t.hh_a2[0].unit.building
    client.force_login(w.u.community)
    url = reverse("cases:file_buildings")
    body = html(client.get(url, {"region": w.t.grid_a1.pk}, **HTMX))
    assert f'value="{w.t.building_a1.pk}"' in body and "1号楼" in body
    assert f'value="{building_a2.pk}"' not in body
    body = html(client.get(url, {"region": w.t.grid_a2.pk}, **HTMX))
    assert f'value="{building_a2.pk}"' in body and f'value="{w.t.building_a1.pk}"' not in body
    # The patrol form's checkboxes follow the same rule.
    body = html(client.get(reverse("cases:patrol_buildings"), {"region": w.t.grid_a2.pk}, **HTMX))
    assert 'type="checkbox"' in body and f'value="{building_a2.pk}"' in body
    assert f'value="{w.t.building_a1.pk}"' not in body
    client.force_login(w.u.outsider)
    assert client.get(url, {"region": w.t.grid_a1.pk}, **HTMX).status_code == 404


def test_official_may_not_file(client, case_world):
    w = case_world
    client.force_login(w.u.official)
    assert client.get(reverse("cases:file")).status_code == 403
    response = client.post(reverse("cases:file"), file_post(w))
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_outsider_cannot_file_in_another_community(client, case_world):
    w = case_world
    client.force_login(w.u.outsider)
    response = client.post(reverse("cases:file"), file_post(w, building=""))
    assert response.status_code == 200 and errors_of(response, "region")
    assert not Case.objects.exists()


# ---------------------------------------------------------------- duplicate hints


def test_duplicate_hint_and_adding_my_report_to_the_existing_case(client, case_world):
    w = case_world
    existing = file_case(w, building=w.t.building_a1)
    client.force_login(w.u.grid_a1)
    url = reverse("cases:file_duplicates")
    body = html(client.get(url, {"category": w.category.pk, "building": w.t.building_a1.pk}, **HTMX))
    assert existing.number in body
    assert reverse("cases:link_report", args=[existing.pk]) in body
    other = w.category.parent.children.exclude(pk=w.category.pk).first()
    assert existing.number not in html(client.get(url, {"category": other.pk, "building": w.t.building_a1.pk}))
    assert existing.number not in html(client.get(url, {"category": w.category.pk}))  # no place, no hint

    response = client.post(reverse("cases:link_report", args=[existing.pk]), {"description": "我也看到了"}, **HTMX)
    assert response["HX-Redirect"] == reverse("cases:detail", args=[existing.pk])
    existing.refresh_from_db()
    assert existing.report_count == 2
    assert Case.objects.count() == 1
    assert existing.events.filter(action="link_report", note="我也看到了").exists()

    response = client.post(reverse("cases:link_report", args=[existing.pk]), {"note": "再次反映"})
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[existing.pk])
    existing.refresh_from_db()
    assert existing.report_count == 3


def test_duplicate_hint_by_position(client, case_world):
    w = case_world
    existing = file_case(w, latitude=Decimal("37.997500"), longitude=Decimal("106.198200"))
    client.force_login(w.u.grid_a1)
    url = reverse("cases:file_duplicates")
    near = {"category": w.category.pk, "latitude": "37.997800", "longitude": "106.198300"}
    assert existing.number in html(client.get(url, near, **HTMX))
    far = {"category": w.category.pk, "latitude": "38.100000", "longitude": "106.198300"}
    assert existing.number not in html(client.get(url, far, **HTMX))


def test_linking_a_report_to_a_closed_or_hidden_case(client, case_world):
    w = case_world
    case = file_case(w, building=w.t.building_a1)
    client.force_login(w.u.outsider)
    assert client.post(reverse("cases:link_report", args=[case.pk]), {"note": "x"}).status_code == 404
    assert client.get(reverse("cases:file_duplicates"), {"category": w.category.pk, "building": w.t.building_a1.pk})
    assert case.number not in html(
        client.get(reverse("cases:file_duplicates"), {"category": w.category.pk, "building": w.t.building_a1.pk})
    )

    Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)
    client.force_login(w.u.grid_a1)
    response = client.post(reverse("cases:link_report", args=[case.pk]), {"note": "x"}, follow=False)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.report_count == 1
    stored = list(response.wsgi_request._messages)
    assert stored and stored[0].level_tag == "error"


def test_a_read_only_official_may_not_add_a_report(client, case_world):
    w = case_world
    case = file_case(w, building=w.t.building_a1)
    client.force_login(w.u.official)
    response = client.post(reverse("cases:link_report", args=[case.pk]), {"note": "x"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.report_count == 1


# ---------------------------------------------------------------- inbox


def test_inbox_is_sorted_by_due_time_with_overdue_in_red_and_soon_in_orange(client, case_world):
    w = case_world
    later = file_case(w, title="以后到期")
    overdue = file_case(w, title="已经超时")
    soon = file_case(w, title="快到期了")
    now = timezone.now()
    Case.objects.filter(pk=overdue.pk).update(due_at=now - dt.timedelta(hours=3))
    # Due soon: past the reminder (the last quarter of the stage's time, cases.due).
    Case.objects.filter(pk=soon.pk).update(
        due_at=now + dt.timedelta(minutes=70), remind_at=now - dt.timedelta(minutes=5)
    )
    Case.objects.filter(pk=later.pk).update(due_at=now + dt.timedelta(days=2))
    client.force_login(w.u.grid_a1)
    body = html(client.get(reverse("cases:inbox")))
    cards = re.findall(r'<a href="[^"]+" class="([^"]*case-card[^"]*)" data-case="([^"]+)"', body)
    assert [number for _, number in cards] == [overdue.number, soon.number, later.number]
    classes = {number: css for css, number in cards}
    assert "due-overdue" in classes[overdue.number]
    assert "due-soon" in classes[soon.number]
    assert "due-" not in classes[later.number]
    assert body.count("text-bg-danger") >= 1 and "badge-due-soon" in body
    assert re.search(r'inbox-count">3<', body)


def test_inbox_pages_by_twenty_and_its_queries_do_not_grow(client, case_world, django_assert_max_num_queries):
    w = case_world
    for i in range(3):
        file_case(w, title=f"事件{i}")
    client.force_login(w.u.grid_a1)
    url = reverse("cases:inbox")
    # 7: the menu's one query (cases.views.menu) included.
    with django_assert_max_num_queries(7):
        few = client.get(url)
    assert few.status_code == 200
    for i in range(3, 25):
        file_case(w, title=f"事件{i}", building=w.t.building_a1)
    with django_assert_max_num_queries(7):
        body = html(client.get(url))
    assert body.count('data-case="') == 20 and re.search(r'inbox-count">25<', body)
    assert html(client.get(url, {"page": 2})).count('data-case="') == 5


def test_inbox_of_an_outsider_shows_nothing_of_community_a(client, case_world):
    w = case_world
    case = file_case(w)
    client.force_login(w.u.outsider)
    response = client.get(reverse("cases:inbox"))
    assert response.status_code == 200
    assert case.number not in html(response) and re.search(r'inbox-count">0<', html(response))


# ---------------------------------------------------------------- patrols


def patrol_post(w, **overrides) -> dict:
    data = {
        "region": w.t.grid_a1.pk,
        "date": timezone.localdate().isoformat(),
        "buildings": [w.t.building_a1.pk],
        "notes": "1号楼3单元楼道有电动车飞线充电",
        "latitude": "37.997512",
        "longitude": "106.198234",
        "photos": [png("巡查.png")],
    }
    data.update(overrides)
    return data


def test_a_patrol_finding_becomes_a_case_with_the_patrols_place_position_and_photos(client, case_world):
    w = case_world
    client.force_login(w.u.grid_a1)
    page = html(client.get(reverse("cases:patrol_new")))
    assert re.search(rf'<option value="{w.t.grid_a1.pk}" selected>', page)
    assert f'value="{w.t.building_a1.pk}"' in page and 'capture="environment"' in page
    assert f'value="{timezone.localdate().isoformat()}"' in page

    response = client.post(reverse("cases:patrol_new"), patrol_post(w))
    patrol = Patrol.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:patrol_detail", args=[patrol.pk])
    photo = patrol.photos.get()
    assert list(patrol.buildings.all()) == [w.t.building_a1]

    detail = html(client.get(reverse("cases:patrol_detail", args=[patrol.pk])))
    assert reverse("cases:patrol_photo", args=[photo.pk]) in detail
    assert "1号楼3单元楼道有电动车飞线充电</textarea>" in detail  # the notes are the description already

    response = client.post(
        reverse("cases:patrol_detail", args=[patrol.pk]),
        {
            "category": w.category.pk,
            "title": "飞线充电",
            "description": patrol.notes,
            "urgency": "urgent",
            "building": w.t.building_a1.pk,
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.latitude == patrol.latitude and case.longitude == patrol.longitude
    assert case.building == w.t.building_a1 and case.urgency == "urgent"
    assert case.description == patrol.notes and case.channel == Channel.PATROL
    attachment = case.attachments.get()
    assert attachment.file.name == photo.file.name and attachment.content_type == "image/png"
    # The patrol now lists the case filed from it.
    assert case.number in html(client.get(reverse("cases:patrol_detail", args=[patrol.pk])))


def test_patrol_form_errors_stay_beside_the_fields(client, case_world):
    w = case_world
    client.force_login(w.u.grid_a1)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(reverse("cases:patrol_new"), patrol_post(w, date=tomorrow))
    assert response.status_code == 200 and errors_of(response, "date")
    fake = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = client.post(reverse("cases:patrol_new"), patrol_post(w, photos=[fake]))
    assert "x.jpg" in errors_of(response, "photos")
    assert not Patrol.objects.exists() and not PatrolPhoto.objects.exists()
    # A community worker sees both grids; a building of grid A2 is refused for a patrol of grid A1.
    client.force_login(w.u.community)
    building_a2 = w.t.hh_a2[0].unit.building
    response = client.post(reverse("cases:patrol_new"), patrol_post(w, buildings=[building_a2.pk], photos=[]))
    assert "2号楼" in errors_of(response, "buildings")
    assert not Patrol.objects.exists()


def test_patrol_photo_is_served_only_to_those_who_see_the_patrol(client, case_world):
    w = case_world
    patrol = fieldwork.patrol_create(patroller=w.u.grid_a1, region=w.t.grid_a1, notes="巡查", photos=[png()])
    photo = patrol.photos.get()
    url = reverse("cases:patrol_photo", args=[photo.pk])
    for user in (w.u.grid_a1, w.u.community, w.u.official):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "private" in response["Cache-Control"]
        assert b"".join(response.streaming_content) == png_bytes()
    for user in (w.u.outsider, w.u.grid_a2, w.u.nobody):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_patrol_list_and_detail_follow_the_scope(client, case_world):
    w = case_world
    mine = fieldwork.patrol_create(patroller=w.u.grid_a1, region=w.t.grid_a1, notes="A1 的巡查")
    theirs = fieldwork.patrol_create(patroller=w.u.grid_a2, region=w.t.grid_a2, notes="A2 的巡查")
    client.force_login(w.u.grid_a1)
    body = html(client.get(reverse("cases:patrol_list")))
    assert reverse("cases:patrol_detail", args=[mine.pk]) in body
    assert reverse("cases:patrol_detail", args=[theirs.pk]) not in body
    client.force_login(w.u.community)
    body = html(client.get(reverse("cases:patrol_list")))
    assert reverse("cases:patrol_detail", args=[mine.pk]) in body
    assert reverse("cases:patrol_detail", args=[theirs.pk]) in body
    # The community worker sees the patrol but only the patroller turns its findings into cases.
    detail = client.get(reverse("cases:patrol_detail", args=[mine.pk]))
    assert detail.status_code == 200 and 'name="title"' not in html(detail)
    post = {"category": w.category.pk, "title": "x", "urgency": "normal"}
    assert client.post(reverse("cases:patrol_detail", args=[mine.pk]), post).status_code == 403
    assert not Case.objects.exists()
    client.force_login(w.u.outsider)
    body = html(client.get(reverse("cases:patrol_list"), {"who": "all"}))
    assert reverse("cases:patrol_detail", args=[mine.pk]) not in body
    assert client.get(reverse("cases:patrol_detail", args=[mine.pk])).status_code == 404
    assert client.post(reverse("cases:patrol_detail", args=[mine.pk]), post).status_code == 404
    client.force_login(w.u.official)
    assert client.get(reverse("cases:patrol_new")).status_code == 403


def test_patrol_list_query_count_is_pinned(client, case_world, django_assert_max_num_queries):
    w = case_world
    for i in range(25):
        fieldwork.patrol_create(patroller=w.u.grid_a1, region=w.t.grid_a1, notes=f"巡查{i}")
    client.force_login(w.u.community)
    # 7: the menu's one query (cases.views.menu) included.
    with django_assert_max_num_queries(7):
        body = html(client.get(reverse("cases:patrol_list")))
    assert body.count("patrol-card") == 20


# ---------------------------------------------------------------- mediation


def open_post(**overrides) -> dict:
    data = {
        "step": "open",
        "mediator_name": "网格员甲",
        "parties-TOTAL_FORMS": "4",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "12",
        "parties-0-name": "张三",
        "parties-0-phone": "13812345678",
        "parties-0-side": "申请人",
        "parties-1-name": "李四",
        "parties-1-phone": "13987654321",
        "parties-1-side": "被申请人",
    }
    data.update(overrides)
    return data


def test_mediation_end_to_end(client, case_world):
    w = case_world
    case = file_case(w, category=w.dispute, title="邻里噪音纠纷", handle_now=True)
    assert case.handler == w.u.grid_a1
    url = reverse("cases:mediation", args=[case.pk])
    client.force_login(w.u.grid_a1)
    page = html(client.get(url))
    assert 'name="parties-TOTAL_FORMS" value="4"' in page
    assert f'value="{w.u.grid_a1.display_name}"' in page  # the mediator is me unless I say otherwise

    one_party = open_post(**{"parties-1-name": "", "parties-1-phone": "", "parties-1-side": ""})
    response = client.post(url, one_party)
    assert response.status_code == 200 and "alert-danger" in html(response)
    assert not Mediation.objects.exists()

    assert client.post(url, open_post()).status_code == 302
    mediation = Mediation.objects.get(case=case)
    assert mediation.mediator == w.u.grid_a1 and mediation.mediator_name == "网格员甲"
    assert sorted(mediation.parties.values_list("name", flat=True)) == ["张三", "李四"]

    # Concluding needs a session first.
    conclude = {
        "step": "conclude",
        "conclude-outcome": MediationOutcome.SUCCESS,
        "conclude-agreement": "晚十点后不再装修",
    }
    response = client.post(url, conclude)
    assert response.status_code == 200
    mediation.refresh_from_db()
    assert mediation.concluded_at is None

    session = {"step": "session", "session-held_on": timezone.localdate().isoformat(), "session-place": "社区调解室"}
    response = client.post(url, {**session, "session-notes": ""})
    assert errors_of(response, "session-notes")
    assert client.post(url, {**session, "session-notes": "双方陈述，初步达成一致"}).status_code == 302
    assert mediation.sessions.count() == 1

    response = client.post(url, {**conclude, "conclude-agreement": ""})
    assert errors_of(response, "conclude-agreement")
    assert client.post(url, conclude).status_code == 302
    mediation.refresh_from_db()
    assert mediation.outcome == MediationOutcome.SUCCESS and mediation.agreement == "晚十点后不再装修"

    # The handler sees the phones; others who see the case see them masked and cannot write.
    page = html(client.get(url))
    assert "13812345678" in page and 'name="step"' not in page
    for user in (w.u.community, w.u.official):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert "138****5678" in html(response) and "13812345678" not in html(response)
        assert "双方陈述，初步达成一致" in html(response)
    client.force_login(w.u.outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {**session, "session-notes": "x"}).status_code == 404


def test_mediation_is_read_only_for_an_official(client, case_world):
    w = case_world
    case = file_case(w, category=w.dispute, title="家庭纠纷")
    fieldwork.mediation_open(case=case, actor=w.u.grid_a1, parties=[{"name": "甲"}, {"name": "乙"}])
    url = reverse("cases:mediation", args=[case.pk])
    client.force_login(w.u.official)
    assert 'name="step"' not in html(client.get(url))
    session = {"step": "session", "session-held_on": timezone.localdate().isoformat(), "session-notes": "x"}
    assert client.post(url, session).status_code == 403
    assert not case.mediation.sessions.exists()
    client.force_login(w.u.community)  # a community worker supervises the grid's disputes
    assert 'name="step" value="session"' in html(client.get(url))


def test_mediation_page_of_a_case_that_is_not_a_dispute_offers_nothing(client, case_world):
    w = case_world
    case = file_case(w)
    client.force_login(w.u.grid_a1)
    response = client.get(reverse("cases:mediation", args=[case.pk]))
    assert response.status_code == 200
    assert "not-dispute" in html(response) and 'name="step"' not in html(response)
    response = client.post(reverse("cases:mediation", args=[case.pk]), open_post())
    assert not Mediation.objects.exists()
    client.force_login(w.u.outsider)
    assert client.get(reverse("cases:mediation", args=[case.pk])).status_code == 404


# ---------------------------------------------------------------- the pages answer only to users


@pytest.mark.parametrize(
    "name", ["cases:file", "cases:inbox", "cases:patrol_list", "cases:patrol_new", "cases:file_duplicates"]
)
def test_pages_need_a_login(client, case_world, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "login" in response["Location"]
