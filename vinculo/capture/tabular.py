"""Other CRMs' exports (CSV or XLSX) → accounts, people and interactions.

A layout is recognised from the header row (HubSpot, Salesforce Data Loader and data
export, Google Contacts); ``--preset`` narrows the choice to one vendor and ``--map
COLUMN=FIELD`` describes any other file. Header names are compared ignoring case, spaces
and punctuation, so Data Loader's "ACCOUNTID" and the data export's "AccountId" are one.
A repeated header (HubSpot's contact-with-company export has "Phone Number" twice) is
read from its first column.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from vinculo.capture.core import (
    InteractionRecord,
    Participant,
    Refused,
    Session,
    clean_address,
    short_source_id,
    utc,
)
from vinculo.capture.people import (
    AccountRecord,
    ContactRecord,
    account_apply,
    contact_apply,
    external_person,
)
from vinculo.capture.vcard import normalise_phone
from vinculo.people.models import PersonEmail
from vinculo.vocab import Channel, Source

# What a column can mean, whatever the file.
FIELDS = {
    "id": "the row's own id in that system",
    "name": "the person's full name",
    "first_name": "given name",
    "last_name": "family name",
    "email": "an email address (several columns allowed)",
    "phone": "a phone number (several columns allowed)",
    "company": "company name",
    "company_id": "the company's id in that system",
    "title": "job title",
    "birthday": "birthday",
    "notes": "notes",
    "domain": "the company's email domain",
    "website": "the company's web site",
    "industry": "industry",
    "country": "country (ISO code)",
    "start": "date and time of an activity",
    "date": "date of an activity",
    "duration_min": "duration in minutes",
    "duration_sec": "duration in seconds",
    "subject": "what the activity was about",
    "location": "where",
    "person_id": "the id of the contact it was with",
    "type": "call, email, meeting…",
    "status": "a task's status",
    "deleted": "deleted in that system",
}


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass(frozen=True)
class Layout:
    vendor: str
    kind: str  # "companies", "contacts", "activities"
    label: str
    required: tuple[str, ...]
    columns: dict[str, str]  # header → field
    month_first: bool = False  # "5/7/24" is 7 May (US exports)


def _google_columns() -> dict[str, str]:
    columns = {
        "Name": "name", "Given Name": "first_name", "Family Name": "last_name",
        "First Name": "first_name", "Last Name": "last_name", "Birthday": "birthday",
        "Notes": "notes", "Organization 1 - Name": "company",
        "Organization 1 - Title": "title", "Organization Name": "company",
        "Organization Title": "title",
    }  # fmt: skip
    for n in range(1, 7):
        columns[f"E-mail {n} - Value"] = "email"
        columns[f"Phone {n} - Value"] = "phone"
    return columns


LAYOUTS: tuple[Layout, ...] = (
    Layout("hubspot", "contacts", "HubSpot contacts",
           ("Record ID - Contact", "First Name", "Last Name", "Email"),
           {"Record ID - Contact": "id", "First Name": "first_name", "Last Name": "last_name",
            "Email": "email", "Phone Number": "phone", "Mobile Phone Number": "phone",
            "Job Title": "title", "Company Name": "company", "Record ID - Company": "company_id"},
           month_first=True),
    Layout("hubspot", "contacts", "HubSpot contacts",
           ("Record ID", "First Name", "Last Name", "Email"),
           {"Record ID": "id", "First Name": "first_name", "Last Name": "last_name",
            "Email": "email", "Phone Number": "phone", "Mobile Phone Number": "phone",
            "Job Title": "title", "Company Name": "company"}, month_first=True),
    Layout("hubspot", "companies", "HubSpot companies",
           ("Record ID", "Company name", "Company Domain Name"),
           {"Record ID": "id", "Company name": "company", "Company Domain Name": "domain",
            "Website URL": "website", "Industry": "industry", "Country/Region": "country"},
           month_first=True),
    Layout("hubspot", "activities", "HubSpot meetings",
           ("Record ID", "Meeting name", "Meeting start time"),
           {"Record ID": "id", "Meeting name": "subject", "Meeting start time": "start",
            "Meeting location": "location", "Associated Contact": "email",
            "Associated contact": "email"}, month_first=True),
    Layout("hubspot", "activities", "HubSpot calls",
           ("Record ID", "Call title", "Activity date"),
           {"Record ID": "id", "Call title": "subject", "Activity date": "start",
            "Call duration (HH:mm:ss)": "duration_sec", "Associated Contact": "email",
            "Associated contact": "email"}, month_first=True),
    Layout("salesforce", "contacts", "Salesforce contacts",
           ("Id", "AccountId", "FirstName", "LastName", "Email"),
           {"Id": "id", "AccountId": "company_id", "FirstName": "first_name",
            "LastName": "last_name", "Email": "email", "Phone": "phone",
            "MobilePhone": "phone", "Title": "title", "Birthdate": "birthday",
            "Description": "notes", "IsDeleted": "deleted"}),
    Layout("salesforce", "companies", "Salesforce accounts",
           ("Id", "Name", "BillingCountry", "Website"),
           {"Id": "id", "Name": "company", "Website": "website", "Industry": "industry",
            "BillingCountry": "country", "IsDeleted": "deleted"}),
    Layout("salesforce", "activities", "Salesforce events",
           ("Id", "WhoId", "ActivityDateTime", "DurationInMinutes"),
           {"Id": "id", "WhoId": "person_id", "Subject": "subject", "Location": "location",
            "ActivityDateTime": "start", "ActivityDate": "date",
            "DurationInMinutes": "duration_min", "Type": "type", "IsDeleted": "deleted"}),
    Layout("salesforce", "activities", "Salesforce tasks",
           ("Id", "WhoId", "ActivityDate", "Status", "CallDurationInSeconds"),
           {"Id": "id", "WhoId": "person_id", "Subject": "subject", "ActivityDate": "date",
            "CompletedDateTime": "start", "CallDurationInSeconds": "duration_sec",
            "Type": "type", "TaskSubtype": "type", "Status": "status",
            "IsDeleted": "deleted"}),
    Layout("google", "contacts", "Google Contacts",
           ("Given Name", "Family Name", "E-mail 1 - Value"), _google_columns()),
    Layout("google", "contacts", "Google Contacts",
           ("First Name", "Last Name", "E-mail 1 - Value"), _google_columns()),
)  # fmt: skip
PRESETS = ("hubspot", "salesforce", "google")


def recognise(header: list[str], preset: str | None = None) -> Layout | None:
    present = {_norm(h) for h in header}
    best: Layout | None = None
    for layout in LAYOUTS:
        if preset and layout.vendor != preset:
            continue
        matches = all(_norm(r) in present for r in layout.required)
        if matches and (best is None or len(layout.required) > len(best.required)):
            best = layout
    if best is None and preset:
        # Forced: the vendor's layout that shares the most columns.
        scored = [
            (sum(_norm(c) in present for c in layout.columns), layout)
            for layout in LAYOUTS
            if layout.vendor == preset
        ]
        score, layout = max(scored, key=lambda pair: pair[0])
        best = layout if score else None
    return best


def custom_layout(mapping: dict[str, str]) -> Layout:
    wanted = set(mapping.values())
    if wanted & {"start", "date"}:
        kind = "activities"
    elif wanted & {"email", "first_name", "last_name", "name", "phone"}:
        kind = "contacts"
    else:
        kind = "companies"
    return Layout("csv", kind, _("your mapping"), tuple(mapping), dict(mapping))


# -- reading rows ---------------------------------------------------------------------------


def _encoding(session: Session, path: Path) -> str:
    """UTF-8 (or UTF-16 with a BOM) when the bytes say so; otherwise Windows-1252, which
    is what Excel and older Salesforce Data Loader write on a Western Windows machine.
    CSV declares no encoding, so a legacy one is read with a warning, not refused."""
    with path.open("rb") as handle:
        head = handle.read(4)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            pass
        handle.seek(0)
        legacy = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := handle.read(1 << 20):
                legacy.decode(chunk)
        except UnicodeDecodeError as error:
            raise Refused(str(path), _("not UTF-8 or Windows-1252 text")) from error
    session.report.warn(str(path), _("not UTF-8; read as Windows-1252"))
    return "cp1252"


def _rows_csv(session: Session, path: Path) -> Iterator[tuple[int, list[str]]]:
    encoding = _encoding(session, path)
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(64 * 1024)
        if "\x00" in sample:
            raise Refused(str(path), _("not a text file (NUL bytes)"))
        first_line = sample.split("\n", 1)[0]
        delimiter = max(",;\t", key=first_line.count)
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as error:
            raise Refused(
                f"{path}:{reader.line_num}", _("not a valid CSV file: %(e)s") % {"e": error}
            ) from error


def _rows_xlsx(path: Path) -> Iterator[tuple[int, list[str]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise Refused(str(path), _("not an Excel (.xlsx) file")) from error
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, ["" if v is None else _cell(v) for v in row]
    finally:
        workbook.close()


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_DATE_FORMATS_DAY_FIRST = ("%d/%m/%Y %H:%M", "%d/%m/%y %H:%M", "%d/%m/%Y", "%d/%m/%y")
_DATE_FORMATS_MONTH_FIRST = ("%m/%d/%Y %H:%M", "%m/%d/%y %H:%M", "%m/%d/%Y", "%m/%d/%y")


def parse_when(value: str, *, month_first: bool) -> datetime | None:
    """A date-time from ISO 8601 (with Z or an offset) or the usual "d/m/y h:m" forms;
    a time without an offset is read in the installation's zone."""
    value = value.strip()
    if not value:
        return None
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value)
    except ValueError:
        parsed = None
        formats = _DATE_FORMATS_MONTH_FIRST if month_first else _DATE_FORMATS_DAY_FIRST
        for fmt in formats:
            try:
                parsed = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError(value)
    return utc(parsed)


