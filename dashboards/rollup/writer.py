"""Adding changes to the rollup tables: every place at every depth of its code, with one upsert per chunk.

`INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n` is the same statement in PostgreSQL
and SQLite, so the embedded default keeps its rollups current the same way production does.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from ..models import DEPTHS, MEASURE_FIELDS, CaseRollup, CaseRollupMonth, SummonsRollup
from .deltas import Deltas

SUMMONS_FIELDS = ("summoned", "checked_in_on_time", "checked_in_late")
# Parameters per statement stay well under SQLite's and PostgreSQL's limits.
MAX_PARAMS = 30000
# Rows per statement when each column travels as one array (PostgreSQL).
ARRAY_CHUNK = 20000

RowKey = tuple[int, int, dt.date, int]


def depths_of(code: str) -> list[int]:
    return [depth for depth in DEPTHS if depth <= len(code)]


def expand(
    changes: dict[tuple[str, dt.date, int], dict[str, int]], *, all_key: int | None, measures: tuple[str, ...]
) -> dict[RowKey, list[int]]:
    """Spread changes keyed by deepest code over every depth; `all_key` also adds them under that key (0).

    Each row is the list of its `measures` in that order (a list of integers adds up several times
    faster than a dict of them, and goes to the database as it is).
    """
    position = {field: index for index, field in enumerate(measures)}
    width = len(measures)
    rows: dict[RowKey, list[int]] = {}
    for (code, day, key), values in changes.items():
        pairs = [(position[field], value) for field, value in values.items() if value]
        if not pairs:
            continue
        keys = (key,) if all_key is None else (key, all_key)
        for depth in depths_of(code):
            number = int(code[:depth])
            for k in keys:
                row = rows.get((depth, number, day, k))
                if row is None:
                    row = rows[(depth, number, day, k)] = [0] * width
                for index, value in pairs:
                    row[index] += value
    return rows


def upsert(model, key_fields: tuple[str, ...], measures: tuple[str, ...], rows: dict[tuple, dict | list]) -> int:
    """Add each row's measures to the stored row with the same key, creating it when missing.

    A row's measures are a dict by field name (missing ones are 0) or a list in the order of `measures`.
    """
    if not rows:
        return 0
    items = [
        (key, values if isinstance(values, list) else [values.get(field, 0) for field in measures])
        for key, values in rows.items()
    ]
    if connection.vendor == "postgresql":
        return _upsert_arrays(model, key_fields, measures, items)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*key_fields, *measures]
    quoted = [connection.ops.quote_name(c) for c in columns]
    updates = ", ".join(f"{q} = {table}.{q} + excluded.{q}" for q in quoted[len(key_fields) :])
    conflict = ", ".join(quoted[: len(key_fields)])
    per_row = len(columns)
    chunk = max(1, MAX_PARAMS // per_row)
    with connection.cursor() as cursor:
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * per_row) + ")"] * len(part))
            params: list = []
            for key, values in part:
                params.extend(key)
                params.extend(values)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quoted)}) VALUES {placeholders} "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                params,
            )
    return len(items)


def write_deltas(deltas: Deltas, *, months_through: dt.date | None = None) -> int:
    """Add a batch's changes to the tables; the caller holds the transaction and the watermark's lock.

    Changes to days up to `months_through` (months already summed) go to their monthly rows too.
    Returns rows touched."""
    case_rows = expand(deltas.cases, all_key=0, measures=MEASURE_FIELDS)
    summons_rows = expand(deltas.summonses, all_key=None, measures=SUMMONS_FIELDS)
    keys = ("depth", "code", "day", "category_id")
    touched = upsert(CaseRollup, keys, MEASURE_FIELDS, case_rows)
    if months_through is not None:
        late: dict[RowKey, list[int]] = {}
        for (depth, code, day, key), values in case_rows.items():
            if day <= months_through:
                row = late.setdefault((depth, code, day.replace(day=1), key), [0] * len(values))
                for index, value in enumerate(values):
                    row[index] += value
        touched += upsert(CaseRollupMonth, keys, MEASURE_FIELDS, late)
    touched += upsert(SummonsRollup, ("depth", "code", "day", "department_id"), SUMMONS_FIELDS, summons_rows)
    return touched


def _upsert_arrays(model, key_fields: tuple[str, ...], measures: tuple[str, ...], items: list[tuple]) -> int:
    """The same upsert on PostgreSQL with one array parameter per column, unnested into rows.

    A VALUES list of tens of thousands of placeholders costs the driver far more to prepare than the
    server to run; arrays keep each statement to one parameter per column whatever the number of rows.
    Each array goes as its text literal ({1,2,3}: keys and measures are integers and dates), cheaper to
    build than letting the driver quote element by element, and a measure that is 0 in every row of the
    statement as an empty array (unnest pads it with NULLs, read as 0).
    """
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*key_fields, *measures]
    quoted = [connection.ops.quote_name(c) for c in columns]
    types = [model._meta.get_field(c).db_type(connection) for c in columns]
    aliases = [f"c{index}" for index in range(len(columns))]
    arrays = ", ".join(f"%s::{kind}[]" for kind in types)
    values = [*aliases[: len(key_fields)], *(f"coalesce({alias}, 0)" for alias in aliases[len(key_fields) :])]
    updates = ", ".join(f"{q} = {table}.{q} + excluded.{q}" for q in quoted[len(key_fields) :])
    conflict = ", ".join(quoted[: len(key_fields)])
    sql = (
        f"INSERT INTO {table} ({', '.join(quoted)}) SELECT {', '.join(values)} "
        f"FROM unnest({arrays}) AS u({', '.join(aliases)}) ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(items), ARRAY_CHUNK):
            part = items[start : start + ARRAY_CHUNK]
            params = [_literal(column) for column in zip(*(key for key, _values in part), strict=True)]
            params += [
                _literal(column) if any(column) else "{}"
                for column in zip(*(values for _key, values in part), strict=True)
            ]
            cursor.execute(sql, params)
    return len(items)


def _literal(values) -> str:
    return "{" + ",".join(map(str, values)) + "}"
