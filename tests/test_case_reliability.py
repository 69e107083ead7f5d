"""The deadline machinery under real conditions: Celery workers on Redis, PostgreSQL row locks, crashes.

Workers are real `celery worker` processes started here against the pytest database, each on a
queue of its own test run. They run the production task "cases.sweep_deadlines"; this process
sends the messages through a Celery client of its own and reads the results from Redis. A Redis
server that does not answer fails these tests: they exist to prove the wiring.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from unittest import mock
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone, translation

from accounts.models import Assignment
from accounts.roles import Role
from cases import services
from cases.models import Case, CaseAction, CaseCategory, CaseEvent, CaseLevel, CaseNumberCounter, CaseState
from cases.models.choices import ACTIVE_STATES, OPEN_STATES
from cases.services.escalation import BATCH_SIZE
from cases.tasks import sweep_deadlines as sweep_task
from cases.workcal import WorkingTime, policy_minutes
from notifications.models import Notification
from tests.bench.casegen import generate_cases
from tests.case_factories import file_case
from tests.factories import UserFactory, assign

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
TASK = "cases.sweep_deadlines"
WORKER_START_TIMEOUT = 60
SWEEP_TIMEOUT = 120
SHANGHAI = ZoneInfo("Asia/Shanghai")
ALREADY_ACCEPTED = "This case is now “Accepted”, so this step is no longer possible. Reload it to see what changed."


def at(*args: int) -> dt.datetime:
    """An instant given in Asia/Shanghai wall-clock time."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


# ---------------------------------------------------------------------- broker and workers


class Broker:
    """A Celery client on Redis with a queue that only this test's workers consume."""

    def __init__(self) -> None:
        import redis
        from celery import Celery

        self.redis = redis.Redis.from_url(REDIS_URL)
        try:
            self.redis.ping()
        except redis.exceptions.ConnectionError:
            pytest.fail(f"Redis is not answering at {REDIS_URL}")
        self.queue = f"gridgov-reliability-{uuid.uuid4().hex[:10]}"
        self.app = Celery("gridgov-reliability", broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)

    def sweep(self):
        return self.app.send_task(TASK, queue=self.queue)

    def unacked(self) -> dict[bytes, list]:
        """Messages of this queue a worker took and has not acknowledged (kombu's 'unacked' hash)."""
        found = {}
        for tag, raw in self.redis.hgetall("unacked").items():
            message, _exchange, routing_key = json.loads(raw)
            if routing_key == self.queue:
                found[tag] = message
        return found

    def redeliver_unacked(self) -> int:
        """Put this queue's unacknowledged messages back, as kombu does once the visibility timeout passes.

        Kombu waits an hour by default and then restores every queue's messages; this does it now
        and only for this queue, so other users of the Redis database are not disturbed.
        """
        moved = 0
        for tag, message in self.unacked().items():
            message.setdefault("headers", {})["redelivered"] = True
            pipe = self.redis.pipeline()
            pipe.rpush(self.queue, json.dumps(message)).hdel("unacked", tag).zrem("unacked_index", tag)
            pipe.execute()
            moved += 1
        return moved

    def close(self) -> None:
        for tag in self.unacked():
            self.redis.hdel("unacked", tag)
            self.redis.zrem("unacked_index", tag)
        self.redis.delete(self.queue, f"_kombu.binding.{self.queue}")
        self.app.close()


class Worker:
    """`celery worker` in its own process group, reading the pytest database."""

    def __init__(self, broker: Broker, name: str) -> None:
        db = connection.settings_dict
        user = quote(db["USER"] or "")
        password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgresql://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{db['NAME']}",
            "REDIS_URL": REDIS_URL,
            "PYTHONUNBUFFERED": "1",
        }
        self.name = f"{name}-{broker.queue}"
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--pool=solo", "-Q", broker.queue,
             "-n", f"{self.name}@%h", "--loglevel=INFO", "--prefetch-multiplier=1", "--without-heartbeat",
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if " ready." in line:
                self.ready.set()

    def wait_ready(self) -> None:
        if not self.ready.wait(WORKER_START_TIMEOUT):
            pytest.fail(f"worker {self.name} did not start:\n{self.log()}")

    def log(self) -> str:
        return "".join(self.lines[-60:])

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a pulled plug would: no clean-up of any kind."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        self._reader.join(timeout=5)


