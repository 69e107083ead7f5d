"""Names and other single-line text refuse control characters, in forms, the API and imports; free
text keeps line breaks and tabs only; an unreadable roster file gets a message in Chinese."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import tablib
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from rest_framework import serializers
from rest_framework.test import APIClient

from grids.forms import ResidentForm
from grids.models import Resident
from grids.resources import ROSTER_FORMATS, RosterXLSX
from partyorg.models import PartyOrg
from partyorg.resources import PartyOrgResource
from tests.factories import make_id_number
from tests.test_import import COMMUNITY_A, csv_bytes, invalid_rows, row, run_import, upload

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


def test_a_roster_row_with_a_control_character_is_refused_and_nothing_is_written(territory):
    before = Resident.objects.count()
    with translation.override("zh-hans"):
        result = run_import(territory.comm_a, [row("赵一", 备注="第一行\n第二行"), row("赵\x1b二")])
    errors = invalid_rows(result)
    assert list(errors) == [2]
    assert CHINESE in " ".join(errors[2]["姓名"])
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


HEADER = ["姓名", "身份证号", "小区", "楼栋", "单元", "房号"]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
UNREADABLE = {
    "header only": (csv_bytes([]), "只有列名"),
    "a PNG": (PNG, "图片"),
    "a ZIP archive": (_zip({"roster.txt": b"x"}), "ZIP"),
    "a workbook named .csv": (_xlsx([HEADER, ["赵一", "x", "金塔小区", "1号楼", "1单元", "101"]]), "Excel"),
    "a NUL byte": ("姓名,身份证号,小区,楼栋,单元,房号\r\n赵\x00一,1,金塔小区,1号楼,1单元,101\r\n".encode(), "NUL"),
    "not UTF-8 or GBK": (b"\xff\xfe\xfd\xfc,\x81\x30\n", "编码"),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_an_unreadable_csv_gets_a_chinese_message_and_nothing_is_written(client, territory, users, case):
    content, expected = UNREADABLE[case]
    before = Resident.objects.count()
    client.force_login(users.admin)
    with translation.override("zh-hans"):
        response = upload(client, content, name="roster.csv")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("import_file", []))
    assert expected in errors, errors
    assert "encountered" not in errors and "No valid data" not in errors
    assert Resident.objects.count() == before


@pytest.mark.parametrize(
    ("content", "expected"), [(_xlsx([HEADER]), "只有列名"), (PNG, "Excel"), (b"a,b\r\n1,2\r\n", "Excel")]
)
def test_an_unreadable_xlsx_gets_a_chinese_message(client, territory, users, content, expected):
    client.force_login(users.admin)
    xlsx = str(ROSTER_FORMATS.index(RosterXLSX))
    with translation.override("zh-hans"):
        response = upload(client, content, name="roster.xlsx", file_format=xlsx, region=COMMUNITY_A)
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
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
