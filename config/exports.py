"""Spreadsheet exports that are safe to open: no cell can start a formula, no control character breaks a file.

Every CSV and XLSX the portal writes goes through ``safe_cell``: a cell that begins with = + - @,
a tab or a carriage return would be read as a formula by a spreadsheet (CSV injection), so it is
prefixed with an apostrophe; characters a workbook cannot hold (ESC, NUL and the other C0
controls) are dropped. Numbers stay numbers. Long exports stream (``streaming_export``): rows are
read with a server-side cursor and sent as they are written, CSV or XLSX (``config.xlsx_stream``).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from io import BytesIO, StringIO
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(FORMULA_STARTS)
# Characters XML 1.0 (and so XLSX) cannot hold, besides tab, newline and carriage return.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


CSV_TYPE = "text/csv; charset=utf-8"
CSV_BATCH_ROWS = 2000


def safe_cell(value):
    """The value as a spreadsheet should store it: text that could start a formula is made plain text."""
    if type(value) is str:  # the common case first: exports are mostly text
        text = value if value.isprintable() else _ILLEGAL.sub("", value)
    elif value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.datetime):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            from django.utils import timezone

            return timezone.localtime(value).replace(tzinfo=None)
        return value
    else:
        text = _ILLEGAL.sub("", str(value))
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def safe_row(row: Iterable) -> list:
    return [safe_cell(value) for value in row]


def _csv_text(value) -> str:
    value = safe_cell(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)


def csv_chunks(header: Sequence, rows: Iterable[Sequence]) -> Iterator[bytes]:
    """UTF-8 CSV with a BOM (so spreadsheet programs read the Chinese text), sent in batches of rows."""
    buffer = StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([_csv_text(value) for value in header])
    yield buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    count = 0
    starts = _FORMULA_CHARS
    for row in rows:
        # Plain text (the common case) is written as it is; everything else goes through safe_cell.
        writer.writerow(
            [
                value if type(value) is str and value[:1] not in starts and value.isprintable() else _csv_text(value)
                for value in row
            ]
        )
        count += 1
        if count == CSV_BATCH_ROWS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            count = 0
    yield buffer.getvalue().encode()


def csv_text(header: Sequence, rows: Iterable[Sequence]) -> str:
    """A small CSV as one string (with its BOM)."""
    return b"".join(csv_chunks(header, rows)).decode()


def attachment(response: HttpResponse | StreamingHttpResponse, filename: str):
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def streaming_export(filename: str, extension: str, header: Sequence, rows: Iterable[Sequence]):
    """A CSV or XLSX download that starts at once and streams its rows.

    ``rows`` should be a generator over a server-side cursor (``values_list(...).iterator()``), so
    neither the rows nor the file are ever held whole in memory.
    """
    if extension == "csv":
        return attachment(StreamingHttpResponse(csv_chunks(header, rows), content_type=CSV_TYPE), filename)
    if extension == "xlsx":
        from .xlsx_stream import xlsx_chunks

        response = StreamingHttpResponse(xlsx_chunks([(_sheet_title(filename), header, rows)]), content_type=XLSX_TYPE)
        # Already compressed: the gzip middleware would only spend time on it.
        response["Content-Encoding"] = "identity"
        return attachment(response, filename)
    raise ValueError(f"no streaming writer for {extension!r}")


def _sheet_title(filename: str) -> str:
    return filename.rsplit(".", 1)[0][:31] or "Sheet"


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
    return attachment(HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE), filename)