# ---------------------------------------------------------------------- data


def fill(w: SimpleNamespace, *, n: int, overdue: int) -> tuple[dt.datetime, set[int]]:
    """n open cases in community A's two grids, `overdue` of them past due; returns (now, overdue ids)."""
    now = timezone.now()
    generate_cases(
        n=n, overdue=overdue, region_codes=[w.t.grid_a1.code, w.t.grid_a2.code], categories=[w.category, w.dispute],
        reporter_id=w.u.grid_a1.pk, now=now,
    )  # fmt: skip
    late = set(Case.objects.filter(due_at__lte=now).values_list("pk", flat=True))
    assert len(late) == overdue
    return now, late


def snapshot(ids=None) -> dict[int, tuple]:
    queryset = Case.objects.all() if ids is None else Case.objects.filter(pk__in=ids)
    return {
        row[0]: row[1:]
        for row in queryset.values_list("pk", "state", "level", "due_at", "remind_at", "handler_id", "version")
    }


def escalations_per_case() -> Counter:
    return Counter(CaseEvent.objects.filter(action=CaseAction.AUTO_ESCALATE).values_list("case_id", flat=True))


def assert_escalated_once(late: set[int], others_before: dict[int, tuple]) -> None:
    """Every overdue case escalated exactly once to the community, with a fresh deadline; nothing else changed."""
    per_case = escalations_per_case()
    twice = {pk: count for pk, count in per_case.items() if count > 1}
    assert not twice, f"{len(twice)} cases escalated more than once, e.g. {list(twice.items())[:5]}"
    assert set(per_case) == late, f"missing: {len(late - set(per_case))}, unexpected: {len(set(per_case) - late)}"
    wt = WorkingTime.load()
    swept_at = dict(CaseEvent.objects.filter(action=CaseAction.AUTO_ESCALATE).values_list("case_id", "created_at"))
    limits: dict[tuple[int, str], int] = {}
    wrong = []
    fields = ["category", "urgency", "level", "state", "due_at", "escalation_count", "handler_id", "was_overdue"]
    for case in Case.objects.filter(pk__in=late).select_related("category").only(*fields):
        key = (case.category_id, case.urgency)
        if key not in limits:
            limits[key] = policy_minutes(category=case.category, level=CaseLevel.COMMUNITY, urgency=case.urgency)[0]
        expected = wt.add(swept_at[case.pk], limits[key])
        if (case.level, case.state, case.due_at, case.escalation_count, case.handler_id, case.was_overdue) != (
            CaseLevel.COMMUNITY, CaseState.SUBMITTED, expected, 1, None, True
        ):  # fmt: skip
            wrong.append(case.pk)
    assert not wrong, f"{len(wrong)} escalated cases are not at community level with a fresh deadline: {wrong[:5]}"
    assert Case.objects.filter(pk__in=late, due_at__lte=timezone.now()).count() == 0
    assert snapshot(others_before) == others_before, "cases that were not overdue were changed"


# ---------------------------------------------------------------------- the generator itself


