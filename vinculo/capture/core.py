"""The importer core that every capture format shares: parse, plan, apply.

A reader (``ics``, ``mail``, ``vcard``, ``tabular``) turns a file into normalised records;
the :class:`Directory` tells whose each address is; the :class:`InteractionWriter` plans
each batch of records (create, update, unchanged, remove, skip with a reason) and applies
it with set-based writes; :func:`capture_run` wraps a whole run in one transaction that is
rolled back on a dry run or when any file was refused, so a refused run changes nothing.
The web upload is meant to call :func:`capture_run` too (a dry run is its preview).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
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
from vinculo.capture.models import BlockedAddress, EventVersion, MailThread, UnmatchedAddress
from vinculo.health.summary import SummaryTouch
from vinculo.interactions.levels import suggest_level
from vinculo.interactions.models import Interaction, InteractionColleague, InteractionPerson
from vinculo.interactions.services import accounts_at_dates, interactions_assign_accounts
from vinculo.people.models import Account, AccountDomain, Colleague, Person, PersonEmail
from vinculo.people.services import colleague_create, employment_start, person_create
from vinculo.timeline.models import EventKind
from vinculo.timeline.services import event_record
from vinculo.users.models import User
from vinculo.vocab import Direction, Source

BATCH = 2000
MAX_PROBLEMS = 10_000

# Free-mail providers: their domains never identify an account or us (exchange.md §3);
# only an exact address matches there. Families with country variants are prefixes.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "aol.com", "icloud.com", "me.com",
        "mac.com", "msn.com", "protonmail.com", "proton.me", "pm.me", "gmx.com", "gmx.net",
        "mail.com", "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "tutanota.com",
        "fastmail.com", "hushmail.com", "telefonica.net", "terra.es", "ya.com",
        "orange.fr", "wanadoo.fr", "free.fr", "web.de", "t-online.de", "libero.it",
        "qq.com", "163.com", "126.com",
    }
)  # fmt: skip
FREE_MAIL_FAMILIES = ("yahoo.", "ymail.", "hotmail.", "live.", "outlook.", "gmx.", "aol.")
# Calendar services that relay invitations under their own address; the real one is in
# the EMAIL parameter, and a relay address itself is nobody.
RELAY_DOMAINS = ("imip.me.com", "group.calendar.google.com", "resource.calendar.google.com")


def is_free_mail(domain: str) -> bool:
    return domain in FREE_MAIL_DOMAINS or domain.startswith(FREE_MAIL_FAMILIES)


def clean_address(value: str) -> str | None:
    """A lower-case valid address, or None (rooms with spaces, 'mailto:' left-overs...)."""
    value = value.strip().strip("<>\"'").strip()
    if value[:7].lower() == "mailto:":
        value = value[7:].strip()
    value = value.lower()
    if not value or len(value) > 254:
        return None
    try:
        validate_email(value)
    except ValidationError:
        return None
    return value


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]


_NAME_SPLIT = re.compile(r"[._+-]+")


def name_from_address(address: str, display: str = "") -> str:
    """The display name, or one made from the local part ('ana.garcia' → 'Ana Garcia')."""
    display = " ".join(display.replace('"', " ").split())
    if display and "@" not in display:
        return display[:200]
    local = address.partition("@")[0]
    words = [w for w in _NAME_SPLIT.split(local) if w]
    return (" ".join(w.capitalize() for w in words) or address)[:200]


def stable_id(*parts: object) -> str:
    """A source id for an item that brings none (a message without Message-ID)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return "sha256:" + digest[:40]


def short_source_id(value: str) -> str:
    """Source ids fit the column; an overlong one is replaced by its digest."""
    return value if len(value) <= 500 else stable_id(value)


