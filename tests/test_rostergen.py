"""The roster generator of the import tests and benchmarks (tests/bench/rostergen.py).

Files are written to a temporary directory and read back with the import centre's reader; each
row is then checked with the import's own cell functions. Only the last test touches the database:
it runs generated rosters through the import centre.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tracemalloc
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from fixtures.demo.people import SYSTEM_TAGS
from grids import services
from grids.models import Resident, Tag
from grids.resources.roster import COLOUR_NAMES, IMPORT_COLUMNS, RESIDENCY_NAMES, TAG_SEPARATORS
from grids.validators import check_id_number, id_check_char
from imports import cells
from imports.models import ApplyMode, ImportJob, JobState, RowStatus, StagedRow
from imports.pipeline.check import check_job
from imports.pipeline.jobs import begin_apply, run_apply, start_import
from imports.reading import open_table
from tests.bench import rostergen as rg

SPEC = rg.RosterSpec()
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def read(path, filename: str = "roster.csv"):
    with open_table(path, filename) as table:
        return table.encoding, table.headers, list(table.rows())


def as_read(row: list[str]) -> list[str | None]:
    """A generated row as the reader gives it back: blank cells are None."""
    return [value or None for value in row]


def problems(rows, spec: rg.RosterSpec) -> dict[int, set[str]]:
    """What the import's cell checks find wrong, by row number: id, phone, name, building, duplicate."""
    buildings = {(estate, building) for estate, building, _units, _rooms in spec.places}
    found: dict[int, set[str]] = {}
    id_rows: dict[str, list[int]] = {}
    for number, values in rows:
        name, id_number, phone, estate, building = values[:5]
        wrong = set()
        if not name:
            wrong.add("name")
        if cells.clean_id_number(id_number)[1] is not None:
            wrong.add("id")
        if cells.clean_phone(phone)[1] is not None:
            wrong.add("phone")
        if (estate, building) not in buildings:
            wrong.add("building")
        if wrong:
            found[number] = wrong
        id_rows.setdefault(id_number, []).append(number)
    for numbers in id_rows.values():
        if len(numbers) > 1:
            for number in numbers:
                found.setdefault(number, set()).add("duplicate")
    return found


EXPECTED = {
    rg.BAD_CHECK_DIGIT: {"id"},
    rg.BAD_BIRTH_DATE: {"id"},
    rg.BAD_PHONE: {"phone"},
    rg.BAD_BUILDING: {"building"},
    rg.BAD_NAME: {"name"},
    rg.BAD_DUPLICATE: {"duplicate"},
}


# ---------------------------------------------------------------- ID numbers


@pytest.mark.parametrize("gender", ["M", "F"])
@pytest.mark.parametrize("sequence", [0, 1, 4, 5, 137, 499])
def test_id_number_is_well_formed(gender, sequence):
    birth = dt.date(1980, 5, 17)
    number = rg.id_number("640302", birth, sequence, gender)
    check = check_id_number(number, today=TODAY)
    assert check.errors == []
    assert check.birth_date == birth
    assert check.gender == gender
    assert number[:6] == "640302"
    assert number[14:16] == f"{sequence // 5:02d}"
    assert int(number[16]) % 2 == (gender == "M")


def test_id_number_ends_in_x_when_the_check_is_ten():
    numbers = [rg.id_number("640302", dt.date(1975, 1, 1), s, "F") for s in range(rg.SEQUENCES_PER_GENDER)]
    with_x = [n for n in numbers if n.endswith("X")]
    assert with_x
    assert all(check_id_number(n, today=TODAY).errors == [] for n in with_x)
    assert len(set(numbers)) == len(numbers)


@pytest.mark.parametrize(
    ("region", "sequence", "gender"), [("64030", 0, "M"), ("64030A", 0, "M"), ("640302", 500, "M"), ("640302", 0, "男")]
)
def test_id_number_refuses_bad_arguments(region, sequence, gender):
    with pytest.raises(ValueError):
        rg.id_number(region, dt.date(1980, 1, 1), sequence, gender)


# ---------------------------------------------------------------- rows


def test_header_is_the_roster_columns():
    assert rg.HEADER == IMPORT_COLUMNS
    assert rg.HEADER == (
        "姓名",
        "身份证号",
        "电话",
        "小区",
        "楼栋",
        "单元",
        "房号",
        "人口类型",
        "与户主关系",
        "台账颜色",
        "特殊群体",
        "备注",
    )


