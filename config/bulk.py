"""Set-based writes for the paths that touch thousands of rows at once (the deadline sweep).

- `insert_rows` writes plain tuples with PostgreSQL's COPY: no model instance, no per-value
  placeholder. Other databases get `bulk_create`, so the caller has one path.
- the `any` lookup (`pk__any=[…]`) passes a list of ids as one array parameter on PostgreSQL
  (`id = ANY(%s)`) instead of one placeholder per id; elsewhere it is a plain `IN`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from django.db.models.lookups import In, Lookup


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows (tuples of values in the order of `fields`, named as on the model); return how many.

    Values are what the model field holds (a JSONField holds a dict). Fields left out take their
    column's database default (NULL for the nullable ones): name every field without one.
    """
    rows = list(rows)
    if not rows:
        return 0
    database = router.db_for_write(model)
    connection = connections[database]
    meta_fields = [model._meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        model.objects.using(database).bulk_create(
            [model(**{f.attname: value for f, value in zip(meta_fields, row, strict=True)}) for row in rows],
            batch_size=1000,
        )
        return len(rows)
    json_positions = [i for i, f in enumerate(meta_fields) if isinstance(f, models.JSONField)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in meta_fields)
    table = connection.ops.quote_name(model._meta.db_table)
    # The database's errors raised as Django's (IntegrityError …), as every other query raises them.
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            if json_positions:
                row = list(row)
                for i in json_positions:
                    row[i] = json.dumps(row[i], cls=DjangoJSONEncoder, ensure_ascii=False)
            copy.write_row(row)
    return len(rows)


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Set `fields` of the rows with the given primary keys: rows are (pk, *values in the order of `fields`).

    On PostgreSQL one ``UPDATE … FROM unnest(…)`` with one array per column; elsewhere ``bulk_update``.
    """
    rows = list(rows)
    if not rows:
        return 0
    database = router.db_for_write(model)
    connection = connections[database]
    meta_fields = [model._meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        objects = []
        for pk, *values in rows:
            instance = model(pk=pk)
            for meta_field, value in zip(meta_fields, values, strict=True):
                setattr(instance, meta_field.attname, value)
            objects.append(instance)
        model.objects.using(database).bulk_update(objects, list(fields), batch_size=500)
        return len(rows)
    quote = connection.ops.quote_name
    pk_field = model._meta.pk
    columns = [pk_field, *meta_fields]
    names = ", ".join(quote(f.column) for f in columns)
    arrays = ", ".join(
        f"%s::{f.target_field.db_type(connection) if f.is_relation else f.db_type(connection)}[]" for f in columns
    )
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in meta_fields)
    table = quote(model._meta.db_table)
    arrays = arrays.replace("bigserial", "bigint").replace("serial", "integer")
    params = [[row[i] for row in rows] for i in range(len(columns))]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({names})"
            f" WHERE {table}.{quote(pk_field.column)} = v.{quote(pk_field.column)}",
            params,
        )
        return cursor.rowcount


class AnyOf(Lookup):
    """`field__any=[…]`: the field's value is one of the list, the list sent as one array on PostgreSQL."""

    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return In(self.lhs, self.rhs).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]


def install() -> None:
    """Register the `any` lookup on integer fields (the ids among them), text fields and foreign keys."""
    models.IntegerField.register_lookup(AnyOf)
    models.CharField.register_lookup(AnyOf)
    models.ForeignKey.register_lookup(AnyOf)
