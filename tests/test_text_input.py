"""Names and other single-line text refuse control characters, in forms, the API and imports; free
text keeps line breaks and tabs only; an unreadable roster file gets a message in Chinese."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
import tablib
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from rest_framework import serializers
from rest_framework.test import APIClient

from grids.forms import ResidentForm
from grids.models import Resident
from grids.resources import ROSTER_FORMATS, ExcelCSV, RosterXLSX
from imports.models import JobState, RowStatus, StagedRow
from imports.pipeline.check import check_job
from imports.pipeline.jobs import start_import
from partyorg.models import PartyOrg
from partyorg.resources import PartyOrgResource
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db

CONTROL = ["\x1b", "\x07", "\x00", "\x85", "\u202e", "\u2066"]
CHINESE = "控制字符"


def chinese(messages) -> str:
    with translation.override("zh-hans"):
        return " ".join(str(m) for m in messages)


# ---------------------------------------------------------------- models, forms and the API


@pytest.mark.parametrize("char", CONTROL)
def test_a_name_with_a_control_character_is_refused_in_chinese(territory, char):
    resident = territory.res_a1
    resident.name = f"李{char}明"
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        resident.full_clean(exclude=["tags"])
    assert CHINESE in " ".join(caught.value.message_dict["name"])


def test_free_text_keeps_line_breaks_and_tabs_but_no_other_control(territory):
    resident = territory.res_a1
    resident.note = "第一行\r\n第二行\t缩进"
    resident.full_clean(exclude=["tags"])
    resident.note = "备注\x1b[31m"
    with pytest.raises(ValidationError) as caught:
        resident.full_clean(exclude=["tags"])
    assert "note" in caught.value.message_dict
    resident.note = ""
    resident.name = "李\n明"  # a line break has no place in a name
    with pytest.raises(ValidationError):
        resident.full_clean(exclude=["tags"])


def test_the_ledger_form_refuses_a_control_character_in_the_name(territory, users):
    data = {"household": territory.res_a1.household_id, "name": "李\x1b明", "note": "第一行\n第二行"}
    with translation.override("zh-hans"):
        form = ResidentForm(data, user=users.community)
        assert not form.is_valid()
        assert CHINESE in " ".join(form.errors["name"])
    assert "note" not in form.errors


def test_every_form_char_field_checks_its_text():
    class Form(forms.Form):
        title = forms.CharField()
        body = forms.CharField(widget=forms.Textarea)

    assert Form({"title": "楼道照明", "body": "一\n二\t三"}).is_valid()
    form = Form({"title": "楼道\u202e照明", "body": "一\x07二"})
    assert not form.is_valid() and set(form.errors) == {"title", "body"}


def test_every_api_char_field_checks_its_text():
    class Input(serializers.Serializer):
        note = serializers.CharField()

    assert Input(data={"note": "一\n二"}).is_valid()
    refused = Input(data={"note": "一\x1b二"})
    assert not refused.is_valid()
    assert len(refused.errors["note"]) == 1


@pytest.mark.parametrize("name", ["李\x1b明", "李\u202e明", "李\n明"])
def test_the_resident_api_refuses_control_characters(territory, users, name):
    client = APIClient()
    client.force_authenticate(users.community)
    payload = {
        "household": territory.res_a1.household_id,
        "name": name,
        "id_number": make_id_number(birth=dt.date(1991, 2, 3)),
    }
    before = Resident.objects.count()
    response = client.post("/api/v1/residents/", payload, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400, response.content
    assert CHINESE in response.content.decode()
    assert Resident.objects.count() == before


# ---------------------------------------------------------------- imports


def test_a_roster_row_with_a_control_character_is_refused_and_nothing_is_written(territory, users):
    """The import centre's check: a multi-line note passes, a control character in a name does not."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["姓名", "身份证号", "小区", "楼栋", "单元", "房号", "备注"])
    writer.writerow(["赵一", make_id_number(), "金塔小区", "1号楼", "1单元", "101", "第一行\n第二行"])
    writer.writerow(["赵\x1b二", make_id_number(), "金塔小区", "1号楼", "1单元", "101", ""])
    before = Resident.objects.count()
    with translation.override("zh-hans"):
        upload = SimpleUploadedFile("roster.csv", out.getvalue().encode("utf-8"))
        job, found = start_import(user=users.admin, kind="residents", upload=upload)
        assert found.ok, found.errors
        job.state = JobState.CHECKING
        job.save()
        job = check_job(job)
    assert job.state == JobState.CHECKED, job.message
    wrong = dict(StagedRow.objects.filter(job=job, status=RowStatus.WRONG).values_list("number", "errors"))
    assert list(wrong) == [3]  # spreadsheet rows: the header is row 1
    assert "U+001B" in wrong[3]
    assert Resident.objects.count() == before


