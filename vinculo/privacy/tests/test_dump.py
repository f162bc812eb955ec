"""The dump test: after an erasure, the database files hold none of the person's names,
addresses or phones — the raw bytes of the SQLite file and its -wal/-journal, and a plain
pg_dump of the PostgreSQL database."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from vinculo.privacy.tests.conftest import EMAIL, NAME, PHONE, build_world

SECRETS = [NAME, EMAIL, PHONE, "Vino de Toro", "Casada, dos hijas"]


def _found(blob: bytes) -> list[str]:
    return [s for s in SECRETS if s.encode() in blob or s.encode("utf-16-le") in blob]


def _files(db: Path) -> bytes:
    blob = b""
    for suffix in ("", "-wal", "-journal", "-shm"):
        path = Path(f"{db}{suffix}")
        if path.exists():
            blob += path.read_bytes()
    return blob


def test_sqlite_files_hold_nothing_of_an_erased_person(tmp_path: Path) -> None:
    db = tmp_path / "dump.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "VINCULO_VAR_DIR": str(tmp_path)}

    def step(name: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "vinculo.privacy.tests.dump_world", name],
            env=env,
            check=True,
            timeout=300,
        )

    step("build")
    assert _found(_files(db)) == SECRETS  # the scan sees them while they are there
    step("erase")
    assert _found(_files(db)) == []
    wal = Path(f"{db}-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def _pg_dump() -> str | None:
    found = shutil.which("pg_dump") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), reverse=True)), None
    )
    return found


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pg_dump_holds_nothing_of_an_erased_person() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (DATABASE_URL=postgres://…)")
    pg_dump = _pg_dump()
    if pg_dump is None:
        pytest.skip("pg_dump not found")
    from vinculo.people.models import Person
    from vinculo.privacy.services import person_erase

    settings = connection.settings_dict

    def dump() -> bytes:
        env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
        command = [pg_dump, "--format=plain", "--no-owner", "-h", settings["HOST"] or "localhost"]
        if settings.get("PORT"):
            command += ["-p", str(settings["PORT"])]
        command += ["-U", settings["USER"], settings["NAME"]]
        return subprocess.run(command, env=env, check=True, capture_output=True).stdout

    world = build_world()
    assert _found(dump()) == SECRETS
    person_erase(person=Person.objects.get(pk=world.person.pk), actor=None, compact=True)
    assert _found(dump()) == []
