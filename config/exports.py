"""Spreadsheet exports that are safe to open: no cell can start a formula, no control character breaks a file.

A cell that begins with = + - @, a tab or a carriage return would be read as a formula by a
spreadsheet (CSV injection); it is prefixed with an apostrophe. Numbers stay numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and so XLSX) cannot hold, besides tab, newline and carriage return.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """The value as a spreadsheet should store it: text that could start a formula is made plain text."""
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.datetime):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            from django.utils import timezone

            return timezone.localtime(value).replace(tzinfo=None)
        return value
    text = _ILLEGAL.sub("", str(value))
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence, Iterable[Sequence]]]) -> bytes:
    """A workbook with one sheet per (title, header, rows), written in openpyxl's streaming mode."""
    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=_ILLEGAL.sub("", str(title))[:31] or "Sheet")
        sheet.append([safe_cell(cell) for cell in header])
        for row in rows:
            sheet.append([safe_cell(cell) for cell in row])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets: Iterable[tuple[str, Sequence, Iterable[Sequence]]]) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
