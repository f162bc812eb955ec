"""Recomputing health and plays: the full set-based run and the incremental one."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vinculo.bulk import batched, db_value, insert_rows
from vinculo.health.agenda import agenda_settings_problems
from vinculo.health.compute import Result, compute
from vinculo.health.config import EngineConfig, overrides_problems
from vinculo.health.engine import Health
from vinculo.health.facts import coverage_pairs, jobs_at
from vinculo.health.ids import IdIn, id_in_sql
from vinculo.health.lifecycle import plays_are_current, plays_sync
from vinculo.health.models import HealthRun, HealthSettings, HealthSnapshot, Play, PlayStatus
from vinculo.health.plays import PEER_KINDS, detect, detect_peer_plays
from vinculo.health.readers import engine_config
from vinculo.health.summary import summary_verify
from vinculo.people.models import Account, Person
from vinculo.timeline.models import EventKind
from vinculo.timeline.services import event_record
from vinculo.users.models import User


def health_settings_check(overrides: object) -> None:
    """Refuse anything the engine cannot use: not a JSON object, unknown names, values of
    the wrong type or out of range, and bad agenda settings under "agenda" (the admin form
    and the service both call this)."""
    if not isinstance(overrides, dict):
        raise ValidationError(_("Write a JSON object: names and their values."))
    problems = overrides_problems(overrides)
    messages = [problems[name] for name in sorted(problems)]
    if "agenda" in overrides:
        messages += agenda_settings_problems(overrides["agenda"])
    if messages:
        raise ValidationError(messages)


def health_settings_update(*, overrides: dict[str, object]) -> HealthSettings:
    try:
        health_settings_check(overrides)
    except ValidationError as error:
        raise ValidationError({"overrides": error.messages}) from error
    row = HealthSettings.objects.order_by("pk").first() or HealthSettings()
    row.overrides = dict(overrides)
    row.save()
    return row


def _payload(health: Health) -> dict[str, dict[str, object]]:
    return {name: {"value": c.value, "facts": c.facts} for name, c in health.components.items()} | (
        {"_extra": dict(health.extra)} if health.extra else {}
    )


def _digest(overall: int, band: str, components_json: str) -> str:
    return hashlib.blake2b(
        f"{overall}|{band}|{components_json}".encode(), digest_size=16
    ).hexdigest()


def _previous_digests(
    subject: str, ids: list[int], as_of: dt.date, *, same_day: bool = False
) -> dict[int, str]:
    """Each subject's digest of its latest snapshot before ``as_of`` (``same_day``: of
    its snapshot of that day)."""
    table = connection.ops.quote_name(HealthSnapshot._meta.db_table)
    column = f"{subject}_id"
    day = db_value(HealthSnapshot, "as_of", as_of)
    found: dict[int, str] = {}
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        # PostgreSQL: one array parameter for any number of ids; SQLite: 900 per statement.
        for chunk in [ids] if postgresql else batched(ids, 900):
            if not chunk:
                continue
            scope, params = id_in_sql(connection.vendor, column, chunk)
            if same_day:
                sql = f"SELECT {column}, digest FROM {table} WHERE {scope} AND as_of = %s"
            elif postgresql:
                sql = (
                    f"SELECT DISTINCT ON ({column}) {column}, digest FROM {table}"
                    f" WHERE {scope} AND as_of < %s ORDER BY {column}, as_of DESC"
                )
            else:  # SQLite: a bare column comes from the row of the MAX
                sql = (
                    f"SELECT {column}, digest, MAX(as_of) FROM {table}"
                    f" WHERE {scope} AND as_of < %s GROUP BY {column}"
                )
            cursor.execute(sql, [*params, day])
            found.update((row[0], row[1]) for row in cursor.fetchall())
    return found


def _snapshots_upsert(subject: str, day: Any, rows: list[tuple[int, int, str, str, str]]) -> int:
    """Upsert (subject id, overall, band, components JSON text, digest) rows for ``day``.

    PostgreSQL: one ``INSERT … SELECT FROM unnest(…)`` per 5,000 rows, six array
    parameters (a statement with thousands of placeholders costs more in the driver's
    parsing than in the database); from ``COPY_FROM`` rows, COPY into a temporary table
    and one ``INSERT … SELECT`` from it. SQLite: ``executemany``.
    """
    fields = ["as_of", "person", "account", "overall", "band", "components", "digest"]
    update = ["overall", "band", "components", "digest"]
    if connection.vendor != "postgresql":
        return insert_rows(
            HealthSnapshot,
            fields,
            [
                (day, pk, None, *rest) if subject == "person" else (day, None, pk, *rest)
                for pk, *rest in rows
            ],
            conflict=[subject, "as_of"],
            update=update,
            batch_size=1000,
        )
    table = connection.ops.quote_name(HealthSnapshot._meta.db_table)
    ids = "p, NULL::bigint" if subject == "person" else "NULL::bigint, p"
    sql = (
        f"INSERT INTO {table} (as_of, person_id, account_id, overall, band, components, digest)"
        f" SELECT %s::date, {ids}, o, b, c::jsonb, d"
        " FROM unnest(%s::bigint[], %s::int[], %s::text[], %s::text[], %s::text[])"
        " AS r(p, o, b, c, d)"
        f" ON CONFLICT ({subject}_id, as_of) DO UPDATE SET overall = EXCLUDED.overall,"
        " band = EXCLUDED.band, components = EXCLUDED.components, digest = EXCLUDED.digest"
    )
    if len(rows) < COPY_FROM:
        with connection.cursor() as cursor:
            for batch in batched(rows, 5000):
                cursor.execute(sql, [day, *(list(column) for column in zip(*batch, strict=True))])
        return len(rows)
    # Many rows (a full run): COPY into a temporary table, then one INSERT … SELECT. A
    # text[] parameter of JSON documents costs ~1 s per 5,000 rows to quote and parse.
    staged = "health_snapshot_rows"
    head = sql[: sql.index(" FROM unnest(")]
    # In a transaction whatever the caller's (the table is dropped at its commit).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staged}"
            " (p bigint, o integer, b text, c text, d text) ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {staged}")
        with cursor.cursor.copy(f"COPY {staged} (p, o, b, c, d) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"{head} FROM {staged}{sql[sql.index(' ON CONFLICT') :]}", [day])
    return len(rows)


# From this many rows, PostgreSQL stages the snapshots with COPY (four statements instead
# of one: not worth it for the few rows of an incremental update).
COPY_FROM = 500


def snapshots_store(result: Result) -> int:
    """Store a snapshot per subject for ``result.as_of`` where its health changed.

    A subject whose overall, band and components (facts included) equal those of its
    latest snapshot before that day gets no row (and loses one left on that day by an
    earlier run): ``health_on`` reads the latest snapshot on or before a date, so the
    history reads the same with one row per change instead of one per day. A changed
    subject's row is upserted (re-running a day replaces it), unless that day's row already
    holds the same health (a second full run of the day, or the nightly run after
    incremental updates wrote theirs): no write then. Returns the rows written.
    Backfills run in date order (``recompute_health --from``); recomputing a day before
    stored later ones does not revisit the days after it.
    """
    day = db_value(HealthSnapshot, "as_of", result.as_of)
    written = 0
    for subject, healths in (("person", result.people), ("account", result.accounts)):
        ids = sorted(healths)
        previous = _previous_digests(subject, ids, result.as_of)
        # A full run reads the day's own rows too, to skip rewriting identical ones; a few
        # subjects (an incremental update) just upsert theirs: one statement less.
        checked = len(ids) >= COPY_FROM
        stored = _previous_digests(subject, ids, result.as_of, same_day=True) if checked else {}
        rows: list[tuple[int, int, str, str, str]] = []
        unchanged = []
        for pk in ids:
            health = healths[pk]
            # The JSON text once: the digest hashes it and the row stores it (what the
            # database's JSON adapter would send, json.dumps of the same payload).
            text = json.dumps(_payload(health))
            digest = _digest(health.overall, health.band, text)
            if previous.get(pk) == digest:
                if pk in stored or not checked:
                    unchanged.append(pk)  # a row left on the day by an earlier run goes
                continue
            if stored.get(pk) == digest:
                continue
            rows.append((pk, health.overall, health.band, text, digest))
        for chunk in batched(unchanged, 900):
            HealthSnapshot.objects.filter(IdIn(f"{subject}_id", chunk), as_of=result.as_of).delete()
        written += _snapshots_upsert(subject, day, rows)
    return written


@dataclass
class RecomputeReport:
    as_of: dt.date
    people: int
    accounts: int
    plays: dict[str, int] = field(default_factory=dict)
    # False when the run wrote history only (a past date): plays were left as they were.
    plays_synced: bool = True


# Accounts per chunk of a full run: memory holds one chunk's people, whatever the size.
RECOMPUTE_CHUNK_ACCOUNTS = 1000


@transaction.atomic
def health_recompute(
    *,
    as_of: dt.date | None = None,
    cfg: EngineConfig | None = None,
    sync_plays: bool | None = None,
) -> RecomputeReport:
    """Everything, as of a date (today by default), using only facts up to that date.

    Runs account by account in chunks (each chunk with its current people), then the
    people with no current job, then the plays judged against peers over all accounts.
    Each step is a few set-based queries; memory is bounded by the chunk.

    Snapshots are always written. Plays are synced only when ``sync_plays`` says so, or,
    when it is None, when the date is current (``plays_are_current``): recomputing the
    past writes history and leaves today's plays alone.
    """
    today = timezone.localdate()
    as_of = as_of or today
    cfg = cfg or engine_config()
    if sync_plays is None:
        sync_plays = plays_are_current(as_of, today)
    counts: dict[str, int] = {"raised": 0, "updated": 0, "reopened": 0, "closed": 0}

    def add(more: dict[str, int]) -> None:
        for name, value in more.items():
            counts[name] = counts.get(name, 0) + value

    if connection.vendor == "postgresql":
        # A full run's statements are costed above PostgreSQL's JIT threshold, and
        # compiling them cost more than it saved: ~0.2 s of a 0.5 s summary reader per
        # chunk on the 1 M demo (EXPLAIN ANALYZE, docs/benchmarks.md, third pass). Only
        # how the statements run changes, for this transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    summary_verify()  # once for the run: the chunks then trust the summary
    # PostgreSQL: the coverage pairs of every account in one pass over the window's
    # interactions and their links; per chunk, its planner hashes the link tables whole,
    # once per chunk. SQLite reads a chunk's pairs through the account and date index and
    # the links by interaction (plans pinned), and without statistics its plan for all
    # accounts builds a temporary index of the links: it stays per chunk.
    pairs = (
        coverage_pairs(as_of, None, cfg.coverage_window_days)
        if connection.vendor == "postgresql"
        else None
    )
    people_done: set[int] = set()
    accounts = Result(as_of, {}, {}, [], {}, {}, {})
    account_ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    for chunk in batched(account_ids, RECOMPUTE_CHUNK_ACCOUNTS):
        staff = sorted({job.person_id for job in jobs_at(as_of, account_ids=chunk)})
        result = compute(
            as_of,
            cfg,
            person_ids=staff,
            account_ids=chunk,
            summary_checked=True,
            coverage_pairs=pairs,
        )
        snapshots_store(result)
        if sync_plays:
            add(
                plays_sync(
                    detect(result, cfg, peers=False),
                    as_of,
                    scope_people=set(result.people),
                    scope_accounts=set(chunk),
                    skip_kinds=PEER_KINDS,
                )
            )
        people_done.update(result.people)
        accounts.accounts.update(result.accounts)
        accounts.account_contacts.update(result.account_contacts)
        accounts.coverages.update(result.coverages)
        accounts.account_facts.update(result.account_facts)
    jobless = [pid for pid in Person.objects.values_list("pk", flat=True) if pid not in people_done]
    for chunk in batched(jobless, 10 * RECOMPUTE_CHUNK_ACCOUNTS):
        result = compute(as_of, cfg, person_ids=chunk, account_ids=[], summary_checked=True)
        snapshots_store(result)
        if sync_plays:
            add(
                plays_sync(
                    detect(result, cfg, peers=False),
                    as_of,
                    scope_people=set(chunk),
                    scope_accounts=set(),
                    skip_kinds=PEER_KINDS,
                )
            )
        people_done.update(chunk)
    if sync_plays:
        add(plays_sync(detect_peer_plays(accounts, cfg), as_of, only_kinds=PEER_KINDS))
    HealthRun.objects.update_or_create(as_of=as_of)
    return RecomputeReport(
        as_of, len(people_done), len(accounts.accounts), counts, plays_synced=sync_plays
    )


@transaction.atomic
def health_update_for(
    *,
    person_ids: Iterable[int] = (),
    account_ids: Iterable[int] = (),
    as_of: dt.date | None = None,
) -> RecomputeReport:
    """Recompute only what a new fact touches: the people, their accounts, and the
    accounts' current staff (whose weighted health makes the account's)."""
    as_of = as_of or timezone.localdate()
    cfg = engine_config()
    people = set(person_ids)
    accounts = set(account_ids) | {job.account_id for job in jobs_at(as_of, person_ids=people)}
    staff = jobs_at(as_of, account_ids=accounts)
    people |= {job.person_id for job in staff}
    result = compute(
        as_of, cfg, person_ids=sorted(people), account_ids=sorted(accounts), account_jobs=staff
    )
    snapshots_store(result)
    if not plays_are_current(as_of, timezone.localdate()):
        return RecomputeReport(as_of, len(result.people), len(result.accounts), {}, False)
    counts = plays_sync(
        detect(result, cfg, peers=False),
        as_of,
        scope_people=set(result.people),
        scope_accounts=set(result.accounts),
        skip_kinds=PEER_KINDS,
    )
    return RecomputeReport(as_of, len(result.people), len(result.accounts), counts)


def health_refresh_after_commit(
    *, person_ids: Iterable[int] = (), account_ids: Iterable[int] = ()
) -> None:
    """Queue the incremental update for when the current transaction commits."""
    people, accounts = list(person_ids), list(account_ids)
    transaction.on_commit(lambda: health_update_for(person_ids=people, account_ids=accounts))


def _play_locked(play: Play, actor: User) -> Play:
    """The play's row, locked for this transaction, after checking who acts."""
    if not actor.can_write:
        raise PermissionDenied(_("You cannot change plays."))
    return (
        Play.objects.select_for_update(of=("self",))
        .select_related("person", "account")
        .get(pk=play.pk)
    )


