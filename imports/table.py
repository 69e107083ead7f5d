"""``Table``: the column names and the streamed rows of one sheet, whatever file they come from."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.utils.translation import gettext as _

from imports.errors import CellError, ImportFileError

# A function that starts a fresh pass over every row of the sheet, blank ones included:
# (row number as Excel and WPS show it, the cell values).
RawRows = Callable[[], Iterator[tuple[int, list]]]


def empty_file_error() -> ImportFileError:
    return ImportFileError(_("The file is empty. Fill in the template and upload it again."))


def is_blank(value) -> bool:
    """An empty cell; a refused cell (``CellError``) is not empty: the user must hear about it."""
    return value is None or (isinstance(value, str) and not value.strip())


def row_is_blank(values: list) -> bool:
    return all(is_blank(value) for value in values)


def header_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a column named 2024 in a workbook is read as 2024.0
    return "" if value is None else str(value).strip()


class Table:
    """One sheet of an uploaded file: ``headers`` and ``rows()``.

    The column names are the first row that is not blank. ``rows()`` starts a new pass over the
    file each time it is called (the file is streamed, never held in memory) and yields
    ``(row_number, values)`` for every row below the column names that is not blank; blank rows,
    trailing ones included, are skipped, and row numbers stay the ones the user sees in Excel or
    WPS. ``values`` has one entry per column name (``None`` for a blank cell), plus any non-blank
    cells to the right of the last named column. A cell the reader refuses is a ``CellError``.

    A table holds the file open: use it as a context manager or call ``close()``.
    """

    def __init__(self, raw_rows: RawRows, *, sheet_name: str = "", encoding: str = "") -> None:
        self._raw_rows = raw_rows
        self.sheet_name = sheet_name  # the sheet read, for an XLSX file
        self.encoding = encoding  # the encoding found, for a CSV file ("UTF-8", "GBK"...)
        self._closers: list[Callable[[], object]] = []
        self.header_row, self.headers = self._read_header()

    def _read_header(self) -> tuple[int, list[str]]:
        raw = self._raw_rows()
        try:
            for number, values in raw:
                if not row_is_blank(values):
                    header_row = number
                    headers = [header_text(value) for value in values]
                    if any(isinstance(value, CellError) for value in values):
                        raise ImportFileError(
                            _(
                                "The column names in row %(row)d hold a formula, an error value or merged cells. "
                                "Type every column name as plain text in a cell of its own."
                            )
                            % {"row": number}
                        )
                    break
            else:
                raise empty_file_error()
            while headers and not headers[-1]:
                headers.pop()
            if not any(not row_is_blank(values) for _number, values in raw):
                raise ImportFileError(
                    _(
                        "The file holds only the column names and no rows. Fill in at least one row below the "
                        "column names."
                    )
                )
        finally:
            raw.close()
        return header_row, headers

    def rows(self) -> Iterator[tuple[int, list]]:
        width = len(self.headers)
        raw = self._raw_rows()
        try:
            for number, values in raw:
                if number <= self.header_row or row_is_blank(values):
                    continue
                if len(values) < width:
                    values = values + [None] * (width - len(values))
                elif len(values) > width:
                    end = len(values)
                    while end > width and is_blank(values[end - 1]):
                        end -= 1
                    values = values[:end]
                yield number, values
        finally:
            raw.close()

    def add_closer(self, closer: Callable[[], object]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
