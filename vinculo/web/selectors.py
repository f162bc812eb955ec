"""Reads that only the pages need: timelines that merge several tables, open promises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import CharField, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from vinculo.access import rules
from vinculo.commitments.models import Commitment
from vinculo.health.models import Play, PlayKind, PlayStatus
from vinculo.interactions.models import Interaction
from vinculo.people.models import Account, Colleague, Person
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import User
from vinculo.vocab import CommitmentStatus

TIMELINE_PAGE_SIZE = 25

# The plays whose "done" is closing a promise or resolving a complaint, not a contact: the
# log form does not offer to mark them done, and a card's log link prefers another play.
FACT_PLAY_KINDS = frozenset(
    {PlayKind.PROMISE_OVERDUE, PlayKind.PROMISE_BROKEN, PlayKind.COMPLAINT_OPEN}
)

INTERACTION = "interaction"
EVENT = "event"


@dataclass
class TimelineEntry:
    at: datetime
    interaction: Interaction | None = None
    event: TimelineEvent | None = None


def _timeline_page(
    interactions: QuerySet[Interaction],
    events: QuerySet[TimelineEvent],
    page_number: str | int,
    reader: User | None,
) -> tuple[Page[tuple[str, int, datetime]], list[TimelineEntry]]:
    """Merge two streams newest first, paginated in the database.

    The UNION of (source, id, date) is counted and sliced by the database; only the rows
    of the page are then loaded, each table in one query, so the cost does not grow with
    the history. "Interaction logged" events are left out: the interaction itself is shown.
    Each interaction has ``account_readable`` and each of its people ``readable``: whether
    the ``reader`` may open them (a person's history includes their other companies'),
    in the same queries; everything when there is no reader.
    """
    heads = (
        interactions.order_by()
        .annotate(row_source=Value(INTERACTION, output_field=CharField()), at=F("started_at"))
        .values_list("row_source", "id", "at")
    )
    event_heads = (
        events.exclude(kind=EventKind.INTERACTION_LOGGED)
        .order_by()
        .annotate(row_source=Value(EVENT, output_field=CharField()), at=F("occurred_at"))
        .values_list("row_source", "id", "at")
    )
    merged = heads.union(event_heads, all=True)
    paginator: Paginator[tuple[str, int, datetime]] = Paginator(
        merged.order_by("-at", "-id"), TIMELINE_PAGE_SIZE
    )
    number = _page_number(page_number)
    rows, total = _counted_slice(merged, number)
    if not rows and number > 1:
        # Past the end: the last page, as Paginator.get_page gives (two queries more).
        page = paginator.get_page(number)
        rows = list(page.object_list)
    else:
        paginator.count = total  # the cached_property, known already
        page = paginator.page(number)
    page.object_list = rows
    interaction_ids = [row_id for source, row_id, _at in rows if source == INTERACTION]
    event_ids = [row_id for source, row_id, _at in rows if source == EVENT]
    account_ids = people_ids = None  # everything opens: no reader, or an administrator
    if reader is not None and not rules.is_admin(reader):
        account_ids = rules.readable_account_ids(reader)
        people_ids = rules.readable_people_ids(reader)
    loaded_interactions = (
        Interaction.objects.select_related("account")
        .annotate(account_readable=rules.openable("account_id", account_ids))
        .prefetch_related(
            Prefetch("people", Person.objects.annotate(readable=rules.openable("pk", people_ids))),
            "colleagues",
        )
        .in_bulk(interaction_ids)
    )
    loaded_events = TimelineEvent.objects.select_related("actor", "account", "person").in_bulk(
        event_ids
    )
    entries = [
        TimelineEntry(
            at=_at(loaded_interactions.get(row_id), loaded_events.get(row_id), source, at),
            interaction=loaded_interactions.get(row_id) if source == INTERACTION else None,
            event=loaded_events.get(row_id) if source == EVENT else None,
        )
        for source, row_id, at in rows
    ]
    return page, entries


def _page_number(raw: str | int) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


def _counted_slice(merged: QuerySet[Any], number: int) -> tuple[list[tuple[str, int, Any]], int]:
    """One page of the merged heads, newest first, and how many there are in all, in one
    query (a window count over the UNION)."""
    sql, params = merged.query.sql_with_params()
    offset = (number - 1) * TIMELINE_PAGE_SIZE
    with connections[merged.db].cursor() as cursor:
        cursor.execute(
            "SELECT row_source, id, at, COUNT(*) OVER () FROM"
            f" ({sql}) merged ORDER BY at DESC, id DESC LIMIT %s OFFSET %s",
            [*params, TIMELINE_PAGE_SIZE, offset],
        )
        fetched = cursor.fetchall()
    total = fetched[0][3] if fetched else 0
    return [(source, row_id, at) for source, row_id, at, _n in fetched], total


def _at(interaction: Interaction | None, event: TimelineEvent | None, source: str, raw: Any) -> Any:
    """The entry's moment from its row (a raw cursor gives SQLite's text, not a datetime)."""
    if source == INTERACTION and interaction is not None:
        return interaction.started_at
    if source == EVENT and event is not None:
        return event.occurred_at
    return raw


def person_timeline(
    *, person: Person, page: str | int = 1, reader: User | None = None
) -> tuple[Page[tuple[str, int, datetime]], list[TimelineEntry]]:
    return _timeline_page(
        Interaction.objects.filter(person_links__person=person),
        TimelineEvent.objects.filter(person=person),
        page,
        reader,
    )


def account_timeline(
    *, account: Account, page: str | int = 1, reader: User | None = None
) -> tuple[Page[tuple[str, int, datetime]], list[TimelineEntry]]:
    return _timeline_page(
        Interaction.objects.filter(account=account),
        TimelineEvent.objects.filter(account=account),
        page,
        reader,
    )


def open_commitments(
    *, person: Person | None = None, account: Account | None = None
) -> list[Commitment]:
    """Promises not yet closed, soonest due first (undated last)."""
    where = Q()
    if person is not None:
        where &= Q(person=person)
    if account is not None:
        where &= Q(account=account)
    return list(
        Commitment.objects.filter(where, status=CommitmentStatus.OPEN)
        .select_related("colleague", "person")
        .order_by(F("due").asc(nulls_last=True), "id")
    )


def colleague_choices(
    *, query: str = "", ids: list[int] | None = None, exclude: list[int] | None = None
) -> list[Colleague]:
    """Our side's picker: colleagues by name or email (at most 20), or those ``ids``."""
    colleagues = Colleague.objects.exclude(pk__in=exclude or []).order_by("name", "pk")
    if ids is not None:
        return list(colleagues.filter(pk__in=ids)) if ids else []
    query = query.strip()
    if query:
        colleagues = colleagues.filter(Q(name__icontains=query) | Q(email__icontains=query))
    return list(colleagues[:20])