def test_tags_are_the_ledgers_system_tags():
    assert set(rg.TAG_NAMES) == {name for _slug, name in SYSTEM_TAGS}


def test_rows_are_plausible_households():
    n = 3000  # more than the demo places' 720 rooms hold once
    rows = list(rg.resident_rows(n, SPEC))
    assert len(rows) == n
    assert all(len(row) == len(rg.HEADER) for row in rows)

    ids = [row[1] for row in rows]
    assert len(set(ids)) == n
    checks = [check_id_number(number, today=TODAY) for number in ids]
    assert all(check.errors == [] for check in checks)
    assert {number[:6] for number in ids} == {"640302"}

    places = {(e, b, u) for e, b, units, _rooms in SPEC.places for u in units}
    assert all((row[3], row[4], row[5]) in places for row in rows)
    assert all(cells.clean_phone(row[2])[1] is None for row in rows)
    assert all(row[2] == "" or (len(row[2]) == 11 and row[2][0] == "1" and row[2][1] in "3456789") for row in rows)
    assert all(2 <= len(row[0]) <= 4 for row in rows)
    assert len({row[0][1:] for row in rows}) > 100  # given names vary

    # households: runs of rows in one room, 1-4 residents, the first one the head
    households = [list(group) for _place, group in itertools.groupby(range(n), key=lambda i: tuple(rows[i][3:7]))]
    # the first and last runs may be cut by the file's ends: none here (rows start at a household)
    sizes = Counter(len(group) for group in households)
    assert set(sizes) == {1, 2, 3, 4}
    for group in households[:-1]:
        relations = [rows[i][8] for i in group]
        assert relations[0] == "户主"
        assert set(relations[1:]) <= {"配偶", "子女", "父母"}
        head = checks[group[0]]
        for i in group[1:]:
            if rows[i][8] == "配偶":
                assert checks[i].gender != head.gender
            if rows[i][8] == "子女":
                assert checks[i].birth_date > head.birth_date
            if rows[i][8] == "父母":
                assert checks[i].birth_date < head.birth_date

    residency = Counter(row[7] for row in rows)
    assert set(residency) <= set(RESIDENCY_NAMES)
    assert residency["户籍"] > n * 0.6
    colours = Counter(row[9] for row in rows)
    assert set(colours) <= set(COLOUR_NAMES)
    assert colours["橙"] > n * 0.8
    tags = Counter(tag for row in rows for tag in TAG_SEPARATORS.split(row[10]) if tag)
    assert set(tags) <= set(rg.TAG_NAMES)
    assert len(tags) >= 5
    assert 0 < sum(1 for row in rows if row[10]) < n * 0.3


def test_ages_follow_the_relation():
    rows = list(rg.resident_rows(1000, SPEC))
    for row in rows:
        birth = check_id_number(row[1], today=TODAY).birth_date
        age = (
            rg.REFERENCE_DATE.year
            - birth.year
            - ((rg.REFERENCE_DATE.month, rg.REFERENCE_DATE.day) < (birth.month, birth.day))
        )
        if row[8] == "子女":
            assert 0 <= age <= 17
            assert row[2] == ""  # children have no phone
        else:
            assert 20 <= age <= 89


def test_a_row_depends_on_seed_and_index_only():
    whole = list(rg.resident_rows(100, SPEC))
    assert list(rg.resident_rows(30, SPEC, start=40)) == whole[40:70]
    sequence = rg._Sequence(SPEC)
    assert [sequence.id_at(i) for i in range(100)] == [row[1] for row in whole]
    assert list(rg.resident_rows(100, rg.RosterSpec())) == whole
    other = list(rg.resident_rows(100, rg.RosterSpec(seed=1)))
    assert not {row[1] for row in other} & {row[1] for row in whole}


def test_far_rows_are_valid_and_distinct():
    near = [row[1] for row in rg.resident_rows(2000, SPEC)]
    far = [row[1] for row in rg.resident_rows(2000, SPEC, start=rg.capacity() - 2000)]
    assert len(set(near) | set(far)) == 4000
    assert all(check_id_number(number, today=TODAY).errors == [] for number in far)
    with pytest.raises(ValueError):
        rg.resident_rows(1, SPEC, start=rg.capacity())


def test_ids_are_unique_over_a_long_run():
    ids = {row[1] for row in rg.resident_rows(100_000, SPEC)}
    assert len(ids) == 100_000