def _play_to_change(play: Play, actor: User) -> Play:
    """The play's row, locked for this transaction, after checking who acts and its state."""
    locked = _play_locked(play, actor)
    if locked.status in (PlayStatus.DONE, PlayStatus.DISMISSED):
        raise ValidationError(_("This play is already closed."))
    return locked


def _play_event(play: Play, kind: EventKind, actor: User, **data: object) -> None:
    event_record(
        kind=kind,
        person=play.person,
        account=play.account,
        actor=actor,
        data={"play": play.pk, "play_kind": play.kind, **data},
    )


@transaction.atomic
def play_snooze(*, play: Play, until: dt.date, actor: User, today: dt.date | None = None) -> Play:
    """Put a play aside until a date; it comes back then if the condition still holds."""
    locked = _play_to_change(play, actor)
    if until <= (today or timezone.localdate()):
        raise ValidationError({"until": _("Snooze until a later date.")})
    locked.status, locked.snoozed_until = PlayStatus.SNOOZED, until
    locked.save(update_fields=["status", "snoozed_until", "updated_at"])
    _play_event(locked, EventKind.PLAY_SNOOZED, actor, until=until.isoformat())
    return locked


@transaction.atomic
def play_done(*, play: Play, actor: User) -> Play:
    locked = _play_to_change(play, actor)
    locked.status = PlayStatus.DONE
    locked.save(update_fields=["status", "updated_at"])
    _play_event(locked, EventKind.PLAY_DONE, actor)
    return locked