class Refused(Exception):
    """A file that is not what it claims: the run is refused and rolled back."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


# -- records ------------------------------------------------------------------------------


@dataclass(slots=True)
class Participant:
    email: str
    name: str = ""
    declined: bool = False


@dataclass(slots=True)
class InteractionRecord:
    """One interaction as a reader found it, before anyone is matched."""

    where: str
    source: str
    source_id: str
    started_at: datetime
    channel: str
    participants: list[Participant]
    sender: str = ""  # the organizer or the From address: decides the direction
    duration_min: int = 0
    place: str = ""
    summary: str = ""
    sequence: int = 0
    # Cancelled, or declined by us: remove what an earlier import made of it.
    remove: str = ""  # the skip reason ("cancelled", "declined") when set
    thread: str = ""  # mail only
    free_mail_filter: bool = True  # skip unknown free-mail senders (mail)
    # Client people already identified by the reader (a CRM row's contact id).
    person_ids: list[int] = field(default_factory=list)


# -- the report ---------------------------------------------------------------------------

SKIP_REASONS: dict[str, Any] = {
    "cancelled": gettext_lazy("cancelled"),
    "declined": gettext_lazy("declined by us"),
    "no_client": gettext_lazy("no client participant"),
    "internal": gettext_lazy("only our own people"),
    "bulk": gettext_lazy("bulk or automatic mail"),
    "free_mail": gettext_lazy("unknown free-mail sender"),
    "blocked": gettext_lazy("on the block list"),
    "older": gettext_lazy("older version than the one imported"),
    "reply": gettext_lazy("invitation reply"),
    "not_event": gettext_lazy("not an event (task, free/busy…)"),
    "no_date": gettext_lazy("no usable date"),
    "outside": gettext_lazy("outside the date range"),
    "duplicate": gettext_lazy("repeated in the file"),
    "no_contact": gettext_lazy("no name, address or phone"),
    "no_columns": gettext_lazy("nothing to import in the row"),
}

ENTITIES: dict[str, Any] = {
    "interaction": gettext_lazy("interactions"),
    "person": gettext_lazy("people"),
    "account": gettext_lazy("accounts"),
    "employment": gettext_lazy("employments"),
    "colleague": gettext_lazy("colleagues"),
}


@dataclass
class CaptureReport:
    dry_run: bool = False
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    problems_not_listed: int = 0
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how each file was read
    read: int = 0  # items read (events, messages, cards, rows)
    unmatched: int = 0  # distinct addresses no one is known at
    threads: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.problems_not_listed

    def problem(self, where: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{where}: {message}")
        else:
            self.problems_not_listed += 1

    def warn(self, where: str, message: str) -> None:
        if len(self.warnings) < MAX_PROBLEMS:
            self.warnings.append(f"{where}: {message}")

    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()))

    def lines(self) -> list[str]:
        """The summary a person reads, in the active language."""
        out = [*self.notes, _("%(n)d items read") % {"n": self.read}]
        for entity, label in ENTITIES.items():
            counts = (
                self.created[entity],
                self.updated[entity],
                self.unchanged[entity],
                self.removed[entity],
            )
            if any(counts):
                out.append(
                    f"{label}: "
                    + _("%(c)d created, %(u)d updated, %(s)d unchanged, %(r)d removed")
                    % {"c": counts[0], "u": counts[1], "s": counts[2], "r": counts[3]}
                )
        for reason, n in sorted(self.skipped.items()):
            out.append(
                _("skipped (%(reason)s): %(n)d")
                % {"reason": SKIP_REASONS.get(reason, reason), "n": n}
            )
        if self.threads:
            out.append(_("mail threads: %(n)d") % {"n": self.threads})
        if self.unmatched:
            out.append(_("addresses matched to no one: %(n)d") % {"n": self.unmatched})
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "removed": dict(self.removed),
            "skipped": dict(self.skipped),
            "read": self.read,
        }


# -- whose address is it ------------------------------------------------------------------

OURS, THEIRS = "ours", "theirs"


class Directory:
    """Who each address belongs to, loaded once per run and kept up to date as the run
    creates people and colleagues (exchange.md §3, "Participants are matched...")."""

    def __init__(self, *, report: CaptureReport, actor: User | None) -> None:
        self.report = report
        self.actor = actor
        self.colleagues: dict[str, int] = {
            email: pk for email, pk in Colleague.objects.values_list("email", "pk") if email
        }
        self.people: dict[str, int] = dict(PersonEmail.objects.values_list("email", "person_id"))
        self.account_domains: dict[str, int] = dict(
            AccountDomain.objects.values_list("domain", "account_id")
        )
        configured = {d.lower().lstrip("@") for d in getattr(settings, "VINCULO_OUR_DOMAINS", [])}
        self.our_domains: set[str] = configured | {
            domain_of(e) for e in self.colleagues if not is_free_mail(domain_of(e))
        }
        self.blocked: set[str] = {
            b.lower().lstrip("@") for b in getattr(settings, "VINCULO_CAPTURE_BLOCKLIST", [])
        } | set(BlockedAddress.objects.values_list("value", flat=True))
        self.unmatched: dict[str, list[Any]] = {}

    def is_blocked(self, address: str) -> bool:
        if address in self.blocked:
            return True
        domain = domain_of(address)
        # A blocked domain covers its subdomains too.
        return any(domain == b or domain.endswith("." + b) for b in self.blocked if "@" not in b)

    def known(self, address: str) -> bool:
        return address in self.colleagues or address in self.people

    def side(self, address: str) -> str | None:
        """OURS, THEIRS or None, without creating anyone."""
        if address in self.colleagues:
            return OURS
        if address in self.people:
            return THEIRS
        domain = domain_of(address)
        if is_free_mail(domain) or domain.endswith(RELAY_DOMAINS):
            return None
        if domain in self.account_domains:
            return THEIRS
        if domain in self.our_domains:
            return OURS
        return None

    def colleague_for(self, address: str, name: str) -> int:
        pk = self.colleagues.get(address)
        if pk is None:
            colleague = colleague_create(name=name_from_address(address, name), email=address)
            pk = self.colleagues[address] = colleague.pk
            self.report.created["colleague"] += 1
        return pk

    def person_for(self, address: str, name: str) -> int:
        pk = self.people.get(address)
        if pk is None:
            account_id = self.account_domains[domain_of(address)]
            person = person_create(
                name=name_from_address(address, name), emails=[address], actor=self.actor
            )
            employment_start(
                person=person,
                account=Account.objects.get(pk=account_id),
                start=None,
                actor=self.actor,
            )
            pk = self.people[address] = person.pk
            self.report.created["person"] += 1
            self.report.created["employment"] += 1
        return pk

    def note_unmatched(self, address: str, name: str, when: datetime) -> None:
        seen = self.unmatched.get(address)
        if seen is None:
            self.unmatched[address] = [name, 1, when, when]
        else:
            seen[1] += 1
            seen[2] = min(seen[2], when)
            seen[3] = max(seen[3], when)

    def save_unmatched(self) -> None:
        """Add this run's counts to the review list: one read and two bulk writes."""
        self.report.unmatched = len(self.unmatched)
        if not self.unmatched:
            return
        existing = {
            row.email: row
            for chunk in batched(sorted(self.unmatched), 900)
            for row in UnmatchedAddress.objects.filter(email__in=chunk)
        }
        fresh, changed = [], []
        for address, (name, seen, first, last) in self.unmatched.items():
            row = existing.get(address)
            if row is None:
                fresh.append(
                    UnmatchedAddress(
                        email=address,
                        domain=domain_of(address),
                        name=name[:200],
                        seen=seen,
                        first_seen=first,
                        last_seen=last,
                    )
                )
            else:
                # The most seen in one run, not a running sum: importing the same file
                # again must change nothing.
                wanted = (
                    max(row.seen, seen),
                    min(row.first_seen or first, first),
                    max(row.last_seen or last, last),
                )
                if wanted != (row.seen, row.first_seen, row.last_seen):
                    row.seen, row.first_seen, row.last_seen = wanted
                    changed.append(row)
        UnmatchedAddress.objects.bulk_create(fresh, batch_size=500)
        UnmatchedAddress.objects.bulk_update(
            changed, ["seen", "first_seen", "last_seen"], batch_size=500
        )


