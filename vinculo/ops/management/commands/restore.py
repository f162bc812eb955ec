from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vinculo.ops.backup import restore


class Command(BaseCommand):
    help = (
        "Replace the whole database by a copy made with `vinculo backup` (PostgreSQL: "
        "pg_restore --clean, in one transaction). Stop the app servers and workers first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restore(options["path"])
        except FileNotFoundError as error:
            raise CommandError(f"no backup at {error}") from error
        self.stdout.write(f"database restored from {options['path']}")
