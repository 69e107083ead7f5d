"""The import centre's cell and column rules: ``imports.headers``, ``imports.cells``, ``imports.dates``.

Nothing touches the database. Messages are checked in Chinese, the language the tests run in.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from imports import cells
from imports.dates import to_date
from imports.headers import BIRTH_DATE, GENDER, ID_NUMBER, NAME, PHONE, ROOM, Column, correct_mapping, match_headers
from tests.imports_support import MAN, WOMAN


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


# ---------------------------------------------------------------- headers

COLUMNS = [NAME, ID_NUMBER, GENDER, BIRTH_DATE, PHONE, ROOM, Column("note", "备注")]


def test_headers_match_by_synonym_whatever_the_marks():
    headers = ["*姓名", "公民身份号码（必填）", "性 别", "出生年月日", "联系电话", "门牌号", "民族", "", "备注"]
    match = match_headers(headers, COLUMNS)
    assert match.mapping == {
        "name": 0,
        "id_number": 1,
        "gender": 2,
        "birth_date": 3,
        "phone": 4,
        "room": 5,
        "note": 8,
    }
    assert match.unknown == ["民族"]
    assert match.ok


def test_full_width_and_latin_case_are_ignored():
    match = match_headers(["ＮＡＭＥ", "Id_Number", "身份证号码 【必填】"], [NAME, ID_NUMBER])
    assert match.mapping == {"name": 0, "id_number": 1}
    assert len(match.duplicates) == 1
    assert match.unknown == []  # a second column for a field is a duplicate, not an unknown column


def test_missing_required_columns_are_named():
    match = match_headers(["名字", "手机"], COLUMNS)
    assert match.missing == ["缺少“身份证号”列。请在文件中添加该列，或指定哪一列是它。"]
    assert not match.ok


def test_duplicate_headers_are_reported_and_the_first_kept():
    match = match_headers(["姓名", "身份证号", "手机", "联系电话", "姓名"], COLUMNS)
    assert match.mapping["phone"] == 2
    assert match.mapping["name"] == 0
    assert match.duplicates == [
        "列 A (姓名), E (姓名) 都对应“姓名”，只读取 A 列。请删除多余的列，或选择正确的一列。",
        "列 C (手机), D (联系电话) 都对应“电话”，只读取 C 列。请删除多余的列，或选择正确的一列。",
    ]


def test_a_corrected_mapping_is_applied_and_checked():
    headers = ["姓名", "证件", "手机", "联系电话"]
    match = match_headers(headers, COLUMNS)
    assert "id_number" not in match.mapping and match.duplicates
    fixed = correct_mapping(headers, COLUMNS, {"id_number": "1", "phone": 3})
    assert fixed.mapping == {"name": 0, "id_number": 1, "phone": 3}
    assert fixed.ok
    assert fixed.unknown == ["手机"]

    clash = correct_mapping(headers, COLUMNS, {"id_number": 0, "ghost": 1, "phone": 9})
    assert clash.problems == [
        "本次导入没有字段 ghost。",
        "为“电话”选择的列不在文件中。请从文件的列中选择。",
        "列 A (姓名) 被同时选为 姓名, 身份证号。请为每个字段选择不同的列。",
    ]
    assert not clash.ok
    unmapped = correct_mapping(headers, COLUMNS, {"name": None}, base=fixed.mapping)
    assert "name" not in unmapped.mapping
    assert unmapped.missing == ["缺少“姓名”列。请在文件中添加该列，或指定哪一列是它。"]


def test_a_synonym_shared_by_two_columns_is_a_programming_error():
    with pytest.raises(ValueError):
        match_headers(["电话"], [PHONE, Column("landline", "座机", synonyms=("电话",))])


# ---------------------------------------------------------------- cells


@pytest.mark.parametrize(
    "value",
    [
        MAN,
        MAN.lower(),
        f" {MAN[:6]} {MAN[6:14]} {MAN[14:]} ",
        MAN.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        f"{MAN}.0",
    ],
)
def test_id_numbers_are_normalised(value):
    assert cells.clean_id_number(value) == (MAN, None)


def test_lower_case_x_is_upper_cased():
    assert cells.clean_id_number("11010519491231002x") == ("11010519491231002X", None)


@pytest.mark.parametrize("value", ["6.40302E+17", "6.40302198005E+17", 6.40302198005171e17, 640302198005170000])
def test_ids_damaged_by_excel_are_explained(value):
    number, message = cells.clean_id_number(value)
    assert number is None
    assert message.startswith("Excel 把这个身份证号变成了数字，丢失了最后几位。")


def test_an_intact_id_stored_as_a_number_is_accepted():
    assert cells.clean_id_number(int(MAN)) == (MAN, None)


def test_a_wrong_check_digit_is_reported():
    bad = MAN[:17] + ("0" if MAN[17] != "0" else "1")
    assert cells.clean_id_number(bad)[1]
    assert cells.clean_id_number(None) == (None, None)


def test_gender_and_birth_date_are_compared_with_the_id():
    assert cells.id_agreement_errors(MAN, gender="男", birth_date="1980-05-17") == []
    assert cells.id_agreement_errors(WOMAN, gender="F", birth_date=dt.date(1980, 5, 17)) == []
    assert cells.id_agreement_errors(MAN, gender="女", birth_date="1980年5月18日") == [
        "性别填写为女，但身份证号是男性的（第 17 位为奇数）。",
        "出生日期 1980-05-18 与身份证号中的出生日期（1980-05-17）不一致。",
    ]
    assert cells.id_agreement_errors(WOMAN, gender="1") == ["性别填写为男，但身份证号是女性的（第 17 位为偶数）。"]
    assert cells.id_agreement_errors("bad", gender="女") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("＋８６－１３８１２３４５６７８", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        ("0953-1234567", "0953-1234567"),
        ("(0953)1234567", "0953-1234567"),
        ("0953 1234567", "09531234567"),
    ],
)
def test_phones_are_normalised(value, expected):
    assert cells.clean_phone(value) == (expected, None)


def test_phone_problems():
    assert cells.clean_phone(9531234567)[1].startswith("Excel 把这个电话号码变成了数字，丢掉了开头的 0。")
    assert cells.clean_phone("12345")[1]
    assert cells.clean_phone("  ") == (None, None)


def test_text_cells_refuse_control_characters():
    assert cells.clean_text(" 张三 ") == ("张三", None)
    assert cells.clean_text(101.0) == ("101", None)
    value, message = cells.clean_text("张\x1b三")
    assert value is None and "U+001B" in message
    assert cells.clean_text("第一行\n第二行", multiline=True) == ("第一行\n第二行", None)
    assert cells.clean_code(301, width=4) == ("0301", None)
    assert cells.clean_code("0301") == ("0301", None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(1980, 5, 17), dt.date(1980, 5, 17)),
        (dt.datetime(1980, 5, 17, 8, 30), dt.date(1980, 5, 17)),  # noqa: DTZ001 (workbooks are naive)
        ("1980-05-17", dt.date(1980, 5, 17)),
        ("1980/5/17", dt.date(1980, 5, 17)),
        ("1980-05-17 00:00:00", dt.date(1980, 5, 17)),
        ("1980年5月17日", dt.date(1980, 5, 17)),
        ("１９８０年５月１７日", dt.date(1980, 5, 17)),
        ("19800517", dt.date(1980, 5, 17)),
        (45123, dt.date(2023, 7, 16)),
        (45123.75, dt.date(2023, 7, 16)),
        ("45123", dt.date(2023, 7, 16)),
        ("", None),
        (None, None),
    ],
)
def test_to_date(value, expected):
    assert to_date(value) == expected


@pytest.mark.parametrize("value", ["1980-02-30", "昨天", "19801317", True, -5, 10**8])
def test_not_dates(value):
    with pytest.raises(ValueError):
        to_date(value)
    assert cells.clean_date(value) == (None, "这不是日期。请按 1980-05-01、1980/5/1 或 1980年5月1日 的格式填写日期。")