@transaction.atomic
def play_dismiss(*, play: Play, reason: str, actor: User) -> Play:
    """Dismiss with a reason; the play stays dismissed until its facts change."""
    locked = _play_to_change(play, actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the play does not apply.")})
    locked.status, locked.dismissed_reason = PlayStatus.DISMISSED, reason.strip()
    locked.save(update_fields=["status", "dismissed_reason", "updated_at"])
    _play_event(locked, EventKind.PLAY_DISMISSED, actor, reason=locked.dismissed_reason)
    return locked


# What can be brought back to the agenda: put aside by the user, not closed by the engine.
REOPENABLE = (PlayStatus.SNOOZED, PlayStatus.DISMISSED)


@transaction.atomic
def play_reopen(*, play: Play, actor: User) -> Play:
    """Bring a snoozed or dismissed play back: open again, on the agenda from today.

    The timeline event keeps what it was (status, snooze date, reason for dismissing);
    the play itself forgets them.
    """
    locked = _play_locked(play, actor)
    if locked.status not in REOPENABLE:
        raise ValidationError(_("Only a snoozed or dismissed play can be brought back."))
    was = {
        "was": locked.status,
        "until": locked.snoozed_until.isoformat() if locked.snoozed_until else "",
        "reason": locked.dismissed_reason,
    }
    locked.status, locked.snoozed_until, locked.dismissed_reason = PlayStatus.OPEN, None, ""
    locked.save(update_fields=["status", "snoozed_until", "dismissed_reason", "updated_at"])
    _play_event(locked, EventKind.PLAY_REOPENED, actor, **was)
    return locked