@pytest.mark.django_db
def test_generator_writes_valid_open_cases(case_world):
    w = case_world
    services.case_create(reporter=w.u.grid_a1, region=w.t.grid_a1, category=w.category, title="先有的事件")
    now = timezone.now()
    generate_cases(
        n=600, overdue=150, region_codes=[w.t.grid_a1.code, w.t.grid_a2.code], categories=[w.category, w.dispute],
        reporter_id=w.u.grid_a1.pk, now=now,
    )  # fmt: skip
    cases = Case.objects.exclude(title="先有的事件")
    assert cases.count() == 600
    overdue = cases.filter(due_at__lte=now)
    assert overdue.count() == 150
    assert set(overdue.values_list("state", flat=True)) == set(ACTIVE_STATES)
    assert set(cases.values_list("state", flat=True)) == set(OPEN_STATES)
    assert not cases.filter(due_at__gt=now, remind_at__lte=now).exists()
    assert not cases.filter(created_at__gte=now).exists()
    assert not cases.filter(created_at__lt=now - dt.timedelta(days=60)).exists()
    assert not overdue.filter(due_at__lte=F("created_at")).exists()
    assert set(cases.values_list("region_code", flat=True)) == {w.t.grid_a1.code, w.t.grid_a2.code}
    assert set(cases.values_list("level", flat=True)) == {CaseLevel.GRID}
    # Numbers continue the county's counter, and the counter is moved on past them.
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 601
    assert all(number.startswith("640302-") for number in numbers)
    counters = dict(CaseNumberCounter.objects.values_list("year", "last"))
    assert sum(counters.values()) == 601
    later = services.case_create(reporter=w.u.grid_a1, region=w.t.grid_a1, category=w.category, title="后来的事件")
    assert later.number not in numbers
    submits = Counter(CaseEvent.objects.filter(action=CaseAction.SUBMIT).values_list("case_id", flat=True))
    assert set(submits.values()) == {1} and len(submits) == 602


# ---------------------------------------------------------------------- sweeps by real workers


