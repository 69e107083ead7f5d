"""What the import tests share: identity numbers whose check digit is right."""

from __future__ import annotations

from grids.validators import id_check_char


def with_check(body: str) -> str:
    return body + id_check_char(body)


MAN = with_check("64030219800517001")  # born 1980-05-17, 17th digit odd
WOMAN = with_check("64030219800517002")
