"""A fast generator of case histories for the dashboard benchmark (PostgreSQL only).

`generate_history` writes n cases with their whole event log, set-based: one statement plans every
case from hashes of its index (a temporary table), then one INSERT … SELECT each writes the cases,
their events, the summonses and the case-number counters. Nothing crosses the wire per row; from
BULK_THRESHOLD cases on, the secondary indexes and keys of the case and event tables are dropped
and built once afterwards (as tests/bench/casegen.py does, whose helper it reuses).

The histories follow the services (cases/services/*), so every row is one the portal could write:

- cases are filed over `days` days ending at `now`, in the given places taken in turn (so case i
  and case i − len(places) share a place), in categories drawn with a long tail, from channels in
  turn; 90 % carry a position near the centre of their place;
- every case has a `submit` event (to_level "grid"); cases filed in the last 30 days are still open
  with a probability falling from 1 (today) to 0 (30 days ago), about 2 % of all, in the states
  submitted / accepted / in_progress, some of them past their deadline;
- of the others, 3 % are rejected (with a reason code), 2 % duplicates (of the case filed earlier in
  the same place), 3 % put on file as unable to resolve (挂账), the rest closed (resolve, then
  verify_ok, each with data["late"]); 17 % of the concluded ones were escalated once or twice
  (escalate by hand or auto_escalate by the sweep, grid → community → street), and a fifth of those
  that reached the street summoned one or two departments (summon, check_in with data["late"],
  department_report) and have Summons rows; 60 % of the closed cases have a follow-up visit, 1.5 %
  an unsatisfied one within the week that reopens them (reopen, resolve, verify_ok, follow-up), and
  0.5 % were tagged as unreasonable before theirs;
- a final case whose history would end after `now` has it compressed to fit, so every event lies
  in the past; each case row agrees with its last event (state, level, handler, closing fields,
  clock fields, escalation count, version);
- case ids follow the filing time and numbers are county-year-sequence, continuing the
  CaseNumberCounter rows (which are moved on); event ids follow the case ids and, within a case,
  the order of its events.

`append_live_events` adds the minute's worth of work the rollup job absorbs: new cases, accepts,
escalations, conclusions, rejections and follow-ups on existing cases, at the current time.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from cases.models import Case, CaseEvent, CaseNumberCounter, Summons
from tests.bench.casegen import _indexes_and_keys_rebuilt

BULK_THRESHOLD = 100_000
# Channels "in turn", weighted: most cases come from patrols and residents.
CHANNEL_CYCLE = ["patrol"] * 8 + ["resident"] * 4 + ["snapshot"] * 4 + ["hotline"] * 2 + ["api", "deliberation"]
TITLES = ["楼道堆放杂物", "路灯不亮", "井盖缺失", "占道经营", "噪音扰民", "垃圾清运不及时", "邻里纠纷", "违章搭建"]
REJECT_REASONS = ["out_of_remit"] * 9 + ["insufficient"] * 4 + ["not_actionable"] * 4 + ["judicial", "other", "other"]
HASH_MASK = 2**52 - 1
HASH_SCALE = float(2**52)
# One uniform number in [0, 1) per name and case, from hashint8extended(i, seed).
UNIFORMS = [
    "cat", "out", "open", "esc", "auto1", "auto2", "acc", "a", "d", "r", "v", "fu0", "f", "sat", "reo", "tag",
    "late1", "late2", "late3", "stage", "due", "due2", "geo", "lat", "lon", "e1", "e2", "sum", "two", "ci1", "ci2",
    "rp1", "rp2", "r2", "v2", "f2", "reason", "urgent",
]  # fmt: skip


@dataclass(frozen=True)
class Cast:
    """The people whose ids the events carry, one per role."""

    grid: int  # full-time grid member: files, handles at grid level
    community: int  # community worker: handles at community level, verifies grid cases
    street: int  # street staff: handles at street level, summons, verifies community cases
    department: int  # department staff: checks in and reports back


@dataclass(frozen=True)
class Place:
    """A place cases are filed in, with the centre their positions scatter around."""

    region_id: int
    code: str
    latitude: float
    longitude: float


def _hashes() -> str:
    return ", ".join(f"hashint8extended(k.i, {h + 1}) AS h{h}" for h in range((len(UNIFORMS) + 2) // 3))


def _slices() -> str:
    """Three 21-bit uniform numbers in [0, 1) out of each 64-bit hash of the case index, named u_<name>."""
    return ", ".join(
        f"((hh.h{j // 3} >> {21 * (j % 3)}) & 2097151)::float8 / 2097152.0 AS u_{name}"
        for j, name in enumerate(UNIFORMS)
    )


def _hours(offset: str) -> str:
    """A timestamp `offset` hours (scaled by the compression factor) after the filing time."""
    return f"CASE WHEN {offset} IS NOT NULL THEN k.t0 + ({offset} * fx.f) * interval '1 hour' END"


# Each offset of PLAN_SQL and the block that computes it.
_OFFSETS = [
    "c.o_e1", "c.o_e2", "d.o_acc", "d.o_disp", "e1.o_sum", "e1.o_ci1", "e1.o_ci2", "e2.o_rp1", "e2.o_rp2", "fn.o_res",
    "cl.o_ver", "cl.o_tag", "cl.o_fu", "ag.o_reo", "ag.o_res2", "ag.o_ver2", "ag.o_fu2", "fn.o_unr",
]  # fmt: skip

# The ids, numbers and places of the cases, narrow so that the sorts that number them stay cheap.
KEYS_SQL = """
CREATE TEMPORARY TABLE dashgen_keys ON COMMIT DROP AS
WITH g AS (
    SELECT g.i, 1 + mod(g.i - 1, %(places)s) AS pi,
           %(now)s::timestamptz - %(margin)s::interval
           - ((hashint8extended(g.i, 0) & {mask})::float8 / {scale}) * %(span)s::interval AS t0
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g(i)
), c AS (
    SELECT g.*, (%(place_county)s::int[])[g.pi] AS county_ix,
           extract(year FROM g.t0 AT TIME ZONE %(tz)s)::int AS yr
    FROM g
), numbered AS (
    SELECT c.*, (%(counties)s::text[])[c.county_ix] AS county,
           %(case_base)s + row_number() OVER (ORDER BY c.t0, c.i) AS id,
           coalesce(n.{c_last}, 0) + row_number() OVER (PARTITION BY c.county_ix, c.yr ORDER BY c.t0, c.i) AS seq
    FROM c
    LEFT JOIN {counter_table} n
           ON n.{c_county} = (%(counties)s::text[])[c.county_ix] AND n.{c_year} = c.yr
), named AS (
    SELECT x.*, x.county || '-' || x.yr || '-' || lpad(x.seq::text, greatest(6, length(x.seq::text)), '0') AS number
    FROM numbered x
)
SELECT x.*, lag(x.id, %(places)s) OVER (ORDER BY x.i) AS orig_id,
       lag(x.number, %(places)s) OVER (ORDER BY x.i) AS orig_number
