"""The import centre's file-reading layer: ``imports.reading`` (CSV encodings, workbooks, bad files, streaming).

Files are generated in memory (csv, openpyxl); nothing touches the database. Messages are checked
in Chinese, the language the tests run in.
"""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from imports import cells
from imports.dates import to_date
from imports.errors import CellError
from imports.reading import ImportFileError, open_table
from tests.imports_support import MAN


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def read(data, filename: str = "roster.csv"):
    with open_table(data, filename) as table:
        return table.headers, list(table.rows())


def refused(data, filename: str = "roster.csv") -> str:
    with pytest.raises(ImportFileError) as info:
        read(data, filename)
    return str(info.value)


def xlsx(build) -> bytes:
    workbook = Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- CSV encodings


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("gbk", "GBK"), ("gb18030", "GB18030")],
)
def test_csv_encodings_are_sniffed(encoding, label):
    name = "𠮷祥" if encoding == "gb18030" else "张三"  # 𠮷 is in GB18030, not in GBK
    data = f"姓名,身份证号\n{name},{MAN}\n".encode(encoding)
    with open_table(data, "roster.csv") as table:
        assert table.encoding == label
        assert table.headers == ["姓名", "身份证号"]  # no BOM left on the first name
        assert list(table.rows()) == [(2, [name, MAN])]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_character_cut_at_the_sniffed_prefix_is_not_an_error(encoding):
    header = "姓名,备注1\n".encode(encoding)
    width = len("张".encode(encoding))
    pad = 65536 - len(header)
    count = pad // width + 1  # the 64 KiB boundary falls inside a character
    assert pad % width != 0
    data = header + ("张" * count + ",x\n").encode(encoding)
    headers, rows = read(data)
    assert rows == [(2, ["张" * count, "x"])]


def test_encoding_decided_by_the_first_chinese_character_after_a_long_ascii_start():
    lines = ["name,code"] + [f"row{i},{i:08d}" for i in range(8000)] + ["张三,1"]
    data = "\n".join(lines).encode("gbk")
    assert len(data) > 65536
    with open_table(data, "roster.csv") as table:
        assert table.encoding == "GBK"
        *_, last = table.rows()
    assert last == (8002, ["张三", "1"])


def test_bytes_in_no_encoding_are_refused():
    assert refused(b"\x80\x80,\xff\n1,2\n") == (
        "文件不是 UTF-8 或 GBK 编码的文本。请在 Excel 或 WPS 中另存为 CSV 后重新上传。"
    )


def test_bad_bytes_after_the_prefix_name_the_row():
    # The encoding is decided by the first 64 KiB that are not plain ASCII: UTF-8 here.
    data = b"a,b\n" + b"1,2\n" * 30000 + "张三,3\n".encode() * 10000 + "李四,4\n".encode("gbk") + b"5,6\n"
    with open_table(data, "roster.csv") as table:
        assert table.encoding == "UTF-8"
        rows = table.rows()
        with pytest.raises(ImportFileError) as info:
            for number, _values in rows:
                assert number < 40002
    assert str(info.value) == (
        "从第 40002 行起，文件不是 UTF-8 编码的文本。请在 Excel 或 WPS 中将整个文件另存为 CSV 后重新上传。"
    )


# ---------------------------------------------------------------- CSV shape


def test_blank_and_trailing_rows_are_skipped_and_row_numbers_kept():
    data = "\n姓名,电话,,\n张三,13812345678,,\n,,,\n\n李四,,,\n , ,\n,,,\n\n".encode()
    headers, rows = read(data)
    assert headers == ["姓名", "电话"]
    assert rows == [(3, ["张三", "13812345678"]), (6, ["李四", None])]


def test_a_multiline_cell_is_one_row_as_excel_shows_it():
    data = '姓名,备注\n张三,"第一行\n第二行"\n李四,x\n'.encode()
    assert read(data)[1] == [(2, ["张三", "第一行\n第二行"]), (3, ["李四", "x"])]


def test_short_rows_are_padded_and_extra_cells_kept():
    headers, rows = read(b"a,b,c\n1\n1,2,3,4,,\n")
    assert rows == [(2, ["1", None, None]), (3, ["1", "2", "3", "4"])]


def test_text_that_starts_like_a_picture_signature_is_still_text():
    assert read(b"BMI,GIF\n22,1\n") == (["BMI", "GIF"], [(2, ["22", "1"])])


def test_tab_separated_text_named_csv_is_read():
    assert read("姓名\t电话\n张三\t1\n".encode())[1] == [(2, ["张三", "1"])]


def test_rows_can_be_read_twice_and_from_an_uploaded_file():
    upload = SimpleUploadedFile("名单.csv", "姓名\n张三\n李四\n".encode("gbk"))
    with open_table(upload, upload.name) as table:
        first = list(table.rows())
        assert list(table.rows()) == first == [(2, ["张三"]), (3, ["李四"])]
    assert not upload.closed  # the caller's file is the caller's to close