def _duration_seconds(value: str) -> int:
    value = value.strip()
    if ":" in value:  # HH:mm:ss
        parts = [int(p) for p in value.split(":")]
        while len(parts) < 3:
            parts.insert(0, 0)
        return parts[0] * 3600 + parts[1] * 60 + parts[2]
    return int(float(value))


_EMAIL_IN_TEXT = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


class _Table:
    def __init__(self, session: Session, path: Path, layout: Layout, header: list[str]):
        self.session = session
        self.report = session.report
        self.path = path
        self.layout = layout
        # field → column positions, in order; a repeated header counts once (its first).
        wanted = {_norm(h): f for h, f in layout.columns.items()}
        self.positions: dict[str, list[int]] = {}
        seen: set[str] = set()
        for position, column in enumerate(header):
            key = _norm(column)
            if key in seen:
                continue
            seen.add(key)
            field_name = wanted.get(key)
            if field_name:
                self.positions.setdefault(field_name, []).append(position)
        self.ok = True

    def values(self, cells: list[str], name: str) -> list[str]:
        out = []
        for position in self.positions.get(name, []):
            if position < len(cells):
                for piece in cells[position].split(" ::: "):  # Google's multi-value cells
                    piece = piece.strip().strip("\u3000").strip()
                    if piece:
                        out.append(piece)
        return out

    def value(self, cells: list[str], name: str) -> str:
        found = self.values(cells, name)
        return found[0] if found else ""

    def problem(self, line: int, column: str, message: str) -> None:
        self.ok = False
        self.report.problem(f"{self.path}:{line}", f"{column}: {message}")

    # -- kinds --

    def row(self, line: int, cells: list[str]) -> None:
        if not any(c.strip() for c in cells):
            return
        self.report.read += 1
        if self.value(cells, "deleted").lower() in {"true", "1", "yes"}:
            self.report.skipped["cancelled"] += 1
            return
        getattr(self, self.layout.kind)(line, cells)

    def companies(self, line: int, cells: list[str]) -> None:
        domains = [d.lower().removeprefix("www.") for d in self.values(cells, "domain")]
        for site in self.values(cells, "website"):
            host = re.sub(r"^[a-z]+://", "", site.strip().lower()).split("/", 1)[0]
            domains.append(host.removeprefix("www."))
        record = AccountRecord(
            where=f"{self.path}:{line}",
            name=self.value(cells, "company"),
            domains=[d for d in domains if "." in d and " " not in d],
            industry=self.value(cells, "industry"),
            country=self.value(cells, "country"),
            external_id=self.value(cells, "id"),
        )
        account_apply(self.session, record, system=self.layout.vendor)

    def contacts(self, line: int, cells: list[str]) -> None:
        name = self.value(cells, "name") or " ".join(
            p for p in (self.value(cells, "first_name"), self.value(cells, "last_name")) if p
        )
        emails = []
        for raw in self.values(cells, "email"):
            clean = clean_address(raw)
            if clean is None:
                self.problem(line, "email", _("“%(v)s” is not an email address") % {"v": raw})
                return
            emails.append(clean)
        birthday = None
        if raw_birthday := self.value(cells, "birthday"):
            try:
                when = parse_when(raw_birthday, month_first=self.layout.month_first)
                birthday = timezone.localtime(when).date() if when else None
            except ValueError:
                self.problem(line, "birthday", _("“%(v)s” is not a date") % {"v": raw_birthday})
                return
        record = ContactRecord(
            where=f"{self.path}:{line}",
            name=" ".join(name.split())[:200],
            emails=list(dict.fromkeys(emails)),
            phones=[p for p in (normalise_phone(v) for v in self.values(cells, "phone")) if p],
            company=self.value(cells, "company"),
            title=self.value(cells, "title"),
            birthday=birthday,
            notes=self.value(cells, "notes"),
            external_id=self.value(cells, "id"),
            company_external_id=self.value(cells, "company_id"),
        )
        contact_apply(self.session, record, system=self.layout.vendor)

    def activities(self, line: int, cells: list[str]) -> None:
        status = self.value(cells, "status").lower()
        if status and status not in {"completed", "complete", "done", "closed"}:
            self.report.skipped["not_event"] += 1  # a to-do, not a contact that happened
            return
        raw_start = self.value(cells, "start") or self.value(cells, "date")
        try:
            started_at = parse_when(raw_start, month_first=self.layout.month_first)
        except ValueError:
            self.problem(line, "start", _("“%(v)s” is not a date") % {"v": raw_start})
            return
        if started_at is None:
            self.report.skipped["no_date"] += 1
            return
        try:
            minutes = int(float(self.value(cells, "duration_min") or 0))
            seconds = self.value(cells, "duration_sec")
            if seconds:
                minutes = _duration_seconds(seconds) // 60
        except ValueError:
            self.problem(line, "duration", _("not a number"))
            return
        kind = self.value(cells, "type").lower()
        channel = (
            Channel.CALL if "call" in kind or self.value(cells, "duration_sec")
            else Channel.EMAIL if "email" in kind
            else Channel.MEETING
        )  # fmt: skip
        participants = [
            Participant(email=address)
            for raw in self.values(cells, "email")
            for address in (clean_address(m) for m in _EMAIL_IN_TEXT.findall(raw))
            if address
        ]
        person_ids = []
        for ref in self.values(cells, "person_id"):
            pk = external_person(self.session, self.layout.vendor, ref)
            if pk is not None:
                person_ids.append(pk)
        if not participants and person_ids:
            participants = [
                Participant(email=e)
                for e in PersonEmail.objects.filter(person_id__in=person_ids).values_list(
                    "email", flat=True
                )[:1]
            ]
        own_id = self.value(cells, "id") or f"{self.path.name}:{line}"
        self.session.writer.add(
            InteractionRecord(
                where=f"{self.path}:{line}",
                source=Source.IMPORT,
                source_id=short_source_id(f"{self.layout.vendor}:{own_id}"),
                started_at=started_at,
                channel=channel,
                participants=participants,
                duration_min=max(0, minutes),
                place=self.value(cells, "location")[:200],
                summary=self.value(cells, "subject")[:1000],
                free_mail_filter=False,
                person_ids=person_ids,
            )
        )