FROM named x
ORDER BY x.id
"""

# Every choice about case i, from hashes of i, read in id order off dashgen_keys and written in that order.
# Each LATERAL block is computed once per row (OFFSET 0 keeps it from being folded into the next one,
# which would copy its expressions into every place that uses them). Offsets are hours after filing.
PLAN_SQL = """
CREATE TEMPORARY TABLE dashgen_plan ON COMMIT DROP AS
SELECT k.i, k.id, k.number, k.orig_id, k.orig_number, k.county, k.yr, k.seq, k.t0, k.county_ix,
       pl.region_id, pl.region_code, oc.outcome, b.stage, c.level, b.esc, c.auto1, c.auto2, c.summoned, c.two,
       c.has_follow, c.tagged, b.reopened, c.has_accept, u.u_sat, u.u_reason, u.u_cat, u.u_urgent, u.u_geo, u.u_lat,
       u.u_lon, u.u_late1 < 0.08 AS late1, u.u_late2 < 0.03 AS late2, u.u_late3 < 0.3 AS late3,
       e1.o_ci1 - e1.o_sum > 24 AS ci1_late, e1.o_ci2 - e1.o_sum > 24 AS ci2_late,
       {timestamps},
       CASE oc.outcome WHEN 'open' THEN b.stage WHEN 'closed' THEN 'closed' WHEN 'reject' THEN 'rejected'
            WHEN 'duplicate' THEN 'duplicate' ELSE 'unresolvable' END AS state,
       CASE c.level WHEN 'grid' THEN %(grid)s::bigint WHEN 'community' THEN %(community)s::bigint
            ELSE %(street)s::bigint END AS handler,
       CASE c.level WHEN 'grid' THEN %(community)s::bigint WHEN 'community' THEN %(street)s::bigint
            ELSE %(community)s::bigint END AS verifier,
       CASE WHEN c.level = 'street' THEN %(street)s::bigint ELSE %(community)s::bigint END AS manager,
       CASE WHEN mod((u.u_sat * 1000)::int, 3) = 0 THEN %(community)s::bigint ELSE %(grid)s::bigint END AS visitor,
       (%(dept_ids)s::bigint[])[(k.county_ix - 1) * %(dept_per_county)s + 1 + mod(k.i, %(dept_per_county)s)] AS dept1,
       CASE WHEN c.two THEN (%(dept_ids)s::bigint[])[(k.county_ix - 1) * %(dept_per_county)s + 1
                                                     + mod(k.i + 1, %(dept_per_county)s)] END AS dept2,
       (%(dept_names)s::text[])[(k.county_ix - 1) * %(dept_per_county)s + 1 + mod(k.i, %(dept_per_county)s)] AS name1,
       (%(dept_names)s::text[])[(k.county_ix - 1) * %(dept_per_county)s + 1 + mod(k.i + 1, %(dept_per_county)s)]
           AS name2,
       CASE WHEN oc.outcome <> 'open' THEN NULL
            WHEN ck.overdue THEN k.t0 + (pl.age_h * 0.6) * interval '1 hour' ELSE ck.due_later END AS due_at,
       CASE WHEN oc.outcome <> 'open' THEN NULL
            WHEN ck.overdue THEN k.t0 + (pl.age_h * 0.45) * interval '1 hour'
            ELSE ck.due_later - (ck.due_later - k.t0) / 4 END AS remind_at
