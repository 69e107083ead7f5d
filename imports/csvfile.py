"""CSV files: the encoding is sniffed (UTF-8 with or without BOM, GBK, GB18030), the rows streamed.

Excel in China saves "CSV" in GBK (in fact code page 936), WPS and recent Excel "CSV UTF-8" with a
BOM. The user is never asked: a prefix of the file decides. GBK is a subset of GB18030, so
GBK files are decoded as GB18030, which also reads the rare characters GBK lacks (many names
use them); ``Table.encoding`` still says "GBK" when the prefix is plain GBK.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from typing import BinaryIO

from django.utils.translation import gettext as _

from imports.errors import ImportFileError
from imports.table import Table

SNIFF_BYTES = 64 * 1024
_SCAN_CHUNK = 1024 * 1024
_UNDECODED = re.compile("[\udc80-\udcff]")


def nul_error() -> ImportFileError:
    return ImportFileError(
        _(
            "The file holds NUL characters, so it is not a text (CSV) file. Save it from Excel or WPS as CSV "
            "and upload it again."
        )
    )


def not_text_error() -> ImportFileError:
    return ImportFileError(
        _("The file is not text in UTF-8 or GBK. Save it from Excel or WPS as CSV and upload it again.")
    )


def _decodes(sample: bytes, encoding: str, *, final: bool) -> bool:
    # An incremental decoder with final=False keeps a multibyte character cut at the end of the
    # prefix for later instead of calling it an error.
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _sample(stream: BinaryIO) -> tuple[bytes, bool]:
    """A prefix that is not plain ASCII when the file has any other byte, and whether it ends the file.

    A roster may start with thousands of rows of digits: the encoding shows only at the first
    Chinese character. The file is scanned (and forgotten) up to there; a stretch that starts
    right after an ASCII byte starts on a character boundary in every encoding considered here.
    """
    stream.seek(0)
    sample = stream.read(SNIFF_BYTES)
    if not sample.isascii() or len(sample) < SNIFF_BYTES:
        return sample, len(sample) < SNIFF_BYTES
    while True:
        chunk = stream.read(_SCAN_CHUNK)
        if not chunk:
            return sample, True  # plain ASCII throughout: any of the encodings reads it
        if not chunk.isascii():
            start = next(i for i, byte in enumerate(chunk) if byte > 0x7F)
            sample = chunk[start : start + SNIFF_BYTES]
            if len(sample) < SNIFF_BYTES:
                sample += stream.read(SNIFF_BYTES - len(sample))
            return sample, len(sample) < SNIFF_BYTES


def sniff_encoding(stream: BinaryIO) -> tuple[str, str]:
    """(codec to decode with, name to show) for a CSV file, or ``ImportFileError``."""
    sample, at_end = _sample(stream)
    stream.seek(0)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 (BOM)"
    if _decodes(sample, "utf-8", final=at_end):
        return "utf-8", "UTF-8"
    if _decodes(sample, "gbk", final=at_end):
        return "gb18030", "GBK"
    if _decodes(sample, "gb18030", final=at_end):
        return "gb18030", "GB18030"
    raise not_text_error()


def sniff_delimiter(head: bytes) -> str:
    """A comma, unless the first line has none and tabs or semicolons instead ("text" saved as .csv)."""
    first_line = head.split(b"\n", 1)[0]
    if b"," in first_line:
        return ","
    if b"\t" in first_line:
        return "\t"
    if b";" in first_line:
        return ";"
    return ","


class _NulGuard(io.RawIOBase):
    """Passes the bytes of a stream on, and refuses a NUL byte wherever it is in the file.

    No multibyte character of UTF-8 or GB18030 holds a 0x00 byte, so a NUL byte is a NUL
    character. Closing the guard leaves the stream open, for the next pass over the rows.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        if b"\x00" in data:
            raise nul_error()
        buffer[: len(data)] = data
        return len(data)


def open_csv(stream: BinaryIO) -> Table:
    """A ``Table`` over a seekable binary stream holding a CSV file."""
    codec, label = sniff_encoding(stream)
    delimiter = sniff_delimiter(stream.read(SNIFF_BYTES))

    def raw_rows():
        stream.seek(0)
        # Bytes the encoding cannot read become lone surrogates (surrogateescape), so the row that
        # holds them is found exactly; decoding errors would surface a whole buffer early.
        text = io.TextIOWrapper(
            io.BufferedReader(_NulGuard(stream), SNIFF_BYTES), encoding=codec, errors="surrogateescape", newline=""
        )
        number = 0
        try:
            # One record is one row in Excel and WPS, even when a quoted cell spans several lines.
            for record in csv.reader(text, delimiter=delimiter):
                number += 1
                for value in record:
                    if not value.isprintable() and _UNDECODED.search(value):
                        raise ImportFileError(
                            _(
                                "From row %(row)d on, the file is not text in %(encoding)s. Save the whole file from "
                                "Excel or WPS as CSV and upload it again."
                            )
                            % {"row": number, "encoding": label}
                        )
                yield number, [value if value.strip() else None for value in record]
        except csv.Error as exc:
            raise ImportFileError(
                _(
                    "Row %(row)d could not be read as CSV: a cell is very long or a quotation mark is not closed. "
                    "Check the row in Excel or WPS, save the file as CSV and upload it again."
                )
                % {"row": number + 1}
            ) from exc
        finally:
            text.close()

    return Table(raw_rows, encoding=label)