def read_table(
    session: Session, path: Path, *, preset: str | None, mapping: dict[str, str]
) -> None:
    name = str(path)
    if not path.is_file():
        raise Refused(name, _("no such file"))
    is_excel = path.suffix.lower() in {".xlsx", ".xlsm"}
    rows = _rows_xlsx(path) if is_excel else _rows_csv(session, path)
    first = next(rows, None)
    if first is None:
        raise Refused(name, _("empty file"))
    header_line, header = first
    header = [h.strip().lstrip("\ufeff") for h in header]
    if mapping:
        missing = [c for c in mapping if _norm(c) not in {_norm(h) for h in header}]
        if missing:
            raise Refused(
                f"{name}:{header_line}",
                _("no column named %(c)s") % {"c": ", ".join(missing)},
            )
        layout: Layout | None = custom_layout(mapping)
    else:
        layout = recognise(header, preset)
    if layout is None:
        raise Refused(
            f"{name}:{header_line}",
            _("the columns map to nothing known; name them with --map COLUMN=FIELD"),
        )
    table = _Table(session, path, layout, header)
    if not table.positions:
        raise Refused(f"{name}:{header_line}", _("the columns map to nothing known"))
    session.report.notes.append(f"{name}: " + _("read as %(layout)s") % {"layout": layout.label})
    for line, cells in rows:
        table.row(line, cells)
        session.tick(name, 1)
    session.writer.flush()
