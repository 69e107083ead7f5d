"""The place rosters of the import centre: buildings with their units, and grid workers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from config.exports import csv_chunks
from grids import services
from grids.models import Building, Estate, GridWorker, GridWorkerKind, Unit
from imports.kinds import get_kind
from imports.models import ApplyMode, ImportJob, JobState, RowStatus, StagedRow
from imports.pipeline.check import check_job
from imports.pipeline.jobs import begin_apply, run_apply, start_import, undo

pytestmark = pytest.mark.django_db

BUILDINGS = "小区,社区编码,楼栋号,单元号,所属网格编码,楼层数,纬度,经度"
WORKERS = "姓名,类型,所属网格编码,公开电话,上岗日期,离岗日期"
MICRO_A1 = "64030200100100101"
GRID_A1 = "640302001001001"
GRID_A2 = "640302001001002"
GRID_B1 = "640302001002001"


def checked(user, kind: str, header: str, lines: list[str], *, data: bytes | None = None) -> ImportJob:
    data = data or ("\r\n".join([header, *lines]) + "\r\n").encode("utf-8")
    job, found = start_import(user=user, kind=kind, upload=SimpleUploadedFile("roster.csv", data))
    assert found.ok and not found.unknown, (found.errors, found.unknown)
    job.state = JobState.CHECKING
    job.save()
    return check_job(job)


def applied(job: ImportJob, user) -> ImportJob:
    begin_apply(job, mode=ApplyMode.ALL, user=user)
    return run_apply(job.pk)


def counts(job: ImportJob) -> tuple[int, int, int, int]:
    return job.new_rows, job.changed_rows, job.unchanged_rows, job.wrong_rows


def wrong(job: ImportJob) -> dict[int, str]:
    return dict(StagedRow.objects.filter(job=job, status=RowStatus.WRONG).values_list("number", "errors"))


def round_trip(kind_slug: str, user) -> ImportJob:
    kind = get_kind(kind_slug)
    rows = list(kind.export_rows(kind.export_queryset(user), full=True))
    assert rows
    job = checked(user, kind_slug, "", [], data=b"".join(csv_chunks(kind.export_header(), rows)))
    assert job.total_rows == len(rows)
    return job


# ---------------------------------------------------------------------- buildings


def test_buildings_new_changed_unchanged_and_wrong_rows_are_counted(territory, users):
    lines = [
        f"金塔小区,,1号楼,1单元,{MICRO_A1},,,",  # 2 unchanged
        f"金塔小区,,2号楼,1单元,{GRID_A2},6,,",  # 3 floors set
        f"金塔小区,,1号楼,2,{MICRO_A1},,,",  # 4 a new unit
        f"金塔小区,,3号楼,,{GRID_A1},5,37.99,106.19",  # 5 a new building without units
        "金塔小区,,4号楼,1单元,640302001001099,,,",  # 6 no such grid
        f"金桥小区,,1号楼,1单元,{GRID_A1},,,",  # 7 no such estate (and no community to add it to)
        f"阳光水岸小区,,8号楼,1单元,{GRID_B1},,,",  # 8 朝阳社区: not the importer's
        f"金塔小区,,5号楼,,{GRID_A1},,91,106",  # 9 latitude out of range
        f"金塔小区,640302001002,6号楼,,{GRID_A1},,,",  # 10 the grid is not in that community
        f"金塔小区,,7号楼,,{GRID_A1},,,",  # 11 an import does not move a building
    ]
    services.building_create(estate=territory.estate_a, number="7号楼", region=territory.grid_a2)
    job = checked(users.community, "buildings", BUILDINGS, lines)
    assert job.state == JobState.CHECKED, job.message
    assert counts(job) == (2, 1, 1, 6), wrong(job)
    errors = wrong(job)
    assert "没有这个网格编码" in errors[6]
    assert "没有名为“金桥小区”的小区" in errors[7]
    assert "不在您的辖区" in errors[8]
    assert "纬度" in errors[9]
    assert "不属于社区" in errors[10]
    assert "不能更改楼栋所属网格" in errors[11]
    changed = StagedRow.objects.get(job=job, status=RowStatus.CHANGED)
    assert changed.number == 3 and changed.before == {"floors": None}
    kind = get_kind("buildings")
    preview = kind.changes(changed.data, changed.before, user=users.community)
    assert [(c.old, c.new) for c in preview] == [("", "6")]
    unit_row = StagedRow.objects.get(job=job, number=4)
    assert unit_row.status == RowStatus.NEW and unit_row.data["unit"] == "2单元"


def test_buildings_rows_of_one_building_must_agree(territory, users):
    lines = [f"金塔小区,,3号楼,1单元,{GRID_A1},5,,", f"金塔小区,,3号楼,2单元,{GRID_A1},6,,"]
    job = checked(users.community, "buildings", BUILDINGS, lines)
    assert counts(job) == (1, 0, 0, 1)
    assert "第 2 行" in wrong(job)[3]


def test_buildings_apply_then_undo_restores_the_ledger(territory, users):
    lines = [
        f"金塔小区,,2号楼,1单元,{GRID_A2},6,37.9971,106.1982",  # 2 changes the building
        f"金塔小区,,2号楼,2单元,{GRID_A2},,,",  # 3 a unit in it
        f"金桥小区,640302001001,9号楼,1单元,{GRID_A1},11,,",  # 4 a new estate, building and unit
        f"金桥小区,640302001001,9号楼,2单元,{GRID_A1},,,",  # 5 another unit of it
        f"金桥小区,640302001001,10号楼,,{MICRO_A1},,,",  # 6 a building of it without units
    ]
    before = (Estate.objects.count(), Building.objects.count(), Unit.objects.count())
    job = checked(users.community, "buildings", BUILDINGS, lines)
    assert counts(job) == (4, 1, 0, 0), wrong(job)
    job = applied(job, users.community)
    assert job.state == JobState.APPLIED, job.message
    assert job.written_rows == 5
    estate = Estate.objects.get(name="金桥小区")
    assert estate.region == territory.comm_a and estate.region_code == territory.comm_a.code
    nine = Building.objects.get(estate=estate, number="9号楼")
    assert nine.region == territory.grid_a1 and nine.region_code == GRID_A1 and nine.floors == 11
    assert sorted(nine.units.values_list("number", "region_code")) == [("1单元", GRID_A1), ("2单元", GRID_A1)]
    assert Building.objects.get(estate=estate, number="10号楼").region_code == MICRO_A1
    two = Building.objects.get(estate=territory.estate_a, number="2号楼")
    assert (two.floors, two.latitude, two.longitude) == (6, Decimal("37.997100"), Decimal("106.198200"))
    assert two.units.count() == 2
    assert (Estate.objects.count(), Building.objects.count(), Unit.objects.count()) == (
        before[0] + 1,
        before[1] + 2,
        before[2] + 3,
    )
    assert undo(job, user=users.community) == []
    two.refresh_from_db()
    assert (two.floors, two.latitude, two.longitude) == (None, None, None)
    assert (Estate.objects.count(), Building.objects.count(), Unit.objects.count()) == before
    job.refresh_from_db()
    assert job.state == JobState.UNDONE


def test_buildings_undo_is_refused_after_a_later_change(territory, users):
    lines = [f"金塔小区,,2号楼,1单元,{GRID_A2},6,,", f"金塔小区,,2号楼,2单元,{GRID_A2},,,"]
    job = applied(checked(users.admin, "buildings", BUILDINGS, lines), users.admin)
    assert job.state == JobState.APPLIED, job.message
    two = Building.objects.get(estate=territory.estate_a, number="2号楼")
    services.household_create(unit=two.units.get(number="2单元"), room="202")
    messages = undo(job, user=users.admin)
    assert messages and "第 3 行" in messages[0]
    Building.objects.filter(pk=two.pk).update(floors=7)
    messages = undo(job, user=users.admin)
    assert "2、3" in messages[0]
    assert Unit.objects.filter(building=two).count() == 2
    job.refresh_from_db()
    assert job.state == JobState.APPLIED


def test_buildings_a_change_after_the_check_makes_the_import_stale(territory, users):
    job = checked(users.admin, "buildings", BUILDINGS, [f"金塔小区,,2号楼,2单元,{GRID_A2},6,,"])
    Unit.objects.create(building=Building.objects.get(number="2号楼"), number="2单元", region_code=GRID_A2)
    job = applied(job, users.admin)
    assert job.state == JobState.FAILED and "2" in job.message
    assert Building.objects.get(number="2号楼").floors is None


def test_buildings_export_imports_back_unchanged(territory, users):
    Building.objects.filter(number="1号楼").update(floors=6, latitude=Decimal("37.9971"), longitude=Decimal("106.2"))
    services.building_create(estate=territory.estate_a, number="7号楼", region=territory.grid_a1)
    job = round_trip("buildings", users.admin)
    assert counts(job) == (0, 0, job.total_rows, 0), list(StagedRow.objects.filter(job=job).values("errors"))
    assert job.total_rows == Unit.objects.count() + 1  # 7号楼 has no units: a row of its own


def test_buildings_duplicate_keys_inside_the_file_are_all_reported(territory, users):
    lines = [f"金塔小区,,1号楼,1单元,{MICRO_A1},,,", f"金塔小区,,1栋,1,{MICRO_A1},,,"]
    errors = wrong(checked(users.admin, "buildings", BUILDINGS, lines))
    assert set(errors) == {2, 3} and "3" in errors[2] and "2" in errors[3]


# ---------------------------------------------------------------------- grid workers


@pytest.fixture
def posts(territory):
    def post(region, name, kind, phone, start=dt.date(2023, 1, 1)):
        return GridWorker.objects.create(
            region=region, region_code=region.code, name=name, kind=kind, public_phone=phone, start_date=start
        )

    return (
        post(territory.grid_a1, "周敏", GridWorkerKind.FULL_TIME, "13900001111"),
        post(territory.grid_a2, "吴刚", GridWorkerKind.AUXILIARY, "13900002222"),
        post(territory.grid_b1, "陈静", GridWorkerKind.POLICE, "13900004444"),
    )


def test_grid_workers_new_changed_unchanged_and_wrong_rows_are_counted(territory, users, posts):
    lines = [
        f"周敏,专职网格员,{GRID_A1},13900001111,2023-01-01,",  # 2 unchanged
        f"吴刚,辅助网格员,{GRID_A2},13900002223,,",  # 3 a new phone
        f"郑新,网格长,{GRID_A1},13900003333,2024-03-01,",  # 4 new
        "冯一,专职网格员,640302001001099,,,",  # 5 no such grid
        f"陈静,网格民警,{GRID_B1},,,",  # 6 朝阳社区: not the importer's
        f"何二,小组长,{GRID_A1},,,",  # 7 no such type
        f"孙三,兼职网格员,{GRID_A1},,2024-05-01,2024-04-01",  # 8 leaves before starting
    ]
    job = checked(users.community, "grid_workers", WORKERS, lines)
    assert job.state == JobState.CHECKED, job.message
    assert counts(job) == (1, 1, 1, 4), wrong(job)
    errors = wrong(job)
    assert "没有这个网格编码" in errors[5]
    assert "不在您的辖区" in errors[6]
    assert "专职网格员" in errors[7]
    assert "离岗日期" in errors[8]
    changed = StagedRow.objects.get(job=job, status=RowStatus.CHANGED)
    assert changed.before == {"public_phone": "13900002222"}
    new = StagedRow.objects.get(job=job, status=RowStatus.NEW)
    preview = get_kind("grid_workers").changes(new.data, None, user=users.community)
    assert [c.new for c in preview] == ["郑新", "网格长", GRID_A1]


def test_grid_workers_apply_then_undo_restores_the_ledger(territory, users, posts):
    lines = [
        f"郑新,网格长,{GRID_A1},13900003333,,",
        f"吴刚,辅助网格员,{GRID_A2},,,2025-06-30",
    ]
    before = GridWorker.objects.count()
    job = applied(checked(users.community, "grid_workers", WORKERS, lines), users.community)
    assert job.state == JobState.APPLIED, job.message
    new = GridWorker.objects.get(name="郑新")
    assert (new.region, new.kind, new.public_phone, new.end_date) == (
        territory.grid_a1,
        GridWorkerKind.GRID_HEAD,
        "13900003333",
        None,
    )
    assert new.start_date == timezone.localdate()
    posts[1].refresh_from_db()
    assert posts[1].end_date == dt.date(2025, 6, 30) and posts[1].public_phone == "13900002222"
    assert undo(job, user=users.community) == []
    posts[1].refresh_from_db()
    assert posts[1].end_date is None
    assert GridWorker.objects.count() == before and not GridWorker.objects.filter(name="郑新").exists()


def test_grid_workers_undo_is_refused_after_a_later_change(territory, users, posts):
    job = applied(checked(users.admin, "grid_workers", WORKERS, [f"周敏,兼职网格员,{GRID_A1},,,"]), users.admin)
    assert job.state == JobState.APPLIED, job.message
    GridWorker.objects.filter(pk=posts[0].pk).update(public_phone="13911112222")
    messages = undo(job, user=users.admin)
    assert messages and "第 2 行" in messages[0]
    posts[0].refresh_from_db()
    assert posts[0].kind == GridWorkerKind.PART_TIME and posts[0].public_phone == "13911112222"


def test_grid_workers_the_open_post_is_the_one_meant(territory, users, posts):
    GridWorker.objects.create(
        region=territory.grid_a1, region_code=GRID_A1, name="周敏", kind=GridWorkerKind.AUXILIARY,
        start_date=dt.date(2015, 1, 1), end_date=dt.date(2020, 1, 1),
    )  # fmt: skip
    job = checked(users.admin, "grid_workers", WORKERS, [f"周敏,专职网格员,{GRID_A1},13900001111,,"])
    assert counts(job) == (0, 0, 1, 0), wrong(job)


def test_grid_workers_export_imports_back_unchanged(territory, users, posts):
    GridWorker.objects.filter(pk=posts[1].pk).update(end_date=dt.date(2099, 12, 31))
    job = round_trip("grid_workers", users.admin)
    assert counts(job) == (0, 0, 3, 0), wrong(job)


def test_grid_workers_duplicate_keys_inside_the_file_are_all_reported(territory, users, posts):
    lines = [f"郑新,网格长,{GRID_A1},,,", f"郑新,专职网格员,{GRID_A1},,,"]
    errors = wrong(checked(users.admin, "grid_workers", WORKERS, lines))
    assert set(errors) == {2, 3} and "3" in errors[2] and "2" in errors[3]


def test_grid_worker_types_are_written_as_the_ledger_names_them():
    kind = get_kind("grid_workers")
    column = next(column for column in kind.columns if column.key == "kind")
    with translation.override("zh-hans"):
        assert column.choices == tuple(str(label) for label in GridWorkerKind.labels)
