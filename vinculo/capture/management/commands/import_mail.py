"""``vinculo import_mail PATH... [--dry-run] [--with-excerpt] [--since D] [--until D]``.

PATH is an mbox file, a Maildir (or any folder of message files), an .eml file, or an IMAP
folder as ``imaps://USER@HOST[:PORT]/FOLDER`` (the password from ``VINCULO_IMAP_PASSWORD``
or ``--password-file``), read only, from where the previous run stopped.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from vinculo.capture.cli import add_common_arguments, run_and_report
from vinculo.capture.core import Refused, Session
from vinculo.capture.mail import ImapToolsFolder, MailOptions, read_imap, read_mail_path


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(_("“%(v)s” is not a date (YYYY-MM-DD).") % {"v": value}) from error


class Command(BaseCommand):
    help = (
        "Import mail (mbox, Maildir, .eml or an IMAP folder, read-only) as email "
        "interactions. Stores date, participants and subject; never the body."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_common_arguments(parser)
        parser.add_argument(
            "--with-excerpt", action="store_true", help="Keep the first words of the body."
        )
        parser.add_argument("--since", help="Only mail sent on or after this date.")
        parser.add_argument("--until", help="Only mail sent on or before this date.")
        parser.add_argument("--password-file", type=Path, help="IMAP password, in a file.")

    def handle(self, *args: Any, paths: list[str], dry_run: bool, **options: Any) -> None:
        mail_options = MailOptions(
            since=_day(options.get("since")),
            until=_day(options.get("until")),
            with_excerpt=bool(options.get("with_excerpt")),
        )
        password_file: Path | None = options.get("password_file")

        def work(session: Session) -> None:
            for path in paths:
                if path.startswith(("imap://", "imaps://")):
                    self.imap(session, path, mail_options, password_file)
                else:
                    read_mail_path(session, Path(path), mail_options)

        run_and_report(self, label=", ".join(paths), work=work, dry_run=dry_run, unit=" messages")

    def imap(
        self, session: Session, url: str, options: MailOptions, password_file: Path | None
    ) -> None:
        parts = urlsplit(url)
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        user = unquote(parts.username or "")
        password = (
            password_file.read_text(encoding="utf-8").strip()
            if password_file
            else os.environ.get("VINCULO_IMAP_PASSWORD", "")
        )
        if not parts.hostname or not user or not password:
            raise Refused(url, _("an IMAP folder needs a user, a host and a password"))
        try:
            client = ImapToolsFolder(
                host=parts.hostname, port=parts.port, user=user, password=password,
                folder=folder, ssl=parts.scheme == "imaps",
            )  # fmt: skip
        except Exception as error:
            raise Refused(url, _("cannot open the IMAP folder: %(e)s") % {"e": error}) from error
        try:
            read_imap(session, client, mailbox=f"{user}@{parts.hostname}/{folder}", options=options)
        finally:
            client.close()
