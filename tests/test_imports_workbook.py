"""The import centre's spreadsheets (``imports.workbook``): the template and the workbook of refused rows.

Each file is read back with openpyxl and with the import's own reader (``open_table``) and header
matching, as the import centre will read it once the user has filled it in. No database.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import time
import tracemalloc

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from config.exports import FORMULA_STARTS, safe_cell
from config.xlsx_stream import BATCH_ROWS
from imports import headers
from imports.headers import Column, match_headers, normalize_header
from imports.reading import open_table
from imports.workbook import error_workbook_chunks, template_chunks, template_header
from tests.imports_support import MAN

SEX = Column(
    "sex", gettext_lazy("Gender"), synonyms=("性别", "男女"), choices=("男", "女"), help="按身份证上的性别填写"
)
COLUMNS = [
    headers.NAME,
    dataclasses.replace(headers.ID_NUMBER, help="18 位，最后一位可以是 X"),
    headers.PHONE,
    SEX,
]
EXAMPLE = {"name": "张三", "id_number": MAN, "phone": "13800000000", "sex": "男"}
CHINESE_HEADER = ["*姓名", "*身份证号", "电话", "性别"]
FORMULAS = ["=1+1", "+8613800000000", "-5", "@x"]


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def template(fmt: str = "xlsx", example=EXAMPLE, columns=COLUMNS) -> bytes:
    return b"".join(template_chunks(columns, example, fmt, title="居民花名册"))


def read_table(data: bytes, filename: str):
    with open_table(data, filename) as table:
        return table.headers, list(table.rows())


def sheet_values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- the template ---------------------------------------------------------------------------


def test_required_mark_is_ignored_when_the_template_is_read():
    assert normalize_header("*姓名") == normalize_header("姓名")
    assert template_header(COLUMNS) == CHINESE_HEADER


def test_xlsx_template_header_example_and_text_columns():
    book = load_workbook(io.BytesIO(template()))
    assert book.sheetnames == ["居民花名册", "填写说明"]
    sheet = book.worksheets[0]
    assert sheet_values(sheet) == [CHINESE_HEADER, ["张三", MAN, "13800000000", "男"]]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    for letter, text in zip("ABCD", [False, True, True, False], strict=True):
        expected = "@" if text else "General"
        assert sheet.column_dimensions[letter].number_format == expected, letter
        assert sheet[f"{letter}2"].number_format == expected, letter
        assert sheet[f"{letter}2"].data_type == "s"
    # Wide enough for what they hold: an ID number needs about 20 characters.
    assert sheet.column_dimensions["B"].width >= 20
    assert all(8 <= sheet.column_dimensions[letter].width <= 50 for letter in "ABCD")


def test_xlsx_template_reads_back_through_the_import():
    names, rows = read_table(template(), "x.xlsx")
    assert names == CHINESE_HEADER
    match = match_headers(names, COLUMNS)
    assert match.ok, match.errors
    assert match.mapping == {"name": 0, "id_number": 1, "phone": 2, "sex": 3}
    assert not match.unknown
    assert rows == [(2, ["张三", MAN, "13800000000", "男"])]


def test_template_stays_chinese_in_an_english_session():
    with translation.override("en"):
        book = load_workbook(io.BytesIO(template()))
    assert book.sheetnames == ["居民花名册", "填写说明"]
    assert sheet_values(book.worksheets[0])[0] == CHINESE_HEADER
    assert sheet_values(book.worksheets[1])[0] == ["列名", "是否必填", "可填的值或格式", "填写要求", "也可写作"]


def test_explanation_sheet_lists_every_column():
    sheet = load_workbook(io.BytesIO(template()))["填写说明"]
    rows = sheet_values(sheet)
    by_name = {row[0]: row for row in rows[1:] if row and row[0] in CHINESE_HEADER}
    assert list(by_name) == CHINESE_HEADER
    assert by_name["*姓名"][1:] == ["是", None, None, "名字"]
    assert by_name["性别"][1:4] == ["否", "男、女", "按身份证上的性别填写"]
    assert by_name["性别"][4] == "男女"  # the label itself (性别) is not repeated
    assert by_name["*身份证号"][1:4] == ["是", "文本", "18 位，最后一位可以是 X"]
    assert "身份证号码" in by_name["*身份证号"][4].split("、")
    assert "身份证号" not in by_name["*身份证号"][4].split("、")
    assert by_name["电话"][1:3] == ["否", "文本"]
    assert "手机号" in by_name["电话"][4].split("、")
    notes = [row[0] for row in rows if row and row[0] and row[0] not in CHINESE_HEADER]
    assert any("*" in note for note in notes[1:])
    assert any("示例" in note for note in notes)
    assert all(cell.font.b for cell in sheet[1])


def test_csv_template_has_a_bom_and_reads_back():
    data = template("csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [CHINESE_HEADER, ["张三", MAN, "13800000000", "男"]]
    names, table_rows = read_table(data, "x.csv")
    match = match_headers(names, COLUMNS)
    assert match.ok and match.mapping == {"name": 0, "id_number": 1, "phone": 2, "sex": 3}
    assert table_rows == [(2, ["张三", MAN, "13800000000", "男"])]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_examples_that_look_like_formulas_are_neutralised(fmt):
    example = dict(zip(["name", "id_number", "phone", "sex"], FORMULAS, strict=True))
    data = template(fmt, example)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(data))
        cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
        assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
        row = sheet_values(book.worksheets[0])[1]
    else:
        row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
    assert row == ["'" + text for text in FORMULAS]


def test_template_leaves_cells_without_an_example_blank():
    names, rows = read_table(template(example={"name": "李四"}), "x.xlsx")
    assert rows == [(2, ["李四", None, None, None])]


def test_template_refuses_an_unknown_format():
    with pytest.raises(ValueError):
        template_chunks(COLUMNS, EXAMPLE, "xls", title="x")


# --- the workbook of refused rows -----------------------------------------------------------

FILE_HEADERS = ["姓名", "身份证号码", "手机", "备注"]
FILE_ROWS = [
    (["张三", MAN, "13800000000", "x"], "手机号码不对"),
    ([FORMULAS[0], FORMULAS[1], FORMULAS[2], FORMULAS[3]], "身份证号不对"),
    (["王五", None, 13800000000, 12.0], "缺少身份证号"),
    (["赵六"], "缺少身份证号"),  # a short row
    (["钱七", MAN, "", "", "多出来的"], "重复的身份证号"),  # a cell right of the last named column
]


def error_workbook(rows=FILE_ROWS, **kwargs) -> bytes:
    return b"".join(error_workbook_chunks(FILE_HEADERS, iter(rows), **kwargs))


def expected_cells(cells: list) -> list:
    return [safe_cell(str(12 if value == 12.0 else value)) if value not in (None, "") else None for value in cells]


def test_error_workbook_with_openpyxl():
    book = load_workbook(io.BytesIO(error_workbook(text_columns=(1, 2))))
    sheet = book.worksheets[0]
    assert book.sheetnames == ["待修改的行"]
    values = sheet_values(sheet)
    assert values[0] == [*FILE_HEADERS, "错误说明", None]
    assert all(cell.font.b for cell in sheet[1] if cell.value)
    assert values[1] == ["张三", MAN, "13800000000", "x", "手机号码不对", None]
    assert values[2] == ["'=1+1", "'+8613800000000", "'-5", "'@x", "身份证号不对", None]
    assert values[3] == ["王五", None, "13800000000", "12", "缺少身份证号", None]
    assert values[4] == ["赵六", None, None, None, "缺少身份证号", None]
    assert values[5] == ["钱七", MAN, None, None, "重复的身份证号", "多出来的"]
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value is not None)
    assert [sheet.column_dimensions[letter].number_format for letter in "ABCDE"] == [
        "General",
        "@",
        "@",
        "General",
        "General",
    ]
    assert sheet["B2"].number_format == "@" and sheet["C4"].number_format == "@"
    assert sheet["A2"].number_format == "General"
    assert sheet.column_dimensions["E"].width >= 50  # the messages
    assert sheet.column_dimensions["B"].width >= 20


def test_error_workbook_reads_back_through_the_import():
    names, rows = read_table(error_workbook(), "x.xlsx")
    assert names == [*FILE_HEADERS, "错误说明"]
    match = match_headers(names, COLUMNS)
    assert match.mapping == {"name": 0, "id_number": 1, "phone": 2}
    assert match.unknown == ["备注", "错误说明"]
    assert [number for number, _values in rows] == [2, 3, 4, 5, 6]
    for (cells, message), (_number, values) in zip(FILE_ROWS, rows, strict=True):
        width = len(FILE_HEADERS)
        padded = expected_cells(cells) + [None] * (width - len(cells))
        assert values[:width] == padded[:width]
        assert values[width] == message
        assert values[width + 1 :] == padded[width:]
    texts = [value for _number, values in rows for value in values if isinstance(value, str)]
    assert not [text for text in texts if text.startswith(FORMULA_STARTS)]


def test_error_workbook_message_column_follows_the_language():
    with translation.override("en"):
        data = error_workbook()
    names, _rows = read_table(data, "x.xlsx")
    assert names[-1] == "What is wrong"


def test_error_workbook_without_rows_has_its_header():
    sheet = load_workbook(io.BytesIO(error_workbook(rows=[]))).worksheets[0]
    assert sheet_values(sheet) == [[*FILE_HEADERS, "错误说明"]]


def _generated_rows(count: int, consumed: list[int]):
    for index in range(count):
        consumed[0] += 1
        yield ["张三", f"{110101199003070000 + index}", "13800000000", "=1+1"], f"第 {index} 行：身份证号校验位不对"


def test_error_workbook_reads_its_rows_as_it_sends_them():
    consumed = [0]
    chunks = error_workbook_chunks(FILE_HEADERS, _generated_rows(5 * BATCH_ROWS, consumed), text_columns=(1,))
    assert consumed[0] == 0
    next(chunks)  # the workbook's fixed parts
    assert consumed[0] == 0
    next(chunks)  # the first batch of rows
    assert consumed[0] <= BATCH_ROWS + 1
    rest = b"".join(chunks)
    assert consumed[0] == 5 * BATCH_ROWS and rest


@pytest.mark.slow
def test_error_workbook_streams_200000_rows_in_little_memory():
    count = 200_000
    consumed = [0]
    size = 0
    started = time.perf_counter()
    tracemalloc.start()
    try:
        for chunk in error_workbook_chunks(FILE_HEADERS, _generated_rows(count, consumed), text_columns=(1, 2)):
            size += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert consumed[0] == count
    assert size > 1_000_000
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB"
    assert time.perf_counter() - started < 120
