"""The per-subject daily summary of interactions (``InteractionDaySummary``), kept set-based.

``summary_refresh`` rebuilds the rows of the given people and accounts (all of them when
called with ``everyone=True``) with one ``DELETE`` and one ``INSERT … SELECT … GROUP BY``
per kind of subject and per 900 ids: never a statement per interaction or per day. The
services that write interactions call it for the subjects they touch, in the same
transaction; the bulk importers collect the subjects of a run and call it once
(``SummaryTouch``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections
from django.utils import timezone

from vinculo.bulk import batched
from vinculo.health.models import InteractionDaySummary
from vinculo.interactions.models import Interaction, InteractionPerson
from vinculo.vocab import LIVE_CHANNELS, Channel, Direction, Level

# Above this many subjects of one kind a refresh rebuilds that kind whole: one pass over
# the interactions is cheaper than thousands of id lists.
WHOLE_ABOVE = 20_000

SUMMARY_COLUMNS = (
    "n", "n_inbound", "n_live", "n_email", "n_levelled", "n_high", "live_minutes",
    "minutes", "first_at", "last_two_way_at", "last_inbound_at", "first_inbound_at",
    "min_channel", "max_channel", "last_reply_at", "n_quiet", "n_quiet_after",
)  # fmt: skip


def _offset_changes(zone: str) -> list[tuple[dt.datetime, int]]:
    """(UTC instant, offset in minutes from then on) for ``zone``, 2000-2060 (before and
    after, the first and last offsets)."""
    tz = ZoneInfo(zone)

    def offset(moment: dt.datetime) -> int:
        delta = moment.astimezone(tz).utcoffset() or dt.timedelta(0)
        return int(delta.total_seconds() // 60)

    moment = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(2060, 1, 1, tzinfo=dt.UTC)
    current = offset(moment)
    changes = [(moment, current)]
    step = dt.timedelta(hours=6)
    while moment < end:
        after = moment + step
        if offset(after) != current:
            low, high = moment, after  # the change is in (low, high]: bisect to the second
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == current:
                    low = middle
                else:
                    high = middle
            current = offset(high)
            changes.append((high.replace(microsecond=0), current))
        moment = after
    return changes


@functools.cache
def _sqlite_day_case(zone: str, column: str) -> str:
    """A nested CASE (a binary search over the zone's offset changes) giving the local
    date of a UTC date-time stored as text: no Python function call per row."""
    changes = _offset_changes(zone)

    def build(lo: int, hi: int) -> str:  # the offsets of changes[lo:hi]
        if hi - lo == 1:
            return f"'{changes[lo][1]:+d} minutes'"
        middle = (lo + hi) // 2
        at = changes[middle][0].strftime("%Y-%m-%d %H:%M:%S")
        return f"CASE WHEN {column} < '{at}' THEN {build(lo, middle)} ELSE {build(middle, hi)} END"

    return f"date({column}, {build(0, len(changes))})"


def local_day_sql(vendor: str, column: str) -> tuple[str, tuple[Any, ...]]:
    """SQL for the date of ``column`` (a date-time) in the installation's time zone."""
    zone = timezone.get_default_timezone_name()
    if vendor == "sqlite":
        return _sqlite_day_case(zone, column), ()
    ops = connections[InteractionDaySummary.objects.db].ops
    return ops.datetime_cast_date_sql(column, (), zone)


def _sql(kind: str, ids: list[int] | None) -> tuple[str, str, list[Any]]:
    """(DELETE, INSERT … SELECT) for the people or accounts ``ids`` (None: all of them)."""
    db = InteractionDaySummary.objects.db
    connection = connections[db]
    ops = connection.ops
    q = ops.quote_name
    summary = q(InteractionDaySummary._meta.db_table)
    i = q(Interaction._meta.db_table)
    links = q(InteractionPerson._meta.db_table)
    day_sql, day_params = local_day_sql(connection.vendor, f"{i}.started_at")
    live = [str(c) for c in sorted(LIVE_CHANNELS)]
    is_live = f"{i}.channel IN ({', '.join(['%s'] * len(live))})"
    inbound = f"{i}.direction = %s"
    in_ids = f" IN ({', '.join(['%s'] * len(ids))})" if ids is not None else ""
    if kind == "person":
        subject = f"{links}.person_id"
        source = f"{links} JOIN {i} ON {i}.id = {links}.interaction_id"
        where = f" WHERE {subject}{in_ids}" if ids is not None else ""
        columns = "person_id, account_id"
        subject_columns = "s, NULL"
        delete_where = f"person_id{in_ids}" if ids is not None else "person_id IS NOT NULL"
    else:
        subject = f"{i}.account_id"
        source = i
        where = f" WHERE {subject}{in_ids}" if ids is not None else f" WHERE {subject} IS NOT NULL"
        columns = "person_id, account_id"
        subject_columns = "NULL, s"
        delete_where = f"account_id{in_ids}" if ids is not None else "account_id IS NOT NULL"
    # One row per (subject, interaction) with the flags the summary sums; the window
    # function gives each row its day's last reply, for the unanswered streak.
    rows = (
        f"SELECT {subject} AS s, {day_sql} AS d, {i}.started_at AS at, {i}.channel AS ch,"
        f" {i}.duration_min AS mins,"
        f" CASE WHEN {inbound} THEN 1 ELSE 0 END AS inb,"
        f" CASE WHEN {is_live} THEN 1 ELSE 0 END AS live,"
        f" CASE WHEN {i}.channel = %s THEN 1 ELSE 0 END AS mail,"
        f" CASE WHEN {i}.level <> '' THEN 1 ELSE 0 END AS lev,"
        f" CASE WHEN {i}.level IN (%s, %s) THEN 1 ELSE 0 END AS high,"
        f" CASE WHEN {is_live} OR {inbound} OR {i}.channel = %s THEN 1 ELSE 0 END AS two_way,"
        f" CASE WHEN {is_live} OR {inbound} THEN 1 ELSE 0 END AS reply"
        f" FROM {source}{where}"
    )
    row_params: list[Any] = [
        *day_params,
        str(Direction.INBOUND),
        *live,
        str(Channel.EMAIL),
        str(Level.STRATEGIC),
        str(Level.SATISFACTION),
        *live,
        str(Direction.INBOUND),
        str(Channel.EVENT),
        *live,
        str(Direction.INBOUND),
        *(ids or []),
    ]
    insert = (
        f"INSERT INTO {summary} ({columns}, day, {', '.join(SUMMARY_COLUMNS)})"
        f" SELECT {subject_columns}, d, COUNT(*), SUM(inb), SUM(live), SUM(mail), SUM(lev),"
        " SUM(high), SUM(CASE WHEN live = 1 THEN mins ELSE 0 END), SUM(mins), MIN(at),"
        " MAX(CASE WHEN two_way = 1 THEN at END), MAX(CASE WHEN inb = 1 THEN at END),"
        " MIN(CASE WHEN inb = 1 THEN at END), MIN(ch), MAX(ch), MAX(day_reply),"
        " SUM(1 - reply),"
        " SUM(CASE WHEN reply = 0 AND (day_reply IS NULL OR at > day_reply) THEN 1 ELSE 0 END)"
        " FROM (SELECT r.*, MAX(CASE WHEN reply = 1 THEN at END)"
        f" OVER (PARTITION BY s, d) AS day_reply FROM ({rows}) r) w"
        " GROUP BY s, d"
    )
    delete = f"DELETE FROM {summary} WHERE {delete_where}"
    return delete, insert, row_params


# Advisory lock classes of the two kinds of subject (PostgreSQL).
_LOCK_CLASS = {"person": 0x5653_0001, "account": 0x5653_0002}


def _lock_subjects(cursor: Any, kind: str, ids: list[int] | None) -> None:
    """Serialise refreshes of the same subjects on PostgreSQL until the transaction ends.

    Under READ COMMITTED two writers refreshing one account both DELETE its rows, and the
    second's INSERT then meets the first's new rows: a duplicate key. SQLite has one writer
    at a time already. Locks are taken in id order, people before accounts, so refreshers
    do not deadlock each other. A whole rebuild (``ids`` None) takes the kind's own lock.
    """
    if cursor.db.vendor != "postgresql":
        return
    if ids is None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [_LOCK_CLASS[kind] + 16])
        return
    cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, 0)", [_LOCK_CLASS[kind] + 16])
    cursor.execute(
        "SELECT count(pg_advisory_xact_lock(%s, s)) FROM"
        " (SELECT unnest(%s::integer[]) AS s ORDER BY 1) ordered",
        [_LOCK_CLASS[kind], ids],
    )


