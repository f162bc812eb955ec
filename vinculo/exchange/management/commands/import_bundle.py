"""``vinculo import_bundle PATH [--dry-run]``: the bundle of exchange.md §1, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from vinculo.exchange.bundle import bundle_import


class Command(BaseCommand):
    help = "Import a bundle of CSV files (a folder or a .zip); refused whole if any row is wrong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count, write nothing."
        )

    def handle(self, *args: Any, path: Path, dry_run: bool, **options: Any) -> None:
        bars: dict[str, tqdm[Any]] = {}

        def progress(name: str, rows: int) -> None:
            bar = bars.get(name)
            if bar is None:
                # delay: only files that take a while get a bar.
                bar = bars[name] = tqdm(
                    desc=name, unit=" rows", file=sys.stderr, delay=2, mininterval=1
                )
            bar.update(rows)

        try:
            report = bundle_import(path=path, dry_run=dry_run, progress=progress)
        finally:
            for bar in bars.values():
                bar.close()
        for warning in report.warnings:
            self.stderr.write(_("warning: %(text)s") % {"text": warning})
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(problem)
            if report.problems_not_listed:
                self.stderr.write(
                    _("… and %(n)d more problems.") % {"n": report.problems_not_listed}
                )
            raise CommandError(
                _("Bundle refused: %(n)d problems; nothing was written.")
                % {"n": report.problem_count},
                returncode=2,
            )
        width = max((len(name) for name in report.files), default=0)
        for name, counts in report.files.items():
            self.stdout.write(
                f"{name:<{width}}  "
                + _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged")
                % {
                    "created": counts.created,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                }
            )
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