def test_a_party_row_with_a_control_character_is_refused(party_world):
    w = party_world
    data = tablib.Dataset(headers=["组织名称", "组织类型", "上级组织", "区划编码"])
    data.append(["第二网格\u202e党支部", "党支部", "金塔社区党委", w.t.grid_a2.code])
    result = PartyOrgResource(actor=w.u.community).import_data(
        data, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    assert result.has_validation_errors()
    assert "组织名称" in result.invalid_rows[0].field_specific_errors
    assert not PartyOrg.objects.filter(name__startswith="第二网格").exists()


def _zip(names: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return out.getvalue()


def _xlsx(rows: list[list]) -> bytes:
    data = tablib.Dataset(headers=rows[0])
    for values in rows[1:]:
        data.append(values)
    return data.export("xlsx")


HEADER = ["组织名称", "组织类型", "上级组织", "区划编码"]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
UNREADABLE = {
    "header only": (("\ufeff" + ",".join(HEADER) + "\r\n").encode(), "只有列名"),
    "a PNG": (PNG, "图片"),
    "a ZIP archive": (_zip({"roster.txt": b"x"}), "ZIP"),
    "a workbook named .csv": (
        _xlsx([HEADER, ["第二网格党支部", "党支部", "金塔社区党委", "640302001001002"]]),
        "Excel",
    ),
    "a NUL byte": ("组织名称,组织类型,上级组织,区划编码\r\n第二\x00网格党支部,党支部,,1\r\n".encode(), "NUL"),
    "not UTF-8 or GBK": (b"\xff\xfe\xfd\xfc,\x81\x30\n", "编码"),
}


def party_upload(client, content: bytes, *, name: str, file_format):
    """The admin's Party roster import, which reads its files with grids.resources.files."""
    return client.post(
        reverse("admin:partyorg_partyorg_import"),
        {"format": str(ROSTER_FORMATS.index(file_format)), "resource": "0", "import_file": _upload(name, content)},
    )


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_an_unreadable_csv_gets_a_chinese_message_and_nothing_is_written(client, party_world, case):
    content, expected = UNREADABLE[case]
    before = PartyOrg.objects.count()
    client.force_login(party_world.u.admin)
    with translation.override("zh-hans"):
        response = party_upload(client, content, name="orgs.csv", file_format=ExcelCSV)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("import_file", []))
    assert expected in errors, errors
    assert "encountered" not in errors and "No valid data" not in errors
    assert PartyOrg.objects.count() == before


@pytest.mark.parametrize(
    ("content", "expected"), [(_xlsx([HEADER]), "只有列名"), (PNG, "Excel"), (b"a,b\r\n1,2\r\n", "Excel")]
)
def test_an_unreadable_xlsx_gets_a_chinese_message(client, party_world, content, expected):
    client.force_login(party_world.u.admin)
    with translation.override("zh-hans"):
        response = party_upload(client, content, name="orgs.xlsx", file_format=RosterXLSX)
    errors = " ".join(response.context["form"].errors.get("import_file", []))
    assert expected in errors, errors


def test_the_party_import_speaks_chinese_about_a_header_only_file(client, party_world):
    w = party_world
    client.force_login(w.u.admin)
    content = "\ufeff组织名称,组织类型,区划编码\r\n".encode()
    with translation.override("zh-hans"):
        response = client.post(
            reverse("admin:partyorg_partyorg_import"),
            {"format": "0", "resource": "0", "import_file": _upload("orgs.csv", content)},
        )
    assert "只有列名" in " ".join(response.context["form"].errors.get("import_file", []))


def _upload(name: str, content: bytes):
    return SimpleUploadedFile(name, content)
