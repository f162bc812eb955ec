"""Benchmark `vinculo seed_demo` into a fresh database.

    .venv/bin/python benchmarks/seed_demo.py --accounts 2000
    .venv/bin/python benchmarks/seed_demo.py --accounts 2000 \\
        --database-url postgres://postgres@127.0.0.1:5432/

With a SQLite URL or none (a temporary file), the file is made fresh; with a PostgreSQL URL
ending in "/" (no database name) a fresh database is created and dropped afterwards.
Migrations run first and are not timed. Prints wall time, rows per table, rows per second
and the child's peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VINCULO = [sys.executable, "-m", "vinculo"]


def _psql(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--as-of", default="2026-11-23")
    parser.add_argument(
        "--database-url",
        default="",
        help="sqlite:////path/file.sqlite3, or postgres://user@host:port/ for a fresh database",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    tmpdir = Path(tempfile.mkdtemp(prefix="vinculo-bench-"))
    url = args.database_url or f"sqlite:///{tmpdir / 'bench.sqlite3'}"
    drop_pg: tuple[str, str] | None = None
    if url.startswith("postgres"):
        parts = urlsplit(url)
        name = f"vinculo_bench_{os.getpid()}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        _psql(admin, f"CREATE DATABASE {name}")
        drop_pg = (admin, name)
        url = urlunsplit(parts._replace(path=f"/{name}"))
    else:
        path = Path(urlsplit(url).path)
        path.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "VINCULO_VAR_DIR": str(tmpdir),
        "LANGUAGE_CODE": "en",
    }
    try:
        subprocess.run([*VINCULO, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        command = [
            *VINCULO, "seed_demo", "--accounts", str(args.accounts), "--seed", str(args.seed),
            "--as-of", args.as_of,
        ]  # fmt: skip
        began = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE)
        wall = time.perf_counter() - began
        # RUSAGE_CHILDREN: the largest resident set among the waited-for children, in KiB.
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        report = done.stdout.decode()
        rows = 0
        for line in report.splitlines()[1:]:
            parts = line.split()
            if len(parts) == 2:
                rows += int(parts[1].replace(",", ""))
        print(f"database       {url.split('://')[0]} ({url})")
        print(f"command        vinculo {' '.join(command[3:])}")
        print(report.rstrip())
        print(f"wall time      {wall:,.1f} s")
        print(f"rows written   {rows:,}")
        print(f"rows/second    {rows / wall:,.0f}")
        print(f"peak memory    {peak_mib:,.0f} MiB (child ru_maxrss)")
        if not drop_pg:
            size = Path(urlsplit(url).path).stat().st_size / 2**20
            print(f"database size  {size:,.0f} MiB")
    finally:
        if drop_pg and not args.keep:
            _psql(drop_pg[0], f"DROP DATABASE IF EXISTS {drop_pg[1]} WITH (FORCE)")
        if not args.keep:  # the default SQLite file and the var directory live here
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
