import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from vinculo.health.insights import insights
from vinculo.health.management.commands.recompute_health import parse_date
from vinculo.health.services import engine_config
from vinculo.users.models import User


class Command(BaseCommand):
    help = "Print what the system concludes at a date (exchange.md section 2)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, default=None)
        parser.add_argument("--format", choices=["json", "table"], default="json")
        parser.add_argument("--lang", choices=["es", "en"], default=None)
        parser.add_argument(
            "--user",
            default=None,
            help="Only what this user may read (their accounts and people); default: all.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or timezone.localdate()
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")
        with translation.override(options["lang"] or translation.get_language() or "es"):
            data = insights(as_of, engine_config(), user=user)
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"as of {data['as_of']}")
        for section in ("accounts", "people"):
            self.stdout.write(f"\n{section}")
            for row in data[section]:
                cov = f" {row['coverage']}" if row.get("coverage") else ""
                self.stdout.write(f"  {row['key']:<30} {row['health']:>3} {row['band']:<6}{cov}")
                for play in row["plays"]:
                    self.stdout.write(f"      ! {play['kind']}: {play['reason']}")
