"""Celery is wired for real: a worker process started here runs a task against Redis and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import LoginFailure
from accounts.services import login_failures_purge

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


@pytest.mark.django_db
def test_purge_removes_only_expired_failures():
    old = LoginFailure.objects.create(username="a")
    LoginFailure.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 5)
    )
    fresh = LoginFailure.objects.create(username="b")
    assert login_failures_purge() == 1
    assert list(LoginFailure.objects.all()) == [fresh]


def test_beat_schedule_names_a_registered_task():
    from config.celery_app import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_task_against_redis():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"Redis is not answering at {REDIS_URL}")
    old = LoginFailure.objects.create(username="stale")
    LoginFailure.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": REDIS_URL,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--pool=solo", "-Q", "gridgov-test",
         "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        sender = subprocess.run(
            [sys.executable, "-c",
             "import django; django.setup(); from accounts.tasks import purge_login_failures as t; "
             "print(t.apply_async(queue='gridgov-test').get(timeout=60))"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=90,
        )  # fmt: skip
        assert sender.returncode == 0, sender.stderr[-2000:]
        assert sender.stdout.strip().splitlines()[-1] == "1"
        assert not LoginFailure.objects.filter(username="stale").exists()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        time.sleep(0.1)
