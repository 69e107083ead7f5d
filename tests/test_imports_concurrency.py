"""Two imports of overlapping files applied at the same moment: one writes, the other waits for it and
then stops cleanly (the ledger changed after its check), so no update is lost."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from grids.models import Resident
from imports.models import ApplyMode, ImportJob, JobState
from imports.pipeline.check import check_job
from imports.pipeline.jobs import begin_apply, run_apply, start_import
from tests.factories import make_id_number

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HEADER = "姓名,身份证号码,联系电话,小区,楼栋,单元,房号,人口类型,与户主关系,台账颜色,特殊群体,备注"


def checked(user, lines) -> ImportJob:
    data = ("\r\n".join([HEADER, *lines]) + "\r\n").encode("gbk")
    job, _found = start_import(user=user, kind="residents", upload=SimpleUploadedFile("r.csv", data))
    job.state = JobState.CHECKING
    job.save()
    job = check_job(job)
    begin_apply(job, mode=ApplyMode.ALL, user=user)
    return job


def test_overlapping_imports_applied_at_once(territory, users):
    person = territory.res_a2
    shared = make_id_number()
    first = checked(users.admin, [
        f"王芳,{person.id_number},13700000001,金塔小区,2号楼,1单元,201,户籍,户主,红,,",
        f"赵新,{shared},13900000001,金塔小区,1号楼,1单元,103,户籍,户主,橙,,",
    ])  # fmt: skip
    second = checked(users.admin, [
        f"王芳,{person.id_number},13700000002,金塔小区,2号楼,1单元,201,户籍,户主,黄,,",
        f"赵新,{shared},13900000002,金塔小区,1号楼,1单元,103,户籍,户主,橙,,",
    ])  # fmt: skip
    barrier = threading.Barrier(2)
    results = {}

    def apply(job):
        try:
            barrier.wait()
            results[job.pk] = run_apply(job.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(job,)) for job in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    states = sorted(job.state for job in results.values())
    assert states == [JobState.APPLIED, JobState.FAILED], [(j.state, j.message) for j in results.values()]
    winner = next(job for job in results.values() if job.state == JobState.APPLIED)
    loser = next(job for job in results.values() if job.state == JobState.FAILED)
    assert "2" in loser.message
    person.refresh_from_db()
    expected = "13700000001" if winner.pk == first.pk else "13700000002"
    assert person.phone == expected  # all of the winner, nothing of the other
    assert Resident.objects.get(id_number=shared).phone == ("13900000001" if winner.pk == first.pk else "13900000002")
