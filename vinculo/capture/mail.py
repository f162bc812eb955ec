"""Mail → email interactions (exchange.md §3): mbox, Maildir (any folder tree of message
files), single .eml files, and an IMAP folder read-only with an incremental cursor.

Only headers are read: an mbox is split on its "From " lines as it streams and each
message's body is skipped, so a mailbox of any size is read in constant memory and no body
is ever stored. ``--with-excerpt`` reads the start of the body (at most 64 KB of it) to keep
a short plain-text excerpt in the summary.
"""

from __future__ import annotations

import email.header
import email.utils
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from django.utils.translation import gettext as _

from vinculo.capture.core import (
    InteractionRecord,
    Participant,
    Refused,
    Session,
    clean_address,
    short_source_id,
    stable_id,
)
from vinculo.capture.models import MailCursor
from vinculo.vocab import Channel, Source

EXCERPT_CHARS = 300
_BODY_LIMIT = 64 * 1024
_HEADER_LIMIT = 256 * 1024  # a header block longer than this is not a mail header
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_full_parser = BytesParser(policy=compat32)


@dataclass
class MailOptions:
    since: date | None = None
    until: date | None = None  # inclusive
    with_excerpt: bool = False


class RawHeaders:
    """The few headers the importer reads, split from the raw header block by hand.

    ``email.parser`` builds a full Message with every header and its policy machinery;
    for a million messages whose bodies are skipped anyway, a dict of unfolded lines is
    several times faster. It answers ``get`` and ``get_all`` as a Message does.
    """

    __slots__ = ("fields",)
    WANTED = frozenset(
        {
            "from", "to", "cc", "bcc", "date", "subject", "message-id", "in-reply-to",
            "references", "list-unsubscribe", "list-id", "precedence", "auto-submitted",
        }
    )  # fmt: skip

    def __init__(self, raw: bytes) -> None:
        fields: dict[str, list[str]] = {}
        name = ""
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            if line[:1] in (b" ", b"\t"):
                if name and name in fields:
                    fields[name][-1] += " " + _decode_line(line).strip()
                continue
            key, sep, value = line.partition(b":")
            if not sep:
                name = ""
                continue
            name = key.strip().lower().decode("ascii", errors="replace")
            if name in self.WANTED:
                fields.setdefault(name, []).append(_decode_line(value).strip())
            else:
                name = ""
        self.fields = fields

    def get(self, name: str, default: object = None) -> object:
        found = self.fields.get(name.lower())
        return found[0] if found else default

    def get_all(self, name: str) -> list[str] | None:
        return self.fields.get(name.lower())


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


_SIMPLE_ADDRESS = re.compile(r"^\s*(?:([^<>\"(),;]*?)\s*<([^<>\s]+)>|([^<>\s\"(),;]+))\s*$")


def addresses(values: list[str]) -> list[tuple[str, str]]:
    """(name, address) pairs of address headers. Plain lists ("Name <a@b>, c@d") are split
    here; anything with quotes, comments or groups goes to the standard library."""
    pairs: list[tuple[str, str]] = []
    for value in values:
        if '"' in value or "(" in value or ":" in value:
            pairs.extend(email.utils.getaddresses([value]))
            continue
        for piece in value.split(","):
            if not piece.strip():
                continue
            match = _SIMPLE_ADDRESS.match(piece)
            if match is None:
                pairs.extend(email.utils.getaddresses([piece]))
            elif match[2]:
                pairs.append((match[1] or "", match[2]))
            else:
                pairs.append(("", match[3]))
    return pairs


def _text(value: object) -> str:
    """A header as text, RFC 2047 words decoded, whatever the charset claims."""
    if value is None:
        return ""
    raw = str(value)
    if "=?" not in raw:
        return " ".join(raw.split())
    try:
        return " ".join(str(email.header.make_header(email.header.decode_header(raw))).split())
    except (LookupError, UnicodeDecodeError, ValueError, email.errors.HeaderParseError):
        return " ".join(raw.split())


@functools.lru_cache(maxsize=65536)
def clean_cached(address: str) -> str | None:
    """Addresses repeat all through a mailbox: each distinct one is checked once."""
    return clean_address(address)


def _message_ids(value: object) -> list[str]:
    return _MESSAGE_ID.findall(str(value)) if value else []


def is_bulk(message: Message | RawHeaders) -> bool:
    """Newsletters, lists and machines: List-Unsubscribe, List-Id, Precedence bulk/list/junk
    and Auto-Submitted other than "no" (RFC 3834)."""
    if message.get("List-Unsubscribe") is not None or message.get("List-Id") is not None:
        return True
    if str(message.get("Precedence", "")).strip().lower() in {"bulk", "list", "junk"}:
        return True
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    return bool(auto) and auto != "no"