FROM dashgen_keys k
CROSS JOIN LATERAL (SELECT {hashes} OFFSET 0) hh
CROSS JOIN LATERAL (SELECT {slices} OFFSET 0) u
CROSS JOIN LATERAL (
    SELECT (%(region_ids)s::bigint[])[k.pi] AS region_id, (%(region_codes)s::bigint[])[k.pi]::text AS region_code,
           date_part('epoch', %(now)s::timestamptz - k.t0) / 3600 AS age_h
    OFFSET 0
) pl
CROSS JOIN LATERAL (
    SELECT CASE WHEN %(live)s OR (pl.age_h < 720 AND u.u_open < 1 - pl.age_h / 720) THEN 'open'
                WHEN u.u_out < 0.03 THEN 'reject'
                WHEN u.u_out < 0.05 AND k.i - %(places)s >= %(first)s THEN 'duplicate'
                WHEN u.u_out < 0.08 THEN 'unresolvable'
                ELSE 'closed' END AS outcome
    OFFSET 0
) oc
CROSS JOIN LATERAL (
    SELECT CASE WHEN oc.outcome IN ('closed', 'unresolvable')
                THEN CASE WHEN u.u_esc < 0.11 THEN 1 WHEN u.u_esc < 0.17 THEN 2 ELSE 0 END ELSE 0 END AS esc,
           CASE WHEN oc.outcome <> 'open' THEN NULL
                WHEN %(live)s OR u.u_stage < 0.35 THEN 'submitted'
                WHEN u.u_stage < 0.6 THEN 'accepted' ELSE 'in_progress' END AS stage,
           oc.outcome = 'closed' AND u.u_reo < 0.015 AS reopened
    OFFSET 0
) b
CROSS JOIN LATERAL (
    SELECT b.esc >= 1 AND u.u_auto1 < 0.4 AS auto1,
           b.esc >= 2 AND u.u_auto2 < 0.4 AS auto2,
           b.esc = 2 AND u.u_sum < 0.2 AS summoned,
           b.esc = 2 AND u.u_sum < 0.2 AND u.u_two < 0.4 AS two,
           oc.outcome = 'closed' AND (b.reopened OR u.u_fu0 < 0.6) AS has_follow,
           oc.outcome = 'closed' AND NOT b.reopened AND u.u_fu0 < 0.6 AND u.u_tag < 0.005 AS tagged,
           CASE WHEN oc.outcome IN ('closed', 'unresolvable') THEN (b.esc = 2 AND u.u_sum < 0.2) OR u.u_acc < 0.5
                WHEN oc.outcome = 'open' THEN b.stage = 'accepted' OR (b.stage = 'in_progress' AND u.u_acc < 0.5)
                ELSE false END AS has_accept,
           CASE b.esc WHEN 0 THEN 'grid' WHEN 1 THEN 'community' ELSE 'street' END AS level,
           CASE WHEN b.esc >= 1 THEN 0.5 + 23.5 * u.u_e1 END AS o_e1,
           CASE WHEN b.esc >= 2 THEN 1.5 + 23.5 * u.u_e1 + 47 * u.u_e2 END AS o_e2,
           CASE b.esc WHEN 0 THEN 0 WHEN 1 THEN 0.5 + 23.5 * u.u_e1 ELSE 1.5 + 23.5 * u.u_e1 + 47 * u.u_e2 END AS lead
    OFFSET 0
) c
CROSS JOIN LATERAL (
    SELECT CASE WHEN oc.outcome = 'open' AND c.has_accept THEN pl.age_h * 0.2
                WHEN c.has_accept THEN c.lead + 0.1 + 7.9 * u.u_a END AS o_acc,
           CASE WHEN oc.outcome = 'open' AND b.stage = 'in_progress' THEN pl.age_h * 0.3
                WHEN oc.outcome IN ('closed', 'unresolvable') THEN
                    c.lead + CASE WHEN c.has_accept THEN 0.1 + 7.9 * u.u_a ELSE 0 END + 0.05 + 3.95 * u.u_d
           END AS o_disp
    OFFSET 0
) d
CROSS JOIN LATERAL (
    SELECT CASE WHEN c.summoned THEN d.o_disp + 0.5 END AS o_sum,
           CASE WHEN c.summoned THEN d.o_disp + 1.5 + 29 * u.u_ci1 END AS o_ci1,
           CASE WHEN c.two THEN d.o_disp + 2 + 29 * u.u_ci1 + 10 * u.u_ci2 END AS o_ci2
    OFFSET 0
) e1
CROSS JOIN LATERAL (
    SELECT CASE WHEN c.summoned THEN coalesce(e1.o_ci2, e1.o_ci1) + 1 + 20 * u.u_rp1 END AS o_rp1,
           CASE WHEN c.two THEN e1.o_ci2 + 1.5 + 20 * u.u_rp1 + 10 * u.u_rp2 END AS o_rp2
    OFFSET 0
) e2
CROSS JOIN LATERAL (
    SELECT CASE WHEN oc.outcome = 'closed' THEN coalesce(e2.o_rp2, e2.o_rp1, d.o_disp) + 1 + 95 * u.u_r * u.u_r
           END AS o_res,
           CASE WHEN oc.outcome = 'unresolvable' THEN coalesce(e2.o_rp2, e2.o_rp1, d.o_disp) + 24 + 176 * u.u_r
           END AS o_unr,
           CASE WHEN oc.outcome IN ('reject', 'duplicate') THEN 0.2 + 11.8 * u.u_r END AS o_rej
    OFFSET 0
) fn
CROSS JOIN LATERAL (
    SELECT fn.o_res + 0.5 + 23.5 * u.u_v AS o_ver,
           CASE WHEN c.tagged THEN fn.o_res + 1.5 + 23.5 * u.u_v END AS o_tag,
           CASE WHEN b.reopened THEN fn.o_res + 2.5 + 23.5 * u.u_v + 46 * u.u_f
                WHEN c.has_follow THEN fn.o_res + 2 + 23.5 * u.u_v + 70.5 * u.u_f END AS o_fu
    OFFSET 0
) cl
CROSS JOIN LATERAL (
    SELECT CASE WHEN b.reopened THEN cl.o_fu + 1.0 / 3600 END AS o_reo,
           CASE WHEN b.reopened THEN cl.o_fu + 4 + 44 * u.u_r2 END AS o_res2,
           CASE WHEN b.reopened THEN cl.o_fu + 5 + 44 * u.u_r2 + 23 * u.u_v2 END AS o_ver2,
           CASE WHEN b.reopened THEN cl.o_fu + 29 + 44 * u.u_r2 + 23 * u.u_v2 + 24 * u.u_f2 END AS o_fu2
    OFFSET 0
) ag
CROSS JOIN LATERAL (
    SELECT greatest(c.o_e1, c.o_e2, d.o_acc, d.o_disp, e1.o_sum, e1.o_ci1, e1.o_ci2, e2.o_rp1, e2.o_rp2, fn.o_res,
                    fn.o_unr, fn.o_rej, cl.o_ver, cl.o_tag, cl.o_fu, ag.o_reo, ag.o_res2, ag.o_ver2, ag.o_fu2, 0)
           AS o_end
    OFFSET 0
) en
CROSS JOIN LATERAL (
    -- A final case whose history would end after now is compressed to fit; open cases end where they are.
    SELECT CASE WHEN oc.outcome <> 'open' AND en.o_end > pl.age_h - 1.0 / 60 THEN (pl.age_h - 1.0 / 60) / en.o_end
                ELSE 1 END AS f
    OFFSET 0
) fx
CROSS JOIN LATERAL (
    SELECT oc.outcome = 'open' AND NOT %(live)s AND pl.age_h > 4 AND u.u_due < 0.3 AS overdue,
           %(now)s::timestamptz + (1 + 71 * u.u_due2) * interval '1 hour' AS due_later
    OFFSET 0
) ck
"""


def _late(flag: str) -> str:
    return f"""CASE WHEN {flag} THEN '{{"late": true}}'::jsonb ELSE '{{"late": false}}'::jsonb END"""


# Every event a case may have, in the order they happen; a step whose time is NULL does not happen.
# Each is (actor, action, from_state, to_state, from_level, to_level, note, data, created_at) in SQL over plan
# row p; action to note are constants of the step.
AUTO = "'未在时限内办理，自动上报'"
EVENT_STEPS = [
    ("%(grid)s", "'submit'", "''", "'submitted'", "''", "'grid'", "''", "NULL", "p.t0"),
    ("%(grid)s", "'escalate'", "'submitted'", "'submitted'", "'grid'", "'community'", "'需社区协调'", "NULL",
     "CASE WHEN NOT p.auto1 THEN p.t_e1 END"),
    ("NULL", "'auto_escalate'", "'submitted'", "'submitted'", "'grid'", "'community'", AUTO,
     "CASE WHEN p.auto1 THEN jsonb_build_object('missed_deadline', p.t_e1 - interval '1 minute') END",
     "CASE WHEN p.auto1 THEN p.t_e1 END"),
    ("%(community)s", "'escalate'", "'submitted'", "'submitted'", "'community'", "'street'", "'需街道协调'", "NULL",
     "CASE WHEN NOT p.auto2 THEN p.t_e2 END"),
    ("NULL", "'auto_escalate'", "'submitted'", "'submitted'", "'community'", "'street'", AUTO,
     "CASE WHEN p.auto2 THEN jsonb_build_object('missed_deadline', p.t_e2 - interval '1 minute') END",
     "CASE WHEN p.auto2 THEN p.t_e2 END"),
    ("p.handler", "'accept'", "'submitted'", "'accepted'", "''", "''", "''", "NULL", "p.t_acc"),
    ("p.handler", "'dispatch'", "'accepted'", "'in_progress'", "''", "''", "''",
     "CASE WHEN p.t_disp IS NOT NULL THEN jsonb_build_object('handler', p.handler) END",
     "CASE WHEN p.has_accept THEN p.t_disp END"),
    ("p.handler", "'dispatch'", "'submitted'", "'in_progress'", "''", "''", "'现场处置'",
     "CASE WHEN p.t_disp IS NOT NULL THEN jsonb_build_object('handler', p.handler) END",
     "CASE WHEN NOT p.has_accept THEN p.t_disp END"),
    ("%(street)s", "'summon'", "''", "''", "''", "''", "'请相关部门到场处置'",
     "CASE WHEN p.summoned THEN jsonb_build_object('departments', to_jsonb(array_remove(ARRAY[p.dept1, p.dept2], NULL)),"
     " 'names', to_jsonb(CASE WHEN p.two THEN ARRAY[p.name1, p.name2] ELSE ARRAY[p.name1] END)) END", "p.t_sum"),
    ("%(department)s", "'check_in'", "''", "''", "''", "''", "''",
     "CASE WHEN p.summoned THEN jsonb_build_object('department', p.dept1, 'name', p.name1, 'late', p.ci1_late) END",
     "p.t_ci1"),
    ("%(department)s", "'check_in'", "''", "''", "''", "''", "''",
     "CASE WHEN p.two THEN jsonb_build_object('department', p.dept2, 'name', p.name2, 'late', p.ci2_late) END",
     "p.t_ci2"),
    ("%(department)s", "'department_report'", "''", "''", "''", "''", "'已到场处置'",
     "CASE WHEN p.summoned THEN jsonb_build_object('department', p.dept1, 'name', p.name1) END", "p.t_rp1"),
    ("%(department)s", "'department_report'", "''", "''", "''", "''", "'已到场处置'",
     "CASE WHEN p.two THEN jsonb_build_object('department', p.dept2, 'name', p.name2) END", "p.t_rp2"),
    ("p.handler", "'resolve'", "'in_progress'", "'resolved'", "''", "''", "'已处理'", _late("p.late1"), "p.t_res"),
    ("p.verifier", "'verify_ok'", "'resolved'", "'closed'", "''", "''", "''", _late("p.late2"), "p.t_ver"),
    ("%(community)s", "'tag_unreasonable'", "''", "''", "''", "''", "'诉求不合理'", "NULL", "p.t_tag"),
    ("p.visitor", "'follow_up'", "''", "''", "''", "''", "''",
     "CASE WHEN p.has_follow THEN jsonb_build_object('satisfaction', CASE WHEN p.reopened THEN 'unsatisfied'"
     " WHEN p.u_sat < 0.8 THEN 'satisfied' ELSE 'fairly' END, 'by_reporter', p.visitor = %(grid)s) END", "p.t_fu"),
    ("p.visitor", "'reopen'", "'closed'", "'in_progress'", "''", "''", "'回访不满意，重新处理'", "NULL", "p.t_reo"),
    ("p.handler", "'resolve'", "'in_progress'", "'resolved'", "''", "''", "'已重新处理'", _late("false"), "p.t_res2"),
    ("p.verifier", "'verify_ok'", "'resolved'", "'closed'", "''", "''", "''", _late("false"), "p.t_ver2"),
    ("p.visitor", "'follow_up'", "''", "''", "''", "''", "''",
     "CASE WHEN p.reopened THEN jsonb_build_object('satisfaction', 'satisfied', 'by_reporter', p.visitor = %(grid)s)"
     " END", "p.t_fu2"),
    ("p.manager", "'unresolvable'", "'in_progress'", "'unresolvable'", "''", "''", "'涉及历史遗留问题，暂无法解决'",
     _late("p.late3"), "p.t_unr"),
    ("%(grid)s", "'reject'", "'submitted'", "'rejected'", "''", "''", "'不属于网格事项'",
     "CASE WHEN p.outcome = 'reject' THEN jsonb_build_object('reason_code', (%(reasons)s::text[])"
     "[1 + floor(p.u_reason * cardinality(%(reasons)s::text[]))::int]) END",
     "CASE WHEN p.outcome = 'reject' THEN p.t_rej END"),
    ("%(grid)s", "'duplicate'", "'submitted'", "'duplicate'", "''", "''", "''",
     "CASE WHEN p.outcome = 'duplicate' THEN jsonb_build_object('original', p.orig_id, 'original_number', p.orig_number)"
     " END", "CASE WHEN p.outcome = 'duplicate' THEN p.t_rej END"),
]  # fmt: skip
STEP_COLUMNS = [
    ("actor", "bigint"), ("action", "text"), ("from_state", "text"), ("to_state", "text"), ("from_level", "text"),
    ("to_level", "text"), ("note", "text"), ("data", "jsonb"), ("at", "timestamptz"),
]  # fmt: skip


def _events_select() -> str:
    """The events of every plan row, in (case id, step) order.

    The times of a case's steps are unnested in the select list (in step with their numbers), the
    steps that do not happen are dropped, and only then are the actor and data of the others computed
    (by step number) and the constant columns looked up.
    """
    columns = []
    for index, (_name, kind) in enumerate(STEP_COLUMNS[:-1]):
        values = [step[index] for step in EVENT_STEPS]
        if all(value.startswith("'") for value in values):  # a constant of the step
            columns.append(f"(ARRAY[{', '.join(values)}]::{kind}[])[p.step_]")
        else:
            whens = " ".join(f"WHEN {number} THEN {value}" for number, value in enumerate(values, 1) if value != "NULL")
            columns.append(f"CASE p.step_ {whens} END::{kind}")
    times = ", ".join(step[-1] for step in EVENT_STEPS)
    # Only the plan columns the steps read pass through the unnesting.
    used = sorted({"id", *re.findall(r"\bp\.(\w+)", " ".join(" ".join(step[:-1]) for step in EVENT_STEPS))})
    return (
        f"SELECT p.id, {', '.join(columns[:-1])}, coalesce({columns[-1]}, '{{}}'), p.at_"
        f" FROM (SELECT {', '.join('p.' + name for name in used)}, unnest(ARRAY[{times}]::timestamptz[]) AS at_, generate_series(1, {len(EVENT_STEPS)})"
        " AS step_ FROM dashgen_plan p) p WHERE p.at_ IS NOT NULL"
    )


def _case_expressions() -> dict[str, str]:
    """SQL for every case field the generator sets, over the plan row `p` (the rest take their defaults)."""
    ended = "p.outcome <> 'open'"
    return {
        "id": "p.id",
        "number": "p.number",
        "title": "(%(titles)s::text[])[1 + mod(p.i, cardinality(%(titles)s::text[]))]",
        "category": "(%(category_ids)s::bigint[])[1 + floor(cardinality(%(category_ids)s::bigint[])"
        " * power(p.u_cat, %(skew)s))::int]",
        "urgency": "CASE WHEN p.u_urgent < 0.1 THEN 'urgent' ELSE 'normal' END",
        "channel": "(%(channels)s::text[])[1 + mod(p.i, cardinality(%(channels)s::text[]))]",
        "reporter": "%(grid)s::bigint",
        "region": "p.region_id",
        "region_code": "p.region_code",
        "latitude": "CASE WHEN p.u_geo < 0.9 THEN round(((%(place_lat)s::float8[])[1 + mod(p.i - 1, %(places)s)]"
        " + (p.u_lat - 0.5) * 0.01)::numeric, 6) END",
        "longitude": "CASE WHEN p.u_geo < 0.9 THEN round(((%(place_lon)s::float8[])[1 + mod(p.i - 1, %(places)s)]"
        " + (p.u_lon - 0.5) * 0.012)::numeric, 6) END",
        "level": "p.level",
        "handler": "CASE WHEN p.outcome IN ('closed', 'unresolvable') OR p.stage IN ('accepted', 'in_progress')"
        " THEN p.handler END",
        "state": "p.state",
        "due_at": "p.due_at",
        "remind_at": "p.remind_at",
        "duplicate_of": "CASE WHEN p.outcome = 'duplicate' THEN p.orig_id END",
        "is_unreasonable": "p.tagged",
        "escalation_count": "p.esc",
        "was_overdue": "p.auto1 OR p.auto2",
        "resolved_by": "CASE WHEN p.t_res IS NOT NULL THEN p.handler END",
        "resolution": "CASE WHEN p.t_res IS NOT NULL THEN '已处理' ELSE '' END",
        "closed_level": f"CASE WHEN {ended} THEN p.level ELSE '' END",
        "closed_on_time": "CASE WHEN p.outcome = 'closed' THEN NOT (p.late1 OR p.auto1 OR p.auto2) END",
        "closure_reason": "CASE p.outcome WHEN 'reject' THEN '不属于网格事项' WHEN 'duplicate' THEN p.orig_number"
        " WHEN 'unresolvable' THEN '涉及历史遗留问题，暂无法解决' ELSE '' END",
        "created_at": "p.t0",
        "updated_at": "p.t_last",
        "accepted_at": "coalesce(p.t_acc, p.t_disp)",
        "resolved_at": "coalesce(p.t_res2, p.t_res)",
        "closed_at": f"CASE WHEN {ended} THEN p.t_last END",
        "version": "p.events",
    }


def _columns_and_values(model, expressions: dict[str, str], params: dict) -> tuple[list[str], list[str]]:
    """Quoted columns and SQL values: the given expressions, and the default of every other NOT NULL field."""
    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.name in expressions:
            columns.append(connection.ops.quote_name(f.column))
            values.append(expressions[f.name])
        elif not f.null and not f.primary_key:
            key = f"default_{model._meta.model_name}_{f.column}"
            params[key] = f.get_db_prep_save(f.get_default(), connection)
            columns.append(connection.ops.quote_name(f.column))
            values.append(f"%({key})s")
    return columns, values


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


@dataclass
class Generated:
    cases: int
    events: int
    open: int
    seconds_by_step: dict[str, float]


def generate_history(
    *,
    first: int,
    n: int,
    places: list[Place],
    counties: list[str],
    departments: dict[str, list[tuple[int, str]]],
    category_ids: list[int],
    cast: Cast,
    now: dt.datetime,
    days: int = 730,
    live: bool = False,
    margin: dt.timedelta = dt.timedelta(minutes=5),
) -> Generated:
    """Write cases first … first + n − 1 (the index drives every choice) with their histories.

    `departments` maps each county code to the same number of (id, name) pairs. `live` files them all
    as new submitted cases within `days` (a fraction) before `now`.
    """
    import time

    if connection.vendor != "postgresql":
        raise RuntimeError("dashgen writes with PostgreSQL-only SQL.")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware.")
    per_county = {len(v) for v in departments.values()}
    if len(per_county) != 1 or set(departments) != set(counties):
        raise ValueError("Give every county the same number of departments.")
    dept_per_county = per_county.pop()
    span = dt.timedelta(days=days) - margin
    params: dict[str, object] = {
        "first": first, "last": first + n - 1, "now": now, "margin": margin, "span": span, "tz": settings.TIME_ZONE,
        "live": live, "places": len(places), "region_ids": [p.region_id for p in places],
        "region_codes": [int(p.code) for p in places], "counties": counties, "place_lat": [p.latitude for p in places],
        "place_lon": [p.longitude for p in places],
        "place_county": [counties.index(p.code[:6]) + 1 for p in places],
        "dept_ids": [pk for c in counties for pk, _name in departments[c]],
        "dept_names": [name for c in counties for _pk, name in departments[c]], "dept_per_county": dept_per_county,
        "grid": cast.grid, "community": cast.community, "street": cast.street, "department": cast.department,
        "titles": TITLES, "channels": CHANNEL_CYCLE, "category_ids": category_ids, "skew": 2.5,
        "reasons": REJECT_REASONS,
    }  # fmt: skip
    counter_table = _table(CaseNumberCounter)
    c_county, c_year, c_last = (_column(CaseNumberCounter, name) for name in ("county_code", "year", "last"))
    timestamps = ",\n       ".join(
        [f"{_hours(name)} AS t_{name.split('.o_')[1]}" for name in _OFFSETS]
        + [
            "CASE WHEN oc.outcome IN ('reject', 'duplicate') THEN k.t0 + (fn.o_rej * fx.f) * interval '1 hour' END"
            " AS t_rej",
            "k.t0 + (en.o_end * fx.f) * interval '1 hour' AS t_last",
            "1 + " + " + ".join(f"({name} IS NOT NULL)::int" for name in [*_OFFSETS, "fn.o_rej"]) + " AS events",
        ]
    )
    keys_sql = KEYS_SQL.format(
        mask=HASH_MASK, scale=HASH_SCALE, counter_table=counter_table, c_county=c_county, c_year=c_year, c_last=c_last
    )
    plan_sql = PLAN_SQL.format(hashes=_hashes(), slices=_slices(), timestamps=timestamps)
    case_table, event_table = _table(Case), _table(CaseEvent)
    seconds: dict[str, float] = {}

    def step(name: str, cursor, sql: str) -> int:
        started = time.perf_counter()
        cursor.execute(sql, params)
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
        return cursor.rowcount

    with transaction.atomic(), connection.cursor() as cursor:
        # Cases filed meanwhile through the services wait for the ids and counters this moves on.
        cursor.execute(f"LOCK TABLE {counter_table}, {case_table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL enable_memoize = off")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Case._meta.db_table])
        (case_sequence,) = cursor.fetchone()
        cursor.execute(
            f"SELECT greatest((SELECT coalesce(max(id), 0) FROM {case_table}), last_value) FROM {case_sequence}"
        )
        params["case_base"] = cursor.fetchone()[0]
        step("plan", cursor, keys_sql)
        step("plan", cursor, plan_sql)
        cursor.execute("SELECT count(*) FROM (SELECT id - lag(id) OVER () AS step FROM dashgen_plan) x WHERE step <> 1")
        if cursor.fetchone()[0]:
            raise RuntimeError("The plan is not stored in id order.")
        columns, values = _columns_and_values(Case, _case_expressions(), params)
        event_columns = ", ".join(
            _column(CaseEvent, name)
            for name in ("case", "actor", "action", "from_state", "to_state", "from_level", "to_level", "note", "data",
                         "created_at")
        )  # fmt: skip
        started = time.perf_counter()
        with _indexes_and_keys_rebuilt(cursor, [Case, CaseEvent], n >= BULK_THRESHOLD):
            seconds["drop indexes"] = time.perf_counter() - started
            written = step(
                "cases",
                cursor,
                f"INSERT INTO {case_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM dashgen_plan p",
            )
            if written != n:
                raise RuntimeError(f"Wrote {written} cases instead of {n}.")
            cursor.execute("SELECT setval(%s, %s)", [case_sequence, params["case_base"] + n])
            step(
                "cases",
                cursor,
                f"INSERT INTO {counter_table} ({c_county}, {c_year}, {c_last})"
                " SELECT county, yr, max(seq) FROM dashgen_plan GROUP BY county, yr"
                f" ON CONFLICT ({c_county}, {c_year}) DO UPDATE SET {c_last} = EXCLUDED.{c_last}",
            )
            # The plan is stored in id order and read by one sequential scan (a temporary table is never
            # scanned in parallel or in step with another scan), so event ids follow (case id, row order).
            events = step(
                "events",
                cursor,
                f"INSERT INTO {event_table} ({event_columns}) " + _events_select(),
            )
            step("summonses", cursor, _summons_sql(params))
            started = time.perf_counter()
        seconds["build indexes"] = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM dashgen_plan WHERE outcome = 'open'")
        (still_open,) = cursor.fetchone()
    return Generated(cases=n, events=events, open=still_open, seconds_by_step=seconds)


def _summons_sql(params: dict) -> str:
    expressions = {
        "case": "p.id",
        "department": "d.department",
        "summoned_by": "%(street)s::bigint",
        "summoned_at": "p.t_sum",
        "note": "'请相关部门到场处置'",
        "check_in_due_at": "p.t_sum + interval '24 hours'",
        "checked_in_at": "d.checked_in",
        "checked_in_by": "%(department)s::bigint",
        "late_noticed_at": "CASE WHEN d.late THEN p.t_sum + interval '24 hours' END",
        "report": "'已到场处置'",
        "reported_at": "d.reported",
        "reported_by": "%(department)s::bigint",
    }
    columns, values = _columns_and_values(Summons, expressions, params)
    return (
        f"INSERT INTO {_table(Summons)} ({', '.join(columns)}) SELECT {', '.join(values)} FROM dashgen_plan p"
        " CROSS JOIN LATERAL (VALUES (p.dept1, p.t_ci1, p.ci1_late, p.t_rp1), (p.dept2, p.t_ci2, p.ci2_late, p.t_rp2))"
        " AS d(department, checked_in, late, reported)"
        " WHERE p.summoned AND d.department IS NOT NULL"
    )


# ---------------------------------------------------------------------- the minute's work


@dataclass
class LiveMix:
    submitted: int = 0
    accepted: int = 0
    escalated: int = 0
    rejected: int = 0
    concluded: int = 0
    unresolvable: int = 0
    followed_up: int = 0

    def as_text(self) -> str:
        return ", ".join(f"{name} {value:,}" for name, value in self.__dict__.items() if value)


def append_live_events(
    *,
    total: int,
    cast: Cast,
    generate_new,
    seed: int = 2026,
) -> tuple[int, LiveMix]:
    """Add `total` events of the last minutes (committed): work on existing cases, and new cases.

    Of the events: 10 % accepts of submitted cases, 8 % escalations (a third by the sweep), 1.5 %
    rejections, 30 % conclusions (resolve + verify_ok of cases in progress), 1 % 挂账, 10 % follow-ups
    of cases closed in the last week; the rest are new cases filed (by `generate_new(n)`, which must
    write n submitted cases with their submit events). Fewer candidates than asked leave more for
    new cases. Returns the number of events written and the mix.
    """
    from django.utils import timezone

    rng = random.Random(seed)
    now = timezone.now()
    mix = LiveMix()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, state, level FROM {_table(Case)} WHERE state IN ('submitted', 'accepted', 'in_progress')"
            " ORDER BY id"
        )
        open_rows = cursor.fetchall()
        cursor.execute(
            f"SELECT id FROM {_table(Case)} WHERE state = 'closed' AND closed_at > %s AND NOT is_unreasonable"
            " ORDER BY id",
            [now - dt.timedelta(days=7)],
        )
        recently_closed = [row[0] for row in cursor.fetchall()]
    rng.shuffle(open_rows)
    rng.shuffle(recently_closed)
    submitted = [r for r in open_rows if r[1] == "submitted"]
    grid_active = [r for r in open_rows if r[1] in ("submitted", "accepted") and r[2] == "grid"]
    in_progress = [r for r in open_rows if r[1] == "in_progress"]
    used: set[int] = set()

    def take(rows, count):
        found = []
        for row in rows:
            if len(found) == count:
                break
            if row[0] not in used:
                used.add(row[0])
                found.append(row)
        return found

    handler = {"grid": cast.grid, "community": cast.community, "street": cast.street}
    verifier = {"grid": cast.community, "community": cast.street, "street": cast.community}
    events: list[tuple] = []  # (case, actor, action, from_state, to_state, from_level, to_level, note, data, seconds)
    updates: list[tuple] = []  # (case, state, level, handler, closed, escalated, seconds)

    def moment() -> float:
        return rng.uniform(0, 600)  # seconds before now

    for case_id, _state, level in take(submitted, total * 10 // 100):
        s = moment()
        events.append((case_id, handler[level], "accept", "submitted", "accepted", "", "", "", {}, s))
        updates.append((case_id, "accepted", level, handler[level], False, False, s))
        mix.accepted += 1
    for index, (case_id, state, _level) in enumerate(take(grid_active, total * 8 // 100)):
        s = moment()
        auto = index % 3 == 0
        data = {"missed_deadline": (now - dt.timedelta(seconds=s + 60)).isoformat()} if auto else {}
        action = "auto_escalate" if auto else "escalate"
        actor = None if auto else cast.grid
        events.append((case_id, actor, action, state, "submitted", "grid", "community", "需社区协调", data, s))
        updates.append((case_id, "submitted", "community", None, False, True, s))
        mix.escalated += 1
    for case_id, _state, _level in take(submitted, total * 15 // 1000):
        s = moment()
        reason = rng.choice(REJECT_REASONS)
        events.append((case_id, cast.grid, "reject", "submitted", "rejected", "", "", "不属于网格事项",
                       {"reason_code": reason}, s))  # fmt: skip
        updates.append((case_id, "rejected", None, None, True, False, s))
        mix.rejected += 1
    for case_id, _state, level in take(in_progress, total * 15 // 100):
        s = moment()
        events.append((case_id, handler[level], "resolve", "in_progress", "resolved", "", "", "已处理",
                       {"late": rng.random() < 0.08}, s + 60))  # fmt: skip
        events.append((case_id, verifier[level], "verify_ok", "resolved", "closed", "", "", "",
                       {"late": rng.random() < 0.03}, s))  # fmt: skip
        updates.append((case_id, "closed", level, handler[level], True, False, s))
        mix.concluded += 1
    for case_id, _state, level in take(in_progress, total // 100):
        s = moment()
        events.append((case_id, cast.community, "unresolvable", "in_progress", "unresolvable", "", "",
                       "涉及历史遗留问题，暂无法解决", {"late": rng.random() < 0.3}, s))  # fmt: skip
        updates.append((case_id, "unresolvable", level, handler[level], True, False, s))
        mix.unresolvable += 1
    for case_id in recently_closed[: total // 10]:
        s = moment()
        satisfaction = "satisfied" if rng.random() < 0.8 else "fairly"
        events.append((case_id, cast.grid, "follow_up", "", "", "", "", "",
                       {"satisfaction": satisfaction, "by_reporter": True}, s))  # fmt: skip
        mix.followed_up += 1
    new_cases = max(0, total - len(events))
    # Every event in time order, as the services would have written them.
    events.sort(key=lambda row: -row[-1])
    with transaction.atomic(), connection.cursor() as cursor:
        if events:
            columns = ", ".join(
                _column(CaseEvent, name)
                for name in ("case", "actor", "action", "from_state", "to_state", "from_level", "to_level", "note",
                             "data", "created_at")
            )  # fmt: skip
            rows = [(*row[:8], json.dumps(row[8]), now - dt.timedelta(seconds=row[9])) for row in events]
            cursor.execute(
                f"INSERT INTO {_table(CaseEvent)} ({columns})"
                " SELECT a, b, c, d, e, f, g, h, i, j FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[],"
                " %s::text[], %s::text[], %s::text[], %s::text[], %s::jsonb[], %s::timestamptz[]) WITH ORDINALITY"
                " AS u (a, b, c, d, e, f, g, h, i, j, k) ORDER BY k",
                [list(column) for column in zip(*rows, strict=True)],
            )
        if updates:
            cursor.execute(
                f"UPDATE {_table(Case)} c SET state = u.state, level = coalesce(u.level, c.level),"
                " handler_id = CASE WHEN u.state IN ('submitted', 'rejected') THEN NULL ELSE u.handler END,"
                " escalation_count = c.escalation_count + u.escalated::int,"
                " was_overdue = c.was_overdue OR u.escalated,"
                " closed_at = CASE WHEN u.closed THEN u.at END, closed_level = CASE WHEN u.closed THEN c.level ELSE '' END,"
                " resolved_at = CASE WHEN u.state = 'closed' THEN u.at - interval '1 minute' ELSE c.resolved_at END,"
                " accepted_at = coalesce(c.accepted_at, CASE WHEN u.state = 'accepted' THEN u.at END),"
                " due_at = CASE WHEN u.closed THEN NULL ELSE u.at + interval '8 hours' END,"
                " remind_at = CASE WHEN u.closed THEN NULL ELSE u.at + interval '6 hours' END,"
                " reminded_at = NULL, overdue_noticed_at = NULL,"
                " version = c.version + CASE WHEN u.state = 'closed' THEN 2 ELSE 1 END, updated_at = u.at"
                " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[], %s::bool[], %s::bool[],"
                " %s::timestamptz[]) AS u(id, state, level, handler, closed, escalated, at) WHERE c.id = u.id",
                [
                    [u[0] for u in updates], [u[1] for u in updates], [u[2] for u in updates],
                    [u[3] for u in updates], [u[4] for u in updates], [u[5] for u in updates],
                    [now - dt.timedelta(seconds=u[6]) for u in updates],
                ],
            )  # fmt: skip
    written = len(events)
    if new_cases:
        written += generate_new(new_cases)
        mix.submitted = new_cases
    return written, mix
