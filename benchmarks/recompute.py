"""Benchmark the health engine against the floor of reading the data once.

    .venv/bin/python benchmarks/recompute.py --accounts 2000
    .venv/bin/python benchmarks/recompute.py --accounts 2000 \\
        --database-url postgres://postgres@127.0.0.1:5432/

Seeds the demo set (not timed) into a fresh database (a temporary SQLite file, or a fresh
PostgreSQL database created and dropped), then, in a fresh process:
1. the floor: one bare single-pass GROUP BY over the interactions and participants tables
   (count, last date, total minutes per person and per account);
2. ``health_recompute`` (every person and account: facts, scores, snapshots and plays);
3. the incremental update after logging one interaction, repeated: median and p95.
Prints times, the ratio (2)/(1) and the peak memory of the measuring process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-23"


def _admin(sql: str, admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def measure(incremental_runs: int, reset: bool = False) -> dict[str, object]:
    import datetime as dt

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vinculo.settings")
    django.setup()
    from django.db import connection
    from django.utils import timezone

    from vinculo.health.services import health_recompute, health_update_for
    from vinculo.interactions.models import Interaction, InteractionPerson
    from vinculo.interactions.services import interaction_log
    from vinculo.people.models import Colleague, Person

    interactions = Interaction._meta.db_table
    links = InteractionPerson._meta.db_table
    if reset:
        # A database kept from an earlier run: back to the state the seed left (no
        # snapshots of the measured days, no runs, no plays), so that this run writes what
        # a run on a fresh database writes. Not timed.
        from vinculo.health.models import HealthRun, HealthSnapshot, Play

        # Plain DELETEs (nothing refers to these rows): ``QuerySet.delete()`` would load
        # every row into this process first (hundreds of thousands at 10 M interactions),
        # and the peak memory measured below is this process's.
        day = dt.date.fromisoformat(AS_OF)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {HealthSnapshot._meta.db_table} WHERE as_of >= %s", [day])
            cursor.execute(f"DELETE FROM {HealthRun._meta.db_table}")
            cursor.execute(f"DELETE FROM {Play._meta.db_table}")
            if connection.vendor == "postgresql":
                cursor.execute(f"VACUUM ANALYZE {HealthSnapshot._meta.db_table}")
                cursor.execute(f"VACUUM ANALYZE {Play._meta.db_table}")
    floor_sql = [
        f"SELECT l.person_id, COUNT(*), MAX(i.started_at), SUM(i.duration_min) "
        f"FROM {links} l JOIN {interactions} i ON i.id = l.interaction_id GROUP BY l.person_id",
        f"SELECT account_id, COUNT(*), MAX(started_at), SUM(duration_min) FROM {interactions} "
        f"GROUP BY account_id",
    ]
    floors = []
    for _ in range(2):  # the second run has a warm cache, like the engine's run after it
        began = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in floor_sql:
                cursor.execute(sql)
                for _row in iter(lambda: cursor.fetchmany(10000), []):
                    pass
        floors.append(time.perf_counter() - began)
    floor = min(floors)

    as_of = dt.date.fromisoformat(AS_OF)
    began = time.perf_counter()
    report = health_recompute(as_of=as_of)
    full = time.perf_counter() - began
    peak_full_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from vinculo.health.models import HealthSnapshot

    def stored(day: dt.date) -> tuple[int, int]:
        table = HealthSnapshot._meta.db_table
        text = "components::text" if connection.vendor == "postgresql" else "components"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(LENGTH({text})), 0) FROM {table} WHERE as_of = %s",
                [day],
            )
            rows, size = cursor.fetchone()
        return int(rows), int(size)

    first_rows, first_bytes = stored(as_of)
    print(  # in case a later step fails: the main figure first
        f"floor {floor:.2f} s, recompute {full:.2f} s, peak {peak_full_mib:.0f} MiB",
        file=sys.stderr,
        flush=True,
    )

    people = list(
        Person.objects.filter(employments__end__isnull=True).values_list("pk", flat=True)[
            :incremental_runs
        ]
    )
    colleague = Colleague.objects.first()
    timings = []
    for pid in people:
        person = Person.objects.get(pk=pid)
        interaction_log(
            started_at=timezone.now(),
            channel="call",
            people=[person],
            colleagues=[colleague] if colleague else [],
            duration_min=20,
        )
        began = time.perf_counter()
        health_update_for(person_ids=[pid], as_of=as_of)
        timings.append(time.perf_counter() - began)
    timings.sort()
    # After the incremental runs (a later day would make them skip the plays): the next
    # day, when only the subjects whose health changed get a snapshot.
    next_day = as_of + dt.timedelta(days=1)
    began = time.perf_counter()
    health_recompute(as_of=next_day, sync_plays=False)
    next_s = time.perf_counter() - began
    next_rows, next_bytes = stored(next_day)
    return {
        "interactions": Interaction.objects.count(),
        "participants": InteractionPerson.objects.count(),
        "people": report.people,
        "accounts": report.accounts,
        "floor_s": round(floor, 2),
        "recompute_s": round(full, 2),
        "ratio": round(full / floor, 2),
        "peak_mib": round(peak_full_mib),
        "snapshots_first_day": first_rows,
        "snapshot_bytes_first_day": first_bytes,
        "next_day_recompute_s": round(next_s, 2),
        "snapshots_next_day": next_rows,
        "snapshot_bytes_next_day": next_bytes,
        "incremental_median_ms": round(1000 * statistics.median(timings), 1) if timings else None,
        "incremental_p95_ms": round(1000 * timings[int(0.95 * (len(timings) - 1))], 1)
        if timings
        else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--incremental-runs", type=int, default=40)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="the database is already seeded (its snapshots from the measured day on, "
        "runs and plays are deleted first, so the run writes what it would on a fresh one)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary SQLite file (and var directory)"
    )
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.incremental_runs, reset=args.reuse)))
        return 0

    tmpdir = Path(tempfile.mkdtemp(prefix="vinculo-recompute-"))
    url = args.database_url or f"sqlite:///{tmpdir / 'bench.sqlite3'}"
    drop = None
    if url.startswith("postgres") and not args.reuse:
        parts = urlsplit(url)
        name = f"vinculo_recompute_{os.getpid()}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        _admin(f"CREATE DATABASE {name}", admin)
        drop = (admin, name)
        url = urlunsplit(parts._replace(path=f"/{name}"))
    env = {**os.environ, "DATABASE_URL": url, "VINCULO_VAR_DIR": str(tmpdir)}
    vinculo = [sys.executable, "-m", "vinculo"]
    try:
        if not args.reuse:
            subprocess.run([*vinculo, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
            began = time.perf_counter()
            subprocess.run(
                [*vinculo, "seed_demo", "--accounts", str(args.accounts), "--as-of", AS_OF],
                env=env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            print(f"seeded {args.accounts} accounts in {time.perf_counter() - began:.0f} s")
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--measure",
                "--incremental-runs",
                str(args.incremental_runs),
                *(["--reuse"] if args.reuse else []),
            ],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
        )
        result = json.loads(out.stdout.decode().strip().splitlines()[-1])
        engine = "postgresql" if url.startswith("postgres") else "sqlite"
        print(f"engine              {engine}")
        for key, value in result.items():
            print(f"{key:<22}{value}")
    finally:
        if drop:
            _admin(f"DROP DATABASE IF EXISTS {drop[1]} WITH (FORCE)", drop[0])
        if args.keep:
            print(f"kept                  {url}")
        else:  # a 20,000-account SQLite file is 4.5 GB: don't leave it in /tmp
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