def test_an_unclosed_quote_is_a_file_error():
    data = b'a,b\n1,"' + b"x" * 200_000 + b"\n"
    assert refused(data).startswith("第 2 行无法按 CSV 读取")


# ---------------------------------------------------------------- files that are not what they say


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "roster.csv", "文件是空的。请填写模板后重新上传。"),
        (b"\n\n , \n", "roster.csv", "文件是空的。请填写模板后重新上传。"),
        ("姓名,电话\n,\n\n".encode(), "roster.csv", "文件只有列名，没有数据行。请在列名下方至少填写一行。"),
        (
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 50,
            "roster.csv",
            "该文件是图片，不是花名册。请选择花名册的 CSV 或 Excel 文件后重新上传。",
        ),
        (
            b"\xff\xd8\xff\xe0" + b"\x00" * 50,
            "roster.xlsx",
            "该文件是图片，不是花名册。请选择花名册的 CSV 或 Excel 文件后重新上传。",
        ),
        (b"%PDF-1.7\n", "roster.csv", "该文件是旧版 Excel 工作簿（.xls）、PDF 或其他二进制文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "roster.xls", "该文件是旧版 Excel 工作簿（.xls）、PDF 或其他二进制文件"),
        (_zip({"roster.csv": b"a\n1\n"}), "roster.csv", "该文件是 ZIP 压缩包，不是 CSV 文件"),
        (xlsx(lambda wb: wb.active.append(["a"])), "roster.csv", "该文件是 Excel 工作簿（.xlsx），但文件名为 .csv"),
        (b"a,b\n1,\x002\n", "roster.csv", "文件中含有空字符（NUL），不是文本（CSV）文件"),
        ("姓名\n张三\n".encode("utf-16"), "roster.csv", "该文件是“Unicode 文本”（UTF-16）"),
        (b"a,b\n1,2\n", "roster.xlsx", "无法将该文件读取为 Excel 工作簿（.xlsx）"),
        (_zip({"x.txt": b"1"}), "roster.xlsx", "无法将该文件读取为 Excel 工作簿（.xlsx）"),
        (b"a,b\n1,2\n", "roster.pdf", "只能导入 CSV 文件或 Excel 工作簿（.xlsx）"),
    ],
)
def test_files_that_are_not_rosters_are_refused(data, filename, message):
    assert refused(data, filename).startswith(message)


def test_messages_exist_in_english_too():
    with translation.override("en"):
        assert refused(b"") == "The file is empty. Fill in the template and upload it again."


def test_a_nul_byte_far_into_the_file_stops_the_rows():
    data = b"a,b\n" + b"1,2\n" * 20000 + b"3,\x00\n"
    with open_table(data, "roster.csv") as table, pytest.raises(ImportFileError, match="空字符"):
        list(table.rows())


def test_a_file_over_the_size_limit_is_refused(settings, tmp_path):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    path = tmp_path / "big.csv"
    path.write_bytes(b"a\n" + b"1\n" * 600_000)
    assert refused(path) == "文件大小为 1.1 MB，超过了导入允许的 1 MB。请将花名册拆分为多个文件，逐个上传。"
    assert refused(path.read_bytes()).startswith("文件大小为 1.1 MB")


# ---------------------------------------------------------------- XLSX


def test_the_first_visible_sheet_is_read():
    def build(wb):
        hidden = wb.active
        hidden.title = "代码表"
        hidden.sheet_state = "hidden"
        hidden.append(["代码"])
        hidden.append(["x"])
        very = wb.create_sheet("隐藏")
        very.sheet_state = "veryHidden"
        very.append(["y"])
        roster = wb.create_sheet("花名册")
        roster.append(["姓名", "身份证号", "人数"])
        roster.append(["张三", MAN, 3])
        wb.create_sheet("备用").append(["z"])

    with open_table(xlsx(build), "roster.xlsx") as table:
        assert table.sheet_name == "花名册"
        assert table.headers == ["姓名", "身份证号", "人数"]
        assert list(table.rows()) == [(2, ["张三", MAN, 3])]


def test_a_workbook_with_no_visible_sheet_is_refused():
    # openpyxl refuses to save a workbook whose every sheet is hidden, so hide them in the XML.
    data = xlsx(lambda wb: (wb.active.append(["a"]), wb.active.append(["1"])))
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/workbook.xml":
                content = content.replace(b'state="visible"', b'state="hidden"')
            target.writestr(item, content)
    assert refused(buffer.getvalue(), "roster.xlsx").startswith("该工作簿没有可见的工作表")


