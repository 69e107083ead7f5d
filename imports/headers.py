"""Which column of a file holds which field: matching column names by name and common synonyms.

An import declares its fields as ``Column``\\ s. ``match_headers`` finds them among the column
names of the file, however the user wrote them ("身份证号码（必填）", "*姓名", "手机 号",
"ＩＤ"): names are compared after ``normalize_header``. The user sees the mapping and may
correct it; ``correct_mapping`` applies and checks the correction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

# "(必填)" and the like, after NFKC has made the brackets half-width; and the asterisk of required columns.
_MARKS = re.compile(r"[(\[【]?(?:必填|必输|必须|选填|可选|非必填|required|optional)[)\]】]|\*", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def normalize_header(text) -> str:
    """The form in which column names are compared: no spaces or required marks, half-width, case-folded."""
    text = unicodedata.normalize("NFKC", "" if text is None else str(text))  # full-width → half-width
    text = _SPACE.sub("", text)
    text = _MARKS.sub("", text)
    return text.rstrip(":").casefold()


@dataclass(frozen=True)
class Column:
    """A field an import reads. ``label`` is what the user sees (translated); it and ``synonyms`` match."""

    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    # For templates and exports: kept as text by spreadsheets (IDs, phones, room numbers), the values
    # allowed (shown in the explanation sheet), and a line of help.
    text: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""

    def names(self) -> set[str]:
        """The key, the label in Chinese and English (a template is Chinese whoever reads it), the synonyms."""
        labels = []
        for language in ("zh-hans", "en"):
            with translation.override(language):
                labels.append(str(self.label))
        return {normalize_header(name) for name in (self.key, *labels, *self.synonyms)} - {""}


def column_letter(index: int) -> str:
    """B for the header at index 1: how the user finds a column in Excel or WPS."""
    return get_column_letter(index + 1)


@dataclass
class HeaderMatch:
    """The outcome of matching: ``mapping`` (column key → index in ``headers``) and what is wrong."""

    headers: list[str]
    mapping: dict[str, int]
    # Non-blank column names no field reads: matching no field (match_headers), or not chosen (correct_mapping).
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # messages: a required field has no column
    duplicates: list[str] = field(default_factory=list)  # messages: several columns for one field
    problems: list[str] = field(default_factory=list)  # messages: a correction that cannot be applied

    @property
    def errors(self) -> list[str]:
        return [*self.problems, *self.missing, *self.duplicates]

    @property
    def ok(self) -> bool:
        return not self.errors


def _lookup(columns: Sequence[Column]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column in columns:
        for name in column.names():
            other = lookup.setdefault(name, column.key)
            if other != column.key:
                raise ValueError(f"the column name {name!r} would match both {other!r} and {column.key!r}")
    return lookup


def _describe(headers: Sequence[str], index: int) -> str:
    return f"{column_letter(index)} ({headers[index]})"


def _missing(columns: Iterable[Column], mapping: Mapping[str, int]) -> list[str]:
    return [
        _("The column %(column)s is missing. Add it to the file, or choose which column holds it.")
        % {"column": column.label}
        for column in columns
        if column.required and column.key not in mapping
    ]


def _unknown(headers: Sequence[str], used: Iterable[int]) -> list[str]:
    used = set(used)
    return [header for index, header in enumerate(headers) if str(header).strip() and index not in used]


def match_headers(headers: Sequence[str], columns: Sequence[Column]) -> HeaderMatch:
    """Each column's header index, by name; when several headers name one field, the first one wins."""
    lookup = _lookup(columns)
    labels = {column.key: column.label for column in columns}
    found: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        key = lookup.get(normalize_header(header))
        if key is not None:
            found.setdefault(key, []).append(index)
    mapping = {key: indexes[0] for key, indexes in found.items()}
    duplicates = [
        _(
            "Columns %(columns)s all hold %(column)s; only column %(first)s is read. Delete the others or choose "
            "the right one."
        )
        % {
            "columns": ", ".join(_describe(headers, index) for index in indexes),
            "column": labels[key],
            "first": column_letter(indexes[0]),
        }
        for key, indexes in found.items()
        if len(indexes) > 1
    ]
    return HeaderMatch(
        headers=list(headers),
        mapping=mapping,
        unknown=_unknown(headers, (index for indexes in found.values() for index in indexes)),
        missing=_missing(columns, mapping),
        duplicates=duplicates,
    )


def correct_mapping(
    headers: Sequence[str],
    columns: Sequence[Column],
    corrections: Mapping[str, int | str | None],
    *,
    base: Mapping[str, int] | None = None,
) -> HeaderMatch:
    """The mapping after the user's corrections, checked.

    ``corrections`` maps column keys to the index of the header the user chose (an int, or its
    text as a form sends it), or to ``None``/"" for "no column". Fields not in ``corrections``
    keep their place in ``base`` (by default the automatic match). The user has now chosen, so
    several headers naming one field are no longer an error; one header chosen for two fields is.
    """
    labels = {column.key: column.label for column in columns}
    mapping = dict(match_headers(headers, columns).mapping if base is None else base)
    problems: list[str] = []
    for key, choice in corrections.items():
        if key not in labels:
            problems.append(_("There is no field %(key)s in this import.") % {"key": key})
            continue
        if choice is None or choice == "":
            mapping.pop(key, None)
            continue
        try:
            index = int(choice)
        except (TypeError, ValueError):
            index = -1
        if not 0 <= index < len(headers) or not str(headers[index]).strip():
            problems.append(
                _("The column chosen for %(column)s is not in the file. Choose one of the file's columns.")
                % {"column": labels[key]}
            )
            mapping.pop(key, None)
            continue
        mapping[key] = index
    by_index: dict[int, list[str]] = {}
    for key, index in mapping.items():
        by_index.setdefault(index, []).append(key)
    for index, keys in sorted(by_index.items()):
        if len(keys) > 1:
            problems.append(
                _("Column %(column)s is chosen for %(fields)s. Choose one column for each field.")
                % {"column": _describe(headers, index), "fields": ", ".join(str(labels[key]) for key in keys)}
            )
    return HeaderMatch(
        headers=list(headers),
        mapping=mapping,
        unknown=_unknown(headers, mapping.values()),
        missing=_missing(columns, mapping),
        problems=problems,
    )


# The fields most rosters share, with the names Chinese templates give them.
NAME = Column("name", gettext_lazy("Name"), synonyms=("姓名", "名字"), required=True)
ID_NUMBER = Column(
    "id_number",
    gettext_lazy("ID number"),
    synonyms=("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证", "证件号"),
    required=True,
    text=True,
)
GENDER = Column("gender", gettext_lazy("Gender"), synonyms=("性别",))
BIRTH_DATE = Column("birth_date", gettext_lazy("Birth date"), synonyms=("出生日期", "出生年月日", "出生年月", "生日"))
PHONE = Column(
    "phone",
    gettext_lazy("Phone"),
    synonyms=("手机", "手机号", "手机号码", "联系电话", "电话", "电话号码", "联系方式"),
    text=True,
)
BUILDING = Column("building", gettext_lazy("Building"), synonyms=("楼栋", "楼号", "楼栋号", "栋", "幢"), text=True)
UNIT = Column("unit", gettext_lazy("Unit"), synonyms=("单元", "单元号"), text=True)
ROOM = Column("room", gettext_lazy("Room"), synonyms=("房号", "门牌号", "室", "房间号", "户室号"), text=True)
