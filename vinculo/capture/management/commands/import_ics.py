"""``vinculo import_ics PATH... [--dry-run] [--from D] [--until D]``: calendars in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from vinculo.capture.cli import add_common_arguments, run_and_report
from vinculo.capture.core import Session
from vinculo.capture.ics import Window, default_window, read_ics


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(_("“%(v)s” is not a date (YYYY-MM-DD).") % {"v": value}) from error


def _midnight(day: date) -> datetime:
    zone = timezone.get_default_timezone()
    return datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC)


class Command(BaseCommand):
    help = (
        "Import calendar events (.ics) as interactions. Recurring series are expanded "
        "inside --from/--until (default: two years back to 90 days ahead). Never sends "
        "or answers an invitation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_common_arguments(parser)
        parser.add_argument("--from", dest="start", help="Expand series from this date.")
        parser.add_argument(
            "--until", "--to", dest="end", help="Expand series up to this date (inclusive)."
        )

    def handle(self, *args: Any, paths: list[str], dry_run: bool, **options: Any) -> None:
        window = default_window()
        if options.get("start"):
            window.start = _midnight(_day(options["start"]))
        if options.get("end"):
            window.end = _midnight(date.fromordinal(_day(options["end"]).toordinal() + 1))
        if window.end <= window.start:
            raise CommandError(_("--until must come after --from."))

        def work(session: Session) -> None:
            for path in paths:
                read_ics(session, Path(path), Window(window.start, window.end))

        run_and_report(
            self, label=", ".join(Path(p).name for p in paths), work=work, dry_run=dry_run,
            unit=" events",
        )  # fmt: skip
