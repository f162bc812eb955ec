"""Fast set-based writes shared by the bundle importer and the demo generator.

Django's ``bulk_create`` builds a model instance per row; at millions of rows that costs
more than the database itself. These helpers send plain tuples with ``executemany`` in
batches inside the caller's transaction, and still go through Django's connection (so
SQLite and PostgreSQL both work, and the caller's ``atomic`` block covers them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection
from django.db.models import Field, Model, QuerySet

BATCH = 2000


def batched(rows: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    found = model._meta.get_field(name)
    assert isinstance(found, Field), f"{model.__name__}.{name} is not a concrete field"
    return found


def _table_and_columns(model: type[Model], fields: Sequence[str]) -> tuple[str, list[str]]:
    qn = connection.ops.quote_name
    columns = [qn(_field(model, name).column) for name in fields]
    return qn(model._meta.db_table), columns


def insert_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    conflict: Sequence[str] | None = None,
    update: Sequence[str] = (),
    batch_size: int = BATCH,
    multi_row: bool = False,
) -> int:
    """INSERT tuples of ``fields`` values; returns the number of rows sent.

    ``multi_row`` sends each batch as one ``INSERT … VALUES (…), (…)`` on PostgreSQL,
    several times faster than a pipelined ``executemany`` there; the rows of one batch
    must then not conflict with each other.

    ``conflict`` names the unique columns for ``ON CONFLICT``: with ``update`` it upserts
    those fields, without it the conflicting row is left alone. Both SQLite (3.24+) and
    PostgreSQL accept this syntax. Values must already be database-ready (dates as
    ``date``/``datetime``, decimals as ``Decimal``); the adapters do the rest.
    """
    table, columns = _table_and_columns(model, fields)
    placeholders = ", ".join(["%s"] * len(columns))
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    if conflict:
        _, conflict_columns = _table_and_columns(model, conflict)
        statement += f" ON CONFLICT ({', '.join(conflict_columns)}) DO "
        if update:
            _, update_columns = _table_and_columns(model, update)
            statement += "UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in update_columns)
        else:
            statement += "NOTHING"
    sent = 0
    multi = multi_row and connection.vendor == "postgresql"
    head, _, tail = statement.partition(f"VALUES ({placeholders})")
    with connection.cursor() as cursor:
        for batch in batched(rows, batch_size):
            if multi:
                values = ", ".join([f"({placeholders})"] * len(batch))
                cursor.execute(f"{head}VALUES {values}{tail}", [v for row in batch for v in row])
            else:
                cursor.executemany(statement, batch)
            sent += len(batch)
    return sent


def copy_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_size: int = BATCH,
) -> int:
    """Like ``insert_rows`` without conflict handling, through ``COPY`` on PostgreSQL.

    For millions of new rows COPY is several times faster than batched INSERTs; on other
    databases this is ``insert_rows``. The statement is added to Django's query log (when
    it is kept) like any other, so query-count tests still see it.
    """
    if connection.vendor != "postgresql":
        return insert_rows(model, fields, rows, batch_size=batch_size)
    table, columns = _table_and_columns(model, fields)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    sent = 0
    began = time.monotonic()
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            sent += 1
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{statement} -- {sent} rows", "time": f"{time.monotonic() - began:.3f}"}
        )
    return sent


def ids_by_key(model: type[Model], keys: Iterable[str], *, field: str = "key") -> dict[str, int]:
    """Map natural keys to primary keys, in batches (one query per batch)."""
    found: dict[str, int] = {}
    manager = model._default_manager
    for batch in batched(keys, 900):  # stays under SQLite's bound-parameter limit
        found.update(manager.filter(**{f"{field}__in": batch}).values_list(field, "pk"))
    return found


def db_value(model: type[Model], field: str, value: Any) -> Any:
    """A Python value as the database wants it in raw SQL (aware datetimes become UTC
    on SQLite, decimals and dates their text forms there, and so on)."""
    if value is None:
        return None
    return _field(model, field).get_db_prep_save(value, connection)


def db_converter(model: type[Model], field: str) -> Callable[[Any], Any]:
    """A fast ``db_value`` for one field, to call once per row on millions of rows.

    ``get_db_prep_save`` goes through several layers per call; for the common field types
    the backend's adapter alone gives the same result.
    """
    model_field = _field(model, field)
    internal = model_field.get_internal_type()
    ops = connection.ops
    if internal == "DateTimeField":
        adapt_datetime = ops.adapt_datetimefield_value
        return lambda value: None if value is None else adapt_datetime(value)
    if internal == "DateField":
        adapt_date = ops.adapt_datefield_value
        return lambda value: None if value is None else adapt_date(value)
    if internal == "JSONField":
        adapt_json = ops.adapt_json_value
        encoder = getattr(model_field, "encoder", None)
        return lambda value: None if value is None else adapt_json(value, encoder)
    if internal in {"CharField", "TextField", "EmailField", "BooleanField", "ForeignKey"} or (
        internal.endswith("IntegerField") or internal.endswith("AutoField")
    ):
        return lambda value: value
    return lambda value: db_value(model, field, value)


def insert_returning(
    model: type[Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: Sequence[str] = ("key", "id"),
) -> list[tuple[Any, ...]]:
    """INSERT tuples of ``fields`` values as multi-row statements, returning ``returning``.

    One statement per chunk instead of one per row, and no second query to learn the new
    primary keys. Both SQLite (3.35+) and PostgreSQL accept ``RETURNING``.
    """
    if not rows:
        return []
    table, columns = _table_and_columns(model, fields)
    _, returned = _table_and_columns(model, returning)
    # SQLite allows 32766 bound parameters per statement since 3.32.
    per_chunk = max(1, min(BATCH, 30000 // len(columns)))
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for chunk in batched(rows, per_chunk):
            statement = (
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                + ", ".join([row_sql] * len(chunk))
                + f" RETURNING {', '.join(returned)}"
            )
            cursor.execute(statement, [value for row in chunk for value in row])
            found.extend(cursor.fetchall())
    return found


def update_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_size: int = BATCH,
) -> int:
    """UPDATE rows by primary key: each tuple holds the ``fields`` values, then the pk."""
    table, columns = _table_and_columns(model, fields)
    pk = connection.ops.quote_name(_field(model, model._meta.pk.name).column)
    statement = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} WHERE {pk} = %s"
    sent = 0
    with connection.cursor() as cursor:
        for batch in batched(rows, batch_size):
            cursor.executemany(statement, batch)
            sent += len(batch)
    return sent


def delete_rows(model: type[Model], field: str, values: Iterable[Any]) -> int:
    """DELETE rows whose ``field`` is in ``values``, in batches, bypassing the ORM collector
    (only for models that nothing else points to, such as link tables)."""
    table, (column,) = _table_and_columns(model, [field])
    deleted = 0
    with connection.cursor() as cursor:
        for batch in batched(values, 900):
            placeholders = ", ".join(["%s"] * len(batch))
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({placeholders})", batch)
            deleted += cursor.rowcount
    return deleted


def values_for_ids(
    queryset: QuerySet[Any], ids: Iterable[Any], *fields: str, field: str = "pk"
) -> Iterator[tuple[Any, ...]]:
    """``values_list(*fields)`` of the rows whose ``field`` is in ``ids``, one query per
    900 ids: a list of any length stays under the databases' bound-parameter limits."""
    for batch in batched(sorted(set(ids)), 900):
        yield from queryset.filter(**{f"{field}__in": batch}).values_list(*fields)
