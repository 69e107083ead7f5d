"""Resident export speed: the admin's CSV and XLSX exports against a plain COPY of the same rows.

Run with `make bench PYTEST_ARGS="-k export"` on PostgreSQL. It writes BENCH_EXPORT_ROWS residents
(100,000; a tenth in one community, the rest in another) under region codes of its own (81…), then
exports a community (a tenth) and the whole county as a scoped staff user, and prints per export:
rows, seconds, rows a second, the time to the first byte, the growth of the process's memory while
the file is read, the ratio to `COPY (SELECT … the same columns …) TO STDOUT` timed in the same
run, and the rows per second of this process's CPU time (the portal's own work, whatever the load
of the machine). Targets: BENCH_EXPORT_MIN_RATE rows a second (20,000), BENCH_EXPORT_MAX_TTFB seconds to the first
byte (1.0), BENCH_EXPORT_MAX_MEMORY_MB of memory growth (80), the same at both sizes within
BENCH_EXPORT_MAX_MEMORY_GROWTH_MB (40): memory stays flat however many rows are exported.
"""

from __future__ import annotations

import os
import tempfile
import time
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from grids.models import Estate, Region, Tag
from grids.resources import ROSTER_FORMATS, ExcelCSV, RosterXLSX
from tests.factories import UserFactory, assign

pytestmark = [pytest.mark.bench, pytest.mark.django_db, pytest.mark.postgres]

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "100000"))
MIN_RATE = float(os.environ.get("BENCH_EXPORT_MIN_RATE", "20000"))
MAX_TTFB = float(os.environ.get("BENCH_EXPORT_MAX_TTFB", "1.0"))
MAX_MEMORY_MB = float(os.environ.get("BENCH_EXPORT_MAX_MEMORY_MB", "80"))
MAX_MEMORY_GROWTH_MB = float(os.environ.get("BENCH_EXPORT_MAX_MEMORY_GROWTH_MB", "40"))

