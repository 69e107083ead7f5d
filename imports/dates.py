"""Dates as rosters hold them: real dates, typed text in the usual Chinese forms, Excel serial numbers."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from openpyxl.utils.datetime import from_excel

# Excel's serials (1900 date system): 1 is 1900-01-01, 2958465 is 9999-12-31.
MAX_SERIAL = 2958465
_SEPARATED = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_CHINESE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{1,7}(?:\.0+)?$")


def _from_serial(serial: float) -> dt.date:
    if not 1 <= serial < MAX_SERIAL + 1:
        raise ValueError(f"not an Excel date serial: {serial!r}")
    value = from_excel(int(serial))  # the day; a fraction is the time of day. Knows the phantom 1900-02-29
    return value.date() if isinstance(value, dt.datetime) else value


def to_date(value) -> dt.date | None:
    """The date a cell holds, ``None`` for a blank cell; ``ValueError`` for anything else.

    Accepts date and datetime objects, 'YYYY-MM-DD', 'YYYY/MM/DD', 'YYYY.MM.DD' (with or without a
    time after them), 'YYYY年M月D日', 'YYYYMMDD' and Excel serial numbers (45123, 45123.0 or the
    text '45123': a date column that lost its date format). Full-width digits are read too.
    Workbooks in the 1904 date system (old Mac Excel) are converted by openpyxl when the cell is
    formatted as a date; a bare serial is read in the 1900 system.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError("a boolean is not a date")
    if isinstance(value, int | float):
        return _from_serial(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    text = re.sub(r"\s+", " ", text)
    for pattern in (_SEPARATED, _CHINESE, _COMPACT):
        match = pattern.match(text.replace(" ", "") if pattern is _CHINESE else text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return dt.date(year, month, day)  # ValueError for 2023-02-30
    if _SERIAL.match(text):
        return _from_serial(float(text))
    raise ValueError(f"not a date: {value!r}")
