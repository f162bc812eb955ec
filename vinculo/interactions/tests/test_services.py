"""Logging interactions: both sides, the account at the date, validation."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vinculo.factories import (
    AccountFactory,
    ColleagueFactory,
    EmploymentFactory,
    InteractionFactory,
    PersonFactory,
)
from vinculo.interactions.models import Interaction, InteractionColleague, InteractionPerson
from vinculo.interactions.services import interaction_log, interactions_assign_accounts
from vinculo.people.models import Account, Person
from vinculo.people.services import person_change_employment
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MADRID = ZoneInfo("Europe/Madrid")

CHANNELS = "meeting, call, video, email, meal, event, message"


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=MADRID)


@pytest.fixture
def ana_moved() -> tuple[Person, Account, Account]:
    """Ana worked at Acme from an unknown date and moved to Globex on 1 June 2024."""
    ana = PersonFactory(name="Ana")
    acme, globex = AccountFactory(name="Acme"), AccountFactory(name="Globex")
    EmploymentFactory(person=ana, account=acme, start=None)
    person_change_employment(person=ana, new_account=globex, on=dt.date(2024, 6, 1))
    TimelineEvent.objects.all().delete()
    return ana, acme, globex


def test_both_sides_are_linked_and_each_person_gets_an_event(owner: User) -> None:
    # Given two people at Acme and two of our colleagues
    acme = AccountFactory()
    ana, bea = PersonFactory(), PersonFactory()
    EmploymentFactory(person=ana, account=acme)
    EmploymentFactory(person=bea, account=acme)
    luis, marta = ColleagueFactory(), ColleagueFactory()

    # When a meeting with all of them is logged (Ana listed twice by mistake)
    interaction = interaction_log(
        started_at=at(dt.date(2024, 3, 4)),
        channel="meeting",
        people=[ana, bea, ana],
        colleagues=[luis, marta],
        duration_min=45,
        level="strategic",
        summary="Plan anual",
        actor=owner,
    )

    # Then both sides are linked once each, the account is Acme, and the timeline says so
    assert set(interaction.people.all()) == {ana, bea}
    assert set(interaction.colleagues.all()) == {luis, marta}
    assert InteractionPerson.objects.count() == 2
    assert interaction.account == acme
    assert interaction.created_by == owner
    events = TimelineEvent.objects.filter(kind=EventKind.INTERACTION_LOGGED)
    assert sorted(events.values_list("person_id", flat=True)) == sorted([ana.pk, bea.pk])
    assert set(events.values_list("account_id", flat=True)) == {acme.pk}
    assert events.first().occurred_at == at(dt.date(2024, 3, 4))  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2024, 5, 31), "Acme"),  # her last day at Acme
        (dt.date(2024, 6, 1), "Globex"),  # her first day at Globex
        (dt.date(2025, 1, 15), "Globex"),
    ],
)
def test_the_account_is_the_one_she_worked_at_on_that_date(
    ana_moved: tuple[Person, Account, Account], day: dt.date, expected: str
) -> None:
    ana, _acme, _globex = ana_moved

    interaction = interaction_log(started_at=at(day), channel="call", people=[ana])

    assert interaction.account is not None
    assert interaction.account.name == expected
    event = TimelineEvent.objects.get(person=ana)
    assert event.account == interaction.account


def test_the_date_is_taken_in_local_time() -> None:
    # 23:30 UTC on 31 May is already 1 June in Madrid, where Ana works at Globex
    ana = PersonFactory()
    acme, globex = AccountFactory(name="Acme"), AccountFactory(name="Globex")
    EmploymentFactory(person=ana, account=acme, start=dt.date(2020, 1, 1))
    person_change_employment(person=ana, new_account=globex, on=dt.date(2024, 6, 1))

    interaction = interaction_log(
        started_at=dt.datetime(2024, 5, 31, 23, 30, tzinfo=dt.UTC), channel="call", people=[ana]
    )

    assert interaction.account == globex


def test_with_people_of_two_accounts_the_first_listed_decides() -> None:
    ana, bea = PersonFactory(), PersonFactory()
    acme, globex = AccountFactory(), AccountFactory()
    EmploymentFactory(person=ana, account=acme)
    EmploymentFactory(person=bea, account=globex)

    first = interaction_log(started_at=at(dt.date(2024, 3, 1)), channel="call", people=[bea, ana])

    assert first.account == globex


def test_a_person_without_a_job_at_that_date_gives_no_account() -> None:
    ana = PersonFactory()
    EmploymentFactory(person=ana, start=dt.date(2024, 1, 1))

    interaction = interaction_log(
        started_at=at(dt.date(2023, 12, 31)), channel="email", people=[ana]
    )

    assert interaction.account is None


def test_assigning_accounts_again_is_set_based(
    ana_moved: tuple[Person, Account, Account], django_assert_num_queries: object
) -> None:
    # Given interactions imported without an account
    ana, acme, globex = ana_moved
    before = InteractionFactory(started_at=at(dt.date(2024, 1, 10)))
    after = InteractionFactory(started_at=at(dt.date(2024, 7, 10)))
    for interaction in (before, after):
        InteractionPerson.objects.create(interaction=interaction, person=ana)

    # When accounts are assigned, in one statement
    with django_assert_num_queries(1):  # type: ignore[operator]
        updated = interactions_assign_accounts(Interaction.objects.all())

    # Then each goes to the account of its date
    assert updated == 2
    before.refresh_from_db()
    after.refresh_from_db()
    assert (before.account, after.account) == (acme, globex)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"people": []}, "people", "Choose at least one person from the client's side."),
        ({"channel": "pigeon"}, "channel", f"“pigeon” is not one of: {CHANNELS}."),
        ({"duration_min": -1}, "duration_min", "The duration cannot be negative."),
        ({"direction": "sideways"}, "direction", "“sideways” is not one of: outbound, inbound."),
        ({"channel": ""}, "channel", "Choose a channel."),
        ({"direction": ""}, "direction", "Choose who started the contact."),
        (
            {"level": "cosmic"},
            "level",
            "“cosmic” is not one of: operational, strategic, satisfaction, personal.",
        ),
    ],
)
def test_invalid_interactions_are_refused_and_nothing_is_written(
    changes: dict[str, object], field: str, message: str
) -> None:
    # Given a valid interaction but for one thing
    ana, luis = PersonFactory(), ColleagueFactory()
    arguments: dict[str, object] = {
        "started_at": at(dt.date(2024, 3, 1)),
        "channel": "call",
        "people": [ana],
        "colleagues": [luis],
        "duration_min": 10,
    }
    arguments.update(changes)

    # When it is logged
    with pytest.raises(ValidationError) as error:
        interaction_log(**arguments)  # type: ignore[arg-type]

    # Then the message names the field, and nothing at all was written
    assert error.value.message_dict == {field: [message]}
    assert not Interaction.objects.exists()
    assert not InteractionPerson.objects.exists()
    assert not InteractionColleague.objects.exists()
    assert not TimelineEvent.objects.exists()


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(ValidationError) as error:
        interaction_log(started_at=at(dt.date(2024, 3, 1)), channel="", people=[], duration_min=-5)
    assert set(error.value.message_dict) == {"channel", "people", "duration_min"}


def test_the_same_source_id_is_not_logged_twice() -> None:
    ana = PersonFactory()
    interaction_log(
        started_at=at(dt.date(2024, 3, 1)),
        channel="meeting",
        people=[ana],
        source="calendar",
        source_id="uid-1",
    )
    with pytest.raises(ValidationError) as error:
        interaction_log(
            started_at=at(dt.date(2024, 3, 1)),
            channel="meeting",
            people=[ana],
            source="calendar",
            source_id="uid-1",
        )
    assert "source_id" in error.value.message_dict
    assert Interaction.objects.count() == 1


def test_a_naive_start_is_read_in_local_time() -> None:
    ana = PersonFactory()
    interaction = interaction_log(
        started_at=dt.datetime(2024, 3, 1, 9, 0), channel="call", people=[ana]
    )
    interaction.refresh_from_db()
    assert interaction.started_at == at(dt.date(2024, 3, 1), hour=9)


def test_spanish_messages_are_text() -> None:
    with translation.override("es"), pytest.raises(ValidationError) as error:
        interaction_log(started_at=at(dt.date(2024, 3, 1)), channel="call", people=[])
    message = error.value.message_dict["people"][0]
    assert isinstance(message, str)
    assert message
    # The Spanish catalogue has this one: it must not fall back to English.
    assert message != "Choose at least one person from the client's side."


def test_with_two_current_jobs_the_latest_started_decides_even_if_the_other_has_no_start() -> None:
    # Given Ana at Acme since an unknown date and, since 2024, also at Globex
    ana = PersonFactory()
    acme, globex = AccountFactory(), AccountFactory()
    EmploymentFactory(person=ana, account=acme, start=None)
    EmploymentFactory(person=ana, account=globex, start=dt.date(2024, 1, 1))

    # When a call is logged in March 2024
    interaction = interaction_log(started_at=at(dt.date(2024, 3, 1)), channel="call", people=[ana])

    # Then it goes to her most recent job on both databases (NULL sorts differently)
    assert interaction.account == globex
