"""What can be wrong with a file as a whole, and with one cell of it."""

from __future__ import annotations

from dataclasses import dataclass


class ImportFileError(Exception):
    """The whole file is refused (wrong kind, empty, too large, merged column names...).

    ``str(exc)`` is the message for the user, already in their language. ``Table.rows()`` may
    raise it too, for damage found only while streaming (a NUL byte or a bad byte sequence far
    into a CSV, a broken workbook part).
    """


@dataclass(frozen=True, slots=True)
class CellError:
    """Stands in for a cell value that the reader refuses (a formula, an Excel error, a merged cell).

    The normalisers of ``imports.cells`` answer ``(None, message)`` for it; code that handles raw
    values itself must check ``isinstance(value, CellError)`` before using a value.
    """

    message: str

    def __str__(self) -> str:
        return self.message
