"""vCard 2.1, 3.0 and 4.0 → people, with their emails, phones, job and profile facts.

Read line by line here rather than through a general vCard library: the exports that
matter most (Outlook and Android 2.1 with quoted-printable soft breaks, 2.1 base64 photos
with unindented lines, UTF-16 without a byte-order mark) are exactly where the general
readers stumble, and only a handful of properties are needed.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import phonenumbers
from django.utils.translation import gettext as _

from vinculo.capture.core import Refused, Session, clean_address
from vinculo.capture.people import AccountRecord, ContactRecord, account_apply, contact_apply

_PROPERTY = re.compile(r"^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)([;:])")
_BDAY = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})")


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without a BOM) or UTF-16 (with a BOM, or guessed from the NULs)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    elif len(data) >= 2 and data[0] == 0 and data[1] != 0:
        return _utf16(data, "utf-16-be", name)
    elif len(data) >= 2 and data[1] == 0 and data[0] != 0:
        return _utf16(data, "utf-16-le", name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise Refused(f"{name}:{line}", _("not UTF-8 or UTF-16 text")) from error


def _utf16(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        raise Refused(name, _("not UTF-8 or UTF-16 text")) from error


@dataclass
class _Property:
    line: int
    name: str
    params: dict[str, list[str]]
    value: str


@dataclass
class _Card:
    line: int
    properties: list[_Property] = field(default_factory=list)

    def all(self, name: str) -> list[_Property]:
        return [p for p in self.properties if p.name == name]

    def first(self, name: str) -> str:
        found = self.all(name)
        return found[0].value if found else ""


def _split_unquoted(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _parse_property(line: int, text: str) -> _Property | None:
    head, sep, value = text.partition(":")
    quoted_colon = head.count('"') % 2 == 1
    if quoted_colon:  # a colon inside a quoted parameter: split where the quotes close
        pieces = _split_unquoted(text, ":")
        head, value = pieces[0], ":".join(pieces[1:])
    if not sep:
        return None
    parts = _split_unquoted(head, ";")
    name = parts[0].rpartition(".")[2].upper()
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        key, eq, raw = part.partition("=")
        if not eq:  # vCard 2.1: "TEL;WORK;VOICE:" bare types
            key, raw = "TYPE", part
        params.setdefault(key.strip().upper(), []).extend(
            v.strip().strip('"') for v in raw.split(",")
        )
    encoding = {v.upper() for v in params.get("ENCODING", [])}
    if "QUOTED-PRINTABLE" in encoding:
        raw_bytes = quopri.decodestring(value.encode("latin-1", errors="replace"))
        charset = (params.get("CHARSET") or ["utf-8"])[0]
        try:
            value = raw_bytes.decode(charset)
        except (UnicodeDecodeError, LookupError):
            # No charset said, and not UTF-8: Windows' Western code page is the best guess
            # for contacts exported in Spain.
            value = raw_bytes.decode("cp1252", errors="replace")
    return _Property(line, name, params, value)


def _cards(text: str, name: str) -> Iterator[_Card]:
    lines = text.splitlines()
    card: _Card | None = None
    current: tuple[int, str] | None = None
    qp_open = False
    seen_any = False

    def finish() -> None:
        nonlocal current
        if current is not None and card is not None:
            parsed = _parse_property(*current)
            if parsed is not None:
                card.properties.append(parsed)
        current = None

    for number, raw in enumerate(lines, start=1):
        if qp_open and current is not None:
            if raw == "":
                qp_open = False
                continue
            current = (current[0], current[1][:-1] + raw)  # drop the soft-break "="
            qp_open = raw.endswith("=")
            continue
        if not raw.strip():
            continue
        if raw[0] in " \t" and current is not None:
            current = (current[0], current[1] + raw[1:])
            continue
        match = _PROPERTY.match(raw)
        if match is None:
            if current is not None:  # a 2.1 base64 line, not indented
                current = (current[0], current[1] + raw.strip())
                continue
            raise Refused(f"{name}:{number}", _("not a vCard line"))
        finish()
        upper = raw.upper()
        if upper.startswith("BEGIN:VCARD"):
            if card is not None:
                raise Refused(f"{name}:{number}", _("a card inside a card"))
            card, seen_any = _Card(number), True
            continue
        if upper.startswith("END:VCARD"):
            if card is None:
                raise Refused(f"{name}:{number}", _("END:VCARD without BEGIN:VCARD"))
            yield card
            card = None
            continue
        if card is None:
            raise Refused(f"{name}:{number}", _("not a vCard file"))
        current = (number, raw)
        qp_open = "QUOTED-PRINTABLE" in raw.split(":", 1)[0].upper() and raw.endswith("=")
    finish()
    if card is not None:
        raise Refused(name, _("the file ends inside a card: truncated"))
    if not seen_any:
        raise Refused(name, _("not a vCard file"))


def _unescape(value: str) -> str:
    return (
        value.replace("\\n", "\n").replace("\\N", "\n").replace("\\,", ",")
        .replace("\\;", ";").replace("\\\\", "\\")
    )  # fmt: skip


def normalise_phone(value: str, region: str = "ES") -> str:
    """E.164 where the number can be read (a national number in ``region``), else as given."""
    value = value.strip().removeprefix("tel:")
    if not any(char.isdigit() for char in value):
        return ""  # a label where the number should be
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return " ".join(value.split())
    if not phonenumbers.is_possible_number(number):
        return " ".join(value.split())
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _birthday(value: str) -> date | None:
    match = _BDAY.match(value.strip())
    if match is None:
        return None  # "--0322" (no year) and free text are left out
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def card_record(card: _Card, where: str, session: Session) -> ContactRecord:
    name = " ".join(_unescape(card.first("FN")).split())
    if not name:
        parts = [_unescape(p).strip() for p in re.split(r"(?<!\\);", card.first("N"))]
        family, given = ([*parts, "", ""])[:2]
        name = " ".join(p for p in (given, family) if p)
    emails: list[str] = []
    for prop in card.all("EMAIL"):
        clean = clean_address(prop.value)
        if clean is None:
            if prop.value.strip():
                session.report.warn(
                    f"{where.rpartition(':')[0]}:{prop.line}",
                    _("“%(v)s” is not an email address; left out") % {"v": prop.value.strip()},
                )
            continue
        if clean not in emails:
            emails.append(clean)
    phones: list[str] = []
    for prop in card.all("TEL"):
        phone = normalise_phone(prop.value)
        if phone and phone not in phones:
            phones.append(phone)
    org = re.split(r"(?<!\\);", card.first("ORG"))[0]
    return ContactRecord(
        where=where,
        name=name[:200],
        emails=emails,
        phones=phones,
        company=_unescape(org).strip(),
        title=_unescape(card.first("TITLE")).strip(),
        birthday=_birthday(card.first("BDAY")),
        notes=_unescape(card.first("NOTE")).strip(),
    )


def read_vcard(session: Session, path: Path, *, legal_basis: str) -> None:
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Refused(name, _("cannot read the file: %(e)s") % {"e": error}) from error
    text = decode_text(data, name)
    for card in _cards(text, name):
        session.report.read += 1
        record = card_record(card, f"{name}:{card.line}", session)
        if card.first("X-ABSHOWAS").strip().upper() == "COMPANY":
            # Apple's company cards are a company, not a person.
            site = re.sub(r"^[a-z]+\\?://(www\.)?", "", card.first("URL").strip().lower())
            domain = site.split("/", 1)[0]
            account_apply(
                session,
                AccountRecord(record.where, record.company or record.name,
                              [domain] if "." in domain else []),
            )  # fmt: skip
        else:
            contact_apply(session, record, legal_basis=legal_basis)
        session.tick(name, 1)