def schema_of(*models) -> dict[str, list]:
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ANY(%s::text[]::regclass[])"
            " ORDER BY conname",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, indisunique, indpred IS NOT NULL FROM pg_index"
            " WHERE indrelid = ANY(%s::text[]::regclass[]) ORDER BY 1",
            [tables],
        )
        return {"constraints": constraints, "indexes": cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.django_db
def test_generator_bulk_load_puts_back_every_index_and_key(case_world, monkeypatch):
    from tests.bench import casegen

    before = schema_of(Case, CaseEvent)
    monkeypatch.setattr(casegen, "BULK_THRESHOLD", 1)  # the path taken from 100,000 cases on
    now = timezone.now()
    generate_cases(
        n=300, overdue=30, region_codes=[w.code for w in (case_world.t.grid_a1, case_world.t.micro_a1)],
        categories=[case_world.category], reporter_id=case_world.u.grid_a1.pk, now=now,
    )  # fmt: skip
    assert schema_of(Case, CaseEvent) == before
    assert Case.objects.filter(due_at__lte=now).count() == 30
    assert CaseEvent.objects.filter(action=CaseAction.SUBMIT).count() == 300


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_sweep_by_a_worker_escalates_each_overdue_case_once(case_world, broker, workers):
    w = case_world
    _now, late = fill(w, n=10_000, overdue=5_000)
    others = snapshot(set(Case.objects.values_list("pk", flat=True)) - late)
    handled = set(Case.objects.filter(pk__in=late, handler__isnull=False).values_list("pk", flat=True))
    workers("solo")

    result = broker.sweep().get(timeout=SWEEP_TIMEOUT)

    assert result["escalated"] == 5_000
    assert CaseEvent.objects.filter(action=CaseAction.AUTO_ESCALATE).count() == 5_000
    assert_escalated_once(late, others)
    # The community workers of A hear of every escalated case; the grid member who held one hears too.
    for user in (w.u.community, w.verifier):
        notified = Counter(Notification.objects.filter(recipient=user).values_list("case_id", flat=True))
        assert set(notified) == late and set(notified.values()) == {1}
    held = set(Notification.objects.filter(recipient=w.u.grid_a1).values_list("case_id", flat=True))
    assert held == handled
    assert not Notification.objects.filter(recipient=w.u.outsider).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_never_escalate_a_case_twice(case_world, broker, workers):
    w = case_world
    _now, late = fill(w, n=12_000, overdue=10_000)
    others = snapshot(set(Case.objects.values_list("pk", flat=True)) - late)
    first, second = workers("first", wait=False), workers("second", wait=False)
    first.wait_ready()
    second.wait_ready()

    sweeps = [broker.sweep(), broker.sweep()]
    results = [sweep.get(timeout=SWEEP_TIMEOUT) for sweep in sweeps]

    escalated = [result["escalated"] for result in results]
    assert sum(escalated) == 10_000
    # Both sweeps ran at the same time and shared the work (SKIP LOCKED), rather than one after the other.
    assert min(escalated) > 0, f"the sweeps did not overlap: {escalated}"
    assert_escalated_once(late, others)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_sweep_loses_nothing_and_repeats_nothing(case_world, broker, workers):
    w = case_world
    _now, late = fill(w, n=22_000, overdue=20_000)
    others = snapshot(set(Case.objects.values_list("pk", flat=True)) - late)
    doomed = workers("doomed")
    original = broker.sweep()

    deadline = time.monotonic() + SWEEP_TIMEOUT
    done = 0
    while done == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
        done = CaseEvent.objects.filter(action=CaseAction.AUTO_ESCALATE).count()
    doomed.kill()
    committed = CaseEvent.objects.filter(action=CaseAction.AUTO_ESCALATE).count()
    assert 0 < committed < 20_000, f"the worker was not killed half-way through the sweep ({committed} done)"
    # The batch in flight was rolled back with the dead connection: whole batches only, none twice.
    assert committed % BATCH_SIZE == 0
    assert not [pk for pk, count in escalations_per_case().items() if count > 1]
    assert Case.objects.filter(pk__in=late, level=CaseLevel.COMMUNITY).count() == committed
    # The broker still holds the message: it was never acknowledged (acks_late).
    assert len(broker.unacked()) == 1

    assert broker.redeliver_unacked() == 1
    workers("successor")
    redelivered = original.get(timeout=SWEEP_TIMEOUT)
    assert redelivered["escalated"] == 20_000 - committed
    assert broker.sweep().get(timeout=SWEEP_TIMEOUT)["escalated"] == 0
    assert_escalated_once(late, others)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lost_sweep_message_changes_nothing_and_the_next_sweep_catches_up(case_world, broker):
    w = case_world
    _now, late = fill(w, n=2_000, overdue=500)
    everything = snapshot()
    broker.sweep()
    broker.redis.delete(broker.queue)  # lost on the way: a Redis restart without persistence
    time.sleep(0.5)
    assert snapshot() == everything
    assert Case.objects.overdue().filter(pk__in=late).count() == 500
    assert not CaseEvent.objects.filter(action=CaseAction.AUTO_ESCALATE).exists()

    assert sweep_task.apply().get()["escalated"] == 500  # the next beat
    assert sweep_task.apply().get()["escalated"] == 0  # and a repeated one
    assert_escalated_once(late, {pk: row for pk, row in everything.items() if pk not in late})


# ---------------------------------------------------------------------- concurrent people


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_people_accepting_one_case_at_once_one_wins(case_world):
    w = case_world
    members = []
    for number in range(20):
        member = UserFactory(username=f"grid_a1_member{number}")
        assign(member, Role.GRID_MEMBER_FULL, w.t.grid_a1)
        members.append(member)
    case = file_case(w)
    barrier = threading.Barrier(len(members))
    won: list[int] = []
    conflicts: list[str] = []
    failures: list[BaseException] = []

    def attempt(member) -> None:
        try:
            with translation.override("en"):
                mine = Case.objects.get(pk=case.pk)  # each opened the case page before anyone pressed
                connection.close()  # back to the pool, which has fewer connections than there are people
                barrier.wait(timeout=30)
                try:
                    services.case_accept(case=mine, actor=member)
                    won.append(member.pk)
                except services.CaseConflict as exc:
                    conflicts.append(exc.message)
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    assert not failures, failures
    assert len(won) == 1
    assert conflicts == [ALREADY_ACCEPTED] * 19
    case.refresh_from_db()
    assert (case.state, case.handler_id, case.version) == (CaseState.ACCEPTED, won[0], 2)
    accepts = CaseEvent.objects.filter(case=case, action=CaseAction.ACCEPT)
    assert list(accepts.values_list("actor_id", flat=True)) == won


# ---------------------------------------------------------------------- working time, end to end


@pytest.mark.django_db
def test_deadlines_follow_the_working_calendar_through_holidays_and_holds(case_world):
    """Hand-computed with the 2025–2026 national calendar and office hours 08:30–12:00, 14:30–18:00.

    Category 人口信息变动 (GA06) at grid level, ordinary: 7 working hours to accept, 35 to handle;
    at community level 7 to accept.
    """
    w = case_world
    Assignment.objects.update(start_date=dt.date(2025, 1, 1))  # the cast was in post in 2025 already
    category = CaseCategory.objects.get(code="GA06-01")
    member = w.u.grid_a1

    # Friday 26 September 2025, 17:00. Saturday rests; Sunday 28 is a make-up working day for National Day.
    with mock.patch("django.utils.timezone.now", return_value=at(2025, 9, 26, 17, 0)):
        case = services.case_create(reporter=member, region=w.t.grid_a1, category=category, title="新迁入住户登记")
    # 7 h = 60 min on Friday + 210 + 150 on Sunday 28.
    assert case.due_at == at(2025, 9, 28, 17, 0)
    assert case.remind_at == at(2025, 9, 28, 15, 15)  # 315 min = 60 + 210 + 45
    assert case.number == "640302-2025-000001"

    with mock.patch("django.utils.timezone.now", return_value=at(2025, 9, 26, 17, 0)):
        case = services.case_dispatch(case=case, actor=member)
    # 35 h = 1 on Friday 26 + 7 each on Sun 28, Mon 29, Tue 30 + (1–8 October rest) 7 on Thu 9 + 6 on Fri 10.
    assert case.due_at == at(2025, 10, 10, 17, 0)
    assert case.due_at == WorkingTime.load().add(at(2025, 9, 26, 17, 0), 35 * 60)

    # Held on Thursday 9 October at 10:00: 5.5 h left that day and 6 h on Friday 10.
    with mock.patch("django.utils.timezone.now", return_value=at(2025, 10, 9, 10, 0)):
        case = services.case_hold(case=case, actor=member, reason="等待住户提供证件")
    assert (case.state, case.held_minutes_left, case.due_at) == (CaseState.ON_HOLD, 690, None)

    # A held case is never escalated, however long it waits.
    services.sweep_deadlines(now=at(2025, 12, 1, 9, 0))
    assert not CaseEvent.objects.filter(case=case, action__in=[CaseAction.AUTO_ESCALATE, CaseAction.OVERDUE])

    # Resumed on Wednesday 31 December 2025 at 15:00: 3 h that day, New Year 1–3 January rests,
    # Sunday 4 January is a make-up working day (7 h), and the last 1.5 h on Monday 5 January.
    with mock.patch("django.utils.timezone.now", return_value=at(2025, 12, 31, 15, 0)):
        case = services.case_resume(case=case, actor=member)
    assert (case.state, case.held_minutes_left) == (CaseState.IN_PROGRESS, None)
    assert case.due_at == at(2026, 1, 5, 10, 0)
    assert case.remind_at == at(2026, 1, 4, 16, 37)  # 517 of the 690 min: 180 + 210 + 127
    resumed = CaseEvent.objects.get(case=case, action=CaseAction.RESUME)
    assert resumed.data == {"minutes_left": 690}

    # One minute before the deadline the sweep only reminds; at the deadline it escalates once.
    before = services.sweep_deadlines(now=at(2026, 1, 5, 9, 59))
    assert (before.escalated, before.reminded) == (0, 1)
    assert services.sweep_deadlines(now=at(2026, 1, 5, 10, 0)).escalated == 1
    assert services.sweep_deadlines(now=at(2026, 1, 5, 10, 1)).escalated == 0
    case.refresh_from_db()
    # The community has 7 h: 2 + 3.5 on Monday 5 January, 1.5 on Tuesday 6.
    assert (case.level, case.state, case.due_at) == (CaseLevel.COMMUNITY, CaseState.SUBMITTED, at(2026, 1, 6, 10, 0))
