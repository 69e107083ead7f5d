"""An XLSX writer that streams: the workbook is sent while its rows are still being read.

openpyxl builds a whole sheet before anything can be sent, and costs far more per cell than the
database does. A worksheet is plain XML in a ZIP archive, and Python's ``zipfile`` can write an
archive to a stream that cannot seek (sizes go in data descriptors after each part), so each
batch of rows is compressed and handed on at once; memory stays flat however many rows there
are. Text goes in inline strings (never read as a formula), numbers as numbers, dates with a date
format. Every cell passes ``config.exports.safe_cell`` first. A sheet may have a ``Layout``: column
widths, and columns formatted as text ("@") so that what a user types there (an 18-digit ID number)
stays text in Excel or WPS.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from .exports import _FORMULA_CHARS, safe_cell

BATCH_ROWS = 1000
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # noqa: DTZ001 (a naive serial-date origin)
# Excel's limits: longer titles and texts are refused or cut by Excel itself.
MAX_TITLE = 31
MAX_CELL_TEXT = 32767
# A bare carriage return would be read back as a line feed (XML normalises line ends).
_ENTITIES = {"\r": "&#13;"}

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{sheets}"
    '<Relationship Id="rIdStyles" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
SHEET_REL = (
    '<Relationship Id="rId{n}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet{n}.xml"/>'
)
# Cell styles: 0 plain, 1 date, 2 date and time, 3 bold (the header row), 4 text (number format "@").
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
TEXT_STYLE = ' s="4"'
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
)
SHEET_HEAD = SHEET_START + "<sheetData>"
FROZEN_HEADER = '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
SHEET_TAIL = "</sheetData></worksheet>"
DEFAULT_WIDTH = 9.140625  # Excel's own, in characters


@dataclass(frozen=True)
class Layout:
    """How a sheet's columns look: ``widths`` (in characters, by column index; None or 0 for the default)
    and ``text_columns``, the indexes of columns formatted as text, their empty cells included."""

    widths: Sequence[float | None] = ()
    text_columns: Collection[int] = ()

    def cols_xml(self) -> str:
        widths = {index: width for index, width in enumerate(self.widths) if width}
        entries = []
        for index in sorted(set(widths) | {index for index in self.text_columns if index >= 0}):
            width = widths.get(index)
            size = f'width="{width:g}" customWidth="1"' if width else f'width="{DEFAULT_WIDTH}"'
            style = ' style="4"' if index in self.text_columns else ""
            entries.append(f'<col min="{index + 1}" max="{index + 1}" {size}{style}/>')
        return f"<cols>{''.join(entries)}</cols>" if entries else ""

    def styles(self) -> list[str]:
        """The style attribute of each column's cells, up to the last text column."""
        text = {index for index in self.text_columns if index >= 0}
        return [TEXT_STYLE if index in text else "" for index in range(max(text, default=-1) + 1)]


# (title, header, rows) or (title, header, rows, layout)
Sheet = tuple[str, Sequence, Iterable[Sequence]] | tuple[str, Sequence, Iterable[Sequence], Layout | None]


class _Pipe:
    """A write-only file that keeps what was written until it is drained; it cannot seek."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _text_cell(text: str, style: str = "") -> str:
    if len(text) > MAX_CELL_TEXT:
        text = text[:MAX_CELL_TEXT]
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c{style} t="inlineStr"><is><t{space}>{escape(text, _ENTITIES)}</t></is></c>'


def _cell(value, style: str = "") -> str:
    if type(value) is str and value[:1] not in _FORMULA_CHARS and value.isprintable():
        # Plain text, the common case: nothing to neutralise or drop.
        if not value:
            return "<c/>"
        if value[0] != " " and value[-1] != " " and len(value) <= MAX_CELL_TEXT:
            return f'<c{style} t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    value = safe_cell(value)
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, str):
        return _text_cell(value, style)
    if isinstance(value, bool):
        return f'<c{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f"<c{style}><v>{value}</v></c>"
    if isinstance(value, dt.datetime):
        serial = (value - EXCEL_EPOCH).total_seconds() / 86400
        return f'<c s="2"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c s="1"><v>{(value - EXCEL_EPOCH.date()).days}</v></c>'
    return _text_cell(str(value), style)


def _row_xml(number: int, values: Sequence, style: str = "") -> str:
    return f'<row r="{number}">' + "".join([_cell(value, style) for value in values]) + "</row>"


def _styled_row_xml(number: int, values: Sequence, styles: Sequence[str]) -> str:
    cells = []
    for index, value in enumerate(values):
        style = styles[index] if index < len(styles) else ""
        xml = _cell(value, style)
        cells.append(f"<c{style}/>" if style and xml == "<c/>" else xml)
    return f'<row r="{number}">' + "".join(cells) + "</row>"


def xlsx_chunks(sheets: Sequence[Sheet]) -> Iterator[bytes]:
    """The bytes of a workbook with one sheet per (title, header, rows) or (title, header, rows, layout),
    as they are produced."""
    titles = []
    for sheet in sheets:
        title = sheet[0]
        name = str(safe_cell(title) or "Sheet").lstrip("'")
        for char in "[]:*?/\\":
            name = name.replace(char, " ")
        name = name[:MAX_TITLE] or "Sheet"
        while name in titles:
            name = f"{name[: MAX_TITLE - 3]}({len(titles)})"
        titles.append(name)
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        numbers = range(1, len(titles) + 1)
        archive.writestr(
            "[Content_Types].xml", CONTENT_TYPES.format(sheets="".join(SHEET_TYPE.format(n=n) for n in numbers))
        )
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            WORKBOOK.format(
                sheets="".join(
                    f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
                    for n, title in zip(numbers, titles, strict=True)
                )
            ),
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(sheets="".join(SHEET_REL.format(n=n) for n in numbers))
        )
        archive.writestr("xl/styles.xml", STYLES)
        yield pipe.drain()
        for n, sheet in zip(numbers, sheets, strict=True):
            header, rows = sheet[1], sheet[2]
            layout = sheet[3] if len(sheet) > 3 and sheet[3] is not None else Layout()
            styles = layout.styles()
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w") as part:
                start = SHEET_START.format(pane=FROZEN_HEADER if header else "")
                part.write((start + layout.cols_xml() + "<sheetData>").encode())
                number = 0
                if header:
                    number = 1
                    part.write(_row_xml(1, header, ' s="3"').encode())
                batch: list[str] = []
                for row in rows:
                    number += 1
                    batch.append(_styled_row_xml(number, row, styles) if styles else _row_xml(number, row))
                    if len(batch) >= BATCH_ROWS:
                        part.write("".join(batch).encode())
                        batch.clear()
                        yield pipe.drain()
                part.write(("".join(batch) + SHEET_TAIL).encode())
            yield pipe.drain()
    yield pipe.drain()
