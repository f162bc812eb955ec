"""``vinculo import_csv PATH... [--dry-run] [--preset P] [--map COLUMN=FIELD ...]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from vinculo.capture.cli import add_common_arguments, run_and_report
from vinculo.capture.core import Session
from vinculo.capture.tabular import FIELDS, PRESETS, read_table


class Command(BaseCommand):
    help = (
        "Import contacts, companies and activities exported from HubSpot, Salesforce or "
        "Google Contacts (CSV or XLSX), recognised from the header row; --map for any other."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_common_arguments(parser)
        parser.add_argument("--preset", choices=PRESETS, help="Read the files as this tool's.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="What a column holds; fields: " + ", ".join(FIELDS),
        )

    def handle(self, *args: Any, paths: list[str], dry_run: bool, **options: Any) -> None:
        mapping: dict[str, str] = {}
        for item in options["map"]:
            column, sep, field_name = item.rpartition("=")
            if not sep or not column.strip():
                raise CommandError(_("--map wants COLUMN=FIELD, not “%(v)s”.") % {"v": item})
            if field_name.strip() not in FIELDS:
                raise CommandError(
                    _("Unknown field “%(f)s”; one of: %(all)s")
                    % {"f": field_name, "all": ", ".join(FIELDS)}
                )
            mapping[column.strip()] = field_name.strip()

        def work(session: Session) -> None:
            for path in paths:
                read_table(session, Path(path), preset=options.get("preset"), mapping=mapping)

        run_and_report(
            self, label=", ".join(Path(p).name for p in paths), work=work, dry_run=dry_run,
            unit=" rows",
        )  # fmt: skip
