"""Health, plays, the agenda and insights over the API (v1): reads, and the plays'
lifecycle (snooze, done, dismiss) through ``health.services``."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from vinculo.access import rules
from vinculo.apikit import Day, Id, LongText, PageParams, cursor_page, orders, page_of
from vinculo.health.agenda import agenda_for
from vinculo.health.insights import insights
from vinculo.health.models import Band, HealthSnapshot, Play, PlayKind, PlayStatus
from vinculo.health.services import engine_config, play_dismiss, play_done, play_snooze
from vinculo.health.words import reason_and_action
from vinculo.users.api import api_user, require_writer
from vinculo.users.models import User

router = Router(tags=["health"])


class PlayOut(Schema):
    """A play with its reason and action worded in the language of the request."""

    id: int
    kind: PlayKind
    person_id: int | None
    account_id: int | None
    facts: dict[str, Any]
    reason: str
    action: str
    status: PlayStatus
    owner_id: int | None
    raised_on: dt.date
    due: dt.date | None
    snoozed_until: dt.date | None

    @staticmethod
    def resolve_reason(play: Play) -> str:
        return reason_and_action(play.kind, play.facts)[0]

    @staticmethod
    def resolve_action(play: Play) -> str:
        return reason_and_action(play.kind, play.facts)[1]


class SnapshotOut(Schema):
    id: int
    as_of: dt.date
    person_id: int | None
    account_id: int | None
    overall: int
    band: Band
    components: dict[str, Any]


class SnoozeIn(Schema):
    until: Day


class DismissIn(Schema):
    reason: LongText = Field(min_length=1)


class AgendaReason(Schema):
    kind: str
    text: str


class AgendaItemOut(Schema):
    person: str | int | None
    account: str | int | None
    priority: int = Field(ge=0, le=100)
    channel: str | None
    reasons: list[AgendaReason]
    action: str
    plays: list[int]


class AgendaOut(Schema):
    """exchange.md section 5."""

    date: dt.date
    for_: str = Field(alias="for")
    today: list[AgendaItemOut]
    later: list[AgendaItemOut]


def _etag(response: HttpResponse, play: Play) -> None:
    response["ETag"] = f'"p{int(play.updated_at.timestamp() * 1_000_000)}"'


# -- health snapshots ------------------------------------------------------------------------

SNAPSHOT_ORDERS = orders("as_of", "id")
SnapshotOrdering = Enum("SnapshotOrdering", {k: k for k in SNAPSHOT_ORDERS}, type=str)  # type: ignore[misc]


class SnapshotFilters(Schema):
    person_id: Id | None = None
    account_id: Id | None = None
    as_of: Day | None = Field(None, description="Only the snapshots of this day.")
    since: Day | None = None
    until: Day | None = None
    ordering: SnapshotOrdering = SnapshotOrdering("-as_of")


@router.get("/health-snapshots", response=page_of(SnapshotOut))
def snapshot_list(
    request: HttpRequest, filters: Query[SnapshotFilters], page: Query[PageParams]
) -> dict[str, Any]:
    rows = rules.scoped(api_user(request), HealthSnapshot.objects.all())
    if filters.person_id is not None:
        rows = rows.filter(person_id=filters.person_id)
    if filters.account_id is not None:
        rows = rows.filter(account_id=filters.account_id)
    if filters.as_of is not None:
        rows = rows.filter(as_of=filters.as_of)
    if filters.since is not None:
        rows = rows.filter(as_of__gte=filters.since)
    if filters.until is not None:
        rows = rows.filter(as_of__lte=filters.until)
    return cursor_page(
        rows,
        order=SNAPSHOT_ORDERS[filters.ordering.value],
        name="health-snapshots",
        cursor=page.cursor,
        limit=page.limit,
    )


@router.get("/health-snapshots/{snapshot_id}", response=SnapshotOut)
def snapshot_detail(request: HttpRequest, snapshot_id: Id) -> HealthSnapshot:
    return get_object_or_404(
        rules.scoped(api_user(request), HealthSnapshot.objects.all()), pk=snapshot_id
    )


class AsOf(Schema):
    as_of: Day | None = Field(
        None, description="The latest health on or before; today if left out."
    )


@router.get("/people/{person_id}/health", response=SnapshotOut)
def person_health(request: HttpRequest, person_id: Id, query: Query[AsOf]) -> HealthSnapshot:
    """A person's health as of a date: the latest snapshot on or before it."""
    person = rules.person_for(api_user(request), person_id)
    day = query.as_of or timezone.localdate()
    return get_object_or_404(
        HealthSnapshot.objects.filter(person=person, as_of__lte=day).order_by("-as_of")[:1]
    )


