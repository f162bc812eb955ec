"""Fast set-based writes shared by the bundle importer and the demo generator.

Django's ``bulk_create`` builds a model instance per row; at millions of rows that costs
more than the database itself. These helpers send plain tuples with ``executemany`` in
batches inside the caller's transaction, and still go through Django's connection (so
SQLite and PostgreSQL both work, and the caller's ``atomic`` block covers them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection
from django.db.models import Model

BATCH = 2000


def batched(rows: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _table_and_columns(model: type[Model], fields: Sequence[str]) -> tuple[str, list[str]]:
    opts = model._meta
    qn = connection.ops.quote_name
    columns = [qn(opts.get_field(name).column) for name in fields]
    return qn(opts.db_table), columns


def insert_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    conflict: Sequence[str] | None = None,
    update: Sequence[str] = (),
    batch_size: int = BATCH,
) -> int:
    """INSERT tuples of ``fields`` values; returns the number of rows sent.

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
    with connection.cursor() as cursor:
        for batch in batched(rows, batch_size):
            cursor.executemany(statement, batch)
            sent += len(batch)
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
    return model._meta.get_field(field).get_db_prep_save(value, connection)
