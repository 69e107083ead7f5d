"""A fast generator of resident roster files (居民花名册) for the import tests and benchmarks.

``resident_rows(n, spec)`` yields the rows of a roster in the column order of ``HEADER``;
``write_resident_csv`` and ``write_resident_xlsx`` stream them to a file and return a
``RosterFile`` that says which rows are wrong and why. Nothing is held per row: a file of a
million rows is written in constant memory.

Every row is a function of (seed, global index) alone: row ``start + i`` of a file written with
``start`` is row ``start + i`` of the endless sequence, whatever ``n`` is. A second file written
with ``start`` = the first file's ``n`` continues the first one, and no two rows of the sequence
share an ID number, across files too.

How the sequence is laid out:

- Households come in periods of ``PERIOD_HOUSEHOLDS`` households (``PERIOD_ROWS`` rows): the
  same mix of household kinds in every period (elderly singles and couples, young singles and
  couples, couples with children, with a parent, three generations), in an order drawn per
  period. A household has 1–4 residents, the first one 户主, the others 配偶, 子女 or 父母.
- Household ``h`` lives in room ``h % rooms`` of the spec's places, taken estate by estate,
  building by building, unit by unit, room by room (rooms are 101, 102, 201, 202 ...). With
  more households than rooms the places are used again from the first room, which then holds
  a second household with its own 户主. A household has ``PERIOD_ROWS / PERIOD_HOUSEHOLDS``
  (about 2.4) residents on average: give about n / 2.4 rooms for one household a room.
- Ages are counted at ``REFERENCE_DATE`` in four classes (children 0–17, young adults 20–35,
  adults 36–59, elderly 60–89). Within a class the k-th resident of the sequence gets
  (birth date, sequence number) from an affine permutation of k over all (date, sequence)
  pairs of the class, so ID numbers are unique by construction, not by bookkeeping. The
  classes' date ranges do not overlap. ``capacity()`` says how many rows the sequence
  has before a class runs out of numbers (about 11 million).
- ID numbers and phone numbers are invented; the address code is ``spec.region6``. Names
  come from the demo district's name tables (``fixtures.demo.names``), by birth year.

Wrong rows (``bad=k``): exactly k rows, at ``bad_rows(n, k)`` (the middle of k equal stretches
of the file), each of one kind, taking ``BAD_KINDS`` in turn. ``k`` may be at most ``n // 2``,
so the row above a wrong row is always a good one. The kinds:

- ``check_digit``: the last character of the ID number is not its check character;
- ``birth_date``: the month in the ID number is 13–24 (the check character fits the digits,
  so the date is the only fault);
- ``short_phone``: the phone number has 8 digits (a child's row, which has no phone, gets one);
- ``unknown_building``: the building number is one the spec does not have (``unknown_building(spec)``);
- ``missing_name``: the name is blank;
- ``duplicate_id``: the ID number is the one of the row above. This is one wrong row generated,
  but an import reports two rows: the row above carries the same number, so it is refused as
  well. ``RosterFile.duplicate_of`` maps each such row to the row above, and
  ``RosterFile.reported_rows`` holds every row an import refuses.

Every other cell of a wrong row is as good as in a good row.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fixtures.demo import names as demo_names
from grids.resources.roster import IMPORT_COLUMNS, TEXT_COLUMNS
from grids.validators import ID_CHECK_CHARS, ID_WEIGHTS, id_check_char

# 姓名 身份证号 电话 小区 楼栋 单元 房号 人口类型 与户主关系 台账颜色 特殊群体 备注
HEADER: tuple[str, ...] = IMPORT_COLUMNS

# Ages are counted at this date (the demo district's), so a file does not depend on the day it is written.
REFERENCE_DATE = dt.date(2026, 1, 1)

# The special-group tags the ledger seeds as system tags (fixtures.demo.people.SYSTEM_TAGS), by name.
TAG_ALONE, TAG_DISABLED, TAG_DIBAO, TAG_HARDSHIP, TAG_GUGUA, TAG_LEFT_BEHIND, TAG_NEW_EMPLOYMENT = TAG_NAMES = (
    "独居",
    "残疾",
    "低保",
    "困难",
    "孤寡",
    "留守儿童",
    "新就业群体",
)

BAD_CHECK_DIGIT = "check_digit"
BAD_BIRTH_DATE = "birth_date"
BAD_PHONE = "short_phone"
BAD_BUILDING = "unknown_building"
BAD_NAME = "missing_name"
BAD_DUPLICATE = "duplicate_id"
BAD_KINDS = (BAD_CHECK_DIGIT, BAD_BIRTH_DATE, BAD_PHONE, BAD_BUILDING, BAD_NAME, BAD_DUPLICATE)

ENCODINGS = ("gbk", "gb18030", "utf-8", "utf-8-sig")
CSV_CHUNK_ROWS = 1024
SEQUENCES_PER_GENDER = 500  # per address code, birth date and gender: 100 order codes x 5 gender digits

# Places for a quick start: estates named in the source reports (SEED-FACTS.md) in 利通区 (640302).
# The building, unit and room counts are invented.
Place = tuple[str, str, list[str], int]  # (estate name, building number, unit numbers, rooms per unit)


def estate_places(estate: str, buildings: int, units: int, rooms: int) -> list[Place]:
    """Buildings "1" … "buildings" of an estate, each with units "1" … "units" of ``rooms`` rooms."""
    unit_numbers = [str(u) for u in range(1, units + 1)]
    return [(estate, str(b), list(unit_numbers), rooms) for b in range(1, buildings + 1)]


def demo_places() -> list[Place]:
    return estate_places("紫御府", 12, 3, 12) + estate_places("阳光水岸小区", 8, 2, 18)


@dataclass
class RosterSpec:
    """What a roster is about: the places its rows are spread over, the county, the seed."""

    places: list[Place] = field(default_factory=demo_places)
    region6: str = "640302"  # the county code at the head of every ID number
    seed: int = 0


# --------------------------------------------------------------------------- ID numbers


def id_number(region6: str, birth: dt.date, sequence: int, gender: str) -> str:
    """A well-formed GB 11643 number: address code, birth date, order code, gender digit, check character.

    ``sequence`` (0–499) picks the order code (digits 15–16: ``sequence // 5``) and the gender
    digit (digit 17: ``sequence % 5`` gives the 1st–5th odd digit for "M", even digit for "F").
    """
    if len(region6) != 6 or not region6.isdigit():
        raise ValueError(f"The address code must have 6 digits, not {region6!r}.")
    if not 0 <= sequence < SEQUENCES_PER_GENDER:
        raise ValueError(f"The sequence must lie in 0–{SEQUENCES_PER_GENDER - 1}, not {sequence}.")
    if gender not in ("M", "F"):
        raise ValueError(f'The gender is "M" or "F", not {gender!r}.')
    order, digit = divmod(sequence, 5)
    body = f"{region6}{birth:%Y%m%d}{order:02d}{2 * digit + (gender == 'M')}"
    return body + id_check_char(body)


def _weighted_sum(digits: str, weights: Sequence[int]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True))


# 3-digit tails (order code + gender digit, "000" … "999"): text and weighted sum; index = int(tail).
_TAILS = [f"{k:03d}" for k in range(1000)]
_TAIL_SUMS = [_weighted_sum(tail, ID_WEIGHTS[14:17]) for tail in _TAILS]


@dataclass(frozen=True)
class _AgeClass:
    """Residents aged ``youngest``–``oldest`` at the reference date; their birth dates and numbers."""

    youngest: int
    oldest: int

    @functools.cached_property
    def dates(self) -> tuple[list[str], list[int], list[int]]:
        """(YYYYMMDD, weighted sum of those 8 digits, year) of every birth date of the class."""
        latest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - self.youngest) - dt.timedelta(days=1)
        earliest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - self.oldest - 1) + dt.timedelta(days=1)
        texts, sums, years = [], [], []
        day = earliest
        while day <= latest:
            text = f"{day:%Y%m%d}"
            texts.append(text)
            sums.append(_weighted_sum(text, ID_WEIGHTS[6:14]))
            years.append(day.year)
            day += dt.timedelta(days=1)
        return texts, sums, years

    @functools.cached_property
    def size(self) -> int:
        return len(self.dates[0]) * SEQUENCES_PER_GENDER

    @functools.cached_property
    def step(self) -> int:
        """A multiplier coprime with ``size`` near its golden section: k -> k * step + offset is a permutation."""
        step = int(self.size * 0.6180339887)
        while math.gcd(step, self.size) != 1:
            step += 1
        return step


CHILD, YOUNG, ADULT, ELDER = range(4)
_CLASSES = (_AgeClass(0, 17), _AgeClass(20, 35), _AgeClass(36, 59), _AgeClass(60, 89))

# --------------------------------------------------------------------------- households

HEAD, SPOUSE, CHILD_OF, PARENT_OF = "户主", "配偶", "子女", "父母"

# Household kinds: (members as (relation, age class), share of male heads in %, number per period).
_KINDS: tuple[tuple[tuple[tuple[str, int], ...], int, int], ...] = (
    (((HEAD, ELDER),), 35, 1),  # elderly, alone
    (((HEAD, ELDER), (SPOUSE, ELDER)), 85, 2),
    (((HEAD, YOUNG),), 60, 1),
    (((HEAD, YOUNG), (SPOUSE, YOUNG)), 85, 2),
    (((HEAD, ADULT), (SPOUSE, ADULT), (CHILD_OF, CHILD)), 85, 3),
    (((HEAD, ADULT), (SPOUSE, ADULT), (CHILD_OF, CHILD), (CHILD_OF, CHILD)), 85, 1),
    (((HEAD, ADULT), (PARENT_OF, ELDER)), 60, 1),
    (((HEAD, ADULT), (SPOUSE, ADULT), (CHILD_OF, CHILD), (PARENT_OF, ELDER)), 85, 1),
)
_PERIOD_KINDS = [kind for kind, (_members, _male, count) in enumerate(_KINDS) for _ in range(count)]
PERIOD_HOUSEHOLDS = len(_PERIOD_KINDS)
PERIOD_ROWS = sum(len(_KINDS[kind][0]) for kind in _PERIOD_KINDS)
_CLASS_ROWS = [sum(1 for k in _PERIOD_KINDS for _r, c in _KINDS[k][0] if c == cls) for cls in range(4)]
_ORDERS = 64  # household orders drawn per seed; each period takes one

_MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    """splitmix64's finaliser: 64 well-mixed bits from any integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def capacity() -> int:
    """How many rows the sequence has before an age class runs out of distinct ID numbers."""
    return min(cls.size // count for cls, count in zip(_CLASSES, _CLASS_ROWS, strict=True)) * PERIOD_ROWS


# --------------------------------------------------------------------------- cell values

_SURNAMES = [name for name, weight in demo_names.SURNAMES for _ in range(max(1, round(weight * 20)))]
# Given names by birth year (before 1965, before 1992, later) and gender (female, male).
_GIVEN = (
    (demo_names._OLD_FEMALE, demo_names._OLD_MALE),
    (demo_names._MID_FEMALE, demo_names._MID_MALE),
    (demo_names._YOUNG_FEMALE, demo_names._YOUNG_MALE),
)
_PHONE_PREFIXES = (
    *(f"13{d}" for d in range(10)),
    *(f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)),
    *(f"17{d}" for d in (3, 5, 6, 7, 8)),
    *(f"18{d}" for d in range(10)),
    *(f"19{d}" for d in (1, 3, 5, 8, 9)),
)
# 人口类型 per household, out of 100: mostly 户籍.
_RESIDENCY = ["户籍"] * 80 + ["常住"] * 10 + ["流动"] * 7 + ["寄住"] * 3
_NOTE_ALONE, _NOTE_RENTING, _NOTE_AWAY, _NOTE_NEW = "独居老人，每周探访", "租住", "长期在外务工", "新搬入，待核实"


def _tags_and_colour(age_class: int, lives_alone: bool, roll: int) -> tuple[str, str, str]:
    """(特殊群体, 台账颜色, 备注) from the low 20 bits of ``roll``."""
    tags = []
    pick = roll % 1000
    if age_class == ELDER:
        if lives_alone and pick < 400:
            tags.append(TAG_ALONE)
            if pick < 120:
                tags.append(TAG_GUGUA)
        elif pick >= 940:
            tags.append(TAG_DIBAO)
    elif age_class == CHILD:
        if pick < 25:
            tags.append(TAG_LEFT_BEHIND)
    elif pick < 60:
        tags.append(TAG_NEW_EMPLOYMENT)
    elif pick >= 970:
        tags.append(TAG_DIBAO if pick >= 985 else TAG_HARDSHIP)
    second = (roll >> 10) % 1000
    if second < 20:
        tags.append(TAG_DISABLED)
    if TAG_DISABLED in tags:
        colour = "红"
    elif TAG_DIBAO in tags or TAG_HARDSHIP in tags or TAG_GUGUA in tags:
        colour = "蓝"
    elif second >= 970:
        colour = "黄"
    else:
        colour = "橙"
    if TAG_ALONE in tags:
        note = _NOTE_ALONE if second < 500 else ""
    else:
        note = ""
        if 500 <= second < 520 and age_class != CHILD:
            note = _NOTE_AWAY
        elif 520 <= second < 530:
            note = _NOTE_NEW
    return "、".join(tags), colour, note


def bad_rows(n: int, bad: int) -> dict[int, str]:
    """The wrong rows of an n-row file: {row number as a spreadsheet shows it (header = 1): kind}."""
    if not 0 <= bad <= n // 2:
        raise ValueError(f"A file of {n} rows can have 0 to {n // 2} wrong rows, not {bad}.")
    return {(2 * j + 1) * n // (2 * bad) + 2: BAD_KINDS[j % len(BAD_KINDS)] for j in range(bad)}


class _Sequence:
    """The endless roster of one spec: ``rows(start, n)`` streams it, ``id_at(i)`` answers one ID number."""

    def __init__(self, spec: RosterSpec) -> None:
        if len(spec.region6) != 6 or not spec.region6.isdigit():
            raise ValueError(f"The address code must have 6 digits, not {spec.region6!r}.")
        self.region = spec.region6
        self.region_sum = _weighted_sum(spec.region6, ID_WEIGHTS[:6])
        self.rooms = [
            (estate, building, unit, f"{r // 2 + 1}{r % 2 + 1:02d}")
            for estate, building, units, rooms in spec.places
            for unit in units
            for r in range(rooms)
        ]
        if not self.rooms:
            raise ValueError("The spec has no rooms: give places with units and rooms.")
        seed = _mix(spec.seed & _MASK)
        self.salt_period, self.salt_household, self.salt_row = (_mix(seed + k) for k in (1, 2, 3))
        self.offsets = [_mix(seed + 10 + c) % cls.size for c, cls in enumerate(_CLASSES)]
        self.orders = [self._order(_mix(seed + 100 + k)) for k in range(_ORDERS)]
        self.unknown_building = unknown_building(spec)

    @staticmethod
    def _order(bits: int) -> list[tuple[int, int, int, str, int, int, int]]:
        """One period's rows for one order of its households:
        (household in period, kind, member position, relation, age class, rank within the class, size)."""
        kinds = list(_PERIOD_KINDS)
        for i in range(len(kinds) - 1, 0, -1):  # Fisher-Yates with the given bits
            bits = _mix(bits)
            j = bits % (i + 1)
            kinds[i], kinds[j] = kinds[j], kinds[i]
        rows, ranks = [], [0, 0, 0, 0]
        for household, kind in enumerate(kinds):
            members = _KINDS[kind][0]
            for position, (relation, age_class) in enumerate(members):
                rows.append((household, kind, position, relation, age_class, ranks[age_class], len(members)))
                ranks[age_class] += 1
        return rows

    def _slot(self, i: int):
        period, offset = divmod(i, PERIOD_ROWS)
        order = self.orders[_mix(self.salt_period ^ period) % _ORDERS]
        household, kind, position, relation, age_class, rank, size = order[offset]
        return period, household, kind, position, relation, age_class, rank, size

    def _birth(self, period: int, age_class: int, rank: int) -> tuple[int, int]:
        """(birth date index within the class, sequence 0–499) of the class's k-th resident."""
        cls = _CLASSES[age_class]
        k = period * _CLASS_ROWS[age_class] + rank
        if k >= cls.size:
            raise ValueError(f"The roster sequence has {capacity():,} rows; ask for fewer.")
        date_index, sequence = divmod((k * cls.step + self.offsets[age_class]) % cls.size, SEQUENCES_PER_GENDER)
        return date_index, sequence

    def rows(self, start: int, n: int) -> Iterator[list[str]]:
        """The cells of rows start … start + n - 1, one after the other.

        The same rows as working each one out from its index alone (as ``id_at`` does), but the
        period's household order and the household's draws are kept while they last."""
        rooms, room_count, region, region_sum = self.rooms, len(self.rooms), self.region, self.region_sum
        classes = [(*cls.dates, cls.size, cls.step, offset) for cls, offset in zip(_CLASSES, self.offsets, strict=True)]
        surnames, surname_count = _SURNAMES, len(_SURNAMES)
        prefixes, prefix_count = _PHONE_PREFIXES, len(_PHONE_PREFIXES)
        tails, tail_sums = _TAILS, _TAIL_SUMS
        current_period = current_household = -1
        order: list = []
        first_ranks: list[int] = []
        head_male, head_surname, spouse_surname, residency, place = False, "", "", "", rooms[0]
        for i in range(start, start + n):
            period, offset = divmod(i, PERIOD_ROWS)
            if period != current_period:
                current_period = period
                order = self.orders[_mix(self.salt_period ^ period) % _ORDERS]
                first_ranks = [period * count for count in _CLASS_ROWS]
            household, kind, position, relation, age_class, rank, size = order[offset]
            h = period * PERIOD_HOUSEHOLDS + household
            if h != current_household:
                current_household = h
                hh = _mix(self.salt_household ^ h)
                head_male = hh % 100 < _KINDS[kind][1]
                head_surname = surnames[(hh >> 8) % surname_count]
                spouse_surname = surnames[(hh >> 24) % surname_count]
                residency = _RESIDENCY[(hh >> 40) % 100]
                place = rooms[h % room_count]
            r = _mix(self.salt_row ^ i)
            if relation == HEAD:
                male = head_male
            elif relation == SPOUSE:
                male = not head_male
            else:
                male = r & 1
            # ID number: the class's k-th resident gets the k-th (date, sequence) of a permutation
            texts, sums, years, class_size, step, class_offset = classes[age_class]
            date_index, sequence = divmod(
                ((first_ranks[age_class] + rank) * step + class_offset) % class_size, SEQUENCES_PER_GENDER
            )
            tail = (sequence // 5) * 10 + 2 * (sequence % 5) + male
            number = (
                region
                + texts[date_index]
                + tails[tail]
                + ID_CHECK_CHARS[(region_sum + sums[date_index] + tail_sums[tail]) % 11]
            )
            year = years[date_index]
            # name: children and the head's father take the father's surname
            if relation == HEAD:
                surname = head_surname
            elif relation == SPOUSE:
                surname = spouse_surname
            elif relation == CHILD_OF:
                surname = head_surname if head_male else spouse_surname
            else:
                surname = head_surname if male else surnames[(r >> 40) % surname_count]
            pool = _GIVEN[0 if year < 1965 else 1 if year < 1992 else 2][male]
            # phone: none for children, none for a fifth of the elderly
            if age_class == CHILD or (age_class == ELDER and (r >> 52) % 5 == 0):
                phone = ""
            else:
                phone = prefixes[(r >> 13) % prefix_count] + f"{(r >> 21) % 100_000_000:08d}"
            tags, colour, note = _tags_and_colour(age_class, size == 1, _mix(r))
            if residency == "流动" and position == 0 and not note:
                note = _NOTE_RENTING
            yield [
                surname + pool[(r >> 1) % len(pool)],
                number,
                phone,
                *place,
                residency,
                relation,
                colour,
                tags,
                note,
            ]

    def id_at(self, i: int) -> str:
        """The ID number of row i, without the rest of the row."""
        period, household, kind, _position, relation, age_class, rank, _size = self._slot(i)
        if relation in (HEAD, SPOUSE):
            hh = _mix(self.salt_household ^ (period * PERIOD_HOUSEHOLDS + household))
            head_male = hh % 100 < _KINDS[kind][1]
            male = head_male if relation == HEAD else not head_male
        else:
            male = bool(_mix(self.salt_row ^ i) & 1)
        date_index, sequence = self._birth(period, age_class, rank)
        texts, sums, _years = _CLASSES[age_class].dates
        tail = (sequence // 5) * 10 + 2 * (sequence % 5) + male
        check = ID_CHECK_CHARS[(self.region_sum + sums[date_index] + _TAIL_SUMS[tail]) % 11]
        return self.region + texts[date_index] + _TAILS[tail] + check


def unknown_building(spec: RosterSpec) -> str:
    """A building number none of the spec's places has: one past the highest number."""
    numbers = {building for _estate, building, _units, _rooms in spec.places}
    candidate = 1 + max((int(b) for b in numbers if b.isdigit()), default=98)
    while str(candidate) in numbers:
        candidate += 1
    return str(candidate)


def _spoil(cells: list[str], kind: str, previous_id: str, unknown: str) -> None:
    """Makes one row wrong in the way ``kind`` says (in place)."""
    number = cells[1]
    if kind == BAD_CHECK_DIGIT:
        right = number[17]
        cells[1] = number[:17] + ID_CHECK_CHARS[(ID_CHECK_CHARS.index(right) + 1) % 11]
    elif kind == BAD_BIRTH_DATE:
        # month 13-24: still one number per original number, so no two rows share it
        body = number[:10] + f"{int(number[10:12]) + 12:02d}" + number[12:17]
        cells[1] = body + id_check_char(body)
    elif kind == BAD_PHONE:
        cells[2] = (cells[2] or "13800000000")[:8]
    elif kind == BAD_BUILDING:
        cells[4] = unknown
    elif kind == BAD_NAME:
        cells[0] = ""
    else:
        cells[1] = previous_id


def resident_rows(n: int, spec: RosterSpec, *, start: int = 0, bad: int = 0) -> Iterator[list[str]]:
    """Rows ``start`` … ``start + n - 1`` of the spec's roster, ``bad`` of them wrong (see ``bad_rows``)."""
    if n < 0 or start < 0:
        raise ValueError("n and start cannot be negative.")
    if start + n > capacity():
        raise ValueError(f"The roster sequence has {capacity():,} rows; ask for fewer.")
    wrong = {row - 2: kind for row, kind in bad_rows(n, bad).items()}
    return _rows(_Sequence(spec), n, start, wrong)


def _rows(sequence: _Sequence, n: int, start: int, wrong: dict[int, str]) -> Iterator[list[str]]:
    previous_id = ""
    for i, cells in enumerate(sequence.rows(start, n)):
        kind = wrong.get(i)
        if kind is not None:
            _spoil(cells, kind, previous_id, sequence.unknown_building)
        previous_id = cells[1]
        yield cells


# --------------------------------------------------------------------------- files


@dataclass
class RosterFile:
    """A written roster: where it is, how many data rows, and which rows are wrong.

    ``bad``: {row number: kind} with exactly the requested number of rows (row 1 is the header).
    ``duplicate_of``: {row of a ``duplicate_id`` row: the row above, whose number it repeats}.
    ``reported_rows``: every row an import refuses, the rows above duplicates included.
    ``id_numbers``: the ID numbers of the rows an import accepts (computed again when first asked,
    so a million-row file costs no memory until then).
    """

    path: Path
    rows: int
    spec: RosterSpec
    start: int = 0
    encoding: str = ""  # a CSV file's encoding
    bad: dict[int, str] = field(default_factory=dict)

    @property
    def duplicate_of(self) -> dict[int, int]:
        return {row: row - 1 for row, kind in self.bad.items() if kind == BAD_DUPLICATE}

    @property
    def reported_rows(self) -> set[int]:
        return set(self.bad) | set(self.duplicate_of.values())

    @functools.cached_property
    def id_numbers(self) -> frozenset[str]:
        sequence = _Sequence(self.spec)
        refused = self.reported_rows
        return frozenset(sequence.id_at(self.start + i) for i in range(self.rows) if i + 2 not in refused)


def write_resident_csv(
    path: str | Path, n: int, spec: RosterSpec, *, bad: int = 0, encoding: str = "gbk", start: int = 0
) -> RosterFile:
    """A CSV roster as Excel saves one (CRLF line ends; "gbk" is what Excel in China writes)."""
    if encoding not in ENCODINGS:
        raise ValueError(f"The encoding is one of {', '.join(ENCODINGS)}, not {encoding!r}.")
    rows = resident_rows(n, spec, start=start, bad=bad)
    path = Path(path)
    # Rows are gathered as text CSV_CHUNK_ROWS at a time and encoded in one call rather than row by
    # row; the incremental encoder writes utf-8-sig's BOM once, at the start.
    encoder = codecs.getincrementalencoder(encoding)()
    text = io.StringIO()
    writer = csv.writer(text)  # Excel's dialect: CRLF line ends, quotes only where needed
    writer.writerow(HEADER)
    with path.open("wb") as out:
        while True:
            writer.writerows(itertools.islice(rows, CSV_CHUNK_ROWS))
            if not text.tell():
                break
            out.write(encoder.encode(text.getvalue()))
            text.seek(0)
            text.truncate()
        out.write(encoder.encode("", final=True))
    return RosterFile(path=path, rows=n, spec=spec, start=start, encoding=encoding, bad=bad_rows(n, bad))


def write_resident_xlsx(path: str | Path, n: int, spec: RosterSpec, *, bad: int = 0, start: int = 0) -> RosterFile:
    """An XLSX roster, streamed (openpyxl's write-only mode). Every cell is text, so ID numbers and
    phones keep all their digits; the code columns are formatted as Text as in the template."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    rows = resident_rows(n, spec, start=start, bad=bad)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民花名册")
    for index, column in enumerate(HEADER, 1):
        if column in TEXT_COLUMNS:
            sheet.column_dimensions[get_column_letter(index)].number_format = "@"
    sheet.append(list(HEADER))
    for cells in rows:
        sheet.append([cell or None for cell in cells])
    path = Path(path)
    book.save(path)
    return RosterFile(path=path, rows=n, spec=spec, start=start, encoding="", bad=bad_rows(n, bad))