def test_merged_header_cells_are_a_file_error():
    def build(wb):
        ws = wb.active
        ws.append(["住址", None, "姓名"])
        ws.append(["1栋", "101", "张三"])
        ws.merge_cells("A1:B1")

    assert refused(xlsx(build), "roster.xlsx") == (
        "第 1 行的列名中有合并单元格（A1:B1）。请取消合并，使每一列在同一行中都有自己的列名，然后重新上传。"
    )


def test_a_merged_title_above_the_header_is_reported():
    def build(wb):
        ws = wb.active
        ws.append(["某社区居民花名册"])
        ws.append(["姓名", "电话"])
        ws.append(["张三", "13812345678"])
        ws.merge_cells("A1:B1")

    assert refused(xlsx(build), "roster.xlsx").startswith("第 1 行的列名中有合并单元格（A1:B1）")


def test_merged_data_cells_are_cell_errors():
    def build(wb):
        ws = wb.active
        ws.append(["楼栋", "姓名"])
        ws.append(["1栋", "张三"])
        ws.append([None, "李四"])
        ws.merge_cells("A2:A3")

    headers, rows = read(xlsx(build), "roster.xlsx")
    assert rows[0] == (2, ["1栋", "张三"])
    number, (building, name) = rows[1]
    assert (number, name) == (3, "李四")
    assert isinstance(building, CellError)
    assert str(building) == "单元格 A3 属于合并单元格 A2:A3。请取消合并并填写每个单元格后重新上传。"


def test_formulas_are_refused_and_never_evaluated():
    def build(wb):
        ws = wb.active
        ws.append(["姓名", "年龄", "备注"])
        ws.append(["张三", "=2026-1980", '=HYPERLINK("http://example.com","x")'])
        ws.append(["李四", 40, "#N/A"])

    headers, rows = read(xlsx(build), "roster.xlsx")
    (_, (name, age, note)), (_, second) = rows
    assert name == "张三"
    assert str(age) == "单元格 B2 是公式，公式不会导入。请复制该列并以“只粘贴数值”的方式粘贴回去后重新上传。"
    assert isinstance(note, CellError) and "C2" in note.message
    assert "2026-1980" not in repr(rows) and "HYPERLINK" not in repr(rows)  # the formulas are kept nowhere
    assert second[1] == 40
    assert str(second[2]) == "单元格 C3 显示错误值 #N/A。请在 Excel 或 WPS 中更正后重新上传。"
    assert cells.clean_text(age) == (None, age.message)


def test_a_formula_in_the_header_is_a_file_error():
    def build(wb):
        wb.active.append(["姓名", "=1+1"])
        wb.active.append(["张三", "x"])

    assert refused(xlsx(build), "roster.xlsx").startswith("第 1 行的列名中有公式、错误值或合并单元格")


def test_dates_serials_and_trailing_empty_rows_in_a_workbook():
    def build(wb):
        ws = wb.active
        ws.append(["姓名", "出生日期", "入住日期"])
        ws.append(["张三", dt.date(1980, 5, 17), 45123])
        ws.append(["李四", dt.datetime(1990, 1, 2, 0, 0), "45123"])  # noqa: DTZ001 (workbooks are naive)
        for _ in range(5):
            ws.append([None, "", "   "])
        ws["D20"] = None  # a formatted but empty cell far below

    headers, rows = read(xlsx(build), "roster.xlsx")
    assert [number for number, _values in rows] == [2, 3]
    assert [to_date(values[1]) for _n, values in rows] == [dt.date(1980, 5, 17), dt.date(1990, 1, 2)]
    assert [to_date(values[2]) for _n, values in rows] == [dt.date(2023, 7, 16)] * 2


def test_the_sheet_dimension_is_not_trusted():
    data = xlsx(lambda wb: (wb.active.append(["a", "b", "c"]), wb.active.append([1, 2, 3])))
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:C2" />' in content
                content = content.replace(b'<dimension ref="A1:C2" />', b'<dimension ref="A1" />')
            target.writestr(item, content)
    assert read(buffer.getvalue(), "roster.xlsx") == (["a", "b", "c"], [(2, [1, 2, 3])])


# ---------------------------------------------------------------- streaming


def test_a_large_csv_is_streamed(tmp_path):
    path = tmp_path / "residents.csv"
    with path.open("w", encoding="gbk", newline="") as out:
        out.write("姓名,身份证号,手机号码,住址\n")
        for i in range(200_000):
            out.write(f"居民{i},{MAN},138{i:08d},幸福小区{i % 30}栋{i % 6}单元{i % 400}室\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        with open_table(path, path.name) as table:
            count = 0
            last = None
            for row in table.rows():
                count += 1
                last = row
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert last == (200_001, ["居民199999", MAN, "13800199999", "幸福小区19栋1单元399室"])
    assert size > 10 * 1024 * 1024
    assert peak < 3 * 1024 * 1024, f"peak {peak} bytes for a file of {size}"
