"""Load test: gunicorn with the demo at a given scale, locust headless on loopback.

    .venv/bin/python benchmarks/load.py --database-url postgres://postgres@127.0.0.1:5432/ \\
        --accounts 20000 --users 60 --seconds 120
    .venv/bin/python benchmarks/load.py --accounts 2000 --users 60 --seconds 120   # SQLite
    # on a database already seeded (kept from an earlier run with --keep, or made by hand):
    .venv/bin/python benchmarks/load.py --database-url postgres://postgres@127.0.0.1:5432/db \\
        --reuse --users 60 --seconds 120

A PostgreSQL URL ending in "/" makes a fresh database (dropped afterwards unless --keep);
no URL means a fresh SQLite file in a temporary folder. Then: migrate, ``seed_demo
--accounts N``, the day's health (``recompute_health``, so Today has its plays), API tokens
for the account managers, gunicorn on 127.0.0.1, and locust (benchmarks/load/locustfile.py)
for --seconds with --users clients: account managers in the browser, API scripts, and one
client asking /ping. Prints per endpoint the requests, throughput, p50/p95/p99 and errors,
and the ratio of each page's p99 to /ping's p99 in the same run.

Traffic goes to 127.0.0.1 only, and the run stops by itself after --seconds.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCUSTFILE = ROOT / "benchmarks" / "load" / "locustfile.py"
KAMS = (("lucia", "demo-kam-2024"), ("james", "demo-kam-2024"))
# The locust user classes of each mix (benchmarks/load/locustfile.py).
MIXES = {
    "day": ("AccountManager", "ApiClient", "Ping"),
    "writers": ("WebWriter", "ApiWriter", "Ping"),
}
PAGES = (
    "/agenda/ (Today)",
    "/ (people list)",
    "/people/[id]/",
    "/accounts/[id]/",
    "/interactions/new/ (form)",
    "/interactions/new/ (POST)",
    "/api/v1/people",
    "/api/v1/interactions (POST)",
)


def _psql(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(sql)  # type: ignore[arg-type]


def _vinculo(env: dict[str, str], *args: str) -> str:
    started = time.monotonic()
    done = subprocess.run(
        [str(BIN / "vinculo"), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"vinculo {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    print(f"  vinculo {' '.join(args)[:60]}: {time.monotonic() - started:.0f} s", flush=True)
    return done.stdout


def _wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{url} did not answer in {seconds} s")


def _clients(env: dict[str, str], per_kam: int) -> str:
    """API tokens of the account managers, each with its colleague id: "token@id,…"."""
    script = (
        "import json; from vinculo.people.models import Colleague; "
        "print(json.dumps({c.user.username: c.pk for c in Colleague.objects"
        f".select_related('user').filter(user__username__in={[k for k, _ in KAMS]})}}))"
    )
    colleagues = json.loads(_vinculo(env, "shell", "-c", script).strip().splitlines()[-1])
    pairs = []
    for username, _ in KAMS:
        for n in range(per_kam):
            token = _vinculo(env, "api_token", "create", username, "--name", f"load {n}").strip()
            pairs.append(f"{token}@{colleagues.get(username, '')}")
    return ",".join(pairs)


def _percent(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return float("nan")


def report(prefix: Path, seconds: float) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    with (prefix.parent / f"{prefix.name}_stats.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row["Name"] if row["Type"] else "(all)"
            rows[name] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": _percent(row["50%"]),
                "p95": _percent(row["95%"]),
                "p99": _percent(row["99%"]),
                "max": _percent(row["Max Response Time"]),
            }
    ping = rows.get("/ping", {}).get("p99", float("nan"))
    width = max(len(name) for name in rows)
    print(
        f"\n{'endpoint':<{width}}  requests    req/s    p50 ms   p95 ms   p99 ms  errors  p99/ping"
    )
    for name, r in sorted(rows.items(), key=lambda item: (item[0] == "(all)", item[0])):
        ratio = r["p99"] / ping if ping and name not in ("/ping", "(all)") else float("nan")
        print(
            f"{name:<{width}}  {r['requests']:>8}  {r['rps']:>7.2f}  {r['p50']:>8.0f} "
            f"{r['p95']:>8.0f} {r['p99']:>8.0f}  {r['failures']:>6}  "
            + (f"{ratio:>7.1f}x" if ratio == ratio else "")
        )
    pages = [rows[p]["p99"] for p in PAGES[:5] if p in rows]
    logged = sum(rows.get(p, {}).get("requests", 0) for p in PAGES[5::2]) - sum(
        rows.get(p, {}).get("failures", 0) for p in PAGES[5::2]
    )
    print(
        f"\nworst page p99 / ping p99: {max(pages) / ping:.1f}x" if pages and ping else "",
        f"\ninteractions logged: {logged} in {seconds:.0f} s = {logged / seconds:.2f}/s",
    )
    failures = prefix.parent / f"{prefix.name}_failures.csv"
    if failures.exists():
        with failures.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                print(
                    f"  error: {row['Method']} {row['Name']}: {row['Error'][:200]}"
                    f" x{row['Occurrences']}"
                )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--accounts", type=int, default=20000)
    parser.add_argument("--reuse", action="store_true", help="the database is already seeded")
    parser.add_argument("--keep", action="store_true", help="keep a fresh database afterwards")
    parser.add_argument(
        "--no-recompute", action="store_true", help="skip the day's health (no plays on Today)"
    )
    parser.add_argument("--users", type=int, default=60, help="locust clients (all kinds)")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--think", default="2,6", help="min,max seconds between clicks")
    parser.add_argument("--pool", action="store_true", help="DATABASE_POOL=true (PostgreSQL)")
    parser.add_argument(
        "--mix",
        choices=sorted(MIXES),
        default="day",
        help="day: account managers, API scripts and /ping; writers: only logging, and /ping",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="vinculo-load-"))
    url = args.database_url or f"sqlite:///{workdir / 'load.sqlite3'}"
    drop: tuple[str, str] | None = None
    if url.startswith("postgres") and urlsplit(url).path in ("", "/"):
        parts = urlsplit(url)
        name = f"vinculo_load_{os.getpid()}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        _psql(admin, f"CREATE DATABASE {name}")
        drop = (admin, name)
        url = urlunsplit(parts._replace(path=f"/{name}"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        DATABASE_URL=url,
        VINCULO_VAR_DIR=str(workdir / "var"),
        HTTPS="false",  # plain http on loopback: cookies without the Secure flag
        DEBUG="false",
        LOG_LEVEL="WARNING",
    )
    if args.pool:
        env["DATABASE_POOL"] = "true"
    server = None
    try:
        if not args.reuse:
            print(f"seeding {args.accounts} accounts into {url}", flush=True)
            _vinculo(env, "migrate", "--no-input", "-v0")
            _vinculo(env, "seed_demo", "--accounts", str(args.accounts), "--no-progress")
            if not args.no_recompute:
                _vinculo(env, "recompute_health")
        clients = _clients(env, per_kam=4)
        server_log = (workdir / "gunicorn.log").open("w")
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "vinculo.wsgi:application",
             "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers),
             "--threads", str(args.threads), "--timeout", "120"],
            env=env, stdout=server_log, stderr=subprocess.STDOUT, cwd=workdir,
        )  # fmt: skip
        host = f"http://127.0.0.1:{args.port}"
        _wait_for(f"{host}/ping", 60)
        _wait_for(f"{host}/healthz", 60)
        print(
            f"gunicorn: {args.workers} workers x {args.threads} threads; locust: {args.users}"
            f" users ({args.mix}) for {args.seconds} s, think time {args.think} s",
            flush=True,
        )
        prefix = workdir / "locust"
        locust_env = env | {
            "VINCULO_LOAD_LOGINS": ",".join(f"{u}:{p}" for u, p in KAMS),
            "VINCULO_LOAD_TOKENS": clients,
            "VINCULO_LOAD_THINK": args.think,
        }
        started = time.monotonic()
        subprocess.run(
            [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--only-summary",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s",
             "--host", host, "--csv", str(prefix), "--stop-timeout", "10",
             "--loglevel", "WARNING", *MIXES[args.mix]],
            env=locust_env, check=False, stdout=subprocess.DEVNULL,
            stderr=(workdir / "locust.log").open("w"), timeout=args.seconds + 120,
        )  # fmt: skip
        elapsed = time.monotonic() - started
        report(prefix, min(elapsed, float(args.seconds)))
        print(f"\nfiles: {workdir}")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if drop and not args.keep:
            _psql(drop[0], f'DROP DATABASE IF EXISTS "{drop[1]}" WITH (FORCE)')
        elif drop:
            print(f"kept database {drop[1]}")
        if not args.keep and not args.database_url:
            for leftover in workdir.glob("load.sqlite3*"):
                leftover.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
