"""Insights, the agenda and the plays over the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from vinculo.health.agenda import agenda_for
from vinculo.health.insights import insights
from vinculo.health.models import Play
from vinculo.health.services import engine_config, play_dismiss, play_done, play_snooze
from vinculo.health.words import reason_and_action
from vinculo.users.api import api_user, require_writer
from vinculo.users.models import User

router = Router(tags=["health"])


class PlayOut(Schema):
    """A play with its reason and action worded in the language of the request."""

    id: int
    kind: str
    person_id: int | None
    account_id: int | None
    facts: dict[str, Any]
    reason: str
    action: str
    status: str
    due: dt.date | None
    snoozed_until: dt.date | None

    @staticmethod
    def resolve_reason(play: Play) -> str:
        return reason_and_action(play.kind, play.facts)[0]

    @staticmethod
    def resolve_action(play: Play) -> str:
        return reason_and_action(play.kind, play.facts)[1]


class SnoozeIn(Schema):
    until: dt.date


class DismissIn(Schema):
    reason: str


@router.get("/insights")
def insights_view(request: HttpRequest, as_of: dt.date | None = None) -> dict[str, Any]:
    """What the system concludes at a date, from facts dated on or before it
    (exchange.md section 2); in the language of the request."""
    return insights(as_of or timezone.localdate(), engine_config())


@router.get("/agenda")
def agenda_view(request: HttpRequest, date: dt.date | None = None) -> dict[str, Any]:
    """The user's morning agenda as of a date (exchange.md section 5), in the language of
    the request: the same items, in the same order, as the agenda page."""
    return agenda_for(day=date or timezone.localdate(), user=api_user(request)).as_json()


def _my_play(request: HttpRequest, play_id: int) -> tuple[User, Play]:
    user = require_writer(request)
    return user, get_object_or_404(Play, pk=play_id, owner=user)


@router.post("/plays/{play_id}/snooze", response=PlayOut)
def play_snooze_view(request: HttpRequest, play_id: int, payload: SnoozeIn) -> Play:
    user, play = _my_play(request, play_id)
    return play_snooze(play=play, until=payload.until, actor=user)


@router.post("/plays/{play_id}/done", response=PlayOut)
def play_done_view(request: HttpRequest, play_id: int) -> Play:
    user, play = _my_play(request, play_id)
    return play_done(play=play, actor=user)


@router.post("/plays/{play_id}/dismiss", response=PlayOut)
def play_dismiss_view(request: HttpRequest, play_id: int, payload: DismissIn) -> Play:
    user, play = _my_play(request, play_id)
    return play_dismiss(play=play, reason=payload.reason, actor=user)
