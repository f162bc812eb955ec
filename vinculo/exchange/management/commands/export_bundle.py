"""``vinculo export_bundle PATH``: the whole data set as a bundle (a .zip or a folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from vinculo.exchange.bundle import bundle_export


class Command(BaseCommand):
    help = "Export every person, account and fact as a bundle of CSV files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="A folder, or a file name ending in .zip.")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        report = bundle_export(path=path)
        for name, rows in report.files.items():
            self.stdout.write(_("%(file)s: %(rows)d rows") % {"file": name, "rows": rows})
