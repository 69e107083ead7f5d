"""The import centre with a real Celery worker on Redis: progress while checking, and a worker killed
while applying leaves nothing half-written (the import applies again afterwards)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from config.bulk import insert_rows
from grids import services
from grids.models import Building, Residence, Resident, Tag, Unit
from imports.models import ApplyMode, ImportJob, JobState
from imports.pipeline.jobs import begin_apply, begin_check, start_import
from imports.tasks import apply_import, check_import
from tests.bench.rostergen import RosterSpec, estate_places, write_resident_csv

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
QUEUE = "gridgov-imports-test"
ROWS = 30_000
LOCK_CLASS = 0x494D  # imports.pipeline.jobs._lock


def start_worker() -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": REDIS_URL,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--pool=solo", "-Q", QUEUE,
         "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    try:
        os.killpg(worker.pid, sig)
        worker.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(worker.pid, signal.SIGKILL)


def send(task, job_id: int) -> None:
    from config.celery_app import app

    with app.connection_for_write(REDIS_URL) as conn:
        task.apply_async((job_id,), queue=QUEUE, connection=conn)


def wait_for(predicate, timeout: float = 120, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")


def lock_held() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s", [LOCK_CLASS])
        return cursor.fetchone()[0] > 0


@pytest.fixture
def roster(territory, tmp_path):
    """An estate of 紫御府 with room for ROWS residents in 金塔第一网格, and a GBK file of them."""
    from fixtures.demo.people import SYSTEM_TAGS

    Tag.objects.bulk_create([Tag(slug=s, name=n, is_system=True) for s, n in SYSTEM_TAGS], ignore_conflicts=True)
    estate = services.estate_create(name="紫御府", region=territory.comm_a, kind="commercial")
    places = estate_places("紫御府", 40, 4, 40)
    grid = territory.grid_a1
    insert_rows(
        Building,
        ("estate", "number", "region", "region_code"),
        [(estate.pk, b, grid.pk, grid.code) for _e, b, _u, _r in places],
    )
    buildings = dict(Building.objects.filter(estate=estate).values_list("number", "pk"))
    insert_rows(
        Unit,
        ("building", "number", "region_code"),
        [(buildings[b], u, grid.code) for _e, b, units, _r in places for u in units],
    )
    path = tmp_path / "居民花名册.csv"
    write_resident_csv(path, ROWS, RosterSpec(places=places, seed=3), encoding="gbk")
    return path


def test_progress_while_checking_and_a_killed_apply_writes_nothing(roster, users):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"Redis is not answering at {REDIS_URL}")
    job, found = start_import(
        user=users.admin, kind="residents", upload=SimpleUploadedFile(roster.name, roster.read_bytes())
    )
    assert found.ok
    residents, stays = Resident.objects.count(), Residence.objects.count()
    worker = start_worker()
    try:
        begin_check(job)
        send(check_import, job.pk)
        seen = set()

        def checked():
            state, done = ImportJob.objects.filter(pk=job.pk).values_list("state", "done_rows").get()
            if state == JobState.CHECKING:
                seen.add(done)
            return state != JobState.CHECKING and state

        assert wait_for(checked) == JobState.CHECKED
        job.refresh_from_db()
        assert job.total_rows == ROWS and job.new_rows == ROWS
        assert any(0 < done < ROWS for done in seen), seen  # the page had something to show while it ran

        begin_apply(job, mode=ApplyMode.ALL, user=users.admin)
        send(apply_import, job.pk)
        wait_for(lock_held)
        time.sleep(1.0)  # well inside the apply, which writes 30,000 residents a batch at a time
        stop(worker, signal.SIGKILL)
        wait_for(lambda: not lock_held(), timeout=60)
        assert (Resident.objects.count(), Residence.objects.count()) == (residents, stays)
        job.refresh_from_db()
        assert job.state == JobState.APPLYING and job.applied_at is None

        worker = start_worker()
        begin_apply(job, mode=ApplyMode.ALL, user=users.admin)  # the user presses apply again
        send(apply_import, job.pk)
        assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).state != JobState.APPLYING and True, timeout=180)
        job.refresh_from_db()
        assert job.state == JobState.APPLIED, job.message
        assert Resident.objects.count() == residents + ROWS
        assert Residence.objects.count() == stays + ROWS
    finally:
        stop(worker)
