"""Import and export of the whole data set as a bundle of CSV files (exchange.md §1).

Import streams every file inside one transaction, writing valid rows in batches as it
reads, and collects every problem it meets; if there was any, it rolls the whole
transaction back at the end, so a refused bundle leaves the database exactly as it was.
Rows are matched by their ``key`` (or by their natural identity where the file has no
key), so importing the same bundle again changes nothing.

Export writes every file with the contract's columns in order, rows sorted by key (byte
order), so that export, import into an empty database and export again give the same bytes.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.db import DatabaseError, connection, transaction
from django.db.models import CharField, F, Max, Model, Value
from django.db.models.functions import Cast, Coalesce, Collate, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vinculo.audit.context import acting_keep_user
from vinculo.audit.faces import Face
from vinculo.audit.services import audit_bulk
from vinculo.bulk import (
    batched,
    db_converter,
    delete_rows,
    insert_returning,
    insert_rows,
    update_rows,
)
from vinculo.checks import Problems
from vinculo.commitments.checks import (
    commitment_account,
    commitment_closed_status,
    commitment_problems,
    complaint_problems,
    concern_problems,
    initiative_problems,
)
from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.exchange.csvio import BundleSource, BundleTarget, read_rows
from vinculo.growth.checks import (
    concession_problems,
    holding_problems,
    product_line_problems,
    value_item_problems,
)
from vinculo.growth.models import Concession, Holding, ProductLine, ValueItem
from vinculo.health.summary import SummaryTouch
from vinculo.interactions.models import Interaction, InteractionColleague, InteractionPerson
from vinculo.interactions.services import (
    accounts_at_dates,
    interaction_problems,
    interactions_assign_accounts,
)
from vinculo.people.checks import (
    account_problems,
    colleague_problems,
    contact_plan_problems,
    domains_clean,
    emails_clean,
    employment_problems,
    person_problems,
)
from vinculo.people.models import (
    Account,
    AccountDomain,
    Colleague,
    ContactPlan,
    Employment,
    Person,
    PersonEmail,
    search_key,
)
from vinculo.people.rules import JobBook
from vinculo.timeline.models import EventKind
from vinculo.timeline.services import event_record
from vinculo.users.models import Team, User
from vinculo.vocab import (
    AccountStatus,
    CommitmentStatus,
    Direction,
    Function,
    LegalBasis,
    Outcome,
    Severity,
    Source,
)

# What we know of a person beyond work (M18), held under their people.csv legal_basis.
PROFILE_FACTS = (
    "person_key", "birthday", "family", "tastes", "friends", "interests",
    "professional_interests",
)  # fmt: skip

# The contract: file names and their columns, in order, in the order files are imported
# (a file only refers to files above it).
COLUMNS: dict[str, tuple[str, ...]] = {
    "product_lines.csv": ("key", "name"),
    "colleagues.csv": ("key", "name", "email", "function", "team"),
    "accounts.csv": (
        "key", "name", "domains", "industry", "country", "tier", "size", "status",
        "owner_email", "wallet_yearly",
    ),
    "people.csv": ("key", "name", "emails", "phones", "language", "legal_basis", "notes"),
    "profile_facts.csv": PROFILE_FACTS,
    "employments.csv": (
        "person_key", "account_key", "title", "function", "decision_role", "start", "end",
    ),
    "contact_plans.csv": ("person_key", "every_days", "channel", "place", "agreed"),
    "interactions.csv": (
        "key", "start", "duration_min", "channel", "place", "direction", "level", "summary",
        "our", "their", "source",
    ),
    "commitments.csv": (
        "key", "account_key", "person_key", "colleague_key", "text", "made_on", "due",
        "status", "closed_on",
    ),
    "complaints.csv": (
        "key", "account_key", "person_key", "opened", "severity", "category",
        "first_response", "resolved", "summary",
    ),
    "concerns.csv": ("key", "person_key", "topic", "opened", "resolved"),
    "initiatives.csv": (
        "key", "account_key", "person_key", "proposed_on", "text", "outcome", "value",
    ),
    "holdings.csv": ("account_key", "product_line_key", "year", "revenue"),
    "concessions.csv": (
        "key", "account_key", "person_key", "granted_on", "kind", "size_pct", "amount",
        "policy", "reason", "approved_by",
    ),
    "value_items.csv": (
        "key", "account_key", "person_key", "date", "kind", "amount", "evidence",
        "communicated_on",
    ),
}  # fmt: skip

# Problems kept word for word; past this many, only their number (memory stays bounded
# even for a bundle where every one of a million rows is wrong).
MAX_PROBLEMS = 10_000
# What a reference points to, translated only when a problem is reported.
_PERSON = gettext_lazy("person")
_ACCOUNT = gettext_lazy("account")
_COLLEAGUE = gettext_lazy("colleague")
_PRODUCT_LINE = gettext_lazy("product line")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = {"true", "yes", "1", "sí", "si", "y"}
_FALSE = {"false", "no", "0", "n", ""}


@dataclass
class FileCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    dry_run: bool = False
    files: dict[str, FileCounts] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    problems_not_listed: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.problems_not_listed

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            name: {"created": c.created, "updated": c.updated, "unchanged": c.unchanged}
            for name, c in self.files.items()
        }


@dataclass
class ExportReport:
    files: dict[str, int] = field(default_factory=dict)


class _Pending:
    """A valid row waiting for its batch to be written."""

    __slots__ = ("extra", "key", "line", "pk", "values")

    def __init__(self, line: int, key: Any, values: tuple[Any, ...], extra: Any = None) -> None:
        self.line = line
        self.key = key
        self.values = values
        self.extra = extra
        self.pk: int | None = None


class _Row:
    """One CSV record being parsed; each helper records a problem and returns None."""

    __slots__ = ("bad", "cells", "file", "importer", "index", "line", "ok")

    def __init__(
        self, importer: _Importer, file: str, line: int, cells: list[str], index: dict[str, int]
    ) -> None:
        self.importer = importer
        self.file = file
        self.line = line
        self.cells = cells
        self.index = index
        self.ok = True
        self.bad: set[str] = set()

    def problem(self, column: str, message: str) -> None:
        self.ok = False
        self.bad.add(column)
        self.importer.problem(self.file, self.line, column, message)

    def report(self, problems: Problems, columns: dict[str, str] | None = None) -> None:
        """The problems the shared checks found (the services' own words), each under its
        column, except where the cell already had one (a date that is not a date is not
        also missing)."""
        for field_name, message in problems.items():
            column = (columns or {}).get(field_name, field_name)
            if column not in self.bad:
                self.problem(column, message)

    def raw(self, column: str) -> str:
        position = self.index[column]
        return self.cells[position] if position < len(self.cells) else ""

    def text(self, column: str, *, max_length: int | None = None, required: bool = False) -> str:
        value = self.raw(column)
        if required and not value.strip():
            self.problem(column, _("a value is required"))
        elif max_length is not None and len(value) > max_length:
            self.problem(
                column,
                _("longer than %(max)d characters (%(length)d)")
                % {"max": max_length, "length": len(value)},
            )
        return value

    def key(self, column: str = "key") -> str:
        value = self.raw(column).strip()
        if not value:
            self.problem(column, _("a key is required"))
        elif len(value) > 200:
            self.problem(column, _("longer than %(max)d characters (%(length)d)") % {
                "max": 200, "length": len(value)})  # fmt: skip
        return value

    def date(self, column: str, *, required: bool = False) -> date | None:
        value = self.raw(column).strip()
        if not value:
            if required:
                self.problem(column, _("a date is required"))
            return None
        try:
            if not _DATE_RE.fullmatch(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.problem(column, _("“%(value)s” is not a date (YYYY-MM-DD)") % {"value": value})
            return None

    def datetime(self, column: str) -> datetime | None:
        value = self.raw(column).strip()
        if not value:
            self.problem(column, _("a date and time is required"))
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None or len(value) < 16:
            self.problem(
                column,
                _("“%(value)s” is not a date and time in ISO 8601 with an offset or Z")
                % {"value": value},
            )
            return None
        return parsed

    def integer(
        self, column: str, *, required: bool = False, default: int | None = None
    ) -> int | None:
        """A whole number; its range is the shared checks' business."""
        value = self.raw(column).strip()
        if not value:
            if required:
                self.problem(column, _("a number is required"))
            return default
        try:
            number = int(value)
        except ValueError:
            self.problem(column, _("“%(value)s” is not a whole number") % {"value": value})
            return None
        if abs(number) > 2_147_483_647:
            self.problem(column, _("%(value)d is too large") % {"value": number})
        return number

    def decimal(self, column: str, *, required: bool = False) -> Decimal | None:
        """A number; its range and precision are the shared checks' business."""
        value = self.raw(column).strip()
        if not value:
            if required:
                self.problem(column, _("a number is required"))
            return None
        try:
            number = Decimal(value)
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.problem(
                column, _("“%(value)s” is not a number (use a dot for decimals)") % {"value": value}
            )
            return None
        return number

    def boolean(self, column: str) -> bool:
        value = self.raw(column).strip().lower()
        if value in _TRUE:
            return True
        if value not in _FALSE:
            self.problem(column, _("“%(value)s” is not true or false") % {"value": value})
        return False

    def ref(self, column: str, mapping: dict[str, int | None], what: Any) -> int | None:
        value = self.raw(column).strip()
        if not value:
            return None
        if value in mapping:
            pk = mapping[value]
            if pk is None:  # the referred row has its own problem; say it once, there
                self.ok = False
            return pk
        self.problem(column, _("unknown %(what)s key “%(value)s”") % {"what": what, "value": value})
        return None

    def refs(self, column: str, mapping: dict[str, int | None], what: Any) -> list[int]:
        found: list[int] = []
        for part in self.raw(column).split(";"):
            value = part.strip()
            if not value:
                continue
            pk = mapping.get(value, -1)
            if pk == -1:
                self.problem(
                    column, _("unknown %(what)s key “%(value)s”") % {"what": what, "value": value}
                )
            elif pk is None:
                self.ok = False
            elif pk not in found:
                found.append(pk)
        return found

    def emails(self, column: str) -> list[str]:
        found, problem = emails_clean(self.raw(column).split(";"))
        if problem is not None:
            self.problem(column, problem)
        return found


@dataclass(frozen=True)
class _Keyed:
    """How a file with a ``key`` column maps to its model."""

    model: type[Model]
    prefix: str  # of the keys export generates for rows made in the app
    fields: tuple[str, ...]
    create_extra: tuple[str, ...] = ()


class _Importer:
    def __init__(
        self,
        *,
        source: BundleSource,
        actor: User | None,
        report: ImportReport,
        progress: Callable[[str, int], None] | None,
    ) -> None:
        self.source = source
        self.actor = actor if actor is not None and actor.is_authenticated else None
        self.report = report
        self.progress = progress
        self.now = timezone.now()
        self.product_lines: dict[str, int | None] = _keyed_ids(ProductLine)
        self.colleagues: dict[str, int | None] = _keyed_ids(Colleague)
        self.accounts: dict[str, int | None] = _keyed_ids(Account)
        self.people: dict[str, int | None] = _keyed_ids(Person)
        self.colleague_by_email: dict[str, Any] = {}
        for email, pk in Colleague.objects.values_list("email", "pk"):
            if email is not None:
                self.colleague_by_email[email] = pk
        self.teams: dict[str, int] = dict(Team.objects.values_list("name", "pk"))
        self.touched: dict[type[Model], tuple[int, bytearray]] = {}
        self.moved_people: set[int] = set()
        # The people and accounts whose daily summary the bundle changes (health.summary).
        self.summary = SummaryTouch()

    # -- problems -----------------------------------------------------------------------

    def problem(self, file: str, line: int | None, column: str | None, message: str) -> None:
        where = f"{file}:{line}" if line is not None else file
        text = f"{where}: {column}: {message}" if column else f"{where}: {message}"
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(text)
        else:
            self.report.problems_not_listed += 1

    # -- reading ------------------------------------------------------------------------

    def rows(self, name: str, handle: IO[str]) -> Iterator[_Row]:
        columns = COLUMNS[name]
        records = read_rows(handle)
        try:
            _header_line, header = next(records, (1, []))
            header = [h.strip() for h in header]
            index = {column: position for position, column in enumerate(header)}
            missing = [c for c in columns if c not in index]
            if missing:
                self.problem(
                    name,
                    1,
                    None,
                    _("missing columns: %(columns)s") % {"columns": ", ".join(missing)},
                )
                return
            unknown = [c for c in header if c not in columns]
            if unknown:
                self.report.warnings.append(
                    f"{name}:1: "
                    + _("unknown columns ignored: %(columns)s") % {"columns": ", ".join(unknown)}
                )
            width = len(header)
            for line, cells in records:
                row = _Row(self, name, line, cells, index)
                if len(cells) > width:
                    row.problem(
                        columns[0],
                        _("%(cells)d cells, but the header has %(width)d")
                        % {"cells": len(cells), "width": width},
                    )
                yield row
        except UnicodeDecodeError:
            self.problem(name, None, None, _("the file is not UTF-8 text"))
        except csv.Error as error:  # a malformed quote, a NUL byte...
            self.problem(name, None, None, _("not a valid CSV file: %(error)s") % {"error": error})

    def run(self) -> None:
        known = set(COLUMNS)
        for name in self.source.names:
            if name not in known:
                self.report.warnings.append(name + ": " + _("not a bundle file; ignored"))
        steps: list[tuple[str, Callable[[str, Iterator[_Row]], None]]] = [
            ("product_lines.csv", self.import_product_lines),
            ("colleagues.csv", self.import_colleagues),
            ("accounts.csv", self.import_accounts),
            ("people.csv", self.import_people),
            ("profile_facts.csv", self.import_profile_facts),
            ("employments.csv", self.import_employments),
            ("contact_plans.csv", self.import_contact_plans),
            ("interactions.csv", self.import_interactions),
            ("commitments.csv", self.import_commitments),
            ("complaints.csv", self.import_complaints),
            ("concerns.csv", self.import_concerns),
            ("initiatives.csv", self.import_initiatives),
            ("holdings.csv", self.import_holdings),
            ("concessions.csv", self.import_concessions),
            ("value_items.csv", self.import_value_items),
        ]
        for name, step in steps:
            with self.source.open(name) as handle:
                if handle is None:
                    continue
                self.report.files[name] = FileCounts()
                step(name, self.rows(name, handle))
        self.summary.flush()

    def analyze(self, *models: type[Model]) -> None:
        """Refresh PostgreSQL's statistics while the tables fill up.

        Autovacuum cannot see rows of a transaction still open; without this the planner
        believes the link tables empty and the account subquery scans them whole, so each
        batch gets slower than the last. ANALYZE does sample our own uncommitted rows.
        """
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def tick(self, name: str, rows: int) -> None:
        if self.progress is not None:
            self.progress(name, rows)

    # -- the keyed-file machinery ---------------------------------------------------------

    def _is_repeat(self, model: type[Model], pk: int) -> bool:
        """Whether this import already wrote row ``pk``: a key repeated in its file.

        A bitmap over the ids that existed before the import (new rows all have larger
        ids), so a million-row file needs no set of a million keys.
        """
        before, bits = self.touched[model]
        if pk > before:
            return True
        byte, bit = pk >> 3, 1 << (pk & 7)
        if bits[byte] & bit:
            return True
        bits[byte] |= bit
        return False

    def _start_file(self, model: type[Model]) -> None:
        before = model._default_manager.aggregate(m=Max("pk"))["m"] or 0
        self.touched[model] = (before, bytearray((before >> 3) + 1))

    def classify(
        self,
        name: str,
        spec: _Keyed,
        batch: list[_Pending],
        existing_values: dict[int, tuple],
        refused: Iterable[tuple[int, str]] = (),
    ) -> list[_Pending]:
        """Find each pending row's existing pk (by key, or by the generated key of a row
        made in the app); drop and report repeated keys. Fills ``existing_values``.
        ``refused`` are the keys of the batch's rows that had problems (they still count
        as a first occurrence)."""
        by_key: dict[str, _Pending] = {}
        kept: list[_Pending] = []
        early = {key: line for line, key in refused}
        for pending in batch:
            if pending.key in by_key or early.get(pending.key, pending.line) < pending.line:
                self.problem(name, pending.line, "key", _duplicate(pending.key))
                continue
            by_key[pending.key] = pending
            kept.append(pending)
        manager = spec.model._default_manager
        found = manager.filter(key__in=list(by_key)).values_list("key", "pk", *spec.fields)
        for key, pk, *values in found:
            by_key[key].pk = pk
            existing_values[pk] = tuple(values)
        generated: dict[int, _Pending] = {}
        pattern = spec.prefix + "-"
        for key, pending in by_key.items():
            if pending.pk is None and key.startswith(pattern) and key[len(pattern) :].isdigit():
                generated[int(key[len(pattern) :])] = pending
        if generated:
            adopted = manager.filter(pk__in=list(generated), key__isnull=True)
            for pk, *values in adopted.values_list("pk", *spec.fields):
                generated[pk].pk = pk
                existing_values[pk] = (*values, None)  # the key changes: always an update
        result: list[_Pending] = []
        for pending in kept:
            if pending.pk is not None and self._is_repeat(spec.model, pending.pk):
                self.problem(name, pending.line, "key", _duplicate(pending.key))
                continue
            result.append(pending)
        return result

    def write(
        self,
        name: str,
        spec: _Keyed,
        batch: list[_Pending],
        existing_values: dict[int, tuple],
        changed_extra: set[int] = frozenset(),  # type: ignore[assignment]
        create_extra: tuple[Any, ...] = (),
        row_extra: Callable[[list[_Pending]], list[tuple[Any, ...]]] | None = None,
    ) -> tuple[list[_Pending], list[_Pending]]:
        """Insert new rows and update changed ones; returns (created, updated).

        The values of ``spec.create_extra`` are ``create_extra`` (the same for every row),
        then what ``row_extra`` gives for each created row, in order."""
        counts = self.report.files[name]
        convert = [db_converter(spec.model, f) for f in spec.fields]
        created = [p for p in batch if p.pk is None]
        updated: list[_Pending] = []
        for pending in batch:
            if pending.pk is None:
                continue
            if existing_values[pending.pk] != pending.values or pending.pk in changed_extra:
                updated.append(pending)
            else:
                counts.unchanged += 1
        if created:
            per_row = row_extra(created) if row_extra is not None else [()] * len(created)
            rows = [
                (
                    p.key,
                    *(c(v) for c, v in zip(convert, p.values, strict=True)),
                    *create_extra,
                    *more,
                )
                for p, more in zip(created, per_row, strict=True)
            ]
            fields = ("key", *spec.fields, *spec.create_extra)
            ids = dict(insert_returning(spec.model, fields, rows))
            for pending in created:
                pending.pk = ids[pending.key]
            counts.created += len(created)
        if updated:
            update_rows(
                spec.model,
                ("key", *spec.fields),
                [
                    (p.key, *(c(v) for c, v in zip(convert, p.values, strict=True)), p.pk)
                    for p in updated
                ],
            )
            counts.updated += len(updated)
        return created, updated

    def keyed_file(
        self,
        name: str,
        rows: Iterator[_Row],
        spec: _Keyed,
        parse: Callable[[_Row], tuple[Any, ...]],
        *,
        mapping: dict[str, int | None] | None = None,
        create_extra: tuple[Any, ...] = (),
        derive: Callable[[list[_Pending]], None] | None = None,
    ) -> None:
        """The common path: parse each row to field values, write in batches.

        ``derive`` fills in, for a whole batch at once, the values the services derive
        (so that a row compares equal to what an earlier import stored)."""
        self._start_file(spec.model)
        for chunk in batched(rows, 2000):
            batch: list[_Pending] = []
            refused: list[tuple[int, str]] = []
            for row in chunk:
                key = row.key()
                values = parse(row)
                if not row.ok and key:
                    refused.append((row.line, key))
                if row.ok:
                    batch.append(_Pending(row.line, key, values))
                elif mapping is not None and key and key not in mapping:
                    mapping[key] = None
            if derive is not None:
                derive(batch)
            existing: dict[int, tuple] = {}
            batch = self.classify(name, spec, batch, existing, refused)
            self.write(name, spec, batch, existing, create_extra=create_extra)
            if mapping is not None:
                for pending in batch:
                    mapping[pending.key] = pending.pk
            self.tick(name, len(chunk))

    def children(
        self,
        name: str,
        column: str,
        batch: list[_Pending],
        model: type[Model],
        parent: str,
        value: str,
        owners: dict[str, Any],
        taken_message: str,
    ) -> tuple[list[_Pending], set[int], dict[int, list[str]]]:
        """Check a multi-valued cell (domains, emails) whose values are unique across
        parents; returns the rows still valid and the existing parents whose values change.
        ``pending.extra`` holds the wanted values; ``owners`` maps value to parent."""
        current: dict[int, list[str]] = {}
        pks = [p.pk for p in batch if p.pk is not None]
        for chunk in batched(pks, 900):
            for parent_id, item in (
                model._default_manager.filter(**{f"{parent}__in": chunk})
                .order_by("pk")
                .values_list(parent, value)
            ):
                current.setdefault(parent_id, []).append(item)
        kept: list[_Pending] = []
        changed: set[int] = set()
        for pending in batch:
            me = pending.pk if pending.pk is not None else ("new", pending.line)
            clash = [v for v in pending.extra if owners.get(v, me) != me]
            if clash:
                self.problem(
                    name, pending.line, column, taken_message % {"value": ", ".join(clash)}
                )
                continue
            for item in pending.extra:
                owners[item] = me
            if pending.pk is not None and current.get(pending.pk, []) != pending.extra:
                changed.add(pending.pk)
            kept.append(pending)
        return kept, changed, current

    def write_children(
        self,
        model: type[Model],
        parent: str,
        value: str,
        rows: list[_Pending],
        changed: set[int],
        owners: dict[str, Any],
        current: dict[int, list[str]],
    ) -> None:
        replace = [p for p in rows if p.pk in changed]
        for pending in replace:
            for item in current.get(pending.pk, []):  # type: ignore[arg-type]
                if item not in pending.extra and owners.get(item) == pending.pk:
                    del owners[item]
        delete_rows(model, parent, [p.pk for p in replace])
        fresh = [p for p in rows if p.pk in changed or p.pk not in current]
        insert_rows(model, (parent, value), [(p.pk, item) for p in fresh for item in p.extra])
        for pending in fresh:
            for item in pending.extra:
                owners[item] = pending.pk

    def entity_file(
        self,
        name: str,
        rows: Iterator[_Row],
        spec: _Keyed,
        parse: Callable[[_Row], tuple[Any, ...]],
        mapping: dict[str, int | None],
        child: tuple[str, type[Model], str, str, dict[str, Any], str],
        create_extra: tuple[Any, ...] = (),
    ) -> None:
        """A keyed file whose rows also own a list of unique values (domains, emails)."""
        column, model, parent, value, owners, taken = child
        self._start_file(spec.model)
        for chunk in batched(rows, 2000):
            batch: list[_Pending] = []
            refused: list[tuple[int, str]] = []
            for row in chunk:
                key = row.key()
                values = parse(row)
                extra = row.emails(column) if column == "emails" else _domains(row, column)
                if not row.ok and key:
                    refused.append((row.line, key))
                if row.ok:
                    batch.append(_Pending(row.line, key, values, extra))
                elif key and key not in mapping:
                    mapping[key] = None
            existing: dict[int, tuple] = {}
            batch = self.classify(name, spec, batch, existing, refused)
            batch, changed, current = self.children(
                name, column, batch, model, parent, value, owners, taken
            )
            created, _updated = self.write(
                name, spec, batch, existing, changed, create_extra=create_extra
            )
            # New rows got their pk only now: the owners map must not keep the placeholder.
            for pending in created:
                for item in pending.extra:
                    owners[item] = pending.pk
            self.write_children(model, parent, value, batch, changed, owners, current)
            for pending in batch:
                mapping[pending.key] = pending.pk
            for row in chunk:  # rows refused for their values: referring to them is not new
                key = row.raw("key").strip()
                if key and key not in mapping:
                    mapping[key] = None
            self.tick(name, len(chunk))

    # -- the files ------------------------------------------------------------------------

    def import_product_lines(self, name: str, rows: Iterator[_Row]) -> None:
        # Names are unique whatever their case, as for product_line_create.
        names: dict[str, int] = {}
        taken = {n.lower(): k for n, k in ProductLine.objects.values_list("name", "key")}

        def parse(row: _Row) -> tuple[Any, ...]:
            value = row.raw("name").strip()
            row.report(product_line_problems(name=value))
            key = row.raw("key").strip()
            folded = value.lower()
            if folded in names or (folded in taken and taken[folded] != key):
                row.problem("name", _("A product line with this name already exists."))
            names[folded] = row.line
            return (value,)

        spec = _Keyed(ProductLine, "product_line", ("name",))
        self.keyed_file(name, rows, spec, parse, mapping=self.product_lines)

    def import_colleagues(self, name: str, rows: Iterator[_Row]) -> None:
        def parse(row: _Row) -> tuple[Any, ...]:
            emails = row.emails("email")
            if len(emails) > 1:
                row.problem("email", _("one address only"))
            team_name = row.text("team", max_length=120).strip()
            team_id = None
            if team_name:
                team_id = self.teams.get(team_name)
                if team_id is None:
                    team_id = self.teams[team_name] = Team.objects.create(name=team_name).pk
            values = (
                row.raw("name").strip(),
                emails[0] if emails else None,
                row.raw("function").strip() or Function.SALES,
                team_id,
            )
            row.report(colleague_problems(name=values[0], function=values[2]))
            return values

        spec = _Keyed(Colleague, "colleague", ("name", "email", "function", "team_id"))
        self._start_file(Colleague)
        owners = self.colleague_by_email
        for chunk in batched(rows, 2000):
            batch = []
            refused: list[tuple[int, str]] = []
            for row in chunk:
                key = row.key()
                values = parse(row)
                if not row.ok and key:
                    refused.append((row.line, key))
                if row.ok:
                    batch.append(_Pending(row.line, key, values))
                elif key and key not in self.colleagues:
                    self.colleagues[key] = None
            existing: dict[int, tuple] = {}
            batch = self.classify(name, spec, batch, existing, refused)
            kept = []
            for pending in batch:
                email = pending.values[1]
                me = pending.pk if pending.pk is not None else ("new", pending.line)
                if email is not None and owners.get(email, me) != me:
                    self.problem(
                        name, pending.line, "email",
                        _("“%(value)s” is the address of another colleague") % {"value": email},
                    )  # fmt: skip
                    continue
                if pending.pk is not None and existing[pending.pk][1] not in (None, email):
                    owners.pop(existing[pending.pk][1], None)
                if email is not None:
                    owners[email] = me
                kept.append(pending)
            _created, _updated = self.write(name, spec, kept, existing)
            for pending in kept:
                self.colleagues[pending.key] = pending.pk
                if pending.values[1] is not None:
                    owners[pending.values[1]] = pending.pk
            self.tick(name, len(chunk))

    def import_accounts(self, name: str, rows: Iterator[_Row]) -> None:
        def parse(row: _Row) -> tuple[Any, ...]:
            country = row.raw("country").strip().upper()
            owner_email = row.raw("owner_email").strip().lower()
            owner = None
            if owner_email:
                owner = self.colleague_by_email.get(owner_email)
                if not isinstance(owner, int):
                    row.problem("owner_email", _("no colleague has the address “%(value)s”") % {
                        "value": owner_email})  # fmt: skip
            values = (
                row.raw("name").strip(),
                row.raw("industry"),
                country,
                row.raw("tier").strip(),
                row.raw("size"),
                row.raw("status").strip() or AccountStatus.ACTIVE,
                owner,
                row.decimal("wallet_yearly"),
            )
            fields = ("name", "industry", "country", "tier", "size", "status")
            row.report(
                account_problems(
                    **dict(zip(fields, values[:6], strict=True)), wallet_yearly=values[7]
                )
            )
            return values

        fields = ("name", "industry", "country", "tier", "size", "status", "owner_id",
                  "wallet_yearly")  # fmt: skip
        spec = _Keyed(Account, "account", fields, ("created_at",))
        domains: dict[str, Any] = dict(AccountDomain.objects.values_list("domain", "account_id"))
        child = ("domains", AccountDomain, "account_id", "domain", domains,
                 _("domain already used by another account: %(value)s"))  # fmt: skip
        self.entity_file(name, rows, spec, parse, self.accounts, child, (self.now,))

    def import_people(self, name: str, rows: Iterator[_Row]) -> None:
        def parse(row: _Row) -> tuple[Any, ...]:
            values = (
                row.raw("name").strip(),
                row.raw("phones"),
                row.raw("language").strip(),
                row.raw("legal_basis").strip() or LegalBasis.LEGITIMATE_INTEREST,
                row.raw("notes"),
                search_key(row.raw("name").strip()),
            )
            row.report(
                person_problems(
                    name=values[0], phones=values[1], language=values[2], legal_basis=values[3]
                )
            )
            return values

        # search_name: what Person.save() would write, for the rows inserted in bulk.
        fields = ("name", "phones", "language", "legal_basis", "notes", "search_name")
        extra = ("family", "tastes", "friends", "interests", "professional_interests",
                 "created_at")  # fmt: skip
        spec = _Keyed(Person, "person", fields, extra)
        emails: dict[str, Any] = dict(PersonEmail.objects.values_list("email", "person_id"))
        child = ("emails", PersonEmail, "person_id", "email", emails,
                 _("address already belongs to someone else: %(value)s"))  # fmt: skip
        self.entity_file(
            name, rows, spec, parse, self.people, child, ("", "", "", "", "", self.now)
        )

    def import_profile_facts(self, name: str, rows: Iterator[_Row]) -> None:
        """One row per person: the row is what we know, an empty cell clears that fact.
        People without a row keep theirs (the file, like every file, is optional)."""
        counts = self.report.files[name]
        fields = PROFILE_FACTS[1:]
        seen: set[int] = set()
        for chunk in batched(rows, 2000):
            parsed: list[tuple[int, tuple[Any, ...]]] = []
            for row in chunk:
                if not row.raw("person_key").strip():
                    row.problem("person_key", _("a key is required"))
                person = row.ref("person_key", self.people, _PERSON)
                values = (row.date("birthday"), *(row.raw(column) for column in fields[1:]))
                if not row.ok or person is None:
                    continue
                if person in seen:
                    row.problem("person_key", _("this person has another row in the file"))
                    continue
                seen.add(person)
                parsed.append((person, values))
            existing = {
                pk: tuple(values)
                for pk, *values in Person.objects.filter(
                    pk__in=[person for person, _values in parsed]
                ).values_list("pk", *fields)
            }
            updated = [
                (*values, person) for person, values in parsed if existing.get(person) != values
            ]
            update_rows(Person, fields, updated)
            counts.updated += len(updated)
            counts.unchanged += len(parsed) - len(updated)
            self.tick(name, len(chunk))

    def import_employments(self, name: str, rows: Iterator[_Row]) -> None:
        counts = self.report.files[name]
        existing: dict[tuple[int, int, date | None], tuple[Any, ...]] = {}
        current: dict[tuple[int, int], date | None] = {}
        for pk, person, account, start, *values in Employment.objects.values_list(
            "pk", "person_id", "account_id", "start", "title", "function", "decision_role", "end"
        ):
            existing[(person, account, start)] = (pk, *values)
            if values[-1] is None:
                current[(person, account)] = start
        seen: set[tuple[int, int, date | None]] = set()
        for chunk in batched(rows, 2000):
            created: list[tuple[Any, ...]] = []
            updated: list[tuple[Any, ...]] = []
            for row in chunk:
                person = row.ref("person_key", self.people, _PERSON)
                account = row.ref("account_key", self.accounts, _ACCOUNT)
                if not row.raw("person_key").strip():
                    row.problem("person_key", _("a key is required"))
                if not row.raw("account_key").strip():
                    row.problem("account_key", _("a key is required"))
                title = row.raw("title")
                function = row.raw("function").strip() or Function.OTHER
                role = row.raw("decision_role").strip()
                start, end = row.date("start"), row.date("end")
                row.report(
                    employment_problems(
                        title=title, function=function, decision_role=role, start=start, end=end
                    )
                )
                if not row.ok or person is None or account is None:
                    continue
                identity = (person, account, start)
                if identity in seen:
                    row.problem("start", _("the same person, account and start appear twice"))
                    continue
                seen.add(identity)
                if end is None and current.get((person, account), start) != start:
                    row.problem("end", _("this person already has a current job at this account"))
                    continue
                if end is None:
                    current[(person, account)] = start
                elif (person, account) in current and current[(person, account)] == start:
                    del current[(person, account)]
                job = (title, function, role, end)
                before = existing.get(identity)
                if before is None:
                    created.append((person, account, start, *job))
                elif tuple(before[1:]) != job:
                    updated.append((*job, before[0]))
                else:
                    counts.unchanged += 1
                    continue
                self.moved_people.add(person)
            # Ends first: a job that becomes current again must not meet its old self.
            update_rows(Employment, ("title", "function", "decision_role", "end"), updated)
            fields = ("person_id", "account_id", "start", "title", "function", "decision_role",
                      "end")  # fmt: skip
            insert_rows(Employment, fields, created)
            counts.created += len(created)
            counts.updated += len(updated)
            self.tick(name, len(chunk))
        self.analyze(Employment)
        # Jobs changed: the accounts of these people's interactions already stored may have
        # too. Those in this bundle's interactions.csv get theirs as they are written.
        for people in batched(sorted(self.moved_people), 500):
            moved = list(
                InteractionPerson.objects.filter(person_id__in=people).values_list(
                    "interaction_id", flat=True
                )
            )
            self.summary.add_interactions(moved)  # the accounts they leave
            interactions_assign_accounts(Interaction.objects.filter(pk__in=moved))
            self.summary.add_interactions(moved)  # and the ones they join

    def import_contact_plans(self, name: str, rows: Iterator[_Row]) -> None:
        counts = self.report.files[name]
        existing = {
            person: (pk, *values)
            for pk, person, *values in ContactPlan.objects.values_list(
                "pk", "person_id", "every_days", "channel", "place", "agreed"
            )
        }
        seen: set[int] = set()
        for chunk in batched(rows, 2000):
            created: list[tuple[Any, ...]] = []
            updated: list[tuple[Any, ...]] = []
            for row in chunk:
                if not row.raw("person_key").strip():
                    row.problem("person_key", _("a key is required"))
                person = row.ref("person_key", self.people, _PERSON)
                values = (
                    row.integer("every_days", required=True),
                    row.raw("channel").strip(),
                    row.raw("place"),
                    row.boolean("agreed"),
                )
                if values[0] is not None:
                    row.report(
                        contact_plan_problems(
                            every_days=values[0], channel=values[1], place=values[2]
                        )
                    )
                if not row.ok or person is None:
                    continue
                if person in seen:
                    row.problem("person_key", _("this person has another plan in the file"))
                    continue
                seen.add(person)
                before = existing.get(person)
                if before is None:
                    created.append((person, *values))
                elif tuple(before[1:]) != values:
                    updated.append((*values, before[0]))
                else:
                    counts.unchanged += 1
            insert_rows(ContactPlan, ("person_id", "every_days", "channel", "place", "agreed"),
                        created)  # fmt: skip
            update_rows(ContactPlan, ("every_days", "channel", "place", "agreed"), updated)
            counts.created += len(created)
            counts.updated += len(updated)
            self.tick(name, len(chunk))

    def import_interactions(self, name: str, rows: Iterator[_Row]) -> None:
        fields = ("started_at", "duration_min", "channel", "place", "direction", "level",
                  "summary", "source")  # fmt: skip
        spec = _Keyed(
            Interaction,
            "interaction",
            fields,
            ("level_suggested", "source_id", "created_by_id", "account_id"),
        )
        self._start_file(Interaction)
        create_extra = (False, "", self.actor.pk if self.actor else None)

        def accounts(created: list[_Pending]) -> list[tuple[Any, ...]]:
            # Set at the INSERT: a second write of each row for its account would leave a
            # dead tuple and new index entries behind on PostgreSQL.
            found = accounts_at_dates(interactions=[(p.values[0], p.extra[1]) for p in created])
            return [(account,) for account in found]

        written, next_analyze = 0, 1000
        for chunk in batched(rows, 2000):
            batch: list[_Pending] = []
            refused: list[tuple[int, str]] = []
            for row in chunk:
                key = row.key()
                duration = row.integer("duration_min", default=0)
                values = (
                    row.datetime("start"),
                    duration,
                    row.raw("channel").strip(),
                    row.raw("place"),
                    row.raw("direction").strip() or Direction.OUTBOUND,
                    row.raw("level").strip(),
                    row.raw("summary"),
                    row.raw("source").strip() or Source.IMPORT,
                )
                ours = row.refs("our", self.colleagues, _COLLEAGUE)
                theirs = row.refs("their", self.people, _PERSON)
                row.report(
                    interaction_problems(
                        channel=values[2],
                        direction=values[4],
                        level=values[5],
                        duration_min=duration,
                        place=values[3],
                        source=values[7],
                        has_people=bool(theirs) or "their" in row.bad or not row.ok,
                        started_at=values[0],
                        summary=values[6],
                    ),
                    {"people": "their", "started_at": "start"},
                )
                if not row.ok and key:
                    refused.append((row.line, key))
                if row.ok:
                    batch.append(_Pending(row.line, key, values, (ours, theirs)))
            existing: dict[int, tuple] = {}
            batch = self.classify(name, spec, batch, existing, refused)
            # The subjects of the rows it changes, as they were (and below, as they are).
            self.summary.add_interactions([p.pk for p in batch if p.pk is not None])
            old_links = self._links([p.pk for p in batch if p.pk is not None])
            changed_links = {
                p.pk for p in batch if p.pk is not None and old_links.get(p.pk, ((), ())) != p.extra
            }
            created, updated = self.write(
                name, spec, batch, existing, changed_links, create_extra, accounts
            )
            relink = [p for p in updated if p.pk in changed_links]
            delete_rows(InteractionPerson, "interaction_id", [p.pk for p in relink])
            delete_rows(InteractionColleague, "interaction_id", [p.pk for p in relink])
            linked = created + relink
            insert_rows(
                InteractionPerson,
                ("interaction_id", "person_id"),
                [(p.pk, person) for p in linked for person in p.extra[1]],
            )
            insert_rows(
                InteractionColleague,
                ("interaction_id", "colleague_id"),
                [(p.pk, colleague) for p in linked for colleague in p.extra[0]],
            )
            written += len(created)
            if written >= next_analyze:
                # Every doubling: between two runs the planner's row counts are at most
                # half the truth (autovacuum cannot see this open transaction's rows).
                next_analyze = written * 2
                self.analyze(Interaction, InteractionPerson, InteractionColleague)
            if updated:  # their date or participants may have changed: the SQL rule
                interactions_assign_accounts(
                    Interaction.objects.filter(pk__in=[p.pk for p in updated])
                )
            self.summary.add_interactions([p.pk for p in created + updated])
            self.tick(name, len(chunk))

    def _links(self, pks: list[int]) -> dict[int, tuple[list[int], list[int]]]:
        links: dict[int, tuple[list[int], list[int]]] = {}
        if not pks:
            return links
        for interaction, colleague in (
            InteractionColleague.objects.filter(interaction_id__in=pks)
            .order_by("pk")
            .values_list("interaction_id", "colleague_id")
        ):
            links.setdefault(interaction, ([], []))[0].append(colleague)
        for interaction, person in (
            InteractionPerson.objects.filter(interaction_id__in=pks)
            .order_by("pk")
            .values_list("interaction_id", "person_id")
        ):
            links.setdefault(interaction, ([], []))[1].append(person)
        return links

    def import_commitments(self, name: str, rows: Iterator[_Row]) -> None:
        def parse(row: _Row) -> tuple[Any, ...]:
            made_on = row.date("made_on")
            due, closed_on = row.date("due"), row.date("closed_on")
            values = (
                row.ref("account_key", self.accounts, _ACCOUNT),
                row.ref("person_key", self.people, _PERSON),
                row.ref("colleague_key", self.colleagues, _COLLEAGUE),
                row.raw("text").strip(),
                made_on,
                due,
                commitment_closed_status(
                    row.raw("status").strip() or CommitmentStatus.OPEN, due, closed_on
                ),
                closed_on,
            )
            row.report(
                commitment_problems(
                    text=values[3],
                    made_on=made_on,
                    due=due,
                    status=values[6],
                    closed_on=closed_on,
                    has_person=_given(row, "person_key"),
                    has_account=_given(row, "account_key"),
                ),
                _SUBJECT_COLUMNS,
            )
            return values

        def derive(batch: list[_Pending]) -> None:
            # A promise to a person counts for the account they worked at that day, as
            # commitment_record decides; their jobs are read once for the whole batch.
            book = JobBook.load(p.values[1] for p in batch if p.values[0] is None and p.values[1])
            for pending in batch:
                account, person, *rest = pending.values
                pending.values = (
                    commitment_account(
                        account_id=account,
                        interaction_account_id=None,
                        person_id=person,
                        made_on=rest[2],
                        account_on=book.account_on,
                    ),
                    person,
                    *rest,
                )

        fields = ("account_id", "person_id", "colleague_id", "text", "made_on", "due", "status",
                  "closed_on")  # fmt: skip
        self.keyed_file(name, rows, _Keyed(Commitment, "commitment", fields), parse, derive=derive)

    def import_complaints(self, name: str, rows: Iterator[_Row]) -> None:
        def parse(row: _Row) -> tuple[Any, ...]:
            opened = row.date("opened")
            response, resolved = row.date("first_response"), row.date("resolved")
            values = (
                row.ref("account_key", self.accounts, _ACCOUNT),
                row.ref("person_key", self.people, _PERSON),
                opened,
                row.raw("severity").strip() or Severity.MEDIUM,
                row.raw("category"),
                response,
                resolved,
                row.raw("summary"),
            )
            row.report(
                complaint_problems(
                    opened=opened,
                    severity=values[3],
                    category=values[4],
                    first_response=response,
                    resolved=resolved,
                    has_person=_given(row, "person_key"),
                    has_account=_given(row, "account_key"),
                ),
                _SUBJECT_COLUMNS,
            )
            return values

        fields = ("account_id", "person_id", "opened", "severity", "category", "first_response",
                  "resolved", "summary")  # fmt: skip
        spec = _Keyed(Complaint, "complaint", fields, ("resolution",))
        self.keyed_file(name, rows, spec, parse, create_extra=("",))

    def import_concerns(self, name: str, rows: Iterator[_Row]) -> None:
        def parse(row: _Row) -> tuple[Any, ...]:
            opened, resolved = row.date("opened"), row.date("resolved")
            values = (
                row.ref("person_key", self.people, _PERSON),
                row.raw("topic").strip(),
                opened,
                resolved,
            )
            # concerns.csv has no account column: a concern about an account alone comes
            # back from an export with an empty person_key, and must still import.
            row.report(
                concern_problems(
                    topic=values[1],
                    opened=opened,
                    resolved=resolved,
                    has_person=True,
                    has_account=True,
                ),
                _SUBJECT_COLUMNS,
            )
            return values

        fields = ("person_id", "topic", "opened", "resolved")
        self.keyed_file(name, rows, _Keyed(Concern, "concern", fields), parse)

    def import_initiatives(self, name: str, rows: Iterator[_Row]) -> None:
        def parse(row: _Row) -> tuple[Any, ...]:
            values = (
                row.ref("account_key", self.accounts, _ACCOUNT),
                row.ref("person_key", self.people, _PERSON),
                row.date("proposed_on"),
                row.raw("text").strip(),
                row.raw("outcome").strip() or Outcome.PENDING,
                row.decimal("value"),
            )
            row.report(
                initiative_problems(
                    text=values[3],
                    proposed_on=values[2],
                    outcome=values[4],
                    value=values[5],
                    has_person=_given(row, "person_key"),
                    has_account=_given(row, "account_key"),
                ),
                _SUBJECT_COLUMNS,
            )
            return values

        fields = ("account_id", "person_id", "proposed_on", "text", "outcome", "value")
        self.keyed_file(name, rows, _Keyed(Initiative, "initiative", fields), parse)

    def import_holdings(self, name: str, rows: Iterator[_Row]) -> None:
        counts = self.report.files[name]
        existing = {
            (account, line, year): (pk, revenue)
            for pk, account, line, year, revenue in Holding.objects.values_list(
                "pk", "account_id", "product_line_id", "year", "revenue"
            )
        }
        seen: set[tuple[int, int, int]] = set()
        convert = db_converter(Holding, "revenue")
        for chunk in batched(rows, 2000):
            upsert: list[tuple[Any, ...]] = []
            for row in chunk:
                for column in ("account_key", "product_line_key"):
                    if not row.raw(column).strip():
                        row.problem(column, _("a key is required"))
                account = row.ref("account_key", self.accounts, _ACCOUNT)
                line = row.ref("product_line_key", self.product_lines, _PRODUCT_LINE)
                year = row.integer("year", required=True)
                revenue = row.decimal("revenue") or Decimal(0)
                row.report(holding_problems(year=year, revenue=revenue))
                if not row.ok or account is None or line is None or year is None:
                    continue
                identity = (account, line, year)
                if identity in seen:
                    row.problem("year", _("the same account, product line and year appear twice"))
                    continue
                seen.add(identity)
                before = existing.get(identity)
                if before is not None and before[1] == revenue:
                    counts.unchanged += 1
                    continue
                if before is None:
                    counts.created += 1
                else:
                    counts.updated += 1
                upsert.append((account, line, year, convert(revenue)))
            insert_rows(
                Holding,
                ("account_id", "product_line_id", "year", "revenue"),
                upsert,
                conflict=("account_id", "product_line_id", "year"),
                update=("revenue",),
            )
            self.tick(name, len(chunk))

    def import_concessions(self, name: str, rows: Iterator[_Row]) -> None:
        def parse(row: _Row) -> tuple[Any, ...]:
            if not row.raw("account_key").strip():
                row.problem("account_key", _("a key is required"))
            values = (
                row.ref("account_key", self.accounts, _ACCOUNT),
                row.ref("person_key", self.people, _PERSON),
                row.date("granted_on"),
                row.raw("kind").strip(),
                row.decimal("size_pct"),
                row.decimal("amount"),
                row.raw("policy").strip(),
                row.raw("reason").strip(),
                row.raw("approved_by").strip(),
            )
            row.report(
                concession_problems(
                    granted_on=values[2],
                    kind=values[3],
                    size_pct=values[4],
                    amount=values[5],
                    policy=values[6],
                    approved_by=values[8],
                )
            )
            return values

        fields = ("account_id", "person_id", "granted_on", "kind", "size_pct", "amount", "policy",
                  "reason", "approved_by")  # fmt: skip
        self.keyed_file(name, rows, _Keyed(Concession, "concession", fields), parse)

    def import_value_items(self, name: str, rows: Iterator[_Row]) -> None:
        def parse(row: _Row) -> tuple[Any, ...]:
            if not row.raw("account_key").strip():
                row.problem("account_key", _("a key is required"))
            values = (
                row.ref("account_key", self.accounts, _ACCOUNT),
                row.ref("person_key", self.people, _PERSON),
                row.date("date"),
                row.raw("kind").strip(),
                row.decimal("amount"),
                row.raw("evidence").strip(),
                row.date("communicated_on"),
            )
            row.report(
                value_item_problems(
                    date=values[2], kind=values[3], amount=values[4], communicated_on=values[6]
                )
            )
            return values

        fields = ("account_id", "person_id", "date", "kind", "amount", "evidence",
                  "communicated_on")  # fmt: skip
        self.keyed_file(name, rows, _Keyed(ValueItem, "value_item", fields), parse)


# Where the shared checks say "to whom", the bundle has the person's column.
_SUBJECT_COLUMNS = {"person": "person_key", "account": "account_key"}


def _given(row: _Row, column: str) -> bool:
    """Whether the row names a subject in ``column`` (known or not: an unknown key is its
    own problem)."""
    return bool(row.raw(column).strip())


def _duplicate(key: str) -> str:
    return _("the key “%(key)s” appears more than once in the file") % {"key": key}


def _domains(row: _Row, column: str) -> list[str]:
    found, problem = domains_clean(row.raw(column).split(";"))
    if problem is not None:
        row.problem(column, problem)
    return found


def _keyed_ids(model: type[Model]) -> dict[str, int | None]:
    return dict(model._default_manager.filter(key__isnull=False).values_list("key", "pk"))


def bundle_import(
    *,
    path: Path | str,
    actor: User | None = None,
    dry_run: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> ImportReport:
    """Import a bundle (a directory or a .zip), all or nothing.

    Returns the report; when ``report.ok`` is false nothing was written. Under ``dry_run``
    everything is checked and counted, and then rolled back.
    """
    report = ImportReport(dry_run=dry_run)
    path = Path(path)
    if not path.exists():
        report.problems.append(f"{path}: " + _("no such file or directory"))
        return report
    try:
        source = BundleSource(path)
    except zipfile.BadZipFile:
        report.problems.append(f"{path}: " + _("neither a folder nor a zip file"))
        return report
    except OSError as error:
        report.problems.append(f"{path}: " + _("cannot read the bundle: %(e)s") % {"e": error})
        return report
    try:
        with acting_keep_user(Face.IMPORT, actor), transaction.atomic():
            importer = _Importer(source=source, actor=actor, report=report, progress=progress)
            try:
                # A savepoint, so that a refusal from the database itself (a rule this
                # importer does not know) still leaves the transaction usable to roll back.
                with transaction.atomic():
                    importer.run()
            except DatabaseError as error:
                report.problems.append(
                    _("the database refused the bundle: %(error)s") % {"error": error}
                )
            if report.ok and not dry_run and _changed(report):
                event_record(
                    kind=EventKind.BUNDLE_IMPORTED,
                    actor=importer.actor,
                    data={"text": path.name, "counts": report.counts()},
                )
                # Set-based writes send no signals: one trail entry per bundle (vinculo.audit).
                audit_bulk(model="exchange.Bundle", label=path.name, counts=report.counts())
            if dry_run or not report.ok:
                transaction.set_rollback(True)
    finally:
        source.close()
    return report


def _changed(report: ImportReport) -> bool:
    return any(c.created or c.updated for c in report.files.values())


# -- export -------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        text = value.astimezone(UTC).isoformat()
        return text.removesuffix("+00:00") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in {"-0", ""} else text
    return str(value)


def _binary(expression: Any) -> Collate:
    # Byte order on both engines, so the files do not depend on the server's locale.
    return Collate(expression, "C" if connection.vendor == "postgresql" else "BINARY")


def _effective_key(prefix: str) -> Coalesce:
    return Coalesce(
        "key", Concat(Value(prefix + "-"), Cast("pk", output_field=CharField())),
        output_field=CharField(),
    )  # fmt: skip


def _keys_of(model: type[Model], prefix: str) -> dict[int, str]:
    return {
        pk: key or f"{prefix}-{pk}"
        for pk, key in model._default_manager.values_list("pk", "key").iterator(chunk_size=5000)
    }


def _sorted_rows(model: type[Model], prefix: str, *fields: Any) -> Iterator[tuple[Any, ...]]:
    """(effective key, *fields) for every row, in byte order of the key, streamed."""
    query = (
        model._default_manager.annotate(bundle_key=_effective_key(prefix))
        .order_by(_binary(F("bundle_key")))
        .values_list("bundle_key", *fields)
    )
    return query.iterator(chunk_size=2000)


def bundle_export(*, path: Path | str) -> ExportReport:
    """Write the whole data set as a bundle: a zip when ``path`` ends in .zip, else a folder."""
    report = ExportReport()
    target = BundleTarget(Path(path))
    try:
        with transaction.atomic():  # one consistent snapshot
            _export(target, report)
    finally:
        target.close()
    return report


def _export(target: BundleTarget, report: ExportReport) -> None:
    people = _keys_of(Person, "person")
    accounts = _keys_of(Account, "account")
    colleagues = _keys_of(Colleague, "colleague")
    product_lines = _keys_of(ProductLine, "product_line")

    def key(mapping: dict[int, str], pk: int | None) -> str:
        return "" if pk is None else mapping[pk]

    def write(name: str, rows: Iterable[Sequence[Any]]) -> None:
        count = 0
        with target.writer(name) as writer:
            writer.writerow(COLUMNS[name])
            for row in rows:
                writer.writerow([_fmt(v) for v in row])
                count += 1
        report.files[name] = count

    write("product_lines.csv", _sorted_rows(ProductLine, "product_line", "name"))

    write(
        "colleagues.csv",
        (
            (k, n, e, f, t)
            for k, n, e, f, t in _sorted_rows(
                Colleague, "colleague", "name", "email", "function", "team__name"
            )
        ),
    )

    domains = _grouped(AccountDomain, "account_id", "domain")

    def account_rows() -> Iterator[tuple[Any, ...]]:
        for k, pk, *rest in _sorted_rows(
            Account, "account", "pk", "name", "industry", "country", "tier", "size", "status",
            "owner__email", "wallet_yearly",
        ):  # fmt: skip
            yield (k, rest[0], ";".join(domains.get(pk, ())), *rest[1:])

    write("accounts.csv", account_rows())

    person_emails = _grouped(PersonEmail, "person_id", "email")

    def person_rows() -> Iterator[tuple[Any, ...]]:
        for k, pk, name, *rest in _sorted_rows(
            Person, "person", "pk", "name", "phones", "language", "legal_basis", "notes"
        ):
            yield (k, name, ";".join(person_emails.get(pk, ())), *rest)

    write("people.csv", person_rows())

    def profile_rows() -> Iterator[tuple[Any, ...]]:
        # Only people we know something of: a bundle of strangers has no profile rows.
        for k, *facts in _sorted_rows(Person, "person", *PROFILE_FACTS[1:]):
            if facts[0] is not None or any(facts[1:]):
                yield (k, *facts)

    write("profile_facts.csv", profile_rows())

    employments = sorted(
        (
            (people[p], accounts[a], t, f, r, s, e)
            for p, a, t, f, r, s, e in Employment.objects.values_list(
                "person_id", "account_id", "title", "function", "decision_role", "start", "end"
            )
        ),
        key=lambda row: (row[0].encode(), row[1].encode(), _fmt(row[5]), _fmt(row[6])),
    )
    write("employments.csv", employments)

    plans = sorted(
        (
            (people[p], e, c, pl, a)
            for p, e, c, pl, a in ContactPlan.objects.values_list(
                "person_id", "every_days", "channel", "place", "agreed"
            )
        ),
        key=lambda row: row[0].encode(),
    )
    write("contact_plans.csv", plans)

    def interaction_rows() -> Iterator[tuple[Any, ...]]:
        stream = _sorted_rows(
            Interaction, "interaction", "pk", "started_at", "duration_min", "channel", "place",
            "direction", "level", "summary", "source",
        )  # fmt: skip
        for chunk in batched(stream, 2000):
            ours = _grouped(InteractionColleague, "interaction_id", "colleague_id",
                            interaction_id__in=[r[1] for r in chunk])  # fmt: skip
            theirs = _grouped(InteractionPerson, "interaction_id", "person_id",
                              interaction_id__in=[r[1] for r in chunk])  # fmt: skip
            for k, pk, start, duration, channel, place, direction, level, summary, src in chunk:
                yield (
                    k, start, duration, channel, place, direction, level, summary,
                    ";".join(colleagues[c] for c in ours.get(pk, ())),
                    ";".join(people[p] for p in theirs.get(pk, ())),
                    src,
                )  # fmt: skip

    write("interactions.csv", interaction_rows())

    def refs(
        model: type[Model], prefix: str, fields: Sequence[str], mappings: Sequence[Any]
    ) -> Iterator[tuple[Any, ...]]:
        for k, *values in _sorted_rows(model, prefix, *fields):
            yield (
                k,
                *(key(m, v) if m is not None else v for m, v in zip(mappings, values, strict=True)),
            )

    write("commitments.csv", refs(
        Commitment, "commitment",
        ("account_id", "person_id", "colleague_id", "text", "made_on", "due", "status",
         "closed_on"),
        (accounts, people, colleagues, None, None, None, None, None),
    ))  # fmt: skip
    write("complaints.csv", refs(
        Complaint, "complaint",
        ("account_id", "person_id", "opened", "severity", "category", "first_response",
         "resolved", "summary"),
        (accounts, people, None, None, None, None, None, None),
    ))  # fmt: skip
    write("concerns.csv", refs(
        Concern, "concern", ("person_id", "topic", "opened", "resolved"),
        (people, None, None, None),
    ))  # fmt: skip
    write("initiatives.csv", refs(
        Initiative, "initiative",
        ("account_id", "person_id", "proposed_on", "text", "outcome", "value"),
        (accounts, people, None, None, None, None),
    ))  # fmt: skip
    holdings = sorted(
        (
            (accounts[a], product_lines[pl], y, r)
            for a, pl, y, r in Holding.objects.values_list(
                "account_id", "product_line_id", "year", "revenue"
            )
        ),
        key=lambda row: (row[0].encode(), row[1].encode(), row[2]),
    )
    write("holdings.csv", holdings)
    write("concessions.csv", refs(
        Concession, "concession",
        ("account_id", "person_id", "granted_on", "kind", "size_pct", "amount", "policy",
         "reason", "approved_by"),
        (accounts, people, None, None, None, None, None, None, None),
    ))  # fmt: skip
    write("value_items.csv", refs(
        ValueItem, "value_item",
        ("account_id", "person_id", "date", "kind", "amount", "evidence", "communicated_on"),
        (accounts, people, None, None, None, None, None),
    ))  # fmt: skip


def _grouped(model: type[Model], parent: str, value: str, **filters: Any) -> dict[int, list[Any]]:
    """Child values per parent, in the order they were added (their pk)."""
    grouped: dict[int, list[Any]] = {}
    query = model._default_manager.filter(**filters).order_by("pk").values_list(parent, value)
    for parent_id, item in query.iterator(chunk_size=5000):
        grouped.setdefault(parent_id, []).append(item)
    return grouped
