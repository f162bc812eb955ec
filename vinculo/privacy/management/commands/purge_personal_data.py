from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from vinculo.privacy.services import retention_purge


class Command(BaseCommand):
    help = (
        "Clear the personal facts of people we have had no relationship with for "
        "VINCULO_RETENTION_DAYS (no interaction, no current job, no open item)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only count them")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        count = retention_purge(timezone.localdate(), dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"{count} people would have their personal facts purged")
        else:
            self.stdout.write(f"{count} people had their personal facts purged")
