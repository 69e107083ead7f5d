#!/usr/bin/env bash
# Smoke test of the quick start, from this clone: `make demo` with the embedded defaults (SQLite,
# no Redis) on a free port; the login page must answer in Chinese, a demo user must be able to
# log in and see the home page, the Celery worker that `make demo` starts beside the server must
# run the deadline sweep (a case filed overdue gets escalated), stopping the server must stop
# the worker too, and loading the demo a second time must not add any rows.
#
#   scripts/smoke_demo.sh            # picks a free port
#   SMOKE_PORT=8123 SMOKE_TIMEOUT=600 SMOKE_SWEEP_TIMEOUT=150 scripts/smoke_demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# The quick start must work without any configuration.
unset DATABASE_URL REDIS_URL DJANGO_SETTINGS_MODULE

PYTHON=$(command -v python3.11 || command -v python3)
PORT=${SMOKE_PORT:-$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
TIMEOUT=${SMOKE_TIMEOUT:-300}
# Beat sends the sweep every 60 s; the first one may come a minute after the worker started.
SWEEP_TIMEOUT=${SMOKE_SWEEP_TIMEOUT:-180}
USERNAME=${SMOKE_USERNAME:-community}
PASSWORD=${SMOKE_PASSWORD:-$(sed -n 's/^DEMO_PASSWORD = "\(.*\)"$/\1/p' fixtures/demo/*.py 2>/dev/null | head -n 1)}
PASSWORD=${PASSWORD:-demo-Pass-2026}
BASE="http://127.0.0.1:$PORT"

WORK=$(mktemp -d)
LOG="$WORK/demo.log"
JAR="$WORK/cookies.txt"
PID=""
PGID=""
WORKER_PATTERN="celery -A config.celery_app"

fail() {
	echo "smoke: FAIL: $*" >&2
	if [ -s "$LOG" ]; then
		echo "---- last lines of the make demo output ----" >&2
		tail -n 40 "$LOG" >&2
	fi
	exit 1
}

stop_server() {
	[ -n "$PID" ] || return 0
	local pgid
	pgid=$(ps -o pgid= -p "$PID" 2>/dev/null | tr -d ' ' || true)
	if [ -n "$pgid" ] && [ "$pgid" = "$PID" ]; then
		kill -TERM -- "-$pgid" 2>/dev/null || true # make, runserver and its autoreloader child
	else
		kill -TERM "$PID" 2>/dev/null || true
	fi
	# make waits for its shell, which waits for runserver and for the worker's warm shutdown.
	for _ in $(seq 150); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$PID" 2>/dev/null; then
		kill -KILL -- "-$PID" 2>/dev/null || kill -KILL "$PID" 2>/dev/null || true
	fi
	wait "$PID" 2>/dev/null || true
	PID=""
}

cleanup() {
	stop_server
	rm -rf "$WORK"
}
trap cleanup EXIT

manage() {
	DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python manage.py "$@"
}

# Celery processes of this run: make leads their process group (see setsid below), and a process
# keeps its group when orphaned. Other Celery workers on this machine are not ours to judge.
our_workers() {
	[ -n "$PGID" ] || return 0
	pgrep -g "$PGID" -f "$WORKER_PATTERN" || true
}

echo "smoke: $(pgrep -f "$WORKER_PATTERN" | wc -l) Celery processes running before (not this run's)"

echo "smoke: make demo on port $PORT (log: $LOG)"
started=$SECONDS
# setsid: the server gets its own process group, so stopping it stops every child.
setsid make demo PORT="$PORT" >"$LOG" 2>&1 </dev/null &
PID=$!
PGID=$PID

until curl -fsS -o "$WORK/login.html" "$BASE/login/" 2>/dev/null; do
	kill -0 "$PID" 2>/dev/null || fail "make demo exited before the server answered"
	((SECONDS - started < TIMEOUT)) || fail "no answer from $BASE/login/ after ${TIMEOUT}s"
	sleep 1
done
echo "smoke: login page answered after $((SECONDS - started))s"

grep -q "登录" "$WORK/login.html" || fail "the login page is not in Chinese (no 登录)"
grep -q "$USERNAME" "$LOG" || fail "make demo did not print the demo login '$USERNAME'"

# Log in like a browser: the GET sets the CSRF cookie, the POST sends it back with the token.
rm -f "$JAR"
curl -fsS -c "$JAR" -b "$JAR" -o "$WORK/login.html" "$BASE/login/"
token=$(awk '$6 == "csrftoken" { print $7 }' "$JAR")
[ -n "$token" ] || fail "no csrftoken cookie from $BASE/login/"
status=$(curl -sS -c "$JAR" -b "$JAR" -o "$WORK/post.html" -w '%{http_code}' \
	-H "Referer: $BASE/login/" \
	--data-urlencode "csrfmiddlewaretoken=$token" \
	--data-urlencode "username=$USERNAME" \
	--data-urlencode "password=$PASSWORD" \
	"$BASE/login/")
[ "$status" = 302 ] || fail "login as $USERNAME answered HTTP $status instead of a redirect (wrong password?)"

status=$(curl -sS -c "$JAR" -b "$JAR" -o "$WORK/home.html" -w '%{http_code}' "$BASE/")
[ "$status" = 200 ] || fail "the home page answered HTTP $status after logging in"
grep -q -e "首页" -e "$USERNAME" "$WORK/home.html" || fail "the home page shows neither 首页 nor $USERNAME"
echo "smoke: logged in as $USERNAME; home page OK"

# The embedded worker runs the sweep: a case filed three weeks ago and never taken on must go up a level.
workers=$(our_workers)
[ -n "$workers" ] || fail "make demo started no '$WORKER_PATTERN' process"
case_id=$(manage shell --verbosity 0 -c '
import datetime as dt
from django.utils import timezone
from accounts.models import User
from cases import services
from cases.models import CaseCategory
from fixtures.demo.cases import simulated_clock
from fixtures.demo.places import FOCUS_GRID
from grids.models import Region
with simulated_clock(timezone.now() - dt.timedelta(days=21)):
    case = services.case_create(
        reporter=User.objects.get(username="grid"),
        region=Region.objects.get(code=FOCUS_GRID),
        category=CaseCategory.objects.get(code="GA03-03"),
        title="冒烟测试：楼道堆放杂物",
    )
assert case.is_overdue, case.due_at
print(case.pk)
' 2>"$WORK/sweep.log") && [[ "$case_id" =~ ^[0-9]+$ ]] ||
	{
		cat "$WORK/sweep.log" >&2
		fail "could not file an overdue case in the demo database"
	}
echo "smoke: filed case $case_id, overdue; waiting up to ${SWEEP_TIMEOUT}s for the sweep"
manage shell --verbosity 0 -c "
import time
from cases.models import CaseEvent
deadline = time.monotonic() + $SWEEP_TIMEOUT
while not CaseEvent.objects.filter(case_id=$case_id, action='auto_escalate').exists():
    if time.monotonic() > deadline:
        raise SystemExit(1)
    time.sleep(2)
" 2>"$WORK/sweep.log" ||
	{
		cat "$WORK/sweep.log" >&2
		fail "the Celery worker of make demo did not escalate overdue case $case_id within ${SWEEP_TIMEOUT}s"
	}
echo "smoke: the sweep escalated case $case_id after $((SECONDS - started))s"

stop_server
curl -fsS -o /dev/null "$BASE/login/" 2>/dev/null && fail "the server still answers after being stopped"
# The beat process of the worker may end a moment after the worker; none may be left after 10 s.
for _ in $(seq 100); do
	left=$(our_workers)
	for pid in $workers; do
		kill -0 "$pid" 2>/dev/null && left="$left $pid"
	done
	[ -n "${left//[[:space:]]/}" ] || break
	sleep 0.1
done
[ -z "${left//[[:space:]]/}" ] || fail "Celery processes still running after make demo stopped: $left"
echo "smoke: server and worker stopped ($(pgrep -f "$WORKER_PATTERN" | wc -l) Celery processes left, not this run's)"

# Loading the demo again must not duplicate anything.
count_rows() {
	DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python -c '
import django
django.setup()
from django.apps import apps
from django.contrib.sessions.models import Session
for model in apps.get_models():
    if model is not Session:
        print(model._meta.label, model._default_manager.count())
'
}
count_rows >"$WORK/rows-before.txt"
manage load_demo >"$WORK/reload.log" 2>&1 ||
	{
		cat "$WORK/reload.log" >&2
		fail "load_demo failed the second time"
	}
count_rows >"$WORK/rows-after.txt"
if ! diff -u "$WORK/rows-before.txt" "$WORK/rows-after.txt" >"$WORK/rows.diff"; then
	cat "$WORK/rows.diff" >&2
	fail "loading the demo twice changed the row counts above"
fi
echo "smoke: loading the demo again added no rows ($(wc -l <"$WORK/rows-after.txt") tables compared)"
echo "smoke: OK in $((SECONDS - started))s"