def _refresh_kind(kind: str, ids: list[int] | None) -> None:
    connection = connections[InteractionDaySummary.objects.db]
    with connection.cursor() as cursor:
        _lock_subjects(cursor, kind, None if ids is None else sorted(set(ids)))
        for chunk in [None] if ids is None else batched(sorted(set(ids)), 900):
            delete, insert, params = _sql(kind, chunk)
            cursor.execute(delete, chunk or [])
            cursor.execute(insert, params)


def summary_refresh(
    *,
    person_ids: Iterable[int | None] = (),
    account_ids: Iterable[int | None] = (),
    everyone: bool = False,
) -> None:
    """Rebuild the summary rows of these people and accounts from their interactions."""
    if everyone:
        _refresh_kind("person", None)
        _refresh_kind("account", None)
        return
    for kind, given in (("person", person_ids), ("account", account_ids)):
        ids = sorted({pk for pk in given if pk is not None})
        if len(ids) > WHOLE_ABOVE:
            _refresh_kind(kind, None)
        elif ids:
            _refresh_kind(kind, ids)


def summary_rebuild() -> None:
    """Every row again from the interactions (after a load, or a change of TIME_ZONE)."""
    summary_refresh(everyone=True)


def summary_is_missing() -> bool:
    """Interactions exist but no summary row does (a database loaded around the services)."""
    return (
        not InteractionDaySummary.objects.exists()
        and Interaction.objects.filter(account__isnull=False).exists()
    ) or (
        not InteractionDaySummary.objects.filter(person__isnull=False).exists()
        and InteractionPerson.objects.exists()
    )


