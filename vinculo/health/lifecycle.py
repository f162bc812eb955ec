"""The plays' lifecycle (M21): candidates become stored plays, with these rules:
- a play is not raised again while the same condition holds (one row per kind and subject);
- a dismissed or done play stays so until its facts change (its fingerprint);
- a snoozed play comes back when its date has passed;
- an open play whose condition no longer holds is closed as done;
- every play has an owner: the account's owner, else the person's owner, else the manager
  of that owner's team, else an administrator.

Plays are the current life of the relationships; history is in the snapshots. Only a run
as of the newest date (``plays_are_current``) syncs plays: a past date never opens or
closes today's plays.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from vinculo.bulk import copy_rows, db_converter
from vinculo.health.ids import IdIn
from vinculo.health.models import HealthRun, HealthSnapshot, Play, PlayStatus
from vinculo.health.plays import Candidate
from vinculo.health.readers import Owner, Owners, owners_of

# A play to create: (kind, person id, account id, fingerprint, facts, owner id, due).
NewPlay = tuple[str, int | None, int | None, str, dict[str, Any], int | None, dt.date]


def plays_are_current(as_of: dt.date, today: dt.date) -> bool:
    """A run as of ``as_of`` may open and close plays: it is today (or later), or no
    snapshot is stored for a later date (it is the newest view there is)."""
    if as_of >= today:
        return True
    return (
        not HealthRun.objects.filter(as_of__gt=as_of).exists()
        and not HealthSnapshot.objects.filter(as_of__gt=as_of).exists()
    )


def play_owner(person_id: int | None, account_id: int | None, owners: Owners) -> int | None:
    """The account's owner, else the person's owner, else the manager of the first of
    their teams that has one, else an administrator: nobody's play is left unowned."""
    found: list[Owner] = []
    if account_id is not None and account_id in owners.accounts:
        found.append(owners.accounts[account_id])
    if person_id is not None and person_id in owners.people:
        found.append(owners.people[person_id])
    for owner in found:
        if owner.user_id is not None:
            return owner.user_id
    for owner in found:
        if owner.team_id is not None and owner.team_id in owners.team_managers:
            return owners.team_managers[owner.team_id]
    return owners.admin_id


