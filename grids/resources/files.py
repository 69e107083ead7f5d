"""Roster files in the admin: the formats of the exports and of the Party roster imports, and what is wrong
with an uploaded file.

A file that is not what its name says (a picture, a ZIP archive or a workbook renamed .csv, a
file with NUL bytes), a file with no rows and a cell holding a control character each get a
message in the user's language, and nothing is written. Exported datasets go through the
shared ``safe_cell`` as every other export does.
"""

from __future__ import annotations

import logging
import zipfile
from io import BytesIO

import tablib
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from config.exports import safe_row
from config.textcheck import MESSAGE as CONTROL_CHARACTER_MESSAGE
from config.textcheck import char_label, forbidden_char

logger = logging.getLogger(__name__)


class RosterFileError(Exception):
    """A problem with the file as a whole (unreadable, missing columns, no rows, too many rows)."""


def decode_text_file(data: bytes) -> str:
    """UTF-8 (with or without BOM) as saved by WPS and recent Excel, else GB18030 (Excel 'CSV' in China)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def check_text_file(data: bytes) -> None:
    """Refuses, with a message, bytes that are not a text (CSV) file."""
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")):
        raise RosterFileError(
            _("This file is a picture, not a roster. Choose the CSV or Excel file of the roster and upload it again.")
        )
    if data.startswith(b"PK\x03\x04"):
        if _is_workbook(data):
            raise RosterFileError(
                _(
                    "This file is an Excel workbook (.xlsx) with a .csv name. Choose the format xlsx, or save it "
                    "from Excel or WPS as CSV, and upload it again."
                )
            )
        raise RosterFileError(_("This file is a ZIP archive, not a CSV file. Unpack it and upload the roster inside."))
    if data.startswith((b"\xd0\xcf\x11\xe0", b"%PDF")):
        raise RosterFileError(
            _(
                "This file is an old Excel workbook (.xls), a PDF or another binary file. Save it from Excel or WPS "
                "as CSV or as an Excel workbook (.xlsx) and upload it again."
            )
        )
    if b"\x00" in data:
        raise RosterFileError(
            _(
                "The file holds NUL characters, so it is not a text (CSV) file. Save it from Excel or WPS as CSV "
                "and upload it again."
            )
        )


def require_rows(dataset: tablib.Dataset) -> tablib.Dataset:
    """Refuses a file with no column names or with nothing below them."""
    if not dataset.headers or not any(str(h or "").strip() for h in dataset.headers):
        raise RosterFileError(_("The file is empty. Fill in the template and upload it again."))
    if not any(any(str(value).strip() for value in row if value is not None) for row in dataset):
        raise RosterFileError(
            _("The file holds only the column names and no rows. Fill in at least one row below the column names.")
        )
    return dataset


def safe_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of an export dataset whose every cell is safe to open in a spreadsheet."""
    safe = tablib.Dataset(headers=safe_row(dataset.headers or []), title=dataset.title)
    for row in dataset:
        safe.append(safe_row(row))
    return safe


class ExcelCSV(base_formats.CSV):
    """CSV the way Excel reads and writes it in China: GBK or UTF-8 in, UTF-8 with a BOM out."""

    def is_binary(self) -> bool:
        return True  # read raw bytes, so the encoding can be detected here

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            check_text_file(in_stream)
            try:
                in_stream = decode_text_file(in_stream)
            except UnicodeDecodeError as exc:
                raise RosterFileError(
                    _("The file is not text in UTF-8 or GBK. Save it from Excel or WPS as CSV and upload it again.")
                ) from exc
        return require_rows(super().create_dataset(in_stream, **kwargs))

    def export_data(self, dataset, **kwargs) -> bytes:
        return ("\ufeff" + super().export_data(safe_dataset(dataset), **kwargs)).encode("utf-8")


class RosterXLSX(base_formats.XLSX):
    """Excel workbooks; a file that is no workbook is refused with a message, not a traceback."""

    def create_dataset(self, in_stream, **kwargs):
        try:
            dataset = super().create_dataset(in_stream, **kwargs)
        except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
            raise RosterFileError(
                _(
                    "The file could not be read as an Excel workbook (.xlsx). Open it in Excel or WPS, save it as "
                    ".xlsx or CSV and upload it again."
                )
            ) from exc
        return require_rows(dataset)

    def export_data(self, dataset, **kwargs):
        return super().export_data(safe_dataset(dataset), **kwargs)


ROSTER_FORMATS = [fmt for fmt in (ExcelCSV, RosterXLSX) if fmt.is_available()]


def read_error_message(exc: Exception) -> str:
    """What the import page says about a file that could not be read."""
    if isinstance(exc, RosterFileError):
        return str(exc)
    logger.warning("Unreadable import file: %r", exc)
    return _("The file could not be read. Save it from the template as CSV or Excel (.xlsx) and upload it again.")


class ImportFileMessagesMixin:
    """For a ModelAdmin with import-export's ImportMixin: an unreadable file gets a message in the user's language."""

    def add_data_read_fail_error_to_form(self, form, e) -> None:
        form.add_error("import_file", read_error_message(e))


def cell_control_errors(row: dict, *, multiline: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Columns whose cell holds a control character; ``multiline`` columns may hold tabs and line breaks."""
    errors: dict[str, list[str]] = {}
    for column, value in row.items():
        if not isinstance(value, str):
            continue
        # Leading and trailing whitespace is dropped anyway, as the ledger form does.
        char = forbidden_char(value.strip(), multiline=column in multiline)
        if char is not None:
            errors[str(column)] = [CONTROL_CHARACTER_MESSAGE % {"char": char_label(char)}]
    return errors