# -- planning and applying interactions ---------------------------------------------------

_FIELDS = ("started_at", "duration_min", "channel", "place", "direction", "summary")


@dataclass(slots=True)
class _Planned:
    record: InteractionRecord
    values: tuple[Any, ...]
    colleagues: list[int]
    people: list[int]
    pk: int | None = None


@dataclass
class BatchPlan:
    """What one batch would do; :meth:`InteractionWriter.apply` carries it out."""

    create: list[_Planned] = field(default_factory=list)
    update: list[_Planned] = field(default_factory=list)
    relink: list[_Planned] = field(default_factory=list)
    remove: list[int] = field(default_factory=list)
    versions: dict[str, tuple[int, bool]] = field(default_factory=dict)


class InteractionWriter:
    """Buffers records and writes them in batches: a few queries per 2,000 records."""

    def __init__(self, *, directory: Directory, report: CaptureReport, actor: User | None):
        self.directory = directory
        self.report = report
        self.actor = actor
        self.pending: list[InteractionRecord] = []
        self.convert = [db_converter(Interaction, f) for f in _FIELDS]
        self.created_by = actor.pk if actor is not None else None
        self.levels: dict[str, str] = {}
        # The people and accounts whose daily summary the run changes (refreshed at its end).
        self.touched = SummaryTouch()

    def suggested_level(self, summary: str) -> str:
        """The level suggested for a new interaction's summary (M5), as interaction_log
        would; subjects repeat all through a mailbox, so each distinct one is read once."""
        if not summary.strip():
            return ""
        level = self.levels.get(summary)
        if level is None:
            suggestion = suggest_level(summary)
            level = suggestion.level.value if suggestion.confidence > 0 else ""
            if len(self.levels) < 100_000:
                self.levels[summary] = level
        return level

    def add(self, record: InteractionRecord) -> None:
        self.pending.append(record)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            batch, self.pending = self.pending, []
            self.apply(self.plan(batch))

    # -- plan --

    def _participants(self, record: InteractionRecord) -> tuple[list[int], list[int]] | str:
        """Our colleague ids and their person ids, or the reason to skip the record."""
        directory = self.directory
        sides: list[tuple[Participant, str | None]] = []
        for participant in record.participants:
            if directory.is_blocked(participant.email):
                return "blocked"
            sides.append((participant, directory.side(participant.email)))
        sender = record.sender
        if (
            record.free_mail_filter
            and sender
            and is_free_mail(domain_of(sender))
            and not directory.known(sender)
        ):
            return "free_mail"
        ours = [p for p, side in sides if side == OURS]
        theirs = [p for p, side in sides if side == THEIRS and not p.declined]
        known_people = list(record.person_ids)
        if ours and all(p.declined for p in ours) and sender not in {p.email for p in ours}:
            return "declined"
        if not theirs and not known_people:
            for participant, side in sides:
                if side is None:
                    directory.note_unmatched(participant.email, participant.name, record.started_at)
            return "internal" if ours and all(s == OURS for _, s in sides) else "no_client"
        for participant, side in sides:
            if side is None:
                directory.note_unmatched(participant.email, participant.name, record.started_at)
        colleague_ids = list(
            dict.fromkeys(directory.colleague_for(p.email, p.name) for p in ours if not p.declined)
        )
        person_ids = list(
            dict.fromkeys([*known_people, *(directory.person_for(p.email, p.name) for p in theirs)])
        )
        return colleague_ids, person_ids

    def plan(self, batch: list[InteractionRecord]) -> BatchPlan:
        report = self.report
        # The latest version of each item in the batch wins (highest SEQUENCE, then last).
        latest: dict[str, InteractionRecord] = {}
        for record in batch:
            before = latest.get(record.source_id)
            if before is not None:
                report.skipped["duplicate"] += 1
                if record.sequence < before.sequence:
                    continue
            latest[record.source_id] = record
        source = batch[0].source
        ids = list(latest)
        existing: dict[str, tuple[int, tuple[Any, ...]]] = {}
        for source_id, pk, *values in Interaction.objects.filter(
            source=source, source_id__in=ids
        ).values_list("source_id", "pk", *_FIELDS):
            existing[source_id] = (pk, tuple(values))
        versions: dict[str, tuple[int, bool]] = {}
        if source == Source.CALENDAR:
            versions = {
                sid: (seq, cancelled)
                for sid, seq, cancelled in EventVersion.objects.filter(
                    source_id__in=ids
                ).values_list("source_id", "sequence", "cancelled")
            }
        links = self._links([pk for pk, _values in existing.values()])
        plan = BatchPlan()
        for source_id, record in latest.items():
            version = versions.get(source_id)
            if version is not None and (
                record.sequence < version[0]
                or (version[1] and not record.remove and record.sequence <= version[0])
            ):
                report.skipped["older"] += 1
                continue
            if source == Source.CALENDAR and (record.sequence > 0 or record.remove):
                plan.versions[source_id] = (record.sequence, bool(record.remove))
            found = existing.get(source_id)
            # A repeat of an item written by an earlier batch of this run is found in the
            # database like any re-import: nothing per item is kept in memory.
            outcome = record.remove or self._participants(record)
            if isinstance(outcome, str):
                report.skipped[outcome] += 1
                if found is not None:
                    plan.remove.append(found[0])
                continue
            colleague_ids, person_ids = outcome
            direction = (
                Direction.INBOUND
                if record.sender and self.directory.side(record.sender) == THEIRS
                else Direction.OUTBOUND
            )
            values = (
                record.started_at,
                record.duration_min,
                record.channel,
                record.place[:200],
                direction,
                record.summary,
            )
            planned = _Planned(record, values, colleague_ids, person_ids)
            if found is None:
                plan.create.append(planned)
                continue
            planned.pk = found[0]
            old_links = links.get(found[0], ([], []))
            if sorted(old_links[0]) != sorted(colleague_ids) or sorted(old_links[1]) != sorted(
                person_ids
            ):
                plan.relink.append(planned)
            if found[1] != values:
                plan.update.append(planned)
            elif planned not in plan.relink:
                report.unchanged["interaction"] += 1
        return plan

    def _links(self, pks: list[int]) -> dict[int, tuple[list[int], list[int]]]:
        links: dict[int, tuple[list[int], list[int]]] = {}
        for chunk in batched(pks, 900):
            for interaction, colleague in InteractionColleague.objects.filter(
                interaction_id__in=chunk
            ).values_list("interaction_id", "colleague_id"):
                links.setdefault(interaction, ([], []))[0].append(colleague)
            for interaction, person in InteractionPerson.objects.filter(
                interaction_id__in=chunk
            ).values_list("interaction_id", "person_id"):
                links.setdefault(interaction, ([], []))[1].append(person)
        return links

    # -- apply --

    def apply(self, plan: BatchPlan) -> None:
        report = self.report
        if plan.remove:
            removed = set(plan.remove)
            self.touched.add_interactions(removed)
            Interaction.objects.filter(pk__in=removed).delete()
            report.removed["interaction"] += len(removed)
        if plan.create:
            accounts = accounts_at_dates(
                interactions=[(p.values[0], p.people) for p in plan.create]
            )
            rows = []
            for planned, account in zip(plan.create, accounts, strict=True):
                level = self.suggested_level(planned.record.summary)
                rows.append(
                    (
                        *(c(v) for c, v in zip(self.convert, planned.values, strict=True)),
                        level,
                        bool(level),
                        planned.record.source,
                        planned.record.source_id,
                        self.created_by,
                        account,
                    )
                )
            fields = (*_FIELDS, "level", "level_suggested", "source", "source_id",
                      "created_by_id", "account_id")  # fmt: skip
            ids = dict(insert_returning(Interaction, fields, rows, returning=("source_id", "id")))
            for planned in plan.create:
                planned.pk = ids[planned.record.source_id]
            report.created["interaction"] += len(plan.create)
        # Their subjects before the change, and (below) after it.
        self.touched.add_interactions([p.pk for p in plan.update + plan.relink])
        if plan.update:
            update_rows(
                Interaction,
                _FIELDS,
                [
                    (*(c(v) for c, v in zip(self.convert, p.values, strict=True)), p.pk)
                    for p in plan.update
                ],
            )
        changed = {p.pk for p in plan.update} | {p.pk for p in plan.relink}
        report.updated["interaction"] += len(changed)
        relink = [p for p in plan.relink]
        delete_rows(InteractionPerson, "interaction_id", [p.pk for p in relink])
        delete_rows(InteractionColleague, "interaction_id", [p.pk for p in relink])
        linked = plan.create + relink
        insert_rows(
            InteractionPerson,
            ("interaction_id", "person_id"),
            [(p.pk, person) for p in linked for person in p.people],
        )
        insert_rows(
            InteractionColleague,
            ("interaction_id", "colleague_id"),
            [(p.pk, colleague) for p in linked for colleague in p.colleagues],
        )
        if changed:  # their date or participants may have changed: the SQL rule
            interactions_assign_accounts(Interaction.objects.filter(pk__in=changed))
        self.touched.add_interactions([*changed, *(p.pk for p in plan.create)])
        # Only replies get a row: a message missing here starts its own thread (its
        # thread id is its own Message-ID), which spares a row for most of a mailbox.
        threads = [
            (p.pk, p.record.thread[:500])
            for p in plan.create
            if p.record.thread and p.record.thread != p.record.source_id
        ]
        if threads:
            insert_rows(MailThread, ("interaction_id", "thread_id"), threads)
        if plan.versions:
            insert_rows(
                EventVersion,
                ("source_id", "sequence", "cancelled"),
                [(sid, seq, cancelled) for sid, (seq, cancelled) in plan.versions.items()],
                conflict=("source_id",),
                update=("sequence", "cancelled"),
            )

    def remove_stale(self, *, series: dict[str, set[str]], start: datetime, end: datetime) -> None:
        """Instances of re-imported series that the file no longer has (an EXDATE added,
        the rule shortened) are removed, within the window that was expanded. ``series``
        maps each series' source-id prefix to the instance ids the file gave; one query
        per 50 series."""
        stale: list[int] = []
        # SQLite compares text byte by byte, so "starts with P" is also the range
        # [P, P') that the (source, source_id) index answers; LIKE alone would scan the
        # table once per series. PostgreSQL's linguistic collations do not keep prefixes
        # contiguous, so there the prefix test stands alone.
        ranged = connection.vendor == "sqlite"
        for chunk in batched(sorted(series), 50):
            prefixes = Q()
            for prefix in chunk:
                test = Q(source_id__startswith=prefix)
                if ranged:
                    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
                    test &= Q(source_id__gte=prefix, source_id__lt=after)
                prefixes |= test
            for pk, sid in (
                Interaction.objects.filter(prefixes)
                .exclude(source_id="")  # the unique index's own condition, so it is used
                .filter(source=Source.CALENDAR, started_at__gte=start, started_at__lt=end)
                .values_list("pk", "source_id")
            ):
                head = sid.rpartition(";RID=")[0] + ";RID="
                keep = series.get(head)
                if keep is not None and sid not in keep:
                    stale.append(pk)
        if stale:
            self.touched.add_interactions(stale)
            Interaction.objects.filter(pk__in=stale).delete()
            self.report.removed["interaction"] += len(stale)

    def remove_series(self, *, prefix: str, exact: str) -> int:
        """A whole series cancelled (METHOD:CANCEL without RECURRENCE-ID)."""
        queryset = Interaction.objects.filter(source=Source.CALENDAR).filter(
            Q(source_id=exact) | Q(source_id__startswith=prefix)
        )
        ids = list(queryset.values_list("pk", flat=True))
        count = len(ids)
        if count:
            self.touched.add_interactions(ids)
            queryset.delete()
            self.report.removed["interaction"] += count
        return count