def test_bad_rows_are_spread_and_cycle_through_the_kinds():
    bad = rg.bad_rows(100, 12)
    assert len(bad) == 12
    assert list(bad.values()) == list(rg.BAD_KINDS) * 2
    numbers = sorted(bad)
    assert numbers[0] > 2 and numbers[-1] < 101
    assert all(b - a >= 2 for a, b in itertools.pairwise(numbers))
    assert rg.bad_rows(10, 0) == {}
    with pytest.raises(ValueError):
        rg.bad_rows(10, 6)


# ---------------------------------------------------------------- files


def test_gbk_csv_reads_back_with_exactly_the_reported_bad_rows(tmp_path):
    n, bad = 600, 12
    written = rg.write_resident_csv(tmp_path / "roster.csv", n, SPEC, bad=bad)
    assert written.rows == n and written.encoding == "gbk"

    encoding, headers, rows = read(written.path)
    assert encoding == "GBK"
    assert headers == list(rg.HEADER)
    assert [number for number, _values in rows] == list(range(2, n + 2))
    assert [values for _number, values in rows] == [as_read(row) for row in rg.resident_rows(n, SPEC, bad=bad)]

    assert len(written.bad) == bad
    assert Counter(written.bad.values()) == dict.fromkeys(rg.BAD_KINDS, 2)
    duplicates = written.duplicate_of
    assert len(duplicates) == 2 and all(above == row - 1 for row, above in duplicates.items())
    assert written.reported_rows == set(written.bad) | set(duplicates.values())
    assert len(written.reported_rows) == bad + 2  # each duplicate is reported twice

    found = problems(rows, SPEC)
    assert set(found) == written.reported_rows
    for row, kind in written.bad.items():
        assert found[row] == EXPECTED[kind], (row, kind)
    for above in duplicates.values():
        assert found[above] == {"duplicate"}

    values = dict(rows)
    for row, kind in written.bad.items():
        number = values[row][1]
        if kind == rg.BAD_CHECK_DIGIT:
            assert number[17] != id_check_char(number[:17])
            assert check_id_number(number[:17] + id_check_char(number[:17]), today=TODAY).errors == []
        elif kind == rg.BAD_BIRTH_DATE:
            assert number[17] == id_check_char(number[:17])
            assert int(number[10:12]) > 12
        elif kind == rg.BAD_DUPLICATE:
            assert number == values[row - 1][1]
    good = [values[row][1] for row in values if row not in written.reported_rows]
    assert all(cells.clean_id_number(number) == (number, None) for number in good)
    assert written.id_numbers == set(good)
    assert len(written.id_numbers) == n - bad - 2


@pytest.mark.parametrize(
    ("encoding", "label"), [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("gb18030", "GBK"), ("gbk", "GBK")]
)
def test_csv_encodings(tmp_path, encoding, label):
    written = rg.write_resident_csv(tmp_path / "roster.csv", 200, SPEC, bad=6, encoding=encoding)
    data = written.path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    assert data.count(b"\r\n") == 201 and data.count(b"\n") == 201  # Excel's line ends, no blank lines
    found_label, headers, rows = read(written.path)
    assert found_label == label
    assert headers == list(rg.HEADER)
    assert [values for _number, values in rows] == [as_read(row) for row in rg.resident_rows(200, SPEC, bad=6)]


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        rg.write_resident_csv(tmp_path / "roster.csv", 10, SPEC, encoding="big5")
    with pytest.raises(ValueError):
        rg.write_resident_csv(tmp_path / "roster.csv", 10, SPEC, bad=6)


def test_a_second_file_continues_the_first(tmp_path):
    first = rg.write_resident_csv(tmp_path / "first.csv", 1000, SPEC, bad=6)
    second = rg.write_resident_csv(tmp_path / "second.csv", 1000, SPEC, bad=6, start=1000)
    first_ids = {values[1] for _n, values in read(first.path)[2]}
    second_ids = {values[1] for _n, values in read(second.path)[2]}
    assert len(first_ids) == len(second_ids) == 999  # one duplicate in each
    assert not first_ids & second_ids
    assert not first.id_numbers & second.id_numbers
    assert len(first.id_numbers) == len(second.id_numbers) == 1000 - 6 - 1


def test_files_are_deterministic_for_a_seed(tmp_path):
    one = rg.write_resident_csv(tmp_path / "one.csv", 500, SPEC, bad=10)
    two = rg.write_resident_csv(tmp_path / "two.csv", 500, rg.RosterSpec(), bad=10)
    other = rg.write_resident_csv(tmp_path / "other.csv", 500, rg.RosterSpec(seed=7), bad=10)
    assert one.path.read_bytes() == two.path.read_bytes()
    assert one.bad == two.bad == other.bad
    assert one.path.read_bytes() != other.path.read_bytes()


