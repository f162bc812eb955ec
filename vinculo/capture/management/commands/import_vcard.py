"""``vinculo import_vcard PATH... [--dry-run] [--legal-basis B]``: address books in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vinculo.capture.cli import add_common_arguments, run_and_report
from vinculo.capture.core import Session
from vinculo.capture.people import problem_if_invalid_basis
from vinculo.capture.vcard import read_vcard
from vinculo.vocab import LegalBasis


class Command(BaseCommand):
    help = (
        "Import vCards (2.1, 3.0, 4.0; UTF-8 or UTF-16) as people with their emails, "
        "phones, job, birthday and notes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_common_arguments(parser)
        parser.add_argument(
            "--legal-basis",
            default=LegalBasis.LEGITIMATE_INTEREST,
            help="Legal basis recorded for the personal data of new people.",
        )

    def handle(self, *args: Any, paths: list[str], dry_run: bool, **options: Any) -> None:
        basis = options["legal_basis"]
        problem = problem_if_invalid_basis(basis)
        if problem:
            raise CommandError(problem)

        def work(session: Session) -> None:
            for path in paths:
                read_vcard(session, Path(path), legal_basis=basis)

        run_and_report(
            self, label=", ".join(Path(p).name for p in paths), work=work, dry_run=dry_run,
            unit=" cards",
        )  # fmt: skip
