import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vinculo.health.management.commands.recompute_health import parse_date
from vinculo.ops.tasks import recompute


class Command(BaseCommand):
    help = (
        "Queue a full recompute (as recompute_health, same options) for `vinculo worker`; "
        "prints the task id, followed on /tasks/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, default=None)
        parser.add_argument("--from", dest="since", type=parse_date, default=None)
        parser.add_argument("--every", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        as_of: dt.date | None = options["as_of"]
        since: dt.date | None = options["since"]
        result = recompute.enqueue(
            as_of=as_of.isoformat() if as_of else None,
            since=since.isoformat() if since else None,
            every=options["every"],
        )
        self.stdout.write(result.id)
