"""Reads that only the pages need: timelines that merge several tables, open promises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import CharField, F, Q, QuerySet, Value

from vinculo.commitments.models import Commitment
from vinculo.interactions.models import Interaction
from vinculo.people.models import Account, Person
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.vocab import CommitmentStatus

TIMELINE_PAGE_SIZE = 25

INTERACTION = "interaction"
EVENT = "event"


@dataclass
class TimelineEntry:
    at: datetime
    interaction: Interaction | None = None
    event: TimelineEvent | None = None


def _timeline_page(
    interactions: QuerySet[Interaction], events: QuerySet[TimelineEvent], page_number: str | int
) -> tuple[Page[tuple[str, int, datetime]], list[TimelineEntry]]:
    """Merge two streams newest first, paginated in the database.

    The UNION of (source, id, date) is counted and sliced by the database; only the rows
    of the page are then loaded, each table in one query, so the cost does not grow with
    the history. "Interaction logged" events are left out: the interaction itself is shown.
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
    merged = heads.union(event_heads, all=True).order_by("-at", "-id")
    page = Paginator(merged, TIMELINE_PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    interaction_ids = [row_id for source, row_id, _at in rows if source == INTERACTION]
    event_ids = [row_id for source, row_id, _at in rows if source == EVENT]
    loaded_interactions = (
        Interaction.objects.select_related("account")
        .prefetch_related("people", "colleagues")
        .in_bulk(interaction_ids)
    )
    loaded_events = TimelineEvent.objects.select_related("actor", "account", "person").in_bulk(
        event_ids
    )
    entries = [
        TimelineEntry(
            at=at,
            interaction=loaded_interactions.get(row_id) if source == INTERACTION else None,
            event=loaded_events.get(row_id) if source == EVENT else None,
        )
        for source, row_id, at in rows
    ]
    return page, entries


def person_timeline(
    *, person: Person, page: str | int = 1
) -> tuple[Page[tuple[str, int, datetime]], list[TimelineEntry]]:
    return _timeline_page(
        Interaction.objects.filter(person_links__person=person),
        TimelineEvent.objects.filter(person=person),
        page,
    )


def account_timeline(
    *, account: Account, page: str | int = 1
) -> tuple[Page[tuple[str, int, datetime]], list[TimelineEntry]]:
    return _timeline_page(
        Interaction.objects.filter(account=account),
        TimelineEvent.objects.filter(account=account),
        page,
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
