"""What the four import commands share: options, progress bars, the report, exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from vinculo.capture.core import CaptureReport, Session, capture_run


def add_common_arguments(parser: CommandParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="Check and report what would be created, updated and skipped; write nothing.",
    )


class Progress:
    """One tqdm bar per file, on standard error, shown only for files that take a while."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.bars: dict[str, tqdm[Any]] = {}

    def __call__(self, name: str, amount: int) -> None:
        bar = self.bars.get(name)
        if bar is None:
            bar = self.bars[name] = tqdm(
                desc=name[-40:], unit=self.unit, file=sys.stderr, delay=2, mininterval=1
            )
        bar.update(amount)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def run_and_report(
    command: BaseCommand,
    *,
    label: str,
    work: Callable[[Session], None],
    dry_run: bool,
    unit: str,
) -> CaptureReport:
    progress = Progress(unit)
    try:
        report = capture_run(label=label, work=work, dry_run=dry_run, progress=progress)
    finally:
        progress.close()
    for warning in report.warnings:
        command.stderr.write(_("warning: %(text)s") % {"text": warning})
    if not report.ok:
        for problem in report.problems:
            command.stderr.write(problem)
        if report.problems_not_listed:
            command.stderr.write(
                _("… and %(n)d more problems.") % {"n": report.problems_not_listed}
            )
        raise CommandError(_("Import refused; nothing was written."), returncode=2)
    for line in report.lines():
        command.stdout.write(line)
    if dry_run:
        command.stdout.write(_("Dry run: nothing was written."))
    return report
