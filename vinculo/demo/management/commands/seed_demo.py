"""`vinculo seed_demo`: fill an empty database with the demo data (thin: see generator.py)."""

from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from vinculo.demo.generator import DatabaseNotEmpty, database_has_people, seed_demo


def _as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(_("--as-of wants a date as YYYY-MM-DD, not “%s”.") % value) from error


class Command(BaseCommand):
    help = "Fill an empty database with realistic, deterministic demo data."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--accounts", type=int, default=60, help="how many accounts (60)")
        parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the database has people"
        )
        parser.add_argument(
            "--as-of", type=_as_of, default=None, help="the demo's today, YYYY-MM-DD (today)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["accounts"] < 1:
            raise CommandError(_("--accounts must be at least 1."))
        if database_has_people():
            if options["if_empty"]:
                self.stdout.write(_("The database already has people: no demo data added."))
                return
            raise CommandError(
                _(
                    "The database already has people; seed_demo only fills an empty one "
                    "(use --if-empty to skip quietly, or `vinculo flush` first)."
                )
            )
        as_of = options["as_of"] or timezone.localdate()
        began = time.perf_counter()
        try:
            report = seed_demo(
                accounts=options["accounts"],
                seed=options["seed"],
                as_of=as_of,
                # The progress bar goes to the command's stderr (the real one from the
                # shell; a caller's stream under call_command).
                progress=None if options["no_progress"] else options.get("stderr") or sys.stderr,
            )
        except DatabaseNotEmpty as error:
            raise CommandError(_("The database already has people.")) from error
        seconds = time.perf_counter() - began
        self.stdout.write(
            _("Demo data as of %(as_of)s: %(accounts)d accounts, %(rows)d rows in %(seconds).1f s.")
            % {
                "as_of": as_of.isoformat(),
                "accounts": report.accounts,
                "rows": report.total_rows,
                "seconds": seconds,
            }
        )
        for table, count in report.rows.items():
            self.stdout.write(f"  {table:<32} {count:>12,}")
