"""Databases of their own for tests that run the real ``vinculo`` commands in subprocesses
(kill -9, backup/restore, migrations): a file SQLite database, or, when the suite runs on
PostgreSQL, a fresh database on the same server. Plus a canonical dump to compare them."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
from django.apps import apps
from django.db import connection, models
from django.utils import timezone

VINCULO = str(Path(sys.executable).with_name("vinculo"))


@dataclass
class RealDb:
    url: str
    vendor: str
    path: Path | None = None  # SQLite
    name: str = ""  # PostgreSQL

    def env(self, var_dir: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(DATABASE_URL=self.url, VINCULO_VAR_DIR=str(var_dir), LOG_LEVEL="ERROR")
        env.pop("DJANGO_SETTINGS_MODULE", None)
        return env

    def raw(self) -> Any:
        if self.vendor == "sqlite":
            assert self.path is not None
            return sqlite3.connect(str(self.path), timeout=30)
        import psycopg

        return psycopg.connect(self.url.replace("postgres://", "postgresql://"), autocommit=True)


def _pg_admin(url: str) -> Any:
    import psycopg

    parts = dj_database_url.parse(url)
    return psycopg.connect(
        host=parts["HOST"] or "127.0.0.1",
        port=parts["PORT"] or 5432,
        user=parts["USER"] or "postgres",
        password=parts["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def suite_vendor() -> str:
    return connection.vendor


@contextmanager
def real_db(tmp: Path, *, template: RealDb | None = None) -> Iterator[RealDb]:
    """A new database of the suite's kind (a copy of ``template`` when given)."""
    if suite_vendor() == "sqlite":
        path = tmp / f"db-{uuid.uuid4().hex[:8]}.sqlite3"
        if template is not None:
            assert template.path is not None
            source = sqlite3.connect(str(template.path))
            target = sqlite3.connect(str(path))
            source.backup(target)
            source.close()
            target.close()
        yield RealDb(url=f"sqlite:///{path}", vendor="sqlite", path=path)
        return
    base = os.environ["DATABASE_URL"]
    name = f"ops_{uuid.uuid4().hex[:12]}"
    parts = dj_database_url.parse(base)
    url = (
        f"postgres://{parts['USER'] or 'postgres'}"
        + (f":{parts['PASSWORD']}" if parts["PASSWORD"] else "")
        + f"@{parts['HOST'] or '127.0.0.1'}:{parts['PORT'] or 5432}/{name}"
    )
    with _pg_admin(base) as admin:
        suffix = f' TEMPLATE "{template.name}"' if template is not None else ""
        admin.execute(f'CREATE DATABASE "{name}"{suffix}')
    try:
        yield RealDb(url=url, vendor="postgresql", name=name)
    finally:
        with _pg_admin(base) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def vinculo(db: RealDb, var_dir: Path, *args: str, timeout: float = 600) -> str:
    done = subprocess.run(
        [VINCULO, *args],
        env=db.env(var_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"vinculo {' '.join(args)}: {done.stderr[-3000:]}"
    return done.stdout


def writer_active(db: RealDb) -> bool:
    """Another connection holds a write transaction on the database (progress begun)."""
    if db.vendor == "sqlite":
        probe = sqlite3.connect(str(db.path), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    with db.raw() as raw:
        row = raw.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE d.datname = %s AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()",
            [db.name],
        ).fetchone()
        return bool(row and row[0])


def scalar(db: RealDb, sql: str) -> Any:
    raw = db.raw()
    try:
        return raw.execute(sql).fetchone()[0]
    finally:
        raw.close()


def kill_when(
    db: RealDb, var_dir: Path, args: Sequence[str], ready: Callable[[], bool], *, after: float = 0
) -> None:
    """Start ``vinculo ARGS``, wait until ``ready()`` says progress is visible, wait
    ``after`` seconds more, then SIGKILL it; fails if it finished first."""
    process = subprocess.Popen(
        [VINCULO, *args], env=db.env(var_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 300
    try:
        while not ready():
            assert process.poll() is None, "finished before any progress was seen"
            assert time.monotonic() < deadline, "no progress seen in 300 s"
            time.sleep(0.02)
        time.sleep(after)
        assert process.poll() is None, "finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL


# -- a canonical view of the data -------------------------------------------------------


def _volatile_columns() -> dict[str, set[str]]:
    """Per table, the columns that hold 'when it was written' (they differ between runs)."""
    found: dict[str, set[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            volatile = isinstance(field, models.DateTimeField) and (
                getattr(field, "auto_now", False)
                or getattr(field, "auto_now_add", False)
                or field.default is timezone.now
            )
            if volatile:
                found.setdefault(model._meta.db_table, set()).add(field.column)
    return found


def _keys() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Integer primary keys per table, and per table its foreign key columns -> table."""
    pks: dict[str, str] = {}
    fks: dict[str, dict[str, str]] = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        pk = model._meta.pk
        if isinstance(pk, models.AutoField | models.BigAutoField):
            pks[table] = pk.column
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey):
                target = field.related_model._meta  # type: ignore[union-attr]
                if field.target_field.primary_key:
                    fks.setdefault(table, {})[field.column] = target.db_table
    return pks, fks


# Columns that hold the time of writing without saying so in the model (set by the code):
# the audit trail's, and a timeline event's when it records an act ("bundle imported",
# "play raised"; timeline.services defaults it to now).
WRITTEN_AT = {"audit_auditentry": {"at"}, "timeline_timelineevent": {"occurred_at"}}
# Ids kept as plain numbers (no foreign key): the audit trail outlives what it names.
SOFT_REFERENCES = {
    "audit_auditentry": {"person_id": "people_person", "account_id": "people_account"}
}


def _model_tables() -> dict[str, str]:
    """'app_label.ModelName' -> table, as the audit trail names records."""
    return {
        f"{model._meta.app_label}.{model.__name__}": model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
    }


def model_dump(db: RealDb, *, skip_tables: Sequence[str] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every model table's rows, ids renumbered in their own order (PostgreSQL sequences
    move on inside a transaction that is later lost), timestamps of writing left out."""
    volatile = _volatile_columns()
    for table, columns in WRITTEN_AT.items():
        volatile.setdefault(table, set()).update(columns)
    labels = _model_tables()
    pks, fks = _keys()
    raw = db.raw()
    try:
        tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in skip_tables or table in tables:
                continue
            cursor = raw.execute(f'SELECT * FROM "{table}"')
            columns = [c[0] for c in cursor.description]
            tables[table] = (columns, list(cursor.fetchall()))
    finally:
        raw.close()
    ranks: dict[str, dict[Any, int]] = {}
    for table, (columns, rows) in tables.items():
        if table in pks:
            at = columns.index(pks[table])
            ranks[table] = {v: i for i, v in enumerate(sorted(r[at] for r in rows))}
    dump: dict[str, list[tuple[Any, ...]]] = {}
    for table, (columns, rows) in tables.items():
        skip = volatile.get(table, set())
        maps = {pks[table]: table} if table in pks else {}
        maps.update(fks.get(table, {}))
        maps.update(SOFT_REFERENCES.get(table, {}))
        out = []
        for row in rows:
            values = []
            named = dict(zip(columns, row, strict=True))
            for column, value in named.items():
                if column in skip:
                    continue
                if column in maps and value is not None and maps[column] in ranks:
                    value = ("#", ranks[maps[column]].get(value, value))
                elif column == "object_id" and "model" in named and str(value).isdigit():
                    target = labels.get(str(named["model"]))
                    if target in ranks:
                        value = ("#", ranks[target].get(int(value), value))
                values.append(str(value))
            out.append(tuple(values))
        dump[table] = sorted(out)
    return dump


def differences(a: dict[str, list[Any]], b: dict[str, list[Any]]) -> list[str]:
    lines = []
    for table in sorted(set(a) | set(b)):
        rows_a, rows_b = a.get(table, []), b.get(table, [])
        if rows_a != rows_b:
            only_a = [r for r in rows_a if r not in rows_b][:3]
            only_b = [r for r in rows_b if r not in rows_a][:3]
            lines.append(f"{table}: {len(rows_a)} vs {len(rows_b)} rows; {only_a} / {only_b}")
    return lines


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)


def write_span(db: RealDb, var_dir: Path, args: Sequence[str]) -> float:
    """Run ``vinculo ARGS`` to its end, watching the database: how long a write
    transaction was open (first to last sight of one, in seconds)."""
    process = subprocess.Popen(
        [VINCULO, *args], env=db.env(var_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    first = last = None
    while process.poll() is None:
        if writer_active(db):
            last = time.monotonic()
            first = first or last
        time.sleep(0.01)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()[-3000:]
    assert first is not None and last is not None, "no write transaction was seen"
    return last - first
