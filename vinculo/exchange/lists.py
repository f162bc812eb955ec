"""Lists as files: CSV and XLSX of a list page's rows, with the page's own filters.

A list is its columns (a translated header and how to read the cell from a row) over the
queryset the page itself shows (``vinculo.web.lists``). Rows are read in chunks and written
as they come: CSV is streamed to the client, XLSX goes through openpyxl's write-only mode
into a temporary file that is then streamed, so memory stays flat whatever the list's size.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.db.models import Model, Prefetch, QuerySet
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from vinculo.health.models import Band
from vinculo.people.models import Person, PersonEmail

CHUNK = 2000

Cell = str | int | float | Decimal | dt.date | dt.datetime | None


@dataclass(frozen=True)
class Column:
    header: Promise | str
    value: Callable[[Any], Cell]


@dataclass(frozen=True)
class ListSpec:
    """A list page as a file: its name (for the file name) and its columns."""

    name: Promise | str
    columns: Sequence[Column]
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] = lambda rows: rows


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return None if value is None else timezone.localtime(value).date()


def _band_label(band: str | None) -> str:
    return str(Band(band).label) if band in Band.values else ""


def _jobs(person: Person, read: Callable[[Any], str]) -> str:
    return "; ".join(read(job) for job in person.current_jobs)  # type: ignore[attr-defined]


PEOPLE = ListSpec(
    name=_("people"),
    columns=(
        Column(_("Name"), lambda p: p.name),
        Column(_("Company"), lambda p: _jobs(p, lambda job: job.account.name)),
        Column(_("Title"), lambda p: _jobs(p, lambda job: job.title)),
        Column(_("Function"), lambda p: _jobs(p, lambda job: str(job.get_function_display()))),
        Column(_("Our owner"), lambda p: p.owner.name if p.owner else ""),
        Column(_("Health"), lambda p: p.health),
        Column(_("Band"), lambda p: _band_label(p.health_band)),
        Column(_("Last contact"), lambda p: _local_date(p.last_contact)),
        Column(_("Emails"), lambda p: "; ".join(e.email for e in p.emails.all())),
        Column(_("Phones"), lambda p: p.phones),
    ),
    prepare=lambda people: people.prefetch_related(
        Prefetch("emails", queryset=PersonEmail.objects.order_by("id"))
    ),
)

ACCOUNTS = ListSpec(
    name=_("accounts"),
    columns=(
        Column(_("Name"), lambda a: a.name),
        Column(_("Tier"), lambda a: str(a.get_tier_display()) if a.tier else ""),
        Column(_("Status"), lambda a: str(a.get_status_display())),
        Column(_("Our owner"), lambda a: a.owner.name if a.owner else ""),
        Column(_("People"), lambda a: a.people_count),
        Column(_("Last contact"), lambda a: _local_date(a.last_contact)),
        Column(_("Industry"), lambda a: a.industry),
        Column(_("Country"), lambda a: a.country),
        Column(_("Yearly wallet"), lambda a: a.wallet_yearly),
    ),
)


def rows_of(spec: ListSpec, rows: QuerySet[Model]) -> Iterator[list[Cell]]:
    """The header, then each row's cells: one query per chunk of rows (and one for each
    prefetch), whatever the number of rows."""
    yield [str(column.header) for column in spec.columns]
    for row in spec.prepare(rows).iterator(chunk_size=CHUNK):
        yield [column.value(row) for column in spec.columns]


def file_name(spec: ListSpec, extension: str) -> str:
    return f"{spec.name}-{timezone.localdate().isoformat()}.{extension}"


# -- CSV ----------------------------------------------------------------------------------


def csv_delimiter() -> str:
    """A semicolon where the decimal separator is a comma (Spanish spreadsheets read it so),
    a comma elsewhere."""
    return ";" if formats.get_format("DECIMAL_SEPARATOR") == "," else ","


def csv_cell(value: Cell) -> str:
    """A value as the reader's language writes it: 14/03/2026 and 1.234,5 in Spanish."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, int | float | Decimal):
        return formats.number_format(value, use_l10n=True)
    return str(value)


class _Line:
    """A file-like object whose write returns what it was given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[Cell]], *, language: str) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (so spreadsheets do not guess another encoding), one
    encoded line per row, in ``language`` (the stream is read after the view returns)."""
    with translation.override(language):
        writer = csv.writer(_Line(), delimiter=csv_delimiter())
        yield "\ufeff".encode()
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row]).encode()


# -- XLSX ---------------------------------------------------------------------------------

# Excel's built-in short date (format 14): shown in the reader's own regional format.
XLSX_DATE = "mm-dd-yy"


def write_xlsx(spec: ListSpec, rows: Iterable[list[Cell]], *, language: str) -> IO[bytes]:
    """The list as an .xlsx in a temporary file (rewound), written row by row."""
    with translation.override(language):
        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=str(spec.name)[:31])
        bold = Font(bold=True)
        iterator = iter(rows)
        header = []
        for title in next(iterator):
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        sheet.freeze_panes = "A2"
        for row in iterator:
            cells: list[Any] = []
            for value in row:
                if isinstance(value, dt.datetime):
                    value = timezone.localtime(value).replace(tzinfo=None)
                if isinstance(value, dt.date):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = XLSX_DATE
                    cells.append(cell)
                else:
                    cells.append(value)
            sheet.append(cells)
        handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        book.save(handle)
        handle.seek(0)
        return handle