def subjects_of(interaction_ids: Iterable[int | None]) -> tuple[set[int], set[int]]:
    """(people, accounts) of these interactions as they are now."""
    people: set[int] = set()
    accounts: set[int] = set()
    for chunk in batched(sorted({pk for pk in interaction_ids if pk is not None}), 900):
        people.update(
            InteractionPerson.objects.filter(interaction_id__in=chunk).values_list(
                "person_id", flat=True
            )
        )
        accounts.update(
            Interaction.objects.filter(pk__in=chunk, account__isnull=False).values_list(
                "account_id", flat=True
            )
        )
    return people, accounts


@dataclass
class SummaryTouch:
    """The subjects a bulk run touched, refreshed once at its end (``flush``)."""

    people: set[int] = field(default_factory=set)
    accounts: set[int] = field(default_factory=set)

    def add(self, *, people: Iterable[int] = (), accounts: Iterable[int | None] = ()) -> None:
        self.people.update(people)
        self.accounts.update(a for a in accounts if a is not None)

    def add_interactions(self, interaction_ids: Iterable[int | None]) -> None:
        people, accounts = subjects_of(interaction_ids)
        self.add(people=people, accounts=accounts)

    def flush(self) -> None:
        summary_refresh(person_ids=self.people, account_ids=self.accounts)
        self.people.clear()
        self.accounts.clear()


@contextmanager
def summary_kept(interaction_ids: Iterable[int]) -> Iterator[SummaryTouch]:
    """Around a change of these interactions (edit, delete, new participants or
    account): their subjects before and after are refreshed when the block ends."""
    ids = list(interaction_ids)
    touch = SummaryTouch()
    touch.add_interactions(ids)
    yield touch
    touch.add_interactions(ids)
    touch.flush()


def _totals_now(cursor: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    q = connections[InteractionDaySummary.objects.db].ops.quote_name
    i, links = q(Interaction._meta.db_table), q(InteractionPerson._meta.db_table)
    cursor.execute(
        "SELECT COUNT(*), COALESCE(SUM(duration_min), 0), COALESCE(SUM(account_id), 0),"
        " COALESCE(SUM(CASE WHEN level <> '' THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN direction = %s THEN 1 ELSE 0 END), 0)"
        f" FROM {i} WHERE account_id IS NOT NULL",
        [str(Direction.INBOUND)],
    )
    accounts = tuple(int(v) for v in cursor.fetchone())
    cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(person_id), 0) FROM {links}")
    people = tuple(int(v) for v in cursor.fetchone())
    return accounts, people