@transaction.atomic
def plays_sync(
    candidates: list[Candidate],
    as_of: dt.date,
    *,
    scope_people: set[int] | None = None,
    scope_accounts: set[int] | None = None,
    skip_kinds: Iterable[str] = (),
    only_kinds: Iterable[str] | None = None,
) -> dict[str, int]:
    """Store candidates as plays with the lifecycle rules; returns counts of what changed.

    Plays of subjects outside the scope (incremental runs, chunks of a full run) are left
    alone; in a scoped run an open play is closed only when its own subject is in scope
    (the person, or the account for an account's play).
    """
    existing: dict[tuple[str, int | None, int | None], Play] = {}
    qs = Play.objects.exclude(kind__in=list(skip_kinds))
    if only_kinds is not None:
        qs = qs.filter(kind__in=list(only_kinds))
    if scope_people is not None or scope_accounts is not None:
        qs = qs.filter(
            Q(IdIn("person_id", scope_people or ())) | Q(IdIn("account_id", scope_accounts or ()))
        )
    for row in qs.order_by("id"):
        existing[(row.kind, row.person_id, row.account_id)] = row  # newest row wins
    owners = owners_of(
        {c.person_id for c in candidates if c.person_id is not None},
        {c.account_id for c in candidates if c.account_id is not None},
    )
    seen = set()
    counts = {"raised": 0, "updated": 0, "reopened": 0, "closed": 0}
    to_create: list[NewPlay] = []
    to_update: list[Play] = []
    scoped = scope_people is not None or scope_accounts is not None
    for cand in candidates:
        key = cand.subject_key
        if key in seen:
            continue
        if scoped and not (
            cand.person_id in (scope_people or set())
            or cand.account_id in (scope_accounts or set())
        ):
            continue  # about someone outside this run: their own run handles it
        seen.add(key)
        play = existing.get(key)
        if play is None or (
            play.status in (PlayStatus.DONE, PlayStatus.DISMISSED)
            and play.fingerprint != cand.fingerprint
        ):
            # A plain tuple, not a Play: a first full run creates ~20,000 of them, and a
            # model instance per row cost about a second (``_create`` builds Plays only
            # for the few rows that go through ``bulk_create``).
            to_create.append(
                (
                    cand.kind,
                    cand.person_id,
                    cand.account_id,
                    cand.fingerprint,
                    cand.facts,
                    play_owner(cand.person_id, cand.account_id, owners),
                    cand.due,
                )
            )
            counts["raised"] += 1
            continue
        if play.status in (PlayStatus.DONE, PlayStatus.DISMISSED):
            continue  # same facts: stays as the user left it
        reopened = (
            play.status == PlayStatus.SNOOZED
            and play.snoozed_until is not None
            and play.snoozed_until <= as_of
        )
        if reopened:
            play.status = PlayStatus.OPEN
            play.snoozed_until = None
            counts["reopened"] += 1
        owner_id = play_owner(cand.person_id, cand.account_id, owners)
        current = (cand.facts, cand.fingerprint, owner_id)
        if not reopened and (play.facts, play.fingerprint, play.owner_id) == current:
            continue  # nothing new: no write
        play.facts, play.fingerprint, play.owner_id = current
        to_update.append(play)
        counts["updated"] += 1

    def own_subject_in_scope(play: Play) -> bool:
        if not scoped:
            return True
        if play.person_id is not None:
            return play.person_id in (scope_people or set())
        return play.account_id in (scope_accounts or set())

    for key, stale in existing.items():
        if (
            key not in seen
            and stale.status in (PlayStatus.OPEN, PlayStatus.SNOOZED)
            and own_subject_in_scope(stale)
        ):
            stale.status = PlayStatus.DONE
            to_update.append(stale)
            counts["closed"] += 1
    _create(to_create, as_of)
    Play.objects.bulk_update(
        to_update,
        ["facts", "fingerprint", "owner", "status", "snoozed_until"],
        batch_size=1000,
    )
    return counts


# From this many new plays, they are written as plain rows (COPY on PostgreSQL, an
# executemany on SQLite): ``bulk_create`` prepares every value of every object through the
# fields and, on PostgreSQL, sends statements with thousands of placeholders, whose
# parsing in the driver cost more than the database's work (3-5 s for the first full run
# of the 2,000-account demo).
COPY_FROM = 500


def _create(plays: list[NewPlay], as_of: dt.date) -> None:
    """Insert new open plays raised on ``as_of``: (kind, person, account, fingerprint,
    facts, owner, due) each."""
    if len(plays) < COPY_FROM:
        Play.objects.bulk_create(
            [
                Play(
                    kind=kind,
                    person_id=person_id,
                    account_id=account_id,
                    fingerprint=fingerprint,
                    facts=facts,
                    owner_id=owner_id,
                    due=due,
                    raised_on=as_of,
                )
                for kind, person_id, account_id, fingerprint, facts, owner_id, due in plays
            ],
            batch_size=1000,
        )
        return
    # What auto_now gives each row of bulk_create, as the database stores it; the other
    # columns get the model's defaults (open, not snoozed, no reason).
    now = db_converter(Play, "updated_at")(timezone.now())
    day = db_converter(Play, "raised_on")
    raised_on = day(as_of)
    fields = [
        "kind", "person", "account", "fingerprint", "facts", "owner", "status", "due",
        "snoozed_until", "dismissed_reason", "raised_on", "updated_at",
    ]  # fmt: skip
    copy_rows(
        Play,
        fields,
        (
            (
                kind,
                person_id,
                account_id,
                fingerprint,
                json.dumps(facts),
                owner_id,
                PlayStatus.OPEN.value,
                day(due),
                None,
                "",
                raised_on,
                now,
            )
            for kind, person_id, account_id, fingerprint, facts, owner_id, due in plays
        ),
    )
