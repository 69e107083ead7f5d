"""Resident ID numbers (GB 11643), phones and region codes."""

import datetime as dt

import pytest
from django.utils import translation

from grids.validators import check_id_number, id_check_char, region_code_errors, validate_phone

# 642101 was 银南地区吴忠市 until 1998: still printed on valid cards, absent from today's code table.
RETIRED_CODE = "642101"


def with_check(body: str) -> str:
    return body + id_check_char(body)


def test_valid_id_derives_birth_date_and_gender():
    number = with_check("64030219800517001")  # 17th digit 1: odd, male
    result = check_id_number(number)
    assert result.errors == []
    assert result.warnings == []
    assert result.birth_date == dt.date(1980, 5, 17)
    assert result.gender == "M"
    assert check_id_number(with_check("64030219800517002")).gender == "F"


def test_known_good_number_from_the_standard():
    # The worked example of GB 11643-1999 appendix: 11010519491231002X.
    assert check_id_number("11010519491231002x").errors == []
    assert check_id_number("11010519491231002X").number == "11010519491231002X"


def test_bad_check_digit_is_an_error():
    good = with_check("64030219800517001")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with translation.override("en"):
        result = check_id_number(bad)
    assert any("check digit" in e for e in result.errors)


def test_bad_check_digit_message_is_chinese():
    good = with_check("64030219800517001")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with translation.override("zh-hans"):
        result = check_id_number(bad)
    assert "校验" in result.errors[0]


@pytest.mark.parametrize("birth", ["19900230", "19901301", "20991231", "18000101"])
def test_impossible_birth_date_is_an_error(birth):
    result = check_id_number(with_check(f"640302{birth}001"))
    assert result.errors
    assert result.birth_date is None


@pytest.mark.parametrize("value", ["", "12345", "6403021980051700", "64030219800517001A", "6403021980O517001X"])
def test_malformed_numbers_are_errors(value):
    assert check_id_number(value).errors


def test_retired_address_code_is_only_a_warning():
    result = check_id_number(with_check(f"{RETIRED_CODE}19700101001"))
    assert result.errors == []
    assert len(result.warnings) == 1
    assert RETIRED_CODE in result.warnings[0]
    assert result.birth_date == dt.date(1970, 1, 1)


@pytest.mark.parametrize("phone", ["13812345678", "19900001111", "0953-1234567", "09531234567", "010-12345678"])
def test_valid_phones(phone):
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "138123456789", "abc", "0953-12"])
def test_invalid_phones(phone):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_phone(phone)


@pytest.mark.parametrize(
    ("code", "level", "parent", "parent_level", "ok"),
    [
        ("64", "province", None, None, True),
        ("6403", "city", "64", "province", True),
        ("640302", "county", "6403", "city", True),
        ("640302001", "street", "640302", "county", True),
        ("640302001002", "community", "640302001", "street", True),
        ("640302001002003", "grid", "640302001002", "community", True),
        ("64030200100200301", "microgrid", "640302001002003", "grid", True),
        ("6403020010020030", "microgrid", "640302001002003", "grid", False),  # 16 digits
        ("64030200100200A01", "microgrid", "640302001002003", "grid", False),  # not digits
        ("640303001002003", "grid", "640302001002", "community", False),  # wrong prefix
        ("640302001002000", "grid", "640302001002", "community", False),  # all-zero suffix
        ("640302001", "street", "6403", "city", False),  # skips a level
        ("640302", "county", None, None, False),  # no parent
    ],
)
def test_region_code_rules(code, level, parent, parent_level, ok):
    errors = region_code_errors(code=code, level=level, parent_code=parent, parent_level=parent_level)
    assert (errors == []) is ok, errors
