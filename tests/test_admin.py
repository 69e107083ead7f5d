"""Admin screens: masked resident list and export, the re-coding page of regions, who may use them."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.roles import Role
from grids.models import Region, RegionCodeHistory, Resident
from grids.pii import mask_id_number, mask_phone
from grids.resources import ROSTER_FORMATS, ExcelCSV
from tests.factories import UserFactory, assign

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:grids_resident_changelist"
EXPORT = "admin:grids_resident_export"
RECODE = "admin:grids_region_recode"


def staff_with(*codenames: str, username: str = "clerk"):
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="grids", codename__in=codenames))
    return user


def export(client, file_format) -> bytes:
    response = client.post(reverse(EXPORT), {"format": str(ROSTER_FORMATS.index(file_format)), "resource": "0"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content) if response.streaming else response.content


def xlsx_cells(content: bytes) -> list[str]:
    openpyxl = pytest.importorskip("openpyxl")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]


# ---------------------------------------------------------------- the resident list and its export


def test_resident_list_shows_masked_ids_and_phones_only(client, territory, users):
    t = territory
    client.force_login(users.admin)
    page = client.get(reverse(CHANGELIST)).content.decode()
    for resident in (t.res_a1, t.res_a2, t.res_b1):
        assert resident.id_number not in page
        assert mask_id_number(resident.id_number) in page
    assert t.res_a1.phone not in page and mask_phone(t.res_a1.phone) in page

    change = client.get(reverse("admin:grids_resident_change", args=[t.res_a1.pk])).content.decode()
    assert t.res_a1.id_number not in change and t.res_a1.phone not in change


def test_export_never_contains_a_full_id_number_or_phone(client, territory, users):
    t = territory
    residents = [t.res_a1, t.res_a2, t.res_b1]
    client.force_login(users.admin)
    assert client.get(reverse(EXPORT)).status_code == 200

    text = export(client, ExcelCSV).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].split(",")[:5] == ["姓名", "身份证号", "性别", "出生日期", "电话"]
    assert len(lines) == 1 + len(residents)
    for resident in residents:
        assert resident.id_number not in text and mask_id_number(resident.id_number) in text
    assert t.res_a1.phone not in text and mask_phone(t.res_a1.phone) in text
    assert "金塔小区,1号楼,1单元,101" in text

    xlsx = next(f for f in ROSTER_FORMATS if f().get_title() == "xlsx")
    cells = xlsx_cells(export(client, xlsx))
    assert mask_id_number(t.res_b1.id_number) in cells
    for resident in residents:
        assert not any(resident.id_number in cell or resident.phone in cell for cell in cells)


def test_staff_list_and_export_stay_inside_their_scope(client, territory, users):
    t = territory
    clerk = staff_with("view_resident")
    assign(clerk, Role.COMMUNITY_WORKER, t.comm_a)
    client.force_login(clerk)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert t.res_a1.name in page and t.res_a2.name in page
    assert t.res_b1.name not in page

    text = export(client, ExcelCSV).decode("utf-8-sig")
    assert t.res_a1.name in text and t.res_b1.name not in text


def test_staff_without_permission_gets_no_resident_screens(client, territory, users):
    client.force_login(staff_with())
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.post(reverse(EXPORT), {"format": "0", "resource": "0"}).status_code == 403


# ---------------------------------------------------------------- re-coding a region


def test_code_is_read_only_on_the_change_form_with_a_link_to_recode(client, territory, users):
    client.force_login(users.admin)
    page = client.get(reverse("admin:grids_region_change", args=[territory.grid_a1.pk])).content.decode()
    assert 'name="code"' not in page
    assert reverse(RECODE, args=[territory.grid_a1.pk]) in page


def test_recode_moves_the_grid_and_records_history(client, territory, users):
    t = territory
    client.force_login(users.admin)
    url = reverse(RECODE, args=[t.grid_a1.pk])
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert t.grid_a1.code in form_page.content.decode()

    response = client.post(url, {"new_code": "640302001001009", "reason": "网格调整"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:grids_region_change", args=[t.grid_a1.pk])
    assert Region.objects.get(pk=t.grid_a1.pk).code == "640302001001009"
    assert Region.objects.get(pk=t.micro_a1.pk).code == "64030200100100901"
    assert Resident.objects.get(pk=t.res_a1.pk).region_code == "64030200100100901"
    history = RegionCodeHistory.objects.filter(region=t.grid_a1).get()
    assert (history.old_code, history.new_code, history.changed_by, history.reason) == (
        "640302001001001",
        "640302001001009",
        users.admin,
        "网格调整",
    )
    assert RegionCodeHistory.objects.count() == 2  # the grid and its micro-grid
    [message] = list(response.context["messages"])
    assert message.level_tag == "success"
    assert "640302001001009" in str(message) and re.search(r"(?<!\d)2(?!\d)", str(message))


@pytest.mark.parametrize(
    ("new_code", "reason"),
    [
        ("640302001001002", "网格调整"),  # taken by grid A2
        ("640302009001003", "网格调整"),  # no such community
        ("64030200100100", "网格调整"),  # wrong length
        ("640302001001001", "网格调整"),  # unchanged
        ("640302001001009", ""),  # no reason
    ],
)
def test_recode_shows_the_error_and_changes_nothing(client, territory, users, new_code, reason):
    t = territory
    client.force_login(users.admin)
    response = client.post(reverse(RECODE, args=[t.grid_a1.pk]), {"new_code": new_code, "reason": reason})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    assert set(form.errors) <= {"new_code", "reason"}
    assert Region.objects.get(pk=t.grid_a1.pk).code == "640302001001001"
    assert Resident.objects.get(pk=t.res_a1.pk).region_code == t.micro_a1.code
    assert not RegionCodeHistory.objects.exists()


def test_recode_needs_change_permission(client, territory, users):
    url = reverse(RECODE, args=[territory.grid_a1.pk])
    client.force_login(staff_with("view_region"))
    assert client.get(url).status_code == 403
    assert client.post(url, {"new_code": "640302001001009", "reason": "x"}).status_code == 403
    client.force_login(users.community)  # not staff
    assert client.get(url).status_code == 302
    assert Region.objects.get(pk=territory.grid_a1.pk).code == "640302001001001"