COUNTY = "810101"  # codes of this benchmark only: no other benchmark writes under 81
STREET = COUNTY + "001"
COMMUNITIES = {STREET + "001": max(ROWS // 10, 1), STREET + "002": ROWS - max(ROWS // 10, 1)}
PER_BUILDING = 200  # 2 units × 25 households × 4 residents

BASELINE = """
COPY (
    SELECT r.name, r.id_number, r.gender, r.birth_date, r.phone, e.name, b.number, u.number, h.room,
           r.residency_type, r.relation, r.ledger_colour,
           (SELECT string_agg(t.name, '、' ORDER BY t.is_system DESC, t.id)
              FROM grids_resident_tags rt JOIN grids_tag t ON t.id = rt.tag_id WHERE rt.resident_id = r.id),
           r.note, r.region_code
      FROM grids_resident r
      LEFT JOIN grids_household h ON h.id = r.household_id
      LEFT JOIN grids_unit u ON u.id = h.unit_id
      LEFT JOIN grids_building b ON b.id = u.building_id
      LEFT JOIN grids_estate e ON e.id = b.estate_id
     WHERE r.region_code LIKE '{prefix}%'
     ORDER BY r.region_code, r.id
) TO STDOUT (FORMAT csv)
"""


def _region(code: str, level: str, name: str, parent: Region | None) -> Region:
    region, _created = Region.objects.get_or_create(
        code=code, defaults={"level": level, "name": name, "parent": parent}
    )
    return region


def _fill_community(cursor, index: int, community: Region, count: int, tag: Tag) -> None:
    grid = _region(community.code + "001", "grid", f"导出测试网格{index}", community)
    estate = Estate.objects.create(name=f"导出测试小区{index}", region=grid, region_code=grid.code)
    buildings = -(-count // PER_BUILDING)
    params = {"estate": estate.pk, "grid": grid.pk, "code": grid.code, "buildings": buildings}
    cursor.execute(
        "INSERT INTO grids_building (estate_id, number, region_id, region_code)"
        " SELECT %(estate)s, g || '号楼', %(grid)s, %(code)s FROM generate_series(1, %(buildings)s) g",
        params,
    )
    cursor.execute(
        "INSERT INTO grids_unit (building_id, number, region_code)"
        " SELECT b.id, u || '单元', b.region_code FROM grids_building b CROSS JOIN generate_series(1, 2) u"
        " WHERE b.estate_id = %(estate)s",
        params,
    )
    cursor.execute(
        "INSERT INTO grids_household (unit_id, room, address, region_code, created_at)"
        " SELECT u.id, (100 + h)::text, '', u.region_code, now() FROM grids_unit u"
        " JOIN grids_building b ON b.id = u.building_id CROSS JOIN generate_series(1, 25) h"
        " WHERE b.estate_id = %(estate)s",
        params,
    )
    cursor.execute("SELECT count(*) FROM grids_household WHERE region_code = %(code)s", params)
    households = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO grids_resident (household_id, region_code, name, id_number, gender, birth_date, phone,"
        " residency_type, relation, ledger_colour, note, created_at, updated_at)"
        " SELECT hh.id, hh.region_code, '居民' || g, %(prefix)s || lpad(g::text, 12, '0'),"
        " CASE WHEN g %% 2 = 0 THEN 'F' ELSE 'M' END, date '1940-01-01' + (g %% 25000),"
        " '138' || lpad((g %% 100000000)::text, 8, '0'), 'registered',"
        " CASE WHEN g %% 4 = 1 THEN 'head' ELSE 'child' END, 'orange', '', now(), now()"
        " FROM generate_series(1, %(count)s) g"
        " JOIN (SELECT id, region_code, row_number() OVER (ORDER BY id) AS n FROM grids_household"
        "       WHERE region_code = %(code)s) hh ON hh.n = 1 + (g - 1) %% %(households)s",
        {**params, "prefix": f"81{index:04d}", "count": count, "households": households},
    )
    cursor.execute(
        "INSERT INTO grids_resident_tags (resident_id, tag_id)"
        " SELECT id, %(tag)s FROM grids_resident WHERE region_code = %(code)s AND id %% 10 = 0",
        {**params, "tag": tag.pk},
    )


@pytest.fixture(scope="module")
def ledger(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():  # module-wide data, dropped with the test database
        started = time.perf_counter()
        province = _region("81", "province", "导出测试省", None)
        city = _region("8101", "city", "导出测试市", province)
        county = _region(COUNTY, "county", "导出测试区", city)
        street = _region(STREET, "street", "导出测试街道", county)
        tag, _created = Tag.objects.get_or_create(slug="bench-export", defaults={"name": "低保户"})
        communities = {}
        with connection.cursor() as cursor:
            for index, (code, count) in enumerate(COMMUNITIES.items(), 1):
                community = _region(code, "community", f"导出测试社区{index}", street)
                _fill_community(cursor, index, community, count, tag)
                communities[code] = community
            cursor.execute("ANALYZE grids_building, grids_unit, grids_household, grids_resident, grids_resident_tags")
        yield {"county": county, "communities": communities, "seconds": time.perf_counter() - started}


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _baseline(prefix: str) -> tuple[int, float]:
    """Rows and seconds of a plain COPY of the same columns, joins and order."""
    started = time.perf_counter()
    lines = 0
    with connection.cursor() as cursor, cursor.cursor.copy(BASELINE.format(prefix=prefix)) as copy:
        for data in copy:
            lines += bytes(data).count(b"\n")
    return lines, time.perf_counter() - started


def _export(client: Client, file_format) -> dict:
    """Reads the export as a browser would, keeping nothing but a temporary file; times and memory."""
    data = {"format": str(ROSTER_FORMATS.index(file_format)), "resource": "0"}
    before = _rss_mb()
    peak = before
    started, cpu = time.perf_counter(), time.process_time()
    response = client.post(reverse("admin:grids_resident_export"), data)
    assert response.status_code == 200 and response.streaming
    first = None
    with tempfile.TemporaryFile() as out:
        for chunk in response.streaming_content:
            if first is None and chunk:
                first = time.perf_counter() - started
            out.write(chunk)
            peak = max(peak, _rss_mb())
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = out.tell()
        out.seek(0)
        if file_format is ExcelCSV:
            rows = sum(line.count(b"\n") for line in iter(lambda: out.read(1 << 20), b"")) - 1
        else:
            rows, tail = -1, b""
            with zipfile.ZipFile(out) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
                for part in iter(lambda: sheet.read(1 << 20), b""):
                    data = tail + part  # a tag cut in two by the read is counted once, in the next read
                    rows += data.count(b"<row ")
                    tail = data[-4:]
    return {"rows": rows, "seconds": seconds, "cpu": cpu, "ttfb": first, "memory": peak - before, "bytes": size}


def _staff(username: str, role: str, region: Region):
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="grids", codename="view_resident"))
    assign(user, role, region)
    return user


def test_resident_export_streams_at_the_target_rate(ledger):
    small_code, _big = list(COMMUNITIES)
    exports = [
        ("community", _staff("bench-export-community", Role.COMMUNITY_WORKER, ledger["communities"][small_code]),
         small_code, COMMUNITIES[small_code]),
        ("county", _staff("bench-export-county", Role.DISTRICT_OFFICIAL, ledger["county"]), COUNTY, ROWS),
    ]  # fmt: skip
    print(f"\nexport benchmark: {ROWS:,} residents written in {ledger['seconds']:.1f} s")
    header = f"{'export':<22}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'TTFB s':>9}{'memory MB':>11}{'MB out':>9}"
    print(header + f"{'COPY rows/s':>13}{'ratio':>8}{'rows/CPU s':>12}")
    results = {}
    for label, user, prefix, expected in exports:
        copied, copy_seconds = _baseline(prefix)
        assert copied == expected
        copy_rate = copied / copy_seconds
        client = Client()
        client.force_login(user)
        assert client.get(reverse("admin:grids_resident_export")).status_code == 200  # warm-up: the export form
        for file_format in (ExcelCSV, RosterXLSX):
            name = file_format().get_extension()
            result = _export(client, file_format)
            assert result["rows"] == expected, (label, name, result)
            rate = result["rows"] / result["seconds"]
            results[label, name] = {**result, "rate": rate}
            print(
                f"{label + ' ' + name:<22}{result['rows']:>10,}{result['seconds']:>10.2f}{rate:>12,.0f}"
                f"{result['ttfb']:>9.3f}{result['memory']:>11.1f}{result['bytes'] / 1e6:>9.1f}"
                f"{copy_rate:>13,.0f}{rate / copy_rate:>8.2f}{result['rows'] / result['cpu']:>12,.0f}"
            )
    for name in ("csv", "xlsx"):
        full, part = results["county", name], results["community", name]
        assert full["rate"] >= MIN_RATE, f"{name}: {full['rate']:,.0f} rows/s < {MIN_RATE:,.0f}"
        assert full["ttfb"] <= MAX_TTFB and part["ttfb"] <= MAX_TTFB, f"{name}: first byte after {full['ttfb']:.2f} s"
        assert full["memory"] <= MAX_MEMORY_MB, f"{name}: memory grew {full['memory']:.0f} MB"
        assert full["memory"] - part["memory"] <= MAX_MEMORY_GROWTH_MB, f"{name}: memory grows with the rows"
