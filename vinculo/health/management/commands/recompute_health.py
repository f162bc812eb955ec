import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from vinculo.audit.services import audit_health_recompute
from vinculo.health.models import HealthRun, HealthSnapshot
from vinculo.health.services import health_recompute


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"expected a date as YYYY-MM-DD, got {value!r}") from error


class Command(BaseCommand):
    help = (
        "Recompute health snapshots for everyone as of a date (default today), and the plays "
        "when that date is current (today, or no later snapshot stored): a past date writes "
        "history only. With --from, also every --every days from that date on; only the last "
        "day syncs plays, so a backfill killed and run again ends with the same plays."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, default=None)
        parser.add_argument(
            "--from",
            dest="since",
            type=parse_date,
            default=None,
            help="first day of a backfill, one snapshot per day up to --as-of",
        )
        parser.add_argument("--every", type=int, default=1, help="days between backfilled days")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="do nothing when snapshots as of that date already exist",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or timezone.localdate()
        since = options["since"] or as_of
        if since > as_of:
            raise CommandError("--from must not be after --as-of")
        if options["every"] < 1:
            raise CommandError("--every must be at least 1")
        if options["if_missing"] and (
            HealthRun.objects.filter(as_of=as_of).exists()
            or HealthSnapshot.objects.filter(as_of=as_of).exists()
        ):
            self.stdout.write(f"health as of {as_of} is already computed")
            return
        day = since
        days = 0
        while day <= as_of:
            last = day == as_of
            report = health_recompute(as_of=day, sync_plays=None if last else False)
            days += 1
            plays = (
                ", ".join(f"{k} {v}" for k, v in report.plays.items())
                if report.plays_synced
                else "plays unchanged (history only)"
            )
            self.stdout.write(
                f"as of {report.as_of}: {report.people} people, {report.accounts} accounts; "
                + plays
            )
            if last:
                audit_health_recompute(
                    as_of=as_of,
                    since=since,
                    days=days,
                    people=report.people,
                    accounts=report.accounts,
                )
                break
            day = min(as_of, day + dt.timedelta(days=options["every"]))
