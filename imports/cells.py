"""One cell of a roster to one clean value: each normaliser answers ``(value, message or None)``.

A blank cell gives ``(None, None)`` (whether a field may be blank is the import's decision); a
``CellError`` from the reader gives ``(None, its message)``. Cells come as the reader delivers
them: text from a CSV file; text, numbers, dates and booleans from a workbook. Excel damages
codes that look like numbers (ID numbers in scientific notation with their last digits lost,
phone numbers without their leading 0); where that can be seen, the message says so.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from config.textcheck import MESSAGE as CONTROL_CHARACTER_MESSAGE
from config.textcheck import char_label, forbidden_char
from grids.validators import check_id_number, validate_phone
from imports.dates import to_date
from imports.errors import CellError

Result = tuple[object, str | None]

_SPACES = re.compile(r"\s+")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def number_text(value) -> str:
    """The text a cell shows: 12.0 (a workbook's number) is "12", text is stripped."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def clean_text(value, *, multiline: bool = False) -> Result:
    """Text for a name, an address or a note; control characters are refused (``config.textcheck``)."""
    if type(value) is str:  # the common case (every CSV cell): no other type to consider
        text = value.strip()
        if not text:
            return None, None
        if text.isprintable():
            return text, None
        char = forbidden_char(text, multiline=multiline)
        if char is not None:
            return None, str(CONTROL_CHARACTER_MESSAGE % {"char": char_label(char)})
        return text, None
    if isinstance(value, CellError):
        return None, value.message
    if _blank(value):
        return None, None
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    text = number_text(value)
    char = forbidden_char(text, multiline=multiline)
    if char is not None:
        return None, str(CONTROL_CHARACTER_MESSAGE % {"char": char_label(char)})
    return text, None


def _excel_damage() -> str:
    return _(
        "Excel turned this ID number into a number and lost its last digits. Set the column's format to Text, "
        "type the numbers again (or copy them from the original list) and upload the file again."
    )


def clean_id_number(value, *, today: dt.date | None = None) -> Result:
    """An 18-character resident ID number (GB 11643), checked: format, birth date and check digit.

    ``today`` (the local date, for impossible birth dates) may be given once for a whole file."""
    if isinstance(value, CellError):
        return None, value.message
    if _blank(value):
        return None, None
    if isinstance(value, float):
        # Excel stores numbers as doubles with 15 significant digits: an 18-digit number cell
        # (6.40302198005171E+17 in the file) has lost its last digits, whatever they look like now.
        return None, _excel_damage()
    if isinstance(value, int) and not isinstance(value, bool):
        # Whole digits in the file: written by a program, not Excel; intact if they check out.
        check = check_id_number(str(value), today=today)
        return (check.number, None) if not check.errors else (None, _excel_damage())
    text = _SPACES.sub("", unicodedata.normalize("NFKC", str(value))).upper()  # full-width digits, x → X
    if _SCIENTIFIC.match(text):
        return None, _excel_damage()
    if text.endswith(".0"):
        text = text[:-2]
    check = check_id_number(text, today=today)
    if check.errors:
        return None, " ".join(str(error) for error in check.errors)
    return check.number, None


def clean_gender(value) -> Result:
    """The code M or F from 男/女, 男性/女性, M/F, the GB/T 2261.1 codes 1/2."""
    if isinstance(value, CellError):
        return None, value.message
    if _blank(value):
        return None, None
    text = unicodedata.normalize("NFKC", number_text(value)).replace(" ", "").upper()
    if text in {"男", "男性", "M", "MALE", "1"}:
        return "M", None
    if text in {"女", "女性", "F", "FEMALE", "2"}:
        return "F", None
    return None, _("Write the gender as 男 or 女.")


def clean_date(value) -> Result:
    """A date (``imports.dates.to_date``): a real date, typed text or an Excel serial number."""
    if isinstance(value, CellError):
        return None, value.message
    try:
        return to_date(value), None
    except (ValueError, OverflowError):
        return None, _("This is not a date. Write dates like 1980-05-01, 1980/5/1 or 1980年5月1日.")


def id_agreement_errors(id_number: str | None, *, gender=None, birth_date=None) -> list[str]:
    """Messages when the gender or birth date columns disagree with a valid ID number.

    ``gender`` and ``birth_date`` are the cells as read or as cleaned ("M"/"F", a date); a
    blank or unreadable one is not compared (its own normaliser reports it).
    """
    if not id_number:
        return []
    check = check_id_number(id_number)
    if check.errors:
        return []
    errors: list[str] = []
    gender_code, gender_error = clean_gender(gender)
    if gender_code and not gender_error and check.gender and gender_code != check.gender:
        if check.gender == "M":
            errors.append(_("The gender says female, but the ID number is a man's (its 17th digit is odd)."))
        else:
            errors.append(_("The gender says male, but the ID number is a woman's (its 17th digit is even)."))
    birth, birth_error = clean_date(birth_date)
    if birth and not birth_error and check.birth_date and birth != check.birth_date:
        errors.append(
            _("The birth date %(date)s is not the one in the ID number (%(id_date)s).")
            % {"date": birth.isoformat(), "id_date": check.birth_date.isoformat()}
        )
    return errors


def _phone_text(value) -> str:
    text = unicodedata.normalize("NFKC", number_text(value))  # full-width digits, ＋, －
    text = _SPACES.sub("", text).replace("—", "-").replace("–", "-").replace("(", "").replace(")", "-")
    text = re.sub(r"-+", "-", text).strip("-")
    digits = text.replace("-", "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and _MOBILE.match(digits[len(prefix) :]):
            return digits[len(prefix) :]
    if _MOBILE.match(digits):
        return digits  # 138-1234-5678, 138 1234 5678
    return text


def clean_phone(value) -> Result:
    """A mobile number (11 digits) or a landline with area code, e.g. 0953-1234567."""
    if isinstance(value, CellError):
        return None, value.message
    if _blank(value):
        return None, None
    phone = _phone_text(value)
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and 9 <= len(phone) <= 11 and not phone.startswith(("0", "1")):
        return None, _(
            "Excel turned this phone number into a number and dropped its leading 0. Set the column's format "
            "to Text, type the number again with its area code and upload the file again."
        )
    try:
        validate_phone(phone)
    except ValidationError as exc:
        return None, " ".join(str(message) for message in exc.messages)
    return phone, None


def clean_code(value, *, width: int | None = None) -> Result:
    """A house, room or unit number: text, kept as typed ("0301"); a workbook's number 301.0 is "301".

    With ``width``, a number cell shorter than that is padded with zeros again: Excel drops the
    leading zeros of "0301" when the column is not Text, and only the import knows the width.
    """
    text, error = clean_text(value)
    if error or text is None:
        return text, error
    if width and isinstance(value, int | float) and not isinstance(value, bool) and text.isdigit():
        text = text.zfill(width)
    return text, None
