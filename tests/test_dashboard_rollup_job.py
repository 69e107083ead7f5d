"""The rollup job never counts an event twice or misses one: two workers at once, a worker killed
half-way, a transaction still writing events when the job runs, a failure inside a batch."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from cases.models import CaseAction, CaseEvent
from dashboards.models import CaseRollup, RollupState
from dashboards.rollup import job
from tests.bench.casegen import generate_cases

TIMEOUT = 180


def county_filed(code: str) -> int:
    rows = CaseRollup.objects.filter(depth=6, code=int(code[:6]), category_id=0)
    return rows.aggregate(total=Sum("filed"))["total"] or 0


def watermark() -> int:
    return RollupState.objects.filter(name="cases").values_list("last_event_id", flat=True).first() or 0


def submits_up_to(mark: int) -> int:
    return CaseEvent.objects.filter(action=CaseAction.SUBMIT, id__lte=mark).count()


def fill(w, n: int) -> None:
    generate_cases(
        n=n, overdue=0, region_codes=[w.t.grid_a1.code, w.t.grid_a2.code, w.t.micro_a1.code],
        categories=[w.category, w.dispute], reporter_id=w.u.grid_a1.pk, now=timezone.now(),
    )  # fmt: skip


def send(broker, span: int):
    return broker.app.send_task("dashboards.run_rollup", kwargs={"span": span}, queue=broker.queue)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_count_every_event_once(case_world, broker, workers):
    w = case_world
    fill(w, 10_000)
    workers("one")
    workers("two")
    first, second = send(broker, 1_000), send(broker, 1_000)
    results = [first.get(timeout=TIMEOUT), second.get(timeout=TIMEOUT)]
    assert sum(r["batches"] for r in results) >= 10
    assert min(r["events"] for r in results) > 0, f"the runs did not overlap: {results}"
    mark = watermark()
    assert mark == CaseEvent.objects.order_by("-id").values_list("id", flat=True).first()
    assert county_filed(w.t.county.code) == 10_000 == submits_up_to(mark)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_killed_half_way_leaves_whole_batches_and_the_next_run_finishes(case_world, broker, workers):
    w = case_world
    fill(w, 15_000)
    doomed = workers("doomed")
    send(broker, 500)
    deadline = time.monotonic() + TIMEOUT
    mark = 0
    while mark == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
        mark = watermark()
    doomed.kill()
    mark = watermark()
    total = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first()
    assert 0 < mark < total, "the worker was not killed half-way"
    # What was counted is exactly the events up to the watermark: the batch in flight rolled back.
    assert county_filed(w.t.county.code) == submits_up_to(mark)
    workers("successor")
    send(broker, 5_000).get(timeout=TIMEOUT)
    assert county_filed(w.t.county.code) == 15_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_still_being_written_holds_the_job_back(case_world, monkeypatch):
    """An event with a smaller id whose transaction is still open is never skipped."""
    from cases import services
    from tests.case_factories import file_case

    w = case_world
    first = file_case(w, title="先报的事件")
    job.run_rollup()
    started, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                # A counted event, and no lock that filing the other case needs.
                services.case_reject(case=first, actor=w.u.grid_a1, reason="不属于网格事项")
                started.set()
                release.wait(30)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert started.wait(30)
    file_case(w, title="后来先提交")  # its submit event has a larger id and commits first
    monkeypatch.setattr(job, "LOCK_TIMEOUT_MS", 300)
    before = watermark()
    result = job.run_rollup()
    assert result.skipped and watermark() == before
    assert county_filed(w.t.county.code) == 1
    release.set()
    assert done.wait(30)
    thread.join()
    monkeypatch.setattr(job, "LOCK_TIMEOUT_MS", 5000)
    assert job.run_rollup().events == 2  # the rejection (id n) and the submit (id n + 1)
    assert county_filed(w.t.county.code) == 2
    rows = CaseRollup.objects.filter(depth=6, code=int(w.t.county.code), category_id=0)
    assert rows.aggregate(total=Sum("rejected"))["total"] == 1


@pytest.mark.django_db
def test_a_failure_inside_a_batch_changes_nothing(case_world, monkeypatch):
    from tests.case_factories import file_case

    w = case_world
    for number in range(3):
        file_case(w, title=f"事件{number}")
    real = job.write_deltas

    def write_then_fail(deltas, **options):
        real(deltas, **options)
        raise RuntimeError("the worker died here")

    monkeypatch.setattr(job, "write_deltas", write_then_fail)
    with pytest.raises(RuntimeError):
        job.run_rollup()
    assert watermark() == 0
    assert not CaseRollup.objects.exists()
    monkeypatch.setattr(job, "write_deltas", real)
    assert job.run_rollup().events == 3
    assert county_filed(w.t.county.code) == 3
