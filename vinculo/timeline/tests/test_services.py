"""Timeline events as the services write them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from vinculo.factories import AccountFactory, PersonFactory
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.timeline.services import event_record
from vinculo.users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_an_event_keeps_its_subject_actor_and_plain_data(owner: User) -> None:
    person, account = PersonFactory(), AccountFactory()
    data = {"text": "Reunión", "date": "2024-03-01"}

    event = event_record(
        kind=EventKind.INTERACTION_LOGGED, person=person, account=account, actor=owner, data=data
    )
    data["text"] = "changed afterwards"

    event.refresh_from_db()
    assert (event.person, event.account, event.actor) == (person, account, owner)
    assert event.data == {"text": "Reunión", "date": "2024-03-01"}
    assert event.detail == "Reunión"


def test_an_anonymous_actor_is_not_recorded() -> None:
    event = event_record(
        kind=EventKind.PERSON_CREATED,
        person=PersonFactory(),
        actor=AnonymousUser(),  # type: ignore[arg-type]
    )
    assert event.actor is None


def test_when_defaults_to_now_and_can_be_given() -> None:
    before = timezone.now()
    now_event = event_record(kind=EventKind.PERSON_CREATED, person=PersonFactory())
    then = dt.datetime(2020, 1, 1, 9, tzinfo=dt.UTC)
    past_event = event_record(
        kind=EventKind.PERSON_CREATED, person=PersonFactory(), occurred_at=then
    )

    assert before <= now_event.occurred_at <= timezone.now()
    assert past_event.occurred_at == then
    # Newest first, as the timeline is read
    assert list(TimelineEvent.objects.all()) == [now_event, past_event]
