"""Benchmark `bundle_import` against a bare bulk insert of the same rows.

    .venv/bin/python benchmarks/bundle_import.py                      # 1,000,000, SQLite
    .venv/bin/python benchmarks/bundle_import.py --interactions 100000
    .venv/bin/python benchmarks/bundle_import.py \\
        --database-url postgres://postgres@127.0.0.1:5432/

Generates a bundle with N interactions (1-3 participants a side) and the people, accounts,
colleagues and employments they refer to, in a temporary folder. Then, each on a fresh
database (a new SQLite file, or a PostgreSQL database created and dropped here), measures
(a) a bare load: csv read and executemany of the same rows, no validation, no upsert, and
(b) `bundle_import`. Each runs in its own process, so its peak resident memory
(ru_maxrss) is its own. Migrations run first and are not timed. Prints rows per second,
the ratio (b)/(a) and the peak memory of each.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = ["meeting", "call", "video", "email", "meal", "event", "message"]
LEVELS = ["", "operational", "strategic", "satisfaction", "personal"]
INTERACTION_COLUMNS = ["key", "start", "duration_min", "channel", "place", "direction", "level",
                       "summary", "our", "their", "source"]  # fmt: skip
WORDS = ["pedido", "entrega", "factura", "plan", "revisión", "contrato", "visita", "oferta",
         "delivery", "invoice", "roadmap", "review", "budget", "holidays", "family", "quality",
         "stock"]  # fmt: skip


def generate(folder: Path, interactions: int, seed: int) -> dict[str, int]:
    """Write a consistent bundle; returns its row counts per file."""
    rng = random.Random(seed)
    n_people = max(20, interactions // 20)
    n_accounts = max(5, n_people // 25)
    n_colleagues = max(5, n_people // 250)
    folder.mkdir(parents=True, exist_ok=True)

    def writer(name: str, header: list[str]) -> tuple[Any, Any]:
        handle = (folder / name).open("w", encoding="utf-8", newline="")
        out = csv.writer(handle, lineterminator="\r\n")
        out.writerow(header)
        return handle, out

    handle, out = writer("colleagues.csv", ["key", "name", "email", "function", "team"])
    for c in range(n_colleagues):
        out.writerow([f"c{c}", f"Colega {c}", f"colega{c}@nosotros.example", "sales",
                      f"Equipo {c % 5}"])  # fmt: skip
    handle.close()
    handle, out = writer("accounts.csv", ["key", "name", "domains", "industry", "country", "tier",
                         "size", "status", "owner_email", "wallet_yearly"])  # fmt: skip
    for a in range(n_accounts):
        out.writerow([f"a{a}", f"Cliente {a} S.A.", f"cliente{a}.example", "Industria", "ES",
                      "abc"[a % 3], "", "active", f"colega{a % n_colleagues}@nosotros.example",
                      f"{rng.randint(10, 900) * 1000}"])  # fmt: skip
    handle.close()
    handle, out = writer("people.csv", ["key", "name", "emails", "phones", "language",
                                        "legal_basis", "notes"])  # fmt: skip
    account_of: list[int] = []
    for p in range(n_people):
        account = p % n_accounts
        account_of.append(account)
        out.writerow([f"p{p}", f"Persona {p}", f"persona{p}@cliente{account}.example", "",
                      "es", "legitimate_interest", ""])  # fmt: skip
    handle.close()
    handle, out = writer("employments.csv", ["person_key", "account_key", "title", "function",
                                             "decision_role", "start", "end"])  # fmt: skip
    employments = 0
    for p in range(n_people):
        if p % 10 == 0:  # one in ten changed company in 2023
            out.writerow([f"p{p}", f"a{(account_of[p] + 1) % n_accounts}", "Comprador",
                          "purchasing", "user", "2015-01-01", "2022-12-31"])  # fmt: skip
            employments += 1
        start = "2023-01-01" if p % 10 == 0 else "2016-01-01"
        out.writerow([f"p{p}", f"a{account_of[p]}", "Jefe de compras", "purchasing",
                      "decision_maker", start, ""])  # fmt: skip
        employments += 1
    handle.close()
    handle, out = writer("interactions.csv", INTERACTION_COLUMNS)
    base = datetime(2020, 1, 1, tzinfo=UTC)
    for i in range(interactions):
        account = rng.randrange(n_accounts)
        # People of one account: p with p % n_accounts == account.
        span = (n_people - 1 - account) // n_accounts + 1
        theirs = {account + n_accounts * rng.randrange(span) for _ in range(rng.randint(1, 3))}
        ours = {rng.randrange(n_colleagues) for _ in range(rng.randint(1, 3))}
        start = base + timedelta(minutes=rng.randrange(6 * 365 * 24 * 4) * 15)
        out.writerow([
            f"i{i:07d}", start.strftime("%Y-%m-%dT%H:%M:%SZ"), rng.choice((15, 30, 45, 60, 90)),
            rng.choice(CHANNELS), "", rng.choice(("outbound", "inbound")), rng.choice(LEVELS),
            " ".join(rng.choices(WORDS, k=6)), ";".join(f"c{c}" for c in sorted(ours)),
            ";".join(f"p{p}" for p in sorted(theirs)), "import",
        ])  # fmt: skip
    handle.close()
    return {"colleagues": n_colleagues, "accounts": n_accounts, "people": n_people,
            "employments": employments, "interactions": interactions}  # fmt: skip


# -- the two phases, each in a child process with DATABASE_URL set ------------------------


def phase_bare(folder: Path) -> dict[str, int]:
    """csv read + executemany, ids given by the loader itself, no checks at all."""
    from django.db import connection, transaction

    from vinculo.bulk import db_converter
    from vinculo.interactions.models import Interaction

    def rows(name: str) -> Any:
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            yield from reader

    def many(sql: str, data: Any) -> int:
        n = 0
        batch: list[Any] = []
        with connection.cursor() as cursor:
            for row in data:
                batch.append(row)
                if len(batch) == 2000:
                    cursor.executemany(sql, batch)
                    n += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                n += len(batch)
        return n

    adapt = db_converter(Interaction, "started_at")
    now = datetime.now(tz=UTC)
    counts: dict[str, int] = {}
    with transaction.atomic():
        colleagues = {r[0]: i + 1 for i, r in enumerate(rows("colleagues.csv"))}
        counts["colleagues"] = many(
            "INSERT INTO people_colleague (id, key, name, email, function) "
            "VALUES (%s, %s, %s, %s, %s)",
            ((colleagues[r[0]], r[0], r[1], r[2], r[3]) for r in rows("colleagues.csv")),
        )
        accounts = {r[0]: i + 1 for i, r in enumerate(rows("accounts.csv"))}
        counts["accounts"] = many(
            "INSERT INTO people_account (id, key, name, industry, country, tier, size, status, "
            "wallet_yearly, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            ((accounts[r[0]], r[0], r[1], r[3], r[4], r[5], r[6], r[7], r[9], adapt(now))
             for r in rows("accounts.csv")),
        )  # fmt: skip
        people = {r[0]: i + 1 for i, r in enumerate(rows("people.csv"))}
        counts["people"] = many(
            "INSERT INTO people_person (id, key, name, phones, language, legal_basis, notes, "
            "family, tastes, friends, interests, professional_interests, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, '', '', '', '', '', %s)",
            ((people[r[0]], r[0], r[1], r[3], r[4], r[5], r[6], adapt(now))
             for r in rows("people.csv")),
        )  # fmt: skip
        counts["employments"] = many(
            'INSERT INTO people_employment (person_id, account_id, title, function, '
            'decision_role, start, "end") VALUES (%s, %s, %s, %s, %s, %s, %s)',
            ((people[r[0]], accounts[r[1]], r[2], r[3], r[4], r[5] or None, r[6] or None)
             for r in rows("employments.csv")),
        )  # fmt: skip
        links_p: list[tuple[int, int]] = []
        links_c: list[tuple[int, int]] = []
        counts["interactions"] = counts["links"] = 0

        def interactions() -> Any:
            for i, r in enumerate(rows("interactions.csv"), start=1):
                for key in r[8].split(";"):
                    links_c.append((i, colleagues[key]))
                for key in r[9].split(";"):
                    links_p.append((i, people[key]))
                yield (i, r[0], adapt(datetime.fromisoformat(r[1])), int(r[2]), r[3], r[4],
                       r[5], r[6], r[7], r[10])  # fmt: skip

        sql = (
            "INSERT INTO interactions_interaction (id, key, started_at, duration_min, channel, "
            "place, direction, level, summary, source, level_suggested, source_id) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, false, '')"
        )
        link_p = (
            "INSERT INTO interactions_interactionperson (interaction_id, person_id) VALUES (%s, %s)"
        )
        link_c = "INSERT INTO interactions_interactioncolleague (interaction_id, colleague_id) VALUES (%s, %s)"  # noqa: E501
        stream = interactions()
        while True:
            chunk = [row for _, row in zip(range(2000), stream, strict=False)]
            if not chunk:
                break
            counts["interactions"] += many(sql, chunk)
            counts["links"] += many(link_p, links_p) + many(link_c, links_c)
            links_p.clear()
            links_c.clear()
        if connection.vendor == "postgresql":  # explicit ids: move the sequences on
            with connection.cursor() as cursor:
                for table in ("people_colleague", "people_account", "people_person",
                              "interactions_interaction"):  # fmt: skip
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
    return counts


def phase_import(folder: Path) -> dict[str, int]:
    from vinculo.exchange.bundle import bundle_import

    report = bundle_import(path=folder)
    if not report.ok:
        raise SystemExit("\n".join(report.problems[:20]))
    return {name: c.created for name, c in report.files.items()}


def child(phase: str, folder: Path) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vinculo.settings")
    django.setup()
    from django.db import connection

    connection.ensure_connection()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    counts = phase_bare(folder) if phase == "bare" else phase_import(folder)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM interactions_interaction")
        stored = cursor.fetchone()[0]  # type: ignore[index]
        cursor.execute("SELECT COUNT(*) FROM interactions_interaction WHERE account_id IS NULL")
        without_account = cursor.fetchone()[0]  # type: ignore[index]
    print(json.dumps({"seconds": seconds, "peak_kib": peak, "start_kib": rss_before,
                      "counts": counts, "stored": stored,
                      "without_account": without_account}))  # fmt: skip


# -- the parent ------------------------------------------------------------------------------


def _psql(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def measure(phase: str, folder: Path, url: str, workdir: Path) -> dict[str, Any]:
    drop: tuple[str, str] | None = None
    if url.startswith("postgres"):
        parts = urlsplit(url)
        name = f"vinculo_bench_{phase}_{os.getpid()}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        _psql(admin, f"DROP DATABASE IF EXISTS {name}")
        _psql(admin, f"CREATE DATABASE {name}")
        drop = (admin, name)
        db_url = urlunsplit(parts._replace(path=f"/{name}"))
    else:
        db_file = workdir / f"{phase}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        db_url = f"sqlite:///{db_file}"
    env = {**os.environ, "DATABASE_URL": db_url, "VINCULO_VAR_DIR": str(workdir)}
    try:
        subprocess.run([sys.executable, "-m", "vinculo", "migrate", "-v0"], env=env, cwd=ROOT,
                       check=True)  # fmt: skip
        done = subprocess.run(
            [sys.executable, __file__, "--child", phase, "--bundle", str(folder)],
            env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE,
        )  # fmt: skip
        return json.loads(done.stdout.decode().strip().splitlines()[-1])  # type: ignore[no-any-return]
    finally:
        if drop is not None:
            _psql(drop[0], f"DROP DATABASE IF EXISTS {drop[1]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--database-url",
        default="",
        help="empty for a temporary SQLite file, or postgres://user@host:port/ (a fresh "
        "database is created and dropped for each measurement)",
    )
    parser.add_argument("--child", choices=["bare", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--bundle", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=["bare", "import"], help="run one measurement only")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.bundle)
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="vinculo-bundle-bench-"))
    try:
        began = time.perf_counter()
        sizes = generate(workdir / "bundle", args.interactions, args.seed)
        size_mib = sum(p.stat().st_size for p in (workdir / "bundle").iterdir()) / 2**20
        print(f"bundle: {sizes} ({size_mib:.0f} MiB, generated in "
              f"{time.perf_counter() - began:.1f} s)")  # fmt: skip
        url = args.database_url
        engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        results: dict[str, dict[str, Any]] = {}
        for phase in ("bare", "import"):
            if args.only and phase != args.only:
                continue
            result = results[phase] = measure(phase, workdir / "bundle", url, workdir)
            rate = sizes["interactions"] / result["seconds"]
            print(
                f"{engine} {phase:>6}: {result['seconds']:8.1f} s  {rate:10,.0f} interactions/s"
                f"  peak RSS {result['peak_kib'] / 1024:6.0f} MiB"
                f" (at start {result['start_kib'] / 1024:.0f} MiB)"
                f"  stored {result['stored']:,}, without account {result['without_account']:,}"
            )
        if len(results) == 2:
            ratio = results["import"]["seconds"] / results["bare"]["seconds"]
            print(f"{engine} ratio import/bare: {ratio:.2f}x")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