@router.get("/accounts/{account_id}/health", response=SnapshotOut)
def account_health(request: HttpRequest, account_id: Id, query: Query[AsOf]) -> HealthSnapshot:
    """An account's health as of a date: the latest snapshot on or before it."""
    account = rules.account_for(api_user(request), account_id)
    day = query.as_of or timezone.localdate()
    return get_object_or_404(
        HealthSnapshot.objects.filter(account=account, as_of__lte=day).order_by("-as_of")[:1]
    )


# -- plays -----------------------------------------------------------------------------------

PLAY_ORDERS = orders("raised_on", "id")
PlayOrdering = Enum("PlayOrdering", {k: k for k in PLAY_ORDERS}, type=str)  # type: ignore[misc]


class PlayFilters(Schema):
    person_id: Id | None = None
    account_id: Id | None = None
    kind: PlayKind | None = None
    status: PlayStatus | None = None
    mine: bool = Field(False, description="Only the plays the caller owns.")
    ordering: PlayOrdering = PlayOrdering("-raised_on")


@router.get("/plays", response=page_of(PlayOut))
def play_list(
    request: HttpRequest, filters: Query[PlayFilters], page: Query[PageParams]
) -> dict[str, Any]:
    user = api_user(request)
    rows = rules.scoped(user, Play.objects.all())
    if filters.person_id is not None:
        rows = rows.filter(person_id=filters.person_id)
    if filters.account_id is not None:
        rows = rows.filter(account_id=filters.account_id)
    if filters.kind is not None:
        rows = rows.filter(kind=filters.kind)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.mine:
        rows = rows.filter(owner=user)
    return cursor_page(
        rows,
        order=PLAY_ORDERS[filters.ordering.value],
        name="plays",
        cursor=page.cursor,
        limit=page.limit,
    )


@router.get("/plays/{play_id}", response=PlayOut)
def play_detail(request: HttpRequest, play_id: Id, response: HttpResponse) -> Play:
    play = get_object_or_404(rules.scoped(api_user(request), Play.objects.all()), pk=play_id)
    _etag(response, play)
    return play


def _my_play(request: HttpRequest, play_id: int) -> tuple[User, Play]:
    """Only the play's owner acts on it; anyone else's play is not found."""
    user = require_writer(request)
    return user, get_object_or_404(rules.scoped(user, Play.objects.all()), pk=play_id, owner=user)


@router.post("/plays/{play_id}/snooze", response=PlayOut)
def play_snooze_view(
    request: HttpRequest, play_id: Id, payload: SnoozeIn, response: HttpResponse
) -> Play:
    user, play = _my_play(request, play_id)
    play = play_snooze(play=play, until=payload.until, actor=user)
    _etag(response, play)
    return play


@router.post("/plays/{play_id}/done", response=PlayOut)
def play_done_view(request: HttpRequest, play_id: Id, response: HttpResponse) -> Play:
    user, play = _my_play(request, play_id)
    play = play_done(play=play, actor=user)
    _etag(response, play)
    return play


@router.post("/plays/{play_id}/dismiss", response=PlayOut)
def play_dismiss_view(
    request: HttpRequest, play_id: Id, payload: DismissIn, response: HttpResponse
) -> Play:
    user, play = _my_play(request, play_id)
    play = play_dismiss(play=play, reason=payload.reason, actor=user)
    _etag(response, play)
    return play


# -- agenda and insights ---------------------------------------------------------------------


class AgendaQuery(Schema):
    date: Day | None = Field(None, description="Today if left out.")


class InsightsQuery(Schema):
    as_of: Day | None = Field(None, description="Today if left out.")


@router.get("/insights", response=dict[str, Any])
def insights_view(request: HttpRequest, query: Query[InsightsQuery]) -> dict[str, Any]:
    """What the system concludes at a date, from facts dated on or before it
    (exchange.md section 2); in the language of the request."""
    user = api_user(request)
    # As the web reports: never a viewer; everyone else sees only the accounts they may read.
    if not rules.can_read_reports(user):
        raise HttpError(403, _("Your role cannot read the reports."))
    return insights(query.as_of or timezone.localdate(), engine_config(), user=user)


@router.get("/agenda", response=AgendaOut, by_alias=True)
def agenda_view(request: HttpRequest, query: Query[AgendaQuery]) -> dict[str, Any]:
    """The caller's morning agenda as of a date (exchange.md section 5), in the language of
    the request: the same items, in the same order, as the agenda page."""
    return agenda_for(day=query.date or timezone.localdate(), user=api_user(request)).as_json()
