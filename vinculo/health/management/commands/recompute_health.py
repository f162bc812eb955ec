import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vinculo.health.services import health_recompute


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--as-of: expected YYYY-MM-DD, got {value!r}") from error


class Command(BaseCommand):
    help = "Recompute health snapshots and plays for everyone, as of a date (default today)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        report = health_recompute(as_of=options["as_of"])
        self.stdout.write(
            f"as of {report.as_of}: {report.people} people, {report.accounts} accounts; "
            f"plays {report.plays}"
        )
