"""Kill -9 and re-run, backup and restore, migrations on a populated database, 40 writers:
real ``vinculo`` subprocesses on a database of their own (SQLite file, or PostgreSQL when the
suite runs there)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from vinculo.ops.tests.realdb import (
    RealDb,
    differences,
    kill_when,
    model_dump,
    real_db,
    scalar,
    vinculo,
)

TODAY = dt.date.today()
SINCE = (TODAY - dt.timedelta(days=24)).isoformat()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RealDb, Path]]:
    tmp = tmp_path_factory.mktemp("realdb")
    with real_db(tmp) as db:
        vinculo(db, tmp, "migrate", "--no-input", "-v0")
        vinculo(db, tmp, "seed_demo", "--accounts", "30", "--seed", "3", "--no-progress")
        yield db, tmp


def test_a_backfill_killed_midway_and_run_again_ends_as_an_uninterrupted_one(
    base: tuple[RealDb, Path],
) -> None:
    template, tmp = base
    args = ("recompute_health", "--from", SINCE, "--every", "3")
    with real_db(tmp, template=template) as whole, real_db(tmp, template=template) as killed:
        vinculo(whole, tmp, *args)

        def two_days_stored() -> bool:
            return bool(
                scalar(killed, "SELECT count(DISTINCT as_of) FROM health_healthsnapshot") >= 2
            )

        kill_when(killed, tmp, args, two_days_stored)
        days_seen = scalar(killed, "SELECT count(DISTINCT as_of) FROM health_healthsnapshot")
        assert 2 <= days_seen < 9
        vinculo(killed, tmp, *args)
        assert differences(model_dump(whole), model_dump(killed)) == []


def test_backup_and_restore_give_back_every_row_of_every_table(
    base: tuple[RealDb, Path],
) -> None:
    template, tmp = base
    with real_db(tmp, template=template) as db:
        before = full_dump(db)
        path = tmp / f"backup-{db.vendor}.bin"
        vinculo(db, tmp, "backup", str(path))
        vinculo(db, tmp, "recompute_health")  # snapshots, plays, events: a changed database
        assert full_dump(db) != before
        vinculo(db, tmp, "restore", str(path))
        assert full_dump(db) == before


def test_40_writers_at_once_all_succeed(base: tuple[RealDb, Path]) -> None:
    template, tmp = base
    with real_db(tmp, template=template) as db:
        before = scalar(db, "SELECT count(*) FROM interactions_interaction")
        script = Path(__file__).with_name("writers.py")
        done = subprocess.run(
            [sys.executable, str(script), "40", "2"],
            env=db.env(tmp),
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        assert result["error_count"] == 0, result["errors"]
        assert result["ok"] == 80
        assert scalar(db, "SELECT count(*) FROM interactions_interaction") == before + 80


def full_dump(db: RealDb) -> dict[str, list[tuple[str, ...]]]:
    """Every table (Django's own too), every column, ids as they are; PostgreSQL sequences."""
    raw = db.raw()
    try:
        if db.vendor == "sqlite":
            names = [
                r[0]
                for r in raw.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                ).fetchall()
            ]
        else:
            names = [
                r[0]
                for r in raw.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
                ).fetchall()
            ]
        dump = {}
        for name in names:
            rows = raw.execute(f'SELECT * FROM "{name}"').fetchall()
            dump[name] = sorted(tuple(str(v) for v in row) for row in rows)
        if db.vendor == "postgresql":
            dump["(sequences)"] = sorted(
                (str(r[0]), str(r[1]))
                for r in raw.execute("SELECT sequencename, last_value FROM pg_sequences")
            )
        return dump
    finally:
        raw.close()