def excerpt_of(message: Message) -> str:
    """The first words of the first plain-text part (HTML-only mail gives none)."""
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        if part.get_content_type() != "text/plain" or part.get_filename():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            text = payload.decode(charset, errors="replace")
        except LookupError:
            text = payload.decode("utf-8", errors="replace")
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith(">")]
        return " ".join(" ".join(lines).split())[:EXCERPT_CHARS]
    return ""


class _Builder:
    """Headers → an InteractionRecord, or a counted skip."""

    def __init__(self, session: Session, options: MailOptions) -> None:
        self.session = session
        self.report = session.report
        self.options = options
        self.since = (
            datetime.combine(options.since, datetime.min.time(), tzinfo=UTC)
            if options.since
            else None
        )
        self.until = (
            datetime.combine(options.until, datetime.max.time(), tzinfo=UTC)
            if options.until
            else None
        )

    def add(self, message: Message | RawHeaders, where: str, excerpt: str = "") -> None:
        report = self.report
        report.read += 1
        sent = None
        date_header = message.get("Date")
        if date_header:
            try:
                sent = email.utils.parsedate_to_datetime(str(date_header))
            except (TypeError, ValueError, IndexError):
                sent = None
        if sent is None:
            report.skipped["no_date"] += 1
            report.warn(where, _("no readable Date header; skipped"))
            return
        if sent.tzinfo is None:  # "-0000": the time is UTC, the zone unknown (RFC 5322)
            sent = sent.replace(tzinfo=UTC)
        sent = sent.astimezone(UTC)
        if (self.since and sent < self.since) or (self.until and sent > self.until):
            report.skipped["outside"] += 1
            return
        if is_bulk(message):
            report.skipped["bulk"] += 1
            return
        participants: dict[str, Participant] = {}
        sender = ""
        for field in ("From", "To", "Cc", "Bcc"):
            values = message.get_all(field) or []
            for name, address in addresses([str(v) for v in values]):
                clean = clean_cached(address)
                if clean is None:
                    continue
                if field == "From" and not sender:
                    sender = clean
                if clean not in participants:
                    participants[clean] = Participant(email=clean, name=_text(name))
        if not participants:
            report.skipped["no_client"] += 1
            return
        own_id = next(iter(_message_ids(message.get("Message-ID"))), "")
        subject = _text(message.get("Subject"))
        source_id = own_id or stable_id(sent.isoformat(), sender, subject)
        references = _message_ids(message.get("References"))
        parent = references[:1] or _message_ids(message.get("In-Reply-To"))[:1]
        thread = parent[0] if parent else source_id
        if not parent:
            report.threads += 1
        summary = subject
        if excerpt:
            summary = f"{subject}\n\n{excerpt}" if subject else excerpt
        self.session.writer.add(
            InteractionRecord(
                where=where,
                source=Source.MAIL,
                source_id=short_source_id(source_id),
                started_at=sent,
                channel=Channel.EMAIL,
                participants=list(participants.values()),
                sender=sender,
                summary=summary[:2000],
                thread=thread,
            )
        )


# -- files ------------------------------------------------------------------------------


def _read_headers(handle: BinaryIO) -> bytes:
    lines = []
    size = 0
    for line in handle:
        if line in (b"\n", b"\r\n"):
            break
        lines.append(line)
        size += len(line)
        if size > _HEADER_LIMIT:
            break
    return b"".join(lines)


def _looks_like_mail(head: bytes) -> bool:
    first = head.lstrip().split(b"\n", 1)[0]
    return bool(_HEADER_LINE.match(first))


def read_message_file(builder: _Builder, path: Path, *, strict: bool) -> None:
    """One message per file (.eml, Maildir, the Enron folders)."""
    with path.open("rb") as handle:
        head = handle.read(4096)
        if not _looks_like_mail(head):
            if strict:
                raise Refused(str(path), _("not an email message"))
            builder.report.warn(str(path), _("not an email message; ignored"))
            return
        # Some exporters leave blank lines before the first header.
        handle.seek(len(head) - len(head.lstrip()))
        if builder.options.with_excerpt:
            data = handle.read(_HEADER_LIMIT + _BODY_LIMIT)
            message = _full_parser.parsebytes(data)
            builder.add(message, f"{path}:1", excerpt_of(message))
            return
        headers = RawHeaders(_read_headers(handle))
    builder.add(headers, f"{path}:1")


