"""Server time of the main pages at demo scale, against a trivial view in the same run.

    .venv/bin/python benchmarks/pages.py --accounts 2000
    .venv/bin/python benchmarks/pages.py --database-url sqlite:////path/demo.sqlite3 --reuse
    .venv/bin/python benchmarks/pages.py --accounts 2000 \\
        --database-url postgres://postgres@127.0.0.1:5432/

Without ``--reuse`` a fresh database is made first (migrate, ``seed_demo --accounts N``,
``recompute_health``; not timed): a temporary SQLite file, or with a PostgreSQL URL ending
in "/" a fresh database, dropped afterwards unless ``--keep``. Then, in one process with
Django's test ``Client`` signed in as the demo account manager (``lucia``): Today
(``/agenda/``), People (``/``), the Person page of the first person on her agenda, and
that person's Account page, each requested ``--requests`` times after a warm-up, against
a trivial view (signed-in, through the same middleware, answering "ok") interleaved in
the same loop. Prints median and p95 of each, the ratio of p95 to the trivial view's p95,
and the number of queries of one request of each page. Goal: p95 < 10x trivial, <= 15
queries.

``--reuse --read-only`` measures someone else's database without writing to it: Today and
People only (the person page records personal-data reads), sessions in a signed cookie, no
``last_login`` update, everything in one READ ONLY transaction on PostgreSQL (the queries
count one fewer: no session read).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VINCULO = [sys.executable, "-m", "vinculo"]
USER = "lucia"


def _psql(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _prepare(args: argparse.Namespace, tmpdir: Path) -> tuple[str, tuple[str, str] | None]:
    """The database URL to measure, seeded unless --reuse; and a PostgreSQL one to drop."""
    url = args.database_url or f"sqlite:///{tmpdir / 'pages.sqlite3'}"
    drop: tuple[str, str] | None = None
    if args.reuse:
        return url, None
    if url.startswith("postgres"):
        parts = urlsplit(url)
        name = f"vinculo_pages_{os.getpid()}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        _psql(admin, f"CREATE DATABASE {name}")
        drop = None if args.keep else (admin, name)
        url = urlunsplit(parts._replace(path=f"/{name}"))
    env = {**os.environ, "DATABASE_URL": url, "VINCULO_VAR_DIR": str(tmpdir)}
    for command in (
        ["migrate", "-v0"],
        ["seed_demo", "--accounts", str(args.accounts), "--seed", str(args.seed)],
        ["recompute_health"],
    ):
        began = time.perf_counter()
        # The commands' reports go to stderr: stdout is the table.
        subprocess.run([*VINCULO, *command], env=env, cwd=ROOT, check=True, stdout=sys.stderr)
        print(f"{command[0]}: {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return url, drop


def _urlconf() -> str:
    """vinculo.urls plus the trivial view, as a module of its own."""
    from django.contrib.auth.decorators import login_required
    from django.http import HttpRequest, HttpResponse
    from django.urls import include, path

    @login_required
    def trivial(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    module = types.ModuleType("pages_bench_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("__trivial__/", trivial),
        path("", include("vinculo.urls")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _read_only() -> None:
    """Nothing written: sessions in a signed cookie, no ``last_login`` update, and the
    caller's transaction READ ONLY on PostgreSQL (a write would fail the run)."""
    from django.conf import settings
    from django.contrib.auth import user_logged_in
    from django.contrib.auth.models import update_last_login
    from django.db import connection

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")


def measure(requests: int, warmup: int, *, read_only: bool = False) -> list[dict[str, Any]]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from vinculo.health.agenda import agenda_for
    from vinculo.people.rules import account_on
    from vinculo.users.models import User

    settings.ROOT_URLCONF = _urlconf()
    if read_only:
        _read_only()
    user = User.objects.get(username=USER)
    agenda = agenda_for(day=timezone.localdate(), user=user)
    person_id = next(item.person_id for item in agenda.items if item.person_id)
    account = account_on(person=person_id, day=timezone.localdate())
    assert account is not None, "the first person of the agenda has no current job"
    pages = {
        "trivial view": "/__trivial__/",
        "Today": "/agenda/",
        "People": "/",
        "Person": f"/people/{person_id}/",
        "Account": f"/accounts/{account.pk}/",
    }
    if read_only:  # the person page records its personal-data reads: a write
        del pages["Person"], pages["Account"]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    times: dict[str, list[float]] = {name: [] for name in pages}
    queries: dict[str, int] = {}
    for name, url in pages.items():
        for _ in range(warmup):
            response = client.get(url, secure=True)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as captured:
            client.get(url, secure=True)
        queries[name] = len(captured)
    # Interleaved: a moment of load on the shared machine hits every page alike.
    for _ in range(requests):
        for name, url in pages.items():
            began = time.perf_counter()
            client.get(url, secure=True)
            times[name].append(time.perf_counter() - began)
    trivial_p95 = _percentile(times["trivial view"], 0.95)
    return [
        {
            "page": name,
            "url": pages[name],
            "median_ms": statistics.median(values) * 1000,
            "p95_ms": _percentile(values, 0.95) * 1000,
            "ratio": _percentile(values, 0.95) / trivial_p95,
            "queries": queries[name],
        }
        for name, values in times.items()
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reuse", action="store_true", help="measure an already seeded database")
    parser.add_argument("--keep", action="store_true", help="keep a fresh database afterwards")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="with --reuse: write nothing (Today and People only, one READ ONLY transaction)",
    )
    args = parser.parse_args()
    if args.read_only and not args.reuse:
        parser.error("--read-only measures an existing database: give --reuse")

    tmpdir = Path(tempfile.mkdtemp(prefix="vinculo-pages-"))
    url, drop = _prepare(args, tmpdir)
    os.environ.update(
        DATABASE_URL=url,
        VINCULO_VAR_DIR=os.environ.get("VINCULO_VAR_DIR", str(tmpdir)),
        DJANGO_SETTINGS_MODULE="vinculo.settings",
        ALLOWED_HOSTS="testserver",
        LANGUAGE_CODE="en",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    try:
        if args.read_only:
            from django.db import transaction

            with transaction.atomic():
                rows = measure(args.requests, args.warmup, read_only=True)
        else:
            rows = measure(args.requests, args.warmup)
    finally:
        from django.db import connections

        connections.close_all()
        if drop is not None:
            _psql(drop[0], f"DROP DATABASE IF EXISTS {drop[1]}")
    print(f"{args.requests} requests each, {urlsplit(url).scheme}")
    print("| page | median | p95 | p95 / trivial p95 | queries |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['page']} (`{row['url']}`) | {row['median_ms']:.1f} ms"
            f" | {row['p95_ms']:.1f} ms | {row['ratio']:.1f}x | {row['queries']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
