"""A fast generator of open cases for benchmarks and load tests.

PostgreSQL: one INSERT … SELECT over generate_series writes the cases, their 'submit' events and
the case-number counters in a single statement, so nothing crosses the wire per row; for large n
the indexes and keys of the two tables are rebuilt once afterwards. SQLite: the same rows through
bulk_create, for small n.

The rows follow one rule on both databases (row i counts from 1):
- exactly `overdue` rows are overdue, spread evenly over the ids; they are in an active state
  (submitted, accepted, in progress in turn) with a due_at between filing and `now`;
- the others cycle through the open states; their due_at and remind_at (at three quarters of
  the time left) lie in the future, so a sweep leaves them alone (a case on hold has neither and
  keeps its minutes in held_minutes_left);
- every case is at grid level, filed in the last 60 days (at least two hours before `now`),
  in the given grids and categories taken in turn, by `reporter_id`;
- with `blocks` > 1 the grids are cut into that many equal runs (e.g. one per county) and the ids
  go run by run: rows 1 … n/blocks take the first run's grids in turn, and so on, so the places of
  the first run hold only old ids (a quiet place whose newest case lies below the others' cases);
- ids follow the filing time within each run (within the whole set when blocks is 1);
- numbers are county-year-sequence, continuing the CaseNumberCounter of each (county, year),
  which is moved on, so cases filed later through the services get fresh numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction

from cases.models import Case, CaseAction, CaseCategory, CaseEvent, CaseLevel, CaseNumberCounter, CaseState, Urgency
from cases.models.choices import Channel
from grids.models import Region

ACTIVE_CYCLE = [CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.IN_PROGRESS]
OPEN_CYCLE = [CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.IN_PROGRESS, CaseState.ON_HOLD, CaseState.RESOLVED]
# States in which a case has a handler (the reporter, a grid member, took it on).
HANDLED = {CaseState.ACCEPTED, CaseState.IN_PROGRESS, CaseState.ON_HOLD, CaseState.RESOLVED}
SPAN_SECONDS = 60 * 86400 - 2 * 3600  # filing times: between 60 days and 2 hours before now
MIN_AGE = dt.timedelta(hours=2)
HASH_MULTIPLIER = 2654435761  # Knuth's multiplicative hash spreads the filing times
HASH_MODULUS = 2**32
TITLE = "楼道堆放杂物"
SQLITE_CHUNK = 2000
# From this many cases on, indexes and keys are rebuilt once after the load instead of kept up row by row.
BULK_THRESHOLD = 100_000


def generate_cases(
    *,
    n: int,
    overdue: int,
    region_codes: list[str],
    categories: Iterable[CaseCategory | int],
    reporter_id: int,
    now: dt.datetime,
    with_events: bool = True,
    blocks: int = 1,
) -> None:
    """Write n open cases at grid level, exactly `overdue` of them past their due_at at `now`."""
    if not 0 <= overdue <= n:
        raise ValueError("overdue must lie between 0 and n.")
    if blocks < 1 or len(region_codes) % blocks:
        raise ValueError("blocks must be at least 1 and divide the number of region codes.")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware.")
    ids = dict(Region.objects.filter(code__in=region_codes).values_list("code", "pk"))
    missing = sorted(set(region_codes) - set(ids))
    if missing:
        raise ValueError(f"Unknown region codes: {', '.join(missing)}.")
    category_ids = [getattr(category, "pk", category) for category in categories]
    if not region_codes or not category_ids:
        raise ValueError("Give at least one region code and one category.")
    if n == 0:
        return
    regions = [(ids[code], code) for code in region_codes]
    if connection.vendor == "postgresql":
        _generate_postgresql(
            n=n, overdue=overdue, regions=regions, category_ids=category_ids, reporter_id=reporter_id,
            now=now, with_events=with_events, blocks=blocks,
        )  # fmt: skip
    else:
        _generate_orm(
            n=n, overdue=overdue, regions=regions, category_ids=category_ids, reporter_id=reporter_id,
            now=now, with_events=with_events, blocks=blocks,
        )  # fmt: skip


# ---------------------------------------------------------------------- PostgreSQL


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _case_expressions() -> dict[str, str]:
    """SQL for every case field the generator sets, over the CTE row `r` (the rest take their defaults)."""
    return {
        "number": "r.county || '-' || r.yr || '-' || lpad(r.seq::text, greatest(6, length(r.seq::text)), '0')",
        "title": "%(title)s || ' ' || r.i",
        "category": "r.category_id",
        "urgency": "CASE WHEN mod(r.i, 10) = 0 THEN %(urgent)s ELSE %(normal)s END",
        "channel": "%(channel)s",
        "reporter": "%(reporter)s",
        "region": "r.region_id",
        "region_code": "r.region_code",
        "level": "%(grid)s",
        "state": "r.state",
        "handler": "CASE WHEN r.state = ANY(%(handled)s) THEN %(reporter)s::bigint END",
        "due_at": "r.due_at",
        "remind_at": "r.remind_at",
        "held_minutes_left": "CASE WHEN r.state = %(on_hold)s THEN 60 + mod(r.i, 600) END",
        "resolved_by": "CASE WHEN r.state = %(resolved)s THEN %(reporter)s::bigint END",
        "created_at": "r.created_at",
        "updated_at": "r.created_at",
        "accepted_at": "CASE WHEN r.state = ANY(%(handled)s) THEN r.created_at + interval '1 minute' END",
        "resolved_at": "CASE WHEN r.state = %(resolved)s THEN r.created_at + (%(now)s - r.created_at) / 2 END",
    }


Regions = list[tuple[int, str]]


def _generate_postgresql(
    *, n: int, overdue: int, regions: Regions, category_ids: list[int], reporter_id: int, now: dt.datetime,
    with_events: bool, blocks: int,
) -> None:  # fmt: skip
    expressions = _case_expressions()
    params: dict[str, object] = {
        "n": n, "overdue": overdue, "now": now, "span": SPAN_SECONDS, "min_age": MIN_AGE, "tz": settings.TIME_ZONE,
        "region_ids": [pk for pk, _code in regions], "region_codes": [code for _pk, code in regions],
        "category_ids": category_ids, "active": [str(s) for s in ACTIVE_CYCLE], "open": [str(s) for s in OPEN_CYCLE],
        "handled": [str(s) for s in HANDLED], "on_hold": str(CaseState.ON_HOLD), "resolved": str(CaseState.RESOLVED),
        "urgent": str(Urgency.URGENT), "normal": str(Urgency.NORMAL), "channel": str(Channel.PATROL),
        "grid": str(CaseLevel.GRID), "reporter": reporter_id, "title": TITLE, "submit": str(CaseAction.SUBMIT),
        "submitted": str(CaseState.SUBMITTED), "hash_mul": HASH_MULTIPLIER, "hash_mod": HASH_MODULUS,
        "blocks": blocks, "run": len(regions) // blocks,
    }  # fmt: skip
    columns, selects = [], []
    for f in Case._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.name in expressions:
            columns.append(connection.ops.quote_name(f.column))
            selects.append(expressions[f.name])
        elif not f.null:
            key = f"default_{f.column}"
            params[key] = f.get_db_prep_save(f.get_default(), connection)
            columns.append(connection.ops.quote_name(f.column))
            selects.append(f"%({key})s")
    case_table = connection.ops.quote_name(Case._meta.db_table)
    counter_table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    event_table = connection.ops.quote_name(CaseEvent._meta.db_table)
    c_county, c_year, c_last = (_column(CaseNumberCounter, name) for name in ("county_code", "year", "last"))
    event_columns = ", ".join(
        _column(CaseEvent, name)
        for name in ("case", "actor", "action", "from_state", "to_state", "from_level", "to_level", "note", "data",
                     "created_at")
    )  # fmt: skip
    events = (
        f"""
        , events AS (
            INSERT INTO {event_table} ({event_columns})
            SELECT ins.id, %(reporter)s, %(submit)s, '', %(submitted)s, '', %(grid)s, '', '{{}}'::jsonb, ins.created_at
            FROM ins
        )"""
        if with_events
        else ""
    )
    sql = f"""
        WITH base AS (
            SELECT g.i,
                   (g.i * %(overdue)s) / %(n)s AS late_so_far,
                   (g.i * %(overdue)s) / %(n)s > ((g.i - 1) * %(overdue)s) / %(n)s AS overdue,
                   %(now)s::timestamptz - %(min_age)s::interval - make_interval(
                       secs => floor(%(span)s * mod(g.i * %(hash_mul)s, %(hash_mod)s)::float8 / %(hash_mod)s)
                   ) AS created_at,
                   ((g.i - 1) * %(blocks)s) / %(n)s AS blk,
                   (%(category_ids)s::bigint[])[
                       1 + mod((g.i - 1) / cardinality(%(region_ids)s::bigint[]),
                               cardinality(%(category_ids)s::bigint[]))
                   ] AS category_id
            FROM generate_series(1::bigint, %(n)s::bigint) AS g(i)
        ), placed AS (
            SELECT b.*, (%(region_ids)s::bigint[])[1 + b.blk * %(run)s + mod(b.i - 1, %(run)s)] AS region_id,
                   (%(region_codes)s::text[])[1 + b.blk * %(run)s + mod(b.i - 1, %(run)s)] AS region_code
            FROM base b
        ), shaped AS (
            SELECT b.*,
                   CASE WHEN b.overdue THEN (%(active)s::text[])[1 + mod(b.late_so_far, 3)]
                        ELSE (%(open)s::text[])[1 + mod(b.i - b.late_so_far, 5)] END AS state
            FROM placed b
        ), timed AS (
            SELECT s.*,
                   CASE WHEN s.overdue THEN s.created_at + (%(now)s::timestamptz - s.created_at) / 2
                        WHEN s.state = %(on_hold)s THEN NULL
                        ELSE %(now)s::timestamptz + make_interval(hours => (1 + mod(s.i, 720))::int) END AS due_at,
                   CASE WHEN s.overdue THEN s.created_at + (%(now)s::timestamptz - s.created_at) * 3 / 8
                        WHEN s.state = %(on_hold)s THEN NULL
                        ELSE %(now)s::timestamptz + make_interval(mins => (45 * (1 + mod(s.i, 720)))::int)
                   END AS remind_at,
                   substr(s.region_code, 1, 6) AS county,
                   extract(year FROM s.created_at AT TIME ZONE %(tz)s)::int AS yr
            FROM shaped s
        ), numbered AS (
            SELECT t.*, coalesce(c.{c_last}, 0)
                        + row_number() OVER (PARTITION BY t.county, t.yr ORDER BY t.created_at, t.i) AS seq
            FROM timed t
            LEFT JOIN {counter_table} c ON c.{c_county} = t.county AND c.{c_year} = t.yr
        ), ins AS (
            INSERT INTO {case_table} ({", ".join(columns)})
            SELECT {", ".join(selects)} FROM numbered r ORDER BY r.blk, r.created_at, r.i
            RETURNING id, created_at
        ), counters AS (
            INSERT INTO {counter_table} ({c_county}, {c_year}, {c_last})
            SELECT county, yr, max(seq) FROM numbered GROUP BY county, yr
            ON CONFLICT ({c_county}, {c_year}) DO UPDATE SET {c_last} = EXCLUDED.{c_last}
        ){events}
        SELECT count(*) FROM ins
    """
    with transaction.atomic(), connection.cursor() as cursor:
        # Cases filed meanwhile through the services must wait for the counters this statement moves on.
        cursor.execute(f"LOCK TABLE {counter_table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SET LOCAL synchronous_commit = off")
        with _indexes_and_keys_rebuilt(cursor, [Case, CaseEvent], n >= BULK_THRESHOLD):
            cursor.execute(sql, params)
            (written,) = cursor.fetchone()
        if written != n:
            raise RuntimeError(f"Wrote {written} cases instead of {n}.")
    with connection.cursor() as cursor:
        # An index built in the loading transaction can come out marked usable only by transactions
        # newer than every one then running (pg_index.indcheckxmin); on a server where some other
        # transaction runs for an hour, no query could use it. Rebuilt now, it is usable at once.
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index WHERE indcheckxmin AND indrelid = ANY(%s::regclass[])",
            [[Case._meta.db_table, CaseEvent._meta.db_table]],
        )
        for (index,) in cursor.fetchall():
            cursor.execute(f"REINDEX INDEX {index}")
        # Fresh statistics, so the planner uses the sweep's partial index at once.
        cursor.execute(f"ANALYZE {case_table}")
        if with_events:
            cursor.execute(f"ANALYZE {event_table}")


@contextmanager
def _indexes_and_keys_rebuilt(cursor, owners: list[type[models.Model]], active: bool) -> Iterator[None]:
    """Drop the tables' secondary indexes, unique constraints and foreign keys, and build them again after.

    One index build over all rows is several times faster than growing the index row by row, and
    a foreign key added afterwards is checked by one join instead of a trigger per row. It runs
    in the caller's transaction, so an error leaves the schema exactly as it was.
    """
    if not active:
        yield
        return
    tables = [owner._meta.db_table for owner in owners]
    cursor.execute(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = ANY(%s::text[]::regclass[]) AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
        [tables],
    )  # unique constraints before the foreign keys that might lean on them
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i"
        " WHERE indrelid = ANY(%s::text[]::regclass[]) AND NOT indisprimary"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [tables],
    )
    indexes = cursor.fetchall()
    # Checks still deferred in the caller's transaction would forbid altering the tables they touch.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name, _definition in reversed(constraints):
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    yield
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for _name, definition in indexes:
        cursor.execute(definition)
    for table, name, definition in constraints:
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django declares its keys DEFERRABLE INITIALLY DEFERRED


# ---------------------------------------------------------------------- SQLite (small n)


def _row(
    i: int, *, n: int, overdue: int, regions: Regions, category_ids: list[int], reporter_id: int, now: dt.datetime,
    blocks: int,
) -> Case:  # fmt: skip
    """Row i by the same rule as the SQL above."""
    late_so_far = i * overdue // n
    is_overdue = late_so_far > (i - 1) * overdue // n
    offset = SPAN_SECONDS * ((i * HASH_MULTIPLIER) % HASH_MODULUS) // HASH_MODULUS
    created_at = now - MIN_AGE - dt.timedelta(seconds=offset)
    run = len(regions) // blocks
    region_id, region_code = regions[(i - 1) * blocks // n * run + (i - 1) % run]
    category_id = category_ids[((i - 1) // len(regions)) % len(category_ids)]
    if is_overdue:
        state = ACTIVE_CYCLE[late_so_far % 3]
        due_at = created_at + (now - created_at) / 2
        remind_at = created_at + (now - created_at) * 3 / 8
    else:
        state = OPEN_CYCLE[(i - late_so_far) % 5]
        hours = 1 + i % 720
        due_at = None if state == CaseState.ON_HOLD else now + dt.timedelta(hours=hours)
        remind_at = None if state == CaseState.ON_HOLD else now + dt.timedelta(minutes=45 * hours)
    handled = state in HANDLED
    return Case(
        title=f"{TITLE} {i}",
        category_id=category_id,
        urgency=Urgency.URGENT if i % 10 == 0 else Urgency.NORMAL,
        channel=Channel.PATROL,
        reporter_id=reporter_id,
        region_id=region_id,
        region_code=region_code,
        level=CaseLevel.GRID,
        state=state,
        handler_id=reporter_id if handled else None,
        due_at=due_at,
        remind_at=remind_at,
        held_minutes_left=60 + i % 600 if state == CaseState.ON_HOLD else None,
        resolved_by_id=reporter_id if state == CaseState.RESOLVED else None,
        created_at=created_at,
        updated_at=created_at,
        accepted_at=created_at + dt.timedelta(minutes=1) if handled else None,
        resolved_at=created_at + (now - created_at) / 2 if state == CaseState.RESOLVED else None,
    )


@transaction.atomic
def _generate_orm(
    *, n: int, overdue: int, regions: Regions, category_ids: list[int], reporter_id: int, now: dt.datetime,
    with_events: bool, blocks: int,
) -> None:  # fmt: skip
    tz = ZoneInfo(settings.TIME_ZONE)
    cases = [
        _row(
            i, n=n, overdue=overdue, regions=regions, category_ids=category_ids, reporter_id=reporter_id, now=now,
            blocks=blocks,
        )
        for i in range(1, n + 1)
    ]  # fmt: skip
    last: dict[tuple[str, int], int] = defaultdict(int)
    for counter in CaseNumberCounter.objects.select_for_update():
        last[(counter.county_code, counter.year)] = counter.last
    for case in sorted(cases, key=lambda c: c.created_at):
        key = (case.region_code[:6], case.created_at.astimezone(tz).year)
        last[key] += 1
        case.number = f"{key[0]}-{key[1]}-{last[key]:06d}"
    for (county_code, year), value in last.items():
        CaseNumberCounter.objects.update_or_create(county_code=county_code, year=year, defaults={"last": value})
    # Ids run by run, in filing order within a run (row i is cases[i - 1]).
    order = sorted(range(n), key=lambda k: (k * blocks // n, cases[k].created_at, k))
    cases = [cases[k] for k in order]
    for start in range(0, n, SQLITE_CHUNK):
        chunk = Case.objects.bulk_create(cases[start : start + SQLITE_CHUNK])
        if with_events:
            CaseEvent.objects.bulk_create(
                CaseEvent(
                    case_id=case.pk, actor_id=reporter_id, action=CaseAction.SUBMIT, to_state=CaseState.SUBMITTED,
                    to_level=CaseLevel.GRID, created_at=case.created_at,
                )
                for case in chunk
            )  # fmt: skip
