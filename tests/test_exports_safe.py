"""Every CSV and XLSX the portal writes is safe to open: no cell starts a formula, no stored control
character breaks a file. Each export is read back (CSV with csv, XLSX with openpyxl) with names and
notes that a spreadsheet would otherwise run."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from config.exports import FORMULA_STARTS, safe_cell
from grids.models import Region, Resident
from grids.resources import ROSTER_FORMATS, ExcelCSV, RosterXLSX
from partyorg.models import PartyMember, PartyOrg
from partyorg.services import service as party_services
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"]


def assert_neutral(cells: list) -> None:
    """No text cell begins like a formula; every payload is there, made plain text with an apostrophe."""
    texts = [cell for cell in cells if isinstance(cell, str)]
    live = [cell for cell in texts if cell.startswith(FORMULA_STARTS)]
    assert not live, live
    # openpyxl's own workbooks (the 双报告) read a bare carriage return back as a line feed.
    plain = [cell.replace("\r", "\n") for cell in texts]
    for payload in PAYLOADS:
        assert any(cell.startswith("'" + payload.replace("\r", "\n")) for cell in plain), payload


def csv_cells(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def xlsx_cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]  # no formula cell at all
    return [cell.value for cell in cells]


def body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content) if response.streaming else response.content


def admin_export(client, name: str, file_format) -> bytes:
    url = reverse(f"admin:{name}_export")
    return body(client.post(url, {"format": str(ROSTER_FORMATS.index(file_format)), "resource": "0"}))


@pytest.fixture
def evil_residents(territory):
    """One resident per payload in household A1, the payload as name and as note; stored before any check existed."""
    t = territory
    household = t.res_a1.household
    for number, payload in enumerate(PAYLOADS):
        resident = ResidentFactory.create(household, name=f"居民{number}", birth=dt.date(1960 + number, 1, 1))
        Resident.objects.filter(pk=resident.pk).update(name=payload, note=payload)
    return t


# ---------------------------------------------------------------- the shared helper


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_cell_makes_every_formula_start_plain_text(payload):
    assert safe_cell(payload) == "'" + payload


def test_safe_cell_keeps_numbers_and_ordinary_text_and_drops_illegal_characters():
    assert safe_cell(-5) == -5 and safe_cell(1.5) == 1.5 and safe_cell(None) is None
    assert safe_cell("金塔小区") == "金塔小区"
    assert safe_cell("张\x1b三") == "张三"
    assert safe_cell("\x1b=1+1") == "'=1+1"  # a control character cannot hide a formula
    assert safe_cell("第一行\n第二行") == "第一行\n第二行"


# ---------------------------------------------------------------- the resident export (admin)


def test_resident_csv_export_carries_no_formula(client, evil_residents, users):
    client.force_login(users.admin)
    assert_neutral(csv_cells(admin_export(client, "grids_resident", ExcelCSV)))


def test_resident_xlsx_export_carries_no_formula(client, evil_residents, users):
    client.force_login(users.admin)
    assert_neutral(xlsx_cells(admin_export(client, "grids_resident", RosterXLSX)))


def test_a_stored_control_character_never_breaks_the_xlsx_export(client, territory, users):
    t = territory
    Resident.objects.filter(pk=t.res_a1.pk).update(name="李\x1b明\x07", note="备注\x0b\n第二行")
    client.force_login(users.admin)
    response = client.post(reverse("admin:grids_resident_export"), {"format": "1", "resource": "0"})
    assert response.streaming  # sent as it is written
    cells = xlsx_cells(body(response))
    assert "李明" in cells and "备注\n第二行" in cells
    assert "李明" in csv_cells(admin_export(client, "grids_resident", ExcelCSV))


# ---------------------------------------------------------------- Party exports (admin and 双报告)


@pytest.fixture
def evil_party(party_world):
    w = party_world
    members = [w.in_service, w.mobile, w.secretary, w.branch_secretary, w.outsider_member]
    orgs = [w.committee, w.branch, w.group]
    for number, payload in enumerate(PAYLOADS):
        if number < len(orgs):
            PartyOrg.objects.filter(pk=orgs[number].pk).update(name=payload)
        member = members[number % len(members)]
        PartyMember.objects.filter(pk=member.pk).update(workplace=payload)
    # Members without a resident are listed by their own name.
    PartyMember.objects.filter(pk=w.in_service.pk).update(name=PAYLOADS[3])
    PartyMember.objects.filter(pk=w.mobile.pk).update(name=PAYLOADS[4])
    PartyMember.objects.filter(pk=w.secretary.pk).update(name=PAYLOADS[5])
    return w


@pytest.mark.parametrize("file_format", [ExcelCSV, RosterXLSX])
def test_party_admin_exports_carry_no_formula(client, evil_party, file_format):
    w = evil_party
    client.force_login(w.u.admin)
    read = csv_cells if file_format is ExcelCSV else xlsx_cells
    members = read(admin_export(client, "partyorg_partymember", file_format))
    orgs = read(admin_export(client, "partyorg_partyorg", file_format))
    assert_neutral(members + orgs)


def _dual_report(client, w, fmt: str) -> bytes:
    today = timezone.localdate()
    url = reverse("partyorg:dual_report", args=[w.t.comm_a.code])
    return body(client.get(url, {"start": (today - dt.timedelta(days=30)).isoformat(), "end": today, "format": fmt}))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_dual_report_exports_carry_no_formula(client, party_world, fmt):
    w = party_world
    today = timezone.localdate()
    for number, payload in enumerate(PAYLOADS):
        member = PartyMember.objects.create(
            org=w.group, region_code=w.group.region_code, name=f"党员{number}", category="in_service"
        )
        registration = party_services.dual_registration_add(
            actor=w.u.community, member=member, community=w.t.comm_a, workplace=f"单位{number}",
            registered_on=today - dt.timedelta(days=100),
        )  # fmt: skip
        party_services.service_record_add(
            actor=w.u.community, registration=registration, date=today - dt.timedelta(days=2), hours="1",
            description="服务",
        )  # fmt: skip
        PartyMember.objects.filter(pk=member.pk).update(name=payload)
        registration.__class__.objects.filter(pk=registration.pk).update(workplace=payload)
    client.force_login(w.u.community)
    content = _dual_report(client, w, fmt)
    assert_neutral(csv_cells(content) if fmt == "csv" else xlsx_cells(content))


# ---------------------------------------------------------------- the dashboard export


def test_dashboard_export_carries_no_formula(client, case_world):
    w = case_world
    children = list(Region.objects.filter(parent=w.t.county))
    places = [*children, *Region.objects.filter(parent__in=children)]
    for region, payload in zip(places, PAYLOADS, strict=False):
        Region.objects.filter(pk=region.pk).update(name=payload)
    client.force_login(w.u.official)
    cells = xlsx_cells(body(client.get(reverse("dashboards:export", args=[w.t.county.code]))))
    texts = [cell for cell in cells if isinstance(cell, str)]
    assert not [cell for cell in texts if cell.startswith(FORMULA_STARTS)]
    assert any(cell.startswith("'=") for cell in texts)  # the places sheet names the renamed street
