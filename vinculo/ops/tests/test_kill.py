"""Kill -9 mid-way, run again: the same end state as an uninterrupted run on an identical
database. A bundle import, a mail import and a full recompute, each a real ``vinculo``
process on a database of its own (SQLite file, or PostgreSQL when the suite runs there).

Each test runs the command once on one copy ("whole"), and on another copy kills it while
it works, then runs it again twice (the second re-run is what a worker that died after the
commit, before recording the task as done, leads to). The comparison is ``model_dump``:
every model table, ids renumbered in their order, the timestamps of writing left out.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from vinculo.ops.tests.realdb import (
    RealDb,
    differences,
    kill_when,
    model_dump,
    real_db,
    scalar,
    vinculo,
    write_span,
    writer_active,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RealDb, Path]]:
    tmp = tmp_path_factory.mktemp("killdb")
    with real_db(tmp) as db:
        vinculo(db, tmp, "migrate", "--no-input", "-v0")
        vinculo(db, tmp, "seed_demo", "--accounts", "30", "--seed", "5", "--no-progress")
        yield db, tmp


def _bundle_generator() -> ModuleType:
    """The bundle writer of the import benchmark (one generator for both)."""
    spec = importlib.util.spec_from_file_location(
        "bundle_bench", ROOT / "benchmarks" / "bundle_import.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _interactions(db: RealDb) -> int:
    return int(scalar(db, "SELECT count(*) FROM interactions_interaction"))


def kill_midway_and_rerun(
    template: RealDb, tmp: Path, args: tuple[str, ...], committed: Callable[[RealDb], bool]
) -> None:
    """Run ARGS whole on one copy, watching how long its write transaction stays open; on
    another copy kill it half-way through that span, check nothing of it was committed,
    run it again twice, and compare. The commands print nothing useful while they work and
    their writes are invisible until the commit, so time is the measure; on a busy machine
    the kill can land after the commit: then again on a fresh copy, earlier."""
    with real_db(tmp, template=template) as whole:
        span = write_span(whole, tmp, args)
        assert committed(whole)
        expected = model_dump(whole)
        expected_but_audit = model_dump(whole, skip_tables=("audit_auditentry",))
    for attempt in range(5):
        with real_db(tmp, template=template) as killed:
            after = span / 2 ** (attempt + 1)
            kill_when(killed, tmp, args, lambda db=killed: writer_active(db), after=after)
            if committed(killed):
                continue
            vinculo(killed, tmp, *args)
            assert differences(expected, model_dump(killed)) == []
            # Once more: a repeat after a finished run changes nothing but the audit trail,
            # which records each run (at most one entry per run).
            audited = scalar(killed, "SELECT count(*) FROM audit_auditentry")
            vinculo(killed, tmp, *args)
            rest = model_dump(killed, skip_tables=("audit_auditentry",))
            assert differences(expected_but_audit, rest) == []
            assert scalar(killed, "SELECT count(*) FROM audit_auditentry") - audited <= 1
            return
    pytest.fail("every kill came after the commit: the run is too short to be cut here")


def test_a_bundle_import_killed_midway_and_run_again_ends_as_an_uninterrupted_one(
    base: tuple[RealDb, Path],
) -> None:
    template, tmp = base
    folder = tmp / "bundle"
    counts = _bundle_generator().generate(folder, 5_000, 11)
    before = _interactions(template)
    kill_midway_and_rerun(
        template,
        tmp,
        ("import_bundle", str(folder)),
        lambda db: _interactions(db) == before + counts["interactions"],
    )


def _mbox(db: RealDb, path: Path, messages: int) -> None:
    """Mail between the demo's colleagues and people (and a few strangers), one a minute."""
    raw = db.raw()
    try:
        ours = [r[0] for r in raw.execute("SELECT email FROM people_colleague ORDER BY id")]
        theirs = [
            r[0] for r in raw.execute("SELECT email FROM people_personemail ORDER BY id LIMIT 200")
        ]
    finally:
        raw.close()
    assert ours and theirs
    import datetime as dt
    from email.utils import format_datetime

    start = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for m in range(messages):
            colleague = ours[m % len(ours)]
            person = (
                theirs[(m * 7) % len(theirs)] if m % 25 else f"stranger{m % 40}@unknown.example"
            )
            sender, to = (colleague, person) if m % 3 else (person, colleague)
            sent = start + dt.timedelta(minutes=m)
            reply = f"In-Reply-To: <m{m - 1}@kill.example>\n" if m % 5 == 1 else ""
            out.write(
                f"From {sender} {sent:%a %b %d %H:%M:%S %Y}\n"
                f"Message-ID: <m{m}@kill.example>\nDate: {format_datetime(sent)}\n"
                f"From: <{sender}>\nTo: {to}\nSubject: Pedido {m % 97}\n{reply}"
                "Content-Type: text/plain; charset=utf-8\n\nHola,\n\nte confirmo lo hablado.\n\n"
            )


def test_a_mail_import_killed_midway_and_run_again_ends_as_an_uninterrupted_one(
    base: tuple[RealDb, Path],
) -> None:
    template, tmp = base
    mbox = tmp / "kill.mbox"
    _mbox(template, mbox, 6_000)
    before = _interactions(template)
    kill_midway_and_rerun(
        template, tmp, ("import_mail", str(mbox)), lambda db: _interactions(db) > before + 5_000
    )


def test_a_full_recompute_killed_midway_and_run_again_ends_as_an_uninterrupted_one(
    base: tuple[RealDb, Path],
) -> None:
    template, tmp = base
    assert scalar(template, "SELECT count(*) FROM health_healthsnapshot") == 0

    def committed(db: RealDb) -> bool:
        # Today's snapshots of everyone, and the plays.
        return bool(
            scalar(db, "SELECT count(*) FROM health_healthrun")
            or scalar(db, "SELECT count(*) FROM health_healthsnapshot")
        )

    kill_midway_and_rerun(template, tmp, ("recompute_health",), committed)
