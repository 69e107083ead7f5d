"""The spreadsheets of the import centre: the template to fill in, and the refused rows sent back.

``template_chunks`` writes an import's template from its ``Column``\\ s: an XLSX workbook (the
column names, one example row, and a second sheet "填写说明" explaining every column) or a CSV
file. The template is in Chinese whatever the user's language, as rosters are; required columns
are marked "*", which ``normalize_header`` ignores, so a filled-in template reads back. Columns
with ``text=True`` are formatted as text ("@") down the whole sheet: an 18-digit ID number typed
into them stays text in Excel or WPS instead of losing its last digits.

``error_workbook_chunks`` streams the rows an import refused back to the user as an XLSX workbook:
their own column names and cells, written as text, and a last column "错误说明" saying what is
wrong with each row, to correct and upload again. It takes the rows from an iterable and keeps
none of them, so a million rows cost no more memory than ten.

Both return an iterator of bytes for a ``StreamingHttpResponse``; every cell passes
``config.exports.safe_cell``, so nothing in them starts a formula. Their texts are translated when
they are called, not later while the response is being sent.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence

from django.utils import translation
from django.utils.translation import gettext as _

from config.exports import csv_chunks
from config.xlsx_stream import Layout, xlsx_chunks
from imports.errors import CellError
from imports.headers import Column, normalize_header

TEMPLATE_LANGUAGE = "zh-hans"
REQUIRED_MARK = "*"
LIST_SEPARATOR = "、"
FORMATS = ("xlsx", "csv")
# Column widths, in characters (a Chinese character takes two).
MIN_WIDTH = 10
MAX_WIDTH = 50
TEXT_WIDTH = 20  # an 18-digit ID number, with a little room
MESSAGE_WIDTH = 60
EXPLANATION_WIDTHS = (18, 10, 36, 50, 40)


def display_width(text) -> int:
    """The width a spreadsheet needs to show ``text``: wide (Chinese) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in str(text))


def _width(*texts, minimum: int = MIN_WIDTH) -> int:
    longest = max((display_width(text) for text in texts if text), default=0)
    return min(max(longest + 2, minimum), MAX_WIDTH)


def cell_text(value) -> str:
    """A cell as the text the user sees in it: 12.0 from a workbook is "12", a date "2024-05-01".

    A cell the reader refused (``CellError``: a formula, an error value) is blank: its message says
    what was there.
    """
    if type(value) is str:
        return value
    if value is None or isinstance(value, CellError):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --- the template ---------------------------------------------------------------------------


def template_header(columns: Sequence[Column]) -> list[str]:
    """The template's column names, in Chinese: each column's label, with "*" before required ones."""
    with translation.override(TEMPLATE_LANGUAGE):
        return [f"{REQUIRED_MARK}{column.label}" if column.required else str(column.label) for column in columns]


def _other_names(column: Column) -> str:
    label = normalize_header(column.label)
    names: list[str] = []
    for synonym in column.synonyms:
        if normalize_header(synonym) != label and synonym not in names:
            names.append(synonym)
    return LIST_SEPARATOR.join(names)


def _explanation(columns: Sequence[Column], header: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the sheet "填写说明"; called in the template's language."""
    head = [
        _("Column name"),
        _("Required"),
        _("Allowed values or format"),
        _("How to fill it in"),
        _("Also accepted as"),
    ]
    rows = [
        [
            name,
            _("Yes") if column.required else _("No"),
            LIST_SEPARATOR.join(column.choices) if column.choices else (_("Text") if column.text else ""),
            str(column.help),
            _other_names(column),
        ]
        for column, name in zip(columns, header, strict=True)
    ]
    rows.append([])
    if any(column.required for column in columns):
        rows.append([_("Columns marked * must be filled in.")])
    rows.append(
        [_("Row 2 of the first sheet is an example. Overwrite it with your own data or delete it before uploading.")]
    )
    return head, rows


def template_chunks(
    columns: Sequence[Column], example: Mapping[str, object], fmt: str, *, title: str
) -> Iterator[bytes]:
    """The bytes of an import's template, ``fmt`` "xlsx" or "csv", as they are produced.

    ``example`` maps column keys to the text of the example row (a missing key leaves the cell
    blank); ``title`` names the first sheet of the workbook.
    """
    if fmt not in FORMATS:
        raise ValueError(f"no template format {fmt!r}")
    header = template_header(columns)
    example_row = [cell_text(example.get(column.key)) for column in columns]
    if fmt == "csv":
        return csv_chunks(header, [example_row])
    with translation.override(TEMPLATE_LANGUAGE):
        sheet_title = str(title)
        explanation_title = _("How to fill in")
        explanation_head, explanation_rows = _explanation(columns, header)
    layout = Layout(
        widths=[
            _width(name, value, minimum=TEXT_WIDTH if column.text else MIN_WIDTH)
            for column, name, value in zip(columns, header, example_row, strict=True)
        ],
        text_columns=[index for index, column in enumerate(columns) if column.text],
    )
    return xlsx_chunks(
        [
            (sheet_title, header, [example_row], layout),
            (explanation_title, explanation_head, explanation_rows, Layout(widths=EXPLANATION_WIDTHS)),
        ]
    )


# --- the refused rows -----------------------------------------------------------------------


def _error_rows(rows: Iterable[tuple[Sequence, str]], width: int) -> Iterator[list[str]]:
    for cells, message in rows:
        values = [cell_text(value) for value in cells]
        message = "" if message is None else str(message)
        if len(values) == width:
            values.append(message)
            yield values
        elif len(values) < width:
            yield [*values, *[""] * (width - len(values)), message]
        else:  # cells right of the last named column stay, after the message
            yield [*values[:width], message, *values[width:]]


def error_workbook_chunks(
    headers: Sequence[str], rows: Iterable[tuple[Sequence, str]], *, text_columns: Iterable[int] = ()
) -> Iterator[bytes]:
    """The bytes of a workbook of refused rows, streamed: the file's own columns and a last one "错误说明".

    ``headers``: the column names of the uploaded file, as they were. ``rows``: (cells, message)
    pairs, the cells as read from the file and the message saying what is wrong with the row;
    they are read one at a time while the workbook is sent (pass a generator). Every cell is
    written as text; ``text_columns`` (indexes into ``headers``) are also formatted as text, so
    that what the user types there while correcting stays text.
    """
    width = len(headers)
    header = [*(cell_text(name) for name in headers), _("What is wrong")]
    text = sorted({index for index in text_columns if 0 <= index < width})
    widths = [
        _width(name, minimum=TEXT_WIDTH if index in text else MIN_WIDTH) for index, name in enumerate(header[:-1])
    ]
    layout = Layout(widths=[*widths, MESSAGE_WIDTH], text_columns=text)
    return xlsx_chunks([(_("Rows to correct"), header, _error_rows(rows, width), layout)])
