"""play_reopen: a snoozed or dismissed play brought back to the agenda (branch journeys13)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from vinculo.factories import UserFactory
from vinculo.health.agenda import agenda_for
from vinculo.health.models import Play, PlayKind, PlayStatus
from vinculo.health.services import (
    health_recompute,
    play_dismiss,
    play_done,
    play_reopen,
    play_snooze,
)
from vinculo.health.tests.stories import AS_OF
from vinculo.health.tests.test_lifecycle import overdue_story
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import Role


@pytest.fixture
def open_play(db: None) -> Play:
    overdue_story()
    health_recompute(as_of=AS_OF)
    return Play.objects.get(kind=PlayKind.CADENCE_OVERDUE)


def test_a_dismissed_play_comes_back_open_and_the_event_keeps_why(open_play: Play) -> None:
    user = UserFactory()
    play_dismiss(play=open_play, reason="De baja", actor=user)

    play = play_reopen(play=open_play, actor=user)

    stored = Play.objects.get(pk=open_play.pk)
    assert (play.status, stored.status) == (PlayStatus.OPEN, PlayStatus.OPEN)
    assert (stored.dismissed_reason, stored.snoozed_until) == ("", None)
    [event] = TimelineEvent.objects.filter(kind=EventKind.PLAY_REOPENED)
    assert (event.person_id, event.actor_id, event.data) == (
        open_play.person_id,
        user.pk,
        {
            "play": open_play.pk,
            "play_kind": "cadence_overdue",
            "was": "dismissed",
            "until": "",
            "reason": "De baja",
        },
    )


def test_a_snoozed_play_comes_back_before_its_date(open_play: Play) -> None:
    user = UserFactory(role=Role.ADMIN)  # reads everyone: the agenda shows all their plays
    open_play.owner = user
    open_play.save(update_fields=["owner"])
    play_snooze(play=open_play, until=AS_OF + dt.timedelta(days=7), actor=user, today=AS_OF)
    before = [pk for item in agenda_for(day=AS_OF, user=user).items for pk in item.plays]
    assert open_play.pk not in before

    play_reopen(play=open_play, actor=user)

    assert Play.objects.get(pk=open_play.pk).snoozed_until is None
    event = TimelineEvent.objects.get(kind=EventKind.PLAY_REOPENED)
    assert (event.data["was"], event.data["until"]) == ("snoozed", "2026-07-07")
    plays = [pk for item in agenda_for(day=AS_OF, user=user).items for pk in item.plays]
    assert open_play.pk in plays


def test_an_open_or_done_play_cannot_be_brought_back(open_play: Play) -> None:
    user = UserFactory()
    with translation.override("es"), pytest.raises(ValidationError) as error:
        play_reopen(play=open_play, actor=user)
    assert error.value.messages == ["Solo se puede recuperar una alerta pospuesta o descartada."]
    play_done(play=open_play, actor=user)
    with pytest.raises(ValidationError):
        play_reopen(play=open_play, actor=user)
    assert Play.objects.get(pk=open_play.pk).status == PlayStatus.DONE
    assert not TimelineEvent.objects.filter(kind=EventKind.PLAY_REOPENED).exists()


def test_a_viewer_cannot_bring_a_play_back(open_play: Play) -> None:
    play_dismiss(play=open_play, reason="no", actor=UserFactory())
    with pytest.raises(PermissionDenied):
        play_reopen(play=open_play, actor=UserFactory(role=Role.VIEWER))
    assert Play.objects.get(pk=open_play.pk).status == PlayStatus.DISMISSED
