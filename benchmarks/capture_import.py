"""Benchmark `import_mail` and `import_ics` against the bare parse of the same files.

    .venv/bin/python benchmarks/capture_import.py                    # 1,000,000 / 100,000
    .venv/bin/python benchmarks/capture_import.py --messages 200000 --events 20000

Generates, in a temporary folder, an mbox of N messages and an .ics of M events (with a
weekly series every 100 events, and EXDATEs) between the colleagues and client people of a
directory loaded beforehand (not timed) into a fresh SQLite database. Then each in its own
process, so that its peak resident memory (ru_maxrss) is its own, measures:
  (a) the bare parse: stdlib ``mailbox.mbox`` iterating every message / ``icalendar``
      reading the whole calendar and walking its events, and
  (b) the import: ``import_mail`` / ``import_ics`` into the database, everything included.
Prints items per second, the ratio (b)/(a) in wall-clock and in CPU time (user + system;
the steadier figure on a shared machine) and each one's peak memory.
"""

from __future__ import annotations

import argparse
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
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SUBJECTS = ["Pedido semanal", "Re: Factura marzo", "Entrega en planta", "Plan 2026",
            "Re: Re: Revisión de calidad", "Oferta de mantenimiento", "Visita técnica"]  # fmt: skip
N_COLLEAGUES, N_ACCOUNTS, PEOPLE_PER_ACCOUNT = 50, 1000, 20


def _colleague(c: int) -> str:
    return f"colega{c}@nosotros.example"


def _person(p: int) -> str:
    return f"persona{p}@cliente{p // PEOPLE_PER_ACCOUNT}.example"


def generate_mbox(path: Path, messages: int, seed: int) -> None:
    rng = random.Random(seed)
    n_people = N_ACCOUNTS * PEOPLE_PER_ACCOUNT
    start = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for m in range(messages):
            ours, theirs = _colleague(rng.randrange(N_COLLEAGUES)), _person(rng.randrange(n_people))
            sender, to = (ours, theirs) if rng.random() < 0.6 else (theirs, ours)
            sent = start + timedelta(seconds=m * 29)
            reply = f"In-Reply-To: <m{m - 1}@bench.example>\n" if m and rng.random() < 0.4 else ""
            bulk = "List-Unsubscribe: <mailto:out@news.example>\n" if m % 50 == 0 else ""
            out.write(
                f"From {sender} {sent:%a %b %d %H:%M:%S %Y}\n"
                f"Return-Path: <{sender}>\nReceived: from mx.bench.example by mail.bench.example"
                f" with ESMTPS id {m:x}; {format_datetime(sent)}\n"
                f"Message-ID: <m{m}@bench.example>\nDate: {format_datetime(sent)}\n"
                f"From: Persona <{sender}>\nTo: {to}\nSubject: {rng.choice(SUBJECTS)}\n"
                f"{reply}{bulk}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
                f"Content-Transfer-Encoding: 8bit\n\n"
                "Hola,\n\nte confirmo lo hablado sobre el pedido y la entrega de la semana que\n"
                "viene. Quedo pendiente de la factura.\n\nUn saludo\n\n"
            )


def generate_ics(path: Path, events: int, seed: int) -> None:
    rng = random.Random(seed)
    n_people = N_ACCOUNTS * PEOPLE_PER_ACCOUNT
    start = datetime(2025, 1, 2, 8, 0)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nMETHOD:PUBLISH\r\n")
        out.write(
            "BEGIN:VTIMEZONE\r\nTZID:Romance Standard Time\r\nBEGIN:STANDARD\r\n"
            "DTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
            "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n"
            "BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\n"
            "TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\n"
            "END:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
        )
        for e in range(events):
            when = start + timedelta(minutes=37 * e)
            end = when + timedelta(minutes=rng.choice([30, 45, 60, 90]))
            rule = ""
            if e % 100 == 0:  # a weekly series with an exception
                exdate = (when + timedelta(days=14)).strftime("%Y%m%dT%H%M%S")
                rule = (f"RRULE:FREQ=WEEKLY;COUNT=8\r\n"
                        f"EXDATE;TZID=Romance Standard Time:{exdate}\r\n")  # fmt: skip
            teams = "DESCRIPTION:https://teams.microsoft.com/l/meetup-join/19%3a\r\n"
            link = teams if e % 3 else ""
            out.write(
                f"BEGIN:VEVENT\r\nUID:ev{e}@bench.example\r\nDTSTAMP:20250101T000000Z\r\n"
                f"DTSTART;TZID=Romance Standard Time:{when:%Y%m%dT%H%M%S}\r\n"
                f"DTEND;TZID=Romance Standard Time:{end:%Y%m%dT%H%M%S}\r\n{rule}"
                f"SUMMARY:{rng.choice(SUBJECTS)}\r\nLOCATION:Oficinas\r\n{link}"
                f"ORGANIZER;CN=Colega:mailto:{_colleague(rng.randrange(N_COLLEAGUES))}\r\n"
                f"ATTENDEE;PARTSTAT=ACCEPTED;CN=Persona:mailto:"
                f"{_person(rng.randrange(n_people))}\r\nSEQUENCE:0\r\nEND:VEVENT\r\n"
            )
        out.write("END:VCALENDAR\r\n")