def test_unknown_building_is_not_in_the_spec():
    spec = rg.RosterSpec(places=[("塞北嘉苑", "3", ["1"], 4), ("塞北嘉苑", "4", ["1", "2"], 4)], region6="640104")
    assert rg.unknown_building(spec) == "5"
    rows = list(rg.resident_rows(60, spec, bad=24))
    assert {row[4] for row in rows} == {"3", "4", "5"}
    assert {row[1][:6] for row in rows} == {"640104"}


def test_xlsx_reads_back_with_text_cells(tmp_path):
    n, bad = 300, 6
    written = rg.write_resident_xlsx(tmp_path / "roster.xlsx", n, SPEC, bad=bad)
    _encoding, headers, rows = read(written.path, "roster.xlsx")
    assert headers == list(rg.HEADER)
    assert [number for number, _values in rows] == list(range(2, n + 2))
    assert [values for _number, values in rows] == [as_read(row) for row in rg.resident_rows(n, SPEC, bad=bad)]
    assert all(isinstance(values[1], str) for _n, values in rows)
    assert all(values[2] is None or isinstance(values[2], str) for _n, values in rows)
    assert set(problems(rows, SPEC)) == written.reported_rows


def test_rows_stream(tmp_path):
    rows = rg.resident_rows(1_000_000, SPEC, bad=1000)
    assert iter(rows) is rows
    assert len(list(itertools.islice(rows, 5))) == 5
    rg.write_resident_csv(tmp_path / "warm.csv", 100, SPEC)  # the date tables, built once
    peaks = []
    for n in (5_000, 20_000):
        tracemalloc.start()
        try:
            rg.write_resident_csv(tmp_path / "roster.csv", n, SPEC, bad=100)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.25  # four times the rows, the same memory
    assert peaks[1] < 4 * 1024 * 1024


@pytest.mark.django_db
def test_the_roster_import_refuses_exactly_the_reported_rows(tmp_path, territory, users):
    """Through the import centre: buildings 11-13 of 阳光水岸小区 in grid B1, the system tags."""
    t = territory
    for slug, name in SYSTEM_TAGS:
        Tag.objects.create(slug=slug, name=name, is_system=True)
    spec = rg.RosterSpec(places=rg.estate_places("阳光水岸小区", 3, 2, 6), seed=3)
    spec.places = [(estate, str(int(b) + 10), units, rooms) for estate, b, units, rooms in spec.places]
    for number in ("11", "12", "13"):
        services.building_create(estate=t.estate_b, number=number, region=t.grid_b1)
    before = Resident.objects.count()
    importer = users.outsider  # a community worker of community B

    written = rg.write_resident_csv(tmp_path / "roster.csv", 150, spec, bad=12)
    job = roster_check(written, importer)
    assert job.state == JobState.CHECKED, job.message
    refused = set(StagedRow.objects.filter(job=job, status=RowStatus.WRONG).values_list("number", flat=True))
    assert refused == written.reported_rows  # spreadsheet rows, the header being row 1
    assert job.wrong_rows == len(written.reported_rows) and job.new_rows == 150 - len(written.reported_rows)
    with pytest.raises(ValidationError):
        begin_apply(job, mode=ApplyMode.ALL, user=importer)  # all or nothing
    assert Resident.objects.count() == before

    follow_up = rg.write_resident_csv(tmp_path / "more.csv", 150, spec, start=150)
    job = roster_check(follow_up, importer)
    assert (job.state, job.wrong_rows, job.new_rows) == (JobState.CHECKED, 0, 150), job.message
    begin_apply(job, mode=ApplyMode.ALL, user=importer)
    job = run_apply(job.pk)
    assert job.state == JobState.APPLIED, job.message
    assert Resident.objects.count() == before + 150
    imported = Resident.objects.filter(id_number__in=follow_up.id_numbers)
    assert imported.count() == 150
    assert imported.filter(tags__isnull=False).exists()


def roster_check(written: rg.RosterFile, user) -> ImportJob:
    """The import centre's start and check of a written roster, as the worker runs them."""
    upload = SimpleUploadedFile(written.path.name, written.path.read_bytes())
    job, found = start_import(user=user, kind="residents", upload=upload)
    assert found.ok, found.errors
    job.state = JobState.CHECKING
    job.save()
    return check_job(job)
