from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vinculo.ops.backup import backup


class Command(BaseCommand):
    help = (
        "Copy the whole database to PATH while the site runs (SQLite: the online backup API; "
        "PostgreSQL: pg_dump -Fc). `vinculo restore PATH` puts it back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        backup(options["path"])
        self.stdout.write(f"backup written to {options['path']}")