def load_directory() -> None:
    """Colleagues, accounts with domains, people with addresses and jobs: bulk, untimed."""
    from django.db import transaction

    from vinculo.bulk import insert_rows
    from vinculo.people.models import (
        Account,
        AccountDomain,
        Colleague,
        Employment,
        Person,
        PersonEmail,
    )

    now = datetime.now(UTC)
    # fmt: off
    with transaction.atomic():
        insert_rows(Colleague, ("id", "name", "email", "function"),
                    [(c + 1, f"Colega {c}", _colleague(c), "sales") for c in range(N_COLLEAGUES)])
        insert_rows(Account, ("id", "name", "industry", "country", "tier", "size", "status",
                              "created_at"),
                    [(a + 1, f"Cliente {a}", "", "ES", "b", "", "active", now)
                     for a in range(N_ACCOUNTS)])
        insert_rows(AccountDomain, ("account_id", "domain"),
                    [(a + 1, f"cliente{a}.example") for a in range(N_ACCOUNTS)])
        n_people = N_ACCOUNTS * PEOPLE_PER_ACCOUNT
        insert_rows(Person, ("id", "name", "phones", "language", "legal_basis", "notes",
                             "family", "tastes", "friends", "interests",
                             "professional_interests", "created_at"),
                    [(p + 1, f"Persona {p}", "", "es", "legitimate_interest", "", "", "", "",
                      "", "", now) for p in range(n_people)])
        insert_rows(PersonEmail, ("person_id", "email"),
                    [(p + 1, _person(p)) for p in range(n_people)])
        insert_rows(Employment, ("person_id", "account_id", "title", "function",
                                 "decision_role"),
                    [(p + 1, p // PEOPLE_PER_ACCOUNT + 1, "", "other", "")
                     for p in range(n_people)])
    # fmt: on


def child(phase: str, path: Path) -> None:
    if phase.startswith("import"):
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vinculo.settings")
        django.setup()
    began = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    items = 0
    if phase == "bare-mbox":
        import mailbox

        for _message in mailbox.mbox(str(path), create=False):
            items += 1
    elif phase == "bare-ics":
        import icalendar

        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        for event in calendar.walk("VEVENT"):
            event.get("DTSTART")
            items += 1
    else:
        from io import StringIO

        from django.core.management import call_command

        out = StringIO()
        command = "import_mail" if phase == "import-mail" else "import_ics"
        extra = ["--from", "2024-12-01", "--until", "2030-12-31"] if phase == "import-ics" else []
        call_command(command, str(path), *extra, stdout=out, stderr=StringIO())
        items = int(out.getvalue().split(" ", 1)[0])
        print(out.getvalue(), file=sys.stderr)
    seconds = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "items": items,
                      "peak_mib": usage.ru_maxrss / 1024}))  # fmt: skip


def measure(phase: str, path: Path, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", phase, str(path)],
        env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE,
    )  # fmt: skip
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="capture-bench-"))
    try:
        env = {**os.environ, "DATABASE_URL": "", "VINCULO_VAR_DIR": str(workdir)}
        subprocess.run([sys.executable, "-m", "vinculo", "migrate", "-v0"], env=env, cwd=ROOT,
                       check=True)  # fmt: skip
        subprocess.run(
            [sys.executable, "-c", "import django, os; "
             "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'vinculo.settings'); "
             "django.setup(); import sys; sys.path.insert(0, 'benchmarks'); "
             "import capture_import; capture_import.load_directory()"],
            env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        results = {}
        for kind, count, generate in (
            ("mail", args.messages, generate_mbox),
            ("ics", args.events, generate_ics),
        ):
            if not count:
                continue
            path = workdir / ("bench.mbox" if kind == "mail" else "bench.ics")
            generate(path, count, args.seed)
            size = path.stat().st_size
            bare = measure("bare-mbox" if kind == "mail" else "bare-ics", path, env)
            imported = measure("import-mail" if kind == "mail" else "import-ics", path, env)
            results[kind] = {"file_mib": size / 2**20, "bare": bare, "import": imported}
            print(
                f"{kind}: {count:,} items, {size / 2**20:,.0f} MiB | bare parse "
                f"{bare['items'] / bare['seconds']:,.0f}/s ({bare['seconds']:.1f} s, "
                f"{bare['peak_mib']:.0f} MiB) | import "
                f"{imported['items'] / imported['seconds']:,.0f}/s "
                f"({imported['seconds']:.1f} s, {imported['peak_mib']:.0f} MiB) | ratio "
                f"{imported['seconds'] / bare['seconds']:.2f}x wall, "
                f"{imported['cpu_seconds'] / bare['cpu_seconds']:.2f}x CPU",
                flush=True,
            )
            path.unlink()
        print(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
