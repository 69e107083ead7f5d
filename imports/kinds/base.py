"""What a roster type declares, and the row it works on while a file is checked."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import import_module

from ..headers import Column


@dataclass
class Pending:
    """A data row of the file on its way to the staging table."""

    number: int
    raw: dict[str, object]
    data: dict | None = None
    key: str = ""
    errors: list[str] = field(default_factory=list)
    status: int = 0
    target_id: int | None = None
    before: dict | None = None


@dataclass(frozen=True)
class Change:
    """One field of a previewed change: its label and the old and new values as the importer may see them."""

    label: str
    old: str
    new: str


class RosterKind(ABC):
    """A roster type. Subclasses declare the columns and the natural key, and implement the steps.

    - ``clean(row, context)``: one row in Python, no database (cells to values, the key, messages);
    - ``resolve(rows, context)``: a batch against the database, a few queries per batch whatever its
      size: references, scope, and whether each row is new, changed or unchanged (``before``);
    - ``apply(job, context)``: writes the checked rows (inside the caller's transaction) and records
      each created or changed row as an ``ImportChange``;
    - ``undo(job)``: reverses them, or lists the rows changed since;
    - ``export_rows(queryset)``: the rows of the ledger in the template's columns (a round trip
      changes nothing).
    """

    slug: str = ""
    label = ""
    title = ""  # the template's sheet and file name
    columns: Sequence[Column] = ()
    example: dict[str, str] = {}
    key_column = ""
    batch_size = 5000

    def context(self, job) -> object:
        return None

    @abstractmethod
    def clean(self, row: Pending, context) -> None: ...

    @abstractmethod
    def resolve(self, rows: list[Pending], context) -> None: ...

    # The module that writes this roster, imported when first used: its ``apply(job, progress)`` and
    # ``undo(job)`` implement the two methods below unless a kind overrides them.
    writer = ""

    def apply(self, job, progress) -> int:
        return import_module(self.writer).apply(job, progress)

    def undo(self, job) -> list[str]:
        return import_module(self.writer).undo(job)

    @abstractmethod
    def changes(self, data: dict, before: dict | None, *, user) -> list[Change]: ...

    def display_key(self, key: str) -> str:
        """The natural key as the preview shows it (an identity number masked)."""
        from grids.pii import mask_id_number

        return mask_id_number(key) if self.key_column == "id_number" else key

    def export_header(self) -> list[str]:
        """The template's column names (in Chinese, required ones marked *)."""
        from ..workbook import template_header

        return template_header(self.columns)

    @abstractmethod
    def export_rows(self, queryset, *, full: bool) -> Iterator[list]: ...

    @abstractmethod
    def export_queryset(self, user) -> Iterable: ...