# -- a run --------------------------------------------------------------------------------


@dataclass
class Session:
    report: CaptureReport
    directory: Directory
    writer: InteractionWriter
    actor: User | None
    progress: Callable[[str, int], None] | None = None

    def tick(self, name: str, amount: int) -> None:
        if self.progress is not None:
            self.progress(name, amount)


def capture_run(
    *,
    label: str,
    work: Callable[[Session], None],
    dry_run: bool = False,
    actor: User | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> CaptureReport:
    """Run one import all or nothing: ``work`` reads the files and feeds the session.

    A :class:`Refused` file or any problem recorded rolls everything back; so does a
    dry run, after counting exactly what would have been done.
    """
    report = CaptureReport(dry_run=dry_run)
    actor = actor if actor is not None and actor.is_authenticated else None
    with acting_keep_user(Face.IMPORT, actor), _large_page_cache(), transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the outer block can still roll back
                directory = Directory(report=report, actor=actor)
                writer = InteractionWriter(directory=directory, report=report, actor=actor)
                session = Session(report, directory, writer, actor, progress)
                work(session)
                writer.flush()
                if not dry_run:
                    writer.touched.flush()
                directory.save_unmatched()
        except Refused as refusal:
            report.problem(refusal.where, refusal.message)
        except ValidationError as error:
            report.problem(label, "; ".join(error.messages))
        except DatabaseError as error:
            report.problem(label, _("the database refused the import: %(e)s") % {"e": error})
        if report.ok and not dry_run and report.changed():
            event_record(
                kind=EventKind.BUNDLE_IMPORTED,
                actor=actor,
                data={"text": label, "counts": report.as_dict()},
            )
            # Set-based writes send no signals: one trail entry per run (vinculo.audit).
            audit_bulk(model="capture.ImportRun", label=label, counts=report.as_dict())
        if dry_run or not report.ok:
            transaction.set_rollback(True)
    return report


@contextmanager
def _large_page_cache() -> Iterator[None]:
    """SQLite keeps 2 MiB of pages by default; a big import updates five indexes per
    message, and with more of them in memory each insert reads less. Restored after."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -65536")  # 64 MiB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is read in the installation's time zone."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value.astimezone(UTC)


def people_by_emails(emails: Iterable[str]) -> dict[str, int]:
    return dict(
        PersonEmail.objects.filter(email__in=list(emails)).values_list("email", "person_id")
    )


def first(values: Sequence[str]) -> str:
    return values[0] if values else ""


__all__ = [
    "BatchPlan",
    "CaptureReport",
    "Directory",
    "InteractionRecord",
    "InteractionWriter",
    "Participant",
    "Person",
    "Refused",
    "Session",
    "capture_run",
]