def _totals_summarised(cursor: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The same totals from the summary, in one pass over it (both kinds of row)."""
    s = connections[InteractionDaySummary.objects.db].ops.quote_name(
        InteractionDaySummary._meta.db_table
    )

    def accounts(column: str) -> str:
        return f"COALESCE(SUM(CASE WHEN account_id IS NOT NULL THEN {column} END), 0)"

    # account_id * n and person_id * n are NULL on the other kind's rows: SUM skips them.
    cursor.execute(
        f"SELECT {accounts('n')}, {accounts('minutes')}, COALESCE(SUM(account_id * n), 0),"
        f" {accounts('n_levelled')}, {accounts('n_inbound')},"
        " COALESCE(SUM(CASE WHEN person_id IS NOT NULL THEN n END), 0),"
        f" COALESCE(SUM(person_id * n), 0) FROM {s}"
    )
    totals = tuple(int(v) for v in cursor.fetchone())
    return totals[:5], totals[5:]


def summary_verify() -> bool:
    """Check the summary's totals against the interactions; rebuild the kind that differs.

    The services keep the summary as they write, but rows written around them (a script,
    a test, the admin's raw tools) would leave it behind without a word: before a full
    run, a few sums over the interactions (count, minutes, accounts, levels, directions)
    and the participants (count, people) are compared with the summary's. Returns True
    when it was already right. It does not see an edit that keeps every sum (a date moved
    within the same totals); the services' own refresh covers those.
    """
    with connections[InteractionDaySummary.objects.db].cursor() as cursor:
        (accounts_now, people_now) = _totals_now(cursor)
        (accounts_kept, people_kept) = _totals_summarised(cursor)
    if accounts_now != accounts_kept:
        _refresh_kind("account", None)
    if people_now != people_kept:
        _refresh_kind("person", None)
    return accounts_now == accounts_kept and people_now == people_kept


def summary_verify_for(person_ids: Iterable[int], account_ids: Iterable[int]) -> None:
    """``summary_verify`` for a few subjects: per subject, the count, minutes, levels and
    inbound contacts of its interactions against its summary rows (index ranges, a few
    milliseconds); the subjects that differ are refreshed.

    One statement (a ``UNION ALL`` of the two sides of both kinds, per 900 ids of each):
    the incremental update sends it on every logged interaction, where each round trip
    costs more than the reads themselves.
    """
    db = InteractionDaySummary.objects.db
    q = connections[db].ops.quote_name
    i, links = q(Interaction._meta.db_table), q(InteractionPerson._meta.db_table)
    s = q(InteractionDaySummary._meta.db_table)
    inbound = str(Direction.INBOUND)
    chunks = {
        kind: list(batched(sorted({pk for pk in given if pk is not None}), 900))
        for kind, given in (("person", person_ids), ("account", account_ids))
    }
    stale: dict[str, list[int]] = {"person": [], "account": []}
    with connections[db].cursor() as cursor:
        for step in range(max(len(c) for c in chunks.values())):
            parts: list[str] = []
            params: list[Any] = []
            for kind in ("person", "account"):
                if step >= len(chunks[kind]):
                    continue
                chunk = chunks[kind][step]
                marks = ", ".join(["%s"] * len(chunk))
                if kind == "person":
                    column = f"{links}.person_id"
                    source = f"{links} JOIN {i} ON {i}.id = {links}.interaction_id"
                else:
                    column, source = f"{i}.account_id", i
                parts += [
                    f"SELECT '{kind[0]}n', {column}, COUNT(*), SUM({i}.duration_min),"
                    f" SUM(CASE WHEN {i}.level <> '' THEN 1 ELSE 0 END),"
                    f" SUM(CASE WHEN {i}.direction = %s THEN 1 ELSE 0 END)"
                    f" FROM {source} WHERE {column} IN ({marks}) GROUP BY {column}",
                    f"SELECT '{kind[0]}k', {kind}_id, SUM(n), SUM(minutes), SUM(n_levelled),"
                    f" SUM(n_inbound) FROM {s} WHERE {kind}_id IN ({marks}) GROUP BY {kind}_id",
                ]
                params += [inbound, *chunk, *chunk]
            cursor.execute(" UNION ALL ".join(parts), params)
            found: dict[str, dict[int, tuple[int, ...]]] = {t: {} for t in ("pn", "pk", "an", "ak")}
            for tag, pk, *sums in cursor.fetchall():
                found[tag][pk] = tuple(int(v) for v in sums)
            for kind in ("person", "account"):
                if step < len(chunks[kind]):
                    now, kept = found[f"{kind[0]}n"], found[f"{kind[0]}k"]
                    stale[kind] += [pk for pk in chunks[kind][step] if now.get(pk) != kept.get(pk)]
    if stale["person"] or stale["account"]:
        summary_refresh(person_ids=stale["person"], account_ids=stale["account"])
