"""The import centre's pipeline on the resident roster: check, preview, apply, undo, scope, staleness."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from grids.models import Household, Residence, Resident, Tag, Unit
from imports.models import ApplyMode, ImportChange, ImportJob, JobState, RowStatus, StagedRow
from imports.pipeline.check import check_job
from imports.pipeline.jobs import begin_apply, run_apply, start_import, undo
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db

HEADER = "姓名,身份证号码,联系电话,小区,楼栋,单元,房号,人口类型,与户主关系,台账颜色,特殊群体,备注"


def csv_file(lines: list[str], *, encoding: str = "gbk", name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding))


def checked(user, lines, **options) -> ImportJob:
    job, found = start_import(user=user, kind="residents", upload=csv_file(lines), **options)
    assert found.ok, found.errors
    job.state = JobState.CHECKING
    job.save()
    return check_job(job)


def applied(job: ImportJob, user, mode=ApplyMode.ALL, capture=None) -> ImportJob:
    begin_apply(job, mode=mode, user=user)
    return run_apply(job.pk)


def test_new_changed_unchanged_and_wrong_rows_are_counted(territory, users):
    new_id = make_id_number()
    lines = [
        f"赵新,{new_id},13900000001,金塔小区,1号楼,1单元,102,户籍,户主,橙,,",  # new, existing household
        f"李明,{territory.res_a1.id_number},13912345678,金塔小区,1号楼,1单元,101,户籍,户主,橙,,",  # unchanged
        f"王芳,{territory.res_a2.id_number},13700000000,金塔小区,2号楼,1单元,201,户籍,户主,红,,",  # phone+colour
        f"钱错,{new_id[:-1]}0,13900000002,金塔小区,1号楼,1单元,101,户籍,户主,橙,,",  # bad check digit (likely)
        f"孙远,{make_id_number()},13900000003,阳光水岸小区,8号楼,1单元,301,户籍,户主,橙,,",  # other community
    ]
    job = checked(users.community, lines)
    assert job.state == JobState.CHECKED, job.message
    assert (job.new_rows, job.unchanged_rows, job.changed_rows, job.wrong_rows) == (1, 1, 1, 2)
    wrong = dict(StagedRow.objects.filter(job=job, status=RowStatus.WRONG).values_list("number", "errors"))
    assert "不在您的辖区" in wrong[6]
    assert 5 in wrong
    changed = StagedRow.objects.get(job=job, status=RowStatus.CHANGED)
    assert set(changed.before) == {"phone", "ledger_colour"}


def test_all_or_nothing_refuses_a_file_with_wrong_rows_and_valid_only_applies_the_rest(territory, users):
    lines = [
        f"赵新,{make_id_number()},13900000001,金塔小区,1号楼,1单元,103,户籍,户主,橙,,",
        f"钱错,{make_id_number()},139,金塔小区,1号楼,1单元,101,户籍,户主,橙,,",
    ]
    job = checked(users.admin, lines)
    before = Resident.objects.count()
    with pytest.raises(ValidationError):
        begin_apply(job, mode=ApplyMode.ALL, user=users.admin)
    job = applied(job, users.admin, ApplyMode.VALID_ONLY)
    assert job.state == JobState.APPLIED
    assert Resident.objects.count() == before + 1
    person = Resident.objects.get(name="赵新")
    assert person.household.room == "103" and person.region_code == territory.micro_a1.code
    assert Residence.objects.filter(resident=person, moved_out__isnull=True).exists()
    assert not StagedRow.objects.filter(job=job).exists()


def test_undo_restores_the_ledger(territory, users):
    moved = territory.res_a1
    lines = [
        f"赵新,{make_id_number()},13900000001,金塔小区,1号楼,3单元,301,流动,户主,黄,,新户",  # new unit+household
        f"李明,{moved.id_number},13912345678,金塔小区,2号楼,1单元,201,户籍,配偶,橙,,",  # moves
    ]
    units, households, residences = Unit.objects.count(), Household.objects.count(), Residence.objects.count()
    job = applied(checked(users.admin, lines), users.admin)
    assert job.state == JobState.APPLIED, job.message
    moved.refresh_from_db()
    assert moved.household == territory.hh_a2[0] and moved.relation == "spouse"
    assert Unit.objects.count() == units + 1 and Household.objects.count() == households + 1
    assert undo(job, user=users.admin) == []
    moved.refresh_from_db()
    assert moved.household == territory.hh_a1[0] and moved.relation == "head"
    assert moved.region_code == territory.micro_a1.code
    assert not Resident.objects.filter(name="赵新").exists()
    assert (Unit.objects.count(), Household.objects.count(), Residence.objects.count()) == (
        units,
        households,
        residences,
    )
    assert Residence.objects.filter(resident=moved, moved_out__isnull=True).count() == 1
    job.refresh_from_db()
    assert job.state == JobState.UNDONE


def test_undo_refuses_after_a_later_change(territory, users):
    person = territory.res_a2
    job = applied(
        checked(users.admin, [f"王芳,{person.id_number},13700000000,金塔小区,2号楼,1单元,201,户籍,户主,红,,"]),
        users.admin,
    )
    Resident.objects.filter(pk=person.pk).update(phone="13711112222")
    messages = undo(job, user=users.admin)
    assert messages and "2" in messages[0]
    person.refresh_from_db()
    assert person.phone == "13711112222" and person.ledger_colour == "red"
    assert ImportChange.objects.filter(job=job).exists()


def test_a_change_after_the_check_makes_the_import_stale(territory, users):
    person = territory.res_a2
    job = checked(users.admin, [f"王芳,{person.id_number},13700000000,金塔小区,2号楼,1单元,201,户籍,户主,红,,"])
    Resident.objects.filter(pk=person.pk).update(note="后来改的")
    job = applied(job, users.admin)
    assert job.state == JobState.FAILED and "2" in job.message
    person.refresh_from_db()
    assert person.phone != "13700000000"


def test_duplicate_keys_inside_the_file_make_both_rows_wrong(territory, users):
    number = make_id_number()
    lines = [
        f"甲,{number},13900000001,金塔小区,1号楼,1单元,101,户籍,户主,橙,,",
        f"乙,{number},13900000002,金塔小区,1号楼,1单元,102,户籍,户主,橙,,",
    ]
    job = checked(users.admin, lines)
    wrong = dict(StagedRow.objects.filter(job=job, status=RowStatus.WRONG).values_list("number", "errors"))
    assert set(wrong) == {2, 3} and "3" in wrong[2] and "2" in wrong[3]


def test_an_export_imports_back_unchanged(territory, users):
    from config.exports import csv_chunks
    from imports.kinds import get_kind

    kind = get_kind("residents")
    territory.res_a2.tags.set([Tag.objects.create(slug="veteran", name="退役军人")])
    rows = list(kind.export_rows(kind.export_queryset(users.admin), full=True))
    assert len(rows) == Resident.objects.count()
    data = b"".join(csv_chunks(kind.export_header(), rows))
    job, found = start_import(user=users.admin, kind="residents", upload=SimpleUploadedFile("export.csv", data))
    assert found.ok and not found.unknown, (found.errors, found.unknown)
    job.state = JobState.CHECKING
    job.save()
    job = check_job(job)
    assert (job.unchanged_rows, job.new_rows, job.changed_rows, job.wrong_rows) == (len(rows), 0, 0, 0), list(
        StagedRow.objects.filter(job=job).values_list("errors", "before")
    )
    masked = list(kind.export_rows(kind.export_queryset(users.admin), full=False))
    assert all("*" in row[1] for row in masked)


@pytest.mark.postgres
def test_a_check_whose_task_was_lost_can_be_cancelled_or_run_again(territory, users):
    import datetime as dt

    from django.utils import timezone

    from imports.pipeline.jobs import begin_check, request_cancel

    line = f"赵新,{make_id_number()},13900000001,金塔小区,1号楼,1单元,103,户籍,户主,橙,,"
    job, _found = start_import(user=users.admin, kind="residents", upload=csv_file([line]))
    begin_check(job)
    request_cancel(job)  # queued a moment ago: the worker may still come, so only the flag is set
    job.refresh_from_db()
    assert job.state == JobState.CHECKING and job.cancel_requested
    ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - dt.timedelta(hours=1))
    job.refresh_from_db()
    begin_check(job)  # no worker holds it and it has not moved for an hour: checking again is allowed
    ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - dt.timedelta(hours=1))
    job.refresh_from_db()
    request_cancel(job)
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and not job.stored_file


def test_the_export_view_streams_the_template_columns(client, territory, users):
    from imports.kinds import get_kind
    from imports.workbook import template_header

    client.force_login(users.admin)
    response = client.get("/imports/export/residents/csv/")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].split(",") == template_header(get_kind("residents").columns)
    assert territory.res_a1.id_number in text  # an administrator's export imports back as it is
    client.force_login(users.community)
    text = b"".join(client.get("/imports/export/residents/csv/").streaming_content).decode("utf-8-sig")
    assert territory.res_a1.id_number not in text and "李明" in text and "马强" not in text
    client.force_login(users.grid_a1)
    assert client.get("/imports/export/residents/csv/").status_code == 403
