"""``vinculo backup PATH`` / ``vinculo restore PATH``: a whole-database copy and its return.

SQLite: the online backup API (a consistent copy while the site runs). PostgreSQL:
``pg_dump -Fc`` and ``pg_restore --clean --if-exists --single-transaction``.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connection


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def backup(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(str(path))
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_args()
        name = str(connection.settings_dict["NAME"])
        subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", "-f", str(path), *args, name], env=env, check=True
        )
    else:
        raise NotImplementedError(connection.vendor)


def restore(path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(path)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(str(path))
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()
    elif connection.vendor == "postgresql":
        connection.close()
        args, env = _pg_args()
        name = str(connection.settings_dict["NAME"])
        subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "-d",
                name,
                *args,
                str(path),
            ],
            env=env,
            check=True,
        )
    else:
        raise NotImplementedError(connection.vendor)


def canonical_dump(
    *, tables: list[str] | None = None, skip_columns: dict[str, set[str]] | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (or of ``tables``), as sorted tuples of text: two databases
    hold the same data when their dumps are equal. ``skip_columns`` leaves out, per table,
    columns that legitimately differ (ids drawn from a sequence, timestamps)."""
    skip_columns = skip_columns or {}
    qn = connection.ops.quote_name
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with connection.cursor() as cursor:
        names = tables or sorted(connection.introspection.table_names(cursor))
        for table in names:
            cursor.execute(f"SELECT * FROM {qn(table)}")
            columns = [c[0] for c in cursor.description]
            keep = [i for i, c in enumerate(columns) if c not in skip_columns.get(table, set())]
            rows = [tuple(_text(row[i]) for i in keep) for row in cursor.fetchall()]
            dump[table] = [tuple(columns[i] for i in keep), *sorted(rows)]
    return dump


def _text(value: Any) -> Any:
    if isinstance(value, memoryview | bytes):
        return hashlib.sha256(bytes(value)).hexdigest()
    return None if value is None else str(value)