# How many put-aside plays the page lists of each kind (the count says how many there are).
ASIDE_SHOWN = 100


def _put_aside(plays: QuerySet[Play], today: date) -> tuple[QuerySet[Play], QuerySet[Play]]:
    """(snoozed, dismissed) of these plays: snoozed past today (an earlier date is back on
    the agenda already); dismissed and not followed by a newer play about the same thing
    (a change of facts raises a new one, which the agenda shows)."""

    def keyed(plays: QuerySet[Play]) -> QuerySet[Play]:
        return plays.annotate(
            person_key=Coalesce("person_id", Value(0)),
            account_key=Coalesce("account_id", Value(0)),
        )

    same_subject = {
        "kind": OuterRef("kind"),
        "person_key": OuterRef("person_key"),
        "account_key": OuterRef("account_key"),
        "pk__gt": OuterRef("pk"),
    }
    newer = keyed(Play.objects.all()).filter(**same_subject)
    snoozed = plays.filter(status=PlayStatus.SNOOZED, snoozed_until__gt=today)
    dismissed = keyed(plays.filter(status=PlayStatus.DISMISSED)).filter(~Exists(newer))
    return snoozed, dismissed


def put_aside_counts(plays: QuerySet[Play], today: date) -> tuple[int, int]:
    """How many plays are snoozed and dismissed (one query)."""
    snoozed, dismissed = _put_aside(plays, today)
    counts = plays.aggregate(
        snoozed=Count("pk", filter=Q(pk__in=snoozed.values("pk"))),
        dismissed=Count("pk", filter=Q(pk__in=dismissed.values("pk"))),
    )
    return counts["snoozed"], counts["dismissed"]


def put_aside(plays: QuerySet[Play], today: date) -> tuple[list[Play], list[Play]]:
    """The snoozed (soonest back first) and dismissed (latest first) plays, with their
    person and account (two queries)."""
    snoozed, dismissed = _put_aside(plays, today)
    related = ("person", "account")
    return (
        list(snoozed.select_related(*related).order_by("snoozed_until", "pk")[:ASIDE_SHOWN]),
        list(dismissed.select_related(*related).order_by("-updated_at", "-pk")[:ASIDE_SHOWN]),
    )
