"""Excel workbooks (.xlsx): the first visible sheet, streamed with openpyxl's read-only mode.

- Hidden and "very hidden" sheets are skipped: the user imports what they see.
- Formulas are refused, cell by cell: the workbook is loaded with ``data_only=False``, so a
  formula cell arrives as data type "f" and becomes a ``CellError``; neither the formula nor the
  value Excel cached for it is kept or evaluated. Error values (#N/A, #REF!...) are refused too.
- Merged cells. A read-only worksheet does not expose ``merged_cells``, and loading the sheet in
  normal mode would build every cell of a million-row sheet in memory (gigabytes), so it is only
  an option for small files, and then small and large files would behave differently. Instead
  the sheet's XML part is scanned for ``<mergeCell ref="...">``: the ``<mergeCells>`` element
  comes after ``<sheetData>`` in the schema, so the scan reads the whole part, but as raw bytes
  searched chunk by chunk (decompression speed, constant memory), without parsing the XML. Merged
  cells touching the row of column names make the file an error; in the rows below, every cell
  a merge covers except its top-left one is a ``CellError`` (Excel shows the value there, but the
  file holds it only once).
"""

from __future__ import annotations

import re
import warnings
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from imports.errors import CellError, ImportFileError
from imports.table import Table, row_is_blank

_MERGE_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+(?::[A-Za-z]+[0-9]+)?)"')
_SCAN_CHUNK = 1024 * 1024
_OVERLAP = 1024  # longer than any <mergeCell .../> element


def workbook_error() -> ImportFileError:
    return ImportFileError(
        _(
            "The file could not be read as an Excel workbook (.xlsx). Open it in Excel or WPS, save it as .xlsx "
            "or CSV and upload it again."
        )
    )


class Merge:
    __slots__ = ("min_col", "min_row", "max_col", "max_row", "ref")

    def __init__(self, ref: str) -> None:
        self.ref = ref.upper()
        self.min_col, self.min_row, self.max_col, self.max_row = range_boundaries(self.ref)


def merged_ranges(archive, part: str) -> list[Merge]:
    """The merged ranges of one worksheet part, by a byte scan of its XML (see the module docstring)."""
    refs: list[str] = []
    seen: set[bytes] = set()
    tail = b""
    with archive.open(part) as source:
        while chunk := source.read(_SCAN_CHUNK):
            window = tail + chunk
            if b"mergeCell" in window:
                for match in _MERGE_CELL.finditer(window):
                    ref = match.group(1)
                    if ref not in seen:  # a match inside the overlap is found twice
                        seen.add(ref)
                        refs.append(ref.decode("ascii"))
            tail = window[-_OVERLAP:]
    return [Merge(ref) for ref in refs if ":" in ref]


class _MergeSweep:
    """Which cells of a row merged ranges cover, for rows visited in increasing order."""

    def __init__(self, merges: list[Merge]) -> None:
        self._pending = sorted(merges, key=lambda merge: merge.min_row, reverse=True)
        self._active: list[Merge] = []

    def covered(self, row: int) -> list[Merge]:
        while self._pending and self._pending[-1].min_row <= row:
            self._active.append(self._pending.pop())
        self._active = [merge for merge in self._active if merge.max_row >= row]
        return self._active


def _value(cell):
    data_type = getattr(cell, "data_type", "n")
    if data_type == "f":
        return CellError(
            _(
                "Cell %(cell)s holds a formula, and formulas are not imported. Copy the column and paste it back "
                "as values only, then upload the file again."
            )
            % {"cell": cell.coordinate}
        )
    if data_type == "e":
        return CellError(
            _("Cell %(cell)s shows the error value %(value)s. Correct it in Excel or WPS and upload the file again.")
            % {"cell": cell.coordinate, "value": cell.value}
        )
    value = cell.value
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _merged_cell_error(row: int, column: int, merge: Merge) -> CellError:
    return CellError(
        _(
            "Cell %(cell)s is part of the merged cells %(range)s. Unmerge them and fill in every cell, then upload "
            "the file again."
        )
        % {"cell": f"{get_column_letter(column)}{row}", "range": merge.ref}
    )


def open_xlsx(stream: BinaryIO) -> Table:
    """A ``Table`` over the first visible sheet of a workbook held in a seekable binary stream."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style", unknown extensions: nothing for the user
            workbook = load_workbook(stream, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise workbook_error() from exc
    try:
        sheet = next((ws for ws in workbook.worksheets if ws.sheet_state == "visible"), None)
        if sheet is None:
            raise ImportFileError(
                _("The workbook has no visible sheet. Show the sheet of the roster in Excel or WPS and try again.")
            )
        # The <dimension> some programs write is wrong (often just A1); read every cell there is.
        sheet.reset_dimensions()
        # openpyxl 3.1 keeps the open archive and the sheet's part name in these private attributes.
        merges = merged_ranges(workbook._archive, sheet._worksheet_path)
        table = Table(_raw_rows(sheet, merges), sheet_name=sheet.title)
        clashes = [merge.ref for merge in merges if merge.min_row <= table.header_row <= merge.max_row]
        if clashes:
            raise ImportFileError(
                _(
                    "The column names in row %(row)d include merged cells (%(ranges)s). Unmerge them so that every "
                    "column has its own name in one row, then upload the file again."
                )
                % {"row": table.header_row, "ranges": ", ".join(clashes[:5])}
            )
    except ImportFileError:
        workbook.close()
        raise
    except Exception as exc:  # a broken part inside an otherwise valid archive
        workbook.close()
        raise workbook_error() from exc
    table.add_closer(workbook.close)
    return table


def _raw_rows(sheet, merges: list[Merge]):
    def raw_rows():
        sweep = _MergeSweep(merges)
        header_seen = False
        try:
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                values = [_value(cell) for cell in cells]
                covered = sweep.covered(number)
                # Merges over the column names are a file error (open_xlsx), not a cell error.
                if covered and header_seen:
                    for merge in covered:
                        for column in range(merge.min_col, merge.max_col + 1):
                            if (number, column) == (merge.min_row, merge.min_col):
                                continue  # the top-left cell holds the value
                            if column > len(values):
                                values.extend([None] * (column - len(values)))
                            values[column - 1] = _merged_cell_error(number, column, merge)
                header_seen = header_seen or not row_is_blank(values)
                yield number, values
        except ImportFileError:
            raise
        except Exception as exc:  # broken XML far into the sheet
            raise workbook_error() from exc

    return raw_rows
