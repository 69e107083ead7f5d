"""Opening an uploaded roster file: ``open_table(data_or_path, filename) -> Table``.

The file's name says what it should be (.csv or .xlsx); its first bytes say what it is. A file
that is something else (a picture, a PDF, an old .xls, a ZIP archive, a workbook named .csv), an
empty file, a file with column names and no rows and a file over ``settings.IMPORT_MAX_BYTES``
(200 MiB unless set) each raise ``ImportFileError`` with a message for the user. Rows are then
streamed (``Table.rows()``): a roster of a million rows is never held in memory.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import PurePath
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _

from imports.csvfile import SNIFF_BYTES, nul_error, open_csv
from imports.dates import to_date
from imports.errors import CellError, ImportFileError
from imports.table import Table, empty_file_error
from imports.xlsxfile import open_xlsx, workbook_error

__all__ = ["CellError", "ImportFileError", "Table", "max_bytes", "open_table", "to_date"]

_PICTURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_BINARIES = (b"\xd0\xcf\x11\xe0", b"%PDF", b"Rar!", b"\x1f\x8b", b"7z\xbc\xaf")


def _is_picture(head: bytes) -> bool:
    if head.startswith(_PICTURES):
        return True
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return True
    # BMP: "BM", then the size and reserved zero bytes. A text may start with "BM" (a column "BMI").
    return head.startswith(b"BM") and b"\x00" in head[2:14]


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def _kind(filename: str) -> str:
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in {".csv", ".xlsx"}:
        return suffix[1:]
    if suffix == ".xls":
        raise _binary_error()
    raise ImportFileError(
        _(
            "Only CSV files and Excel workbooks (.xlsx) can be imported. Save the roster from Excel or WPS as one "
            "of them and upload it again."
        )
    )


def _binary_error() -> ImportFileError:
    return ImportFileError(
        _(
            "This file is an old Excel workbook (.xls), a PDF or another binary file. Save it from Excel or WPS "
            "as CSV or as an Excel workbook (.xlsx) and upload it again."
        )
    )


def _open_source(data_or_path) -> tuple[BinaryIO, int, bool]:
    """(seekable binary stream, size in bytes, whether this module opened it and must close it)."""
    if isinstance(data_or_path, bytes | bytearray | memoryview):
        data = bytes(data_or_path)
        return io.BytesIO(data), len(data), True
    if isinstance(data_or_path, str | os.PathLike):
        size = os.path.getsize(data_or_path)
        _check_size(size)  # before opening anything
        return open(data_or_path, "rb"), size, True  # noqa: SIM115 (closed by Table.close)
    stream = data_or_path  # a file object, e.g. Django's UploadedFile
    size = getattr(stream, "size", None)
    if size is None:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
    stream.seek(0)
    return stream, size, False


def _check_size(size: int) -> None:
    limit = max_bytes()
    if size > limit:
        raise ImportFileError(
            _(
                "The file is %(size)s MB, more than the %(limit)s MB an import may have. Split the roster into "
                "several files and upload them one by one."
            )
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": f"{limit / 1024 / 1024:.0f}"}
        )


def _is_workbook(stream: BinaryIO) -> bool:
    try:
        with zipfile.ZipFile(stream) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        stream.seek(0)


def _check_content(head: bytes, kind: str, stream: BinaryIO) -> None:
    """Refuses a file whose first bytes show it is not a file of ``kind``."""
    if _is_picture(head):
        raise ImportFileError(
            _("This file is a picture, not a roster. Choose the CSV or Excel file of the roster and upload it again.")
        )
    if head.startswith(_BINARIES):
        raise _binary_error()
    is_zip = head.startswith(b"PK\x03\x04")
    if kind == "xlsx":
        if not is_zip or not _is_workbook(stream):
            raise workbook_error()
        return
    if is_zip:
        if _is_workbook(stream):
            raise ImportFileError(
                _(
                    "This file is an Excel workbook (.xlsx) with a .csv name. Rename it to .xlsx, or save it from "
                    "Excel or WPS as CSV, and upload it again."
                )
            )
        raise ImportFileError(_("This file is a ZIP archive, not a CSV file. Unpack it and upload the roster inside."))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            _(
                'This file is "Unicode text" (UTF-16). Save it from Excel or WPS as CSV (comma delimited) and '
                "upload it again."
            )
        )
    if b"\x00" in head:
        raise nul_error()


def open_table(data_or_path, filename: str) -> Table:
    """The first sheet of an uploaded CSV or XLSX file, ready to stream.

    ``data_or_path``: the file's bytes, a path, or a seekable binary file object (an
    ``UploadedFile``; the caller keeps it and closes it). ``filename``: the name the user gave the
    file; its extension says which format to expect. Raises ``ImportFileError``. Close the table
    (``with open_table(...) as table:``) to release the file.
    """
    kind = _kind(filename)
    stream, size, owned = _open_source(data_or_path)
    try:
        _check_size(size)
        head = stream.read(SNIFF_BYTES)
        stream.seek(0)
        if not head:
            raise empty_file_error()
        _check_content(head, kind, stream)
        table = open_csv(stream) if kind == "csv" else open_xlsx(stream)
    except BaseException:
        if owned:
            stream.close()
        raise
    if owned:
        table.add_closer(stream.close)
    return table