def read_maildir(builder: _Builder, folder: Path) -> None:
    """Every message file under the folder (Maildir's cur/new, or a tree of folders)."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "tmp")
        for name in sorted(files):
            if name.startswith("."):
                continue
            read_message_file(builder, Path(root) / name, strict=False)
            builder.session.tick(str(folder), 1)


def read_mbox(builder: _Builder, path: Path) -> None:
    """Split on "From " separator lines while streaming; headers parsed, bodies skipped."""
    name = str(path)
    excerpt = builder.options.with_excerpt
    with path.open("rb") as handle:
        first = handle.readline()
        if not first.startswith(b"From "):
            raise Refused(f"{name}:1", _("not an mbox file (no “From ” line)"))
        line_number = 1
        start = 1
        header: list[bytes] = []
        body: list[bytes] = []
        body_size = 0
        in_header = True
        previous_blank = True

        def emit() -> None:
            raw = b"".join(header)
            if excerpt:
                message = _full_parser.parsebytes(raw + b"\n" + b"".join(body))
                builder.add(message, f"{name}:{start}", excerpt_of(message))
            else:
                builder.add(RawHeaders(raw), f"{name}:{start}")
            builder.session.tick(name, 1)

        for line in handle:
            line_number += 1
            if line.startswith(b"From ") and previous_blank:
                if in_header:
                    raise Refused(f"{name}:{start}", _("a message without a body separator"))
                emit()
                header, body, body_size, in_header, start = [], [], 0, True, line_number
                previous_blank = False
                continue
            blank = line in (b"\n", b"\r\n")
            if in_header:
                if blank:
                    in_header = False
                else:
                    header.append(line)
                    if len(header) > 5000:
                        raise Refused(f"{name}:{start}", _("not an mbox file (endless header)"))
            elif excerpt and body_size < _BODY_LIMIT:
                body.append(line)
                body_size += len(line)
            previous_blank = blank
        if in_header:
            raise Refused(
                f"{name}:{start}", _("the last message ends inside its header: truncated")
            )
        emit()


def read_mail_path(session: Session, path: Path, options: MailOptions) -> None:
    builder = _Builder(session, options)
    if not path.exists():
        raise Refused(str(path), _("no such file or folder"))
    if path.is_dir():
        read_maildir(builder, path)
        return
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"From ":
        read_mbox(builder, path)
    else:
        read_message_file(builder, path, strict=True)


# -- IMAP -------------------------------------------------------------------------------


class ImapFolder(Protocol):
    """What the importer needs from an IMAP folder, opened read-only."""

    def uidvalidity(self) -> int: ...

    def headers(
        self, *, after_uid: int, since: date | None, until: date | None
    ) -> Iterator[tuple[int, Message]]: ...


class ImapToolsFolder:
    """An IMAP folder through ``imap-tools``: EXAMINE (read-only), headers only, PEEK so
    nothing is marked as read."""

    def __init__(self, *, host: str, port: int | None, user: str, password: str,
                 folder: str, ssl: bool) -> None:  # fmt: skip
        from imap_tools import MailBox, MailBoxUnencrypted

        box_class = MailBox if ssl else MailBoxUnencrypted
        self.box = box_class(host, port) if port else box_class(host)
        self.box.login(user, password, initial_folder=None)
        self.folder = folder
        self.box.folder.set(folder, readonly=True)

    def uidvalidity(self) -> int:
        status = self.box.folder.status(self.folder, ["UIDVALIDITY"])
        return int(status["UIDVALIDITY"])

    def headers(
        self, *, after_uid: int, since: date | None, until: date | None
    ) -> Iterator[tuple[int, Message]]:
        from datetime import timedelta

        from imap_tools import AND, U

        criteria: dict[str, Any] = {"uid": U(str(after_uid + 1), "*")}
        if since:
            criteria["date_gte"] = since
        if until:
            criteria["date_lt"] = until + timedelta(days=1)
        for message in self.box.fetch(
            AND(**criteria), headers_only=True, mark_seen=False, bulk=500
        ):
            if message.uid:
                yield int(message.uid), message.obj

    def close(self) -> None:
        self.box.logout()


def read_imap(session: Session, folder: ImapFolder, *, mailbox: str, options: MailOptions) -> None:
    """New mail since the stored cursor; the cursor moves in the same transaction, so a
    refused or dry run leaves it where it was."""
    builder = _Builder(session, options)
    validity = folder.uidvalidity()
    cursor = MailCursor.objects.filter(mailbox=mailbox).first()
    after = cursor.last_uid if cursor is not None and cursor.uidvalidity == validity else 0
    last = after
    for uid, message in folder.headers(after_uid=after, since=options.since, until=options.until):
        if uid <= after:  # "n:*" always answers the last message, even below n
            continue
        builder.add(message, f"{mailbox}:{uid}")
        last = max(last, uid)
        session.tick(mailbox, 1)
    MailCursor.objects.update_or_create(
        mailbox=mailbox, defaults={"uidvalidity": validity, "last_uid": last}
    )
