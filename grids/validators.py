"""Validation of the standard codes: region codes, resident ID numbers (GB 11643), phones."""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def id_check_char(first17: str) -> str:
    if len(first17) != len(ID_WEIGHTS):
        raise ValueError("the check character is computed from 17 digits")
    total = sum(map(operator.mul, map(int, first17), ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


@dataclass
class IdCheck:
    """The outcome of checking an ID number: errors stop a save, warnings do not."""

    number: str
    birth_date: dt.date | None = None
    gender: str | None = None  # "M" or "F"
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_id_number(value: str, *, today: dt.date | None = None) -> IdCheck:
    """Check an 18-character resident ID: format, birth date and check digit are errors;
    an address code missing from the current GB/T 2260 table is only a warning (retired
    codes stay valid on cards issued before the change)."""
    number = normalize_id_number(value)
    result = IdCheck(number=number)
    if not _ID_RE.match(number):
        result.errors.append(_("An ID number has 18 characters: 17 digits and a final digit or X."))
        return result
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        result.errors.append(
            _("The birth date %(digits)s in the ID number is not a real date.") % {"digits": number[6:14]}
        )
        birth = None
    if birth is not None:
        today = today or timezone.localdate()
        if birth > today or birth.year < 1890:
            result.errors.append(
                _("The birth date %(digits)s in the ID number is impossible.") % {"digits": number[6:14]}
            )
        else:
            result.birth_date = birth
    expected = id_check_char(number[:17])
    if number[17] != expected:
        result.errors.append(_("The check digit of the ID number is wrong: please check every digit."))
    result.gender = "M" if int(number[16]) % 2 == 1 else "F"
    if not result.errors and not is_known_address_code(number[:6]):
        result.warnings.append(
            _(
                "The address code %(code)s is not in the current administrative division table; it may be a "
                "retired code. Please check it against the card."
            )
            % {"code": number[:6]}
        )
    return result


@functools.lru_cache(maxsize=4096)  # stdnum scans its table on every call: ~1 ms, a third of a roster row
def is_known_address_code(code: str) -> bool:
    from stdnum.cn import ric

    try:
        ric.get_birth_place(code + "0" * 12)
    except Exception:  # stdnum raises InvalidComponent for codes not in its table
        return False
    return True


def validate_id_number(value: str) -> None:
    check = check_id_number(value)
    if check.errors:
        raise ValidationError(check.errors, code="invalid_id_number")


def validate_phone(value: str) -> None:
    phone = (value or "").strip()
    if phone and not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
        raise ValidationError(
            _("Enter an 11-digit mobile number (1[3-9]xxxxxxxxx) or a landline with area code, e.g. 0953-1234567."),
            code="invalid_phone",
        )


# Digits a code has at each level (see DESIGN.md: the territory is a prefix tree).
LEVEL_LENGTHS = {
    "province": 2,
    "city": 4,
    "county": 6,
    "street": 9,
    "community": 12,
    "grid": 15,
    "microgrid": 17,
}
LEVEL_ORDER = list(LEVEL_LENGTHS)


def region_code_errors(*, code: str, level: str, parent_code: str | None, parent_level: str | None) -> list[str]:
    """Every problem with a region code, as messages for the user."""
    errors: list[str] = []
    if not code or not code.isdigit():
        errors.append(_("A region code consists of digits only."))
        return errors
    length = LEVEL_LENGTHS.get(level)
    if length is None:
        errors.append(_("Unknown region level."))
        return errors
    if len(code) != length:
        errors.append(
            _("A code at this level has %(length)d digits; %(code)s has %(actual)d.")
            % {"length": length, "code": code, "actual": len(code)}
        )
    if level == "province":
        if parent_code:
            errors.append(_("A province has no parent region."))
        return errors
    if parent_code is None:
        errors.append(_("This region needs a parent region."))
        return errors
    expected_parent = LEVEL_ORDER[LEVEL_ORDER.index(level) - 1]
    if parent_level != expected_parent:
        errors.append(_("The parent of this region must be one level up."))
    if not code.startswith(parent_code):
        errors.append(
            _("The code %(code)s must start with the parent's code %(parent)s.") % {"code": code, "parent": parent_code}
        )
    if level in {"city", "county", "street", "community", "grid", "microgrid"} and len(code) == length:
        suffix = code[len(parent_code) :] if code.startswith(parent_code) else ""
        if suffix and int(suffix) == 0:
            errors.append(_("The digits added to the parent's code cannot all be zero."))
    return errors
