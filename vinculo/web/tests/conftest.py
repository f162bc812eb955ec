"""Data builders for the page tests: a small client book made through the factories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from vinculo.factories import (
    AccountFactory,
    ColleagueFactory,
    EmploymentFactory,
    InteractionFactory,
    PersonEmailFactory,
    PersonFactory,
)
from vinculo.health.models import HealthSnapshot
from vinculo.interactions.models import InteractionColleague, InteractionPerson
from vinculo.people.models import Account, Colleague, Person
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import Role, User
from vinculo.vocab import Function

MakeBook = Callable[[int], list[Person]]


@pytest.fixture
def colleague(owner: User) -> Colleague:
    return ColleagueFactory(name="Ana Owner", user=owner, function=Function.SALES)


@pytest.fixture
def signed_in(client: Client, owner: User, colleague: Colleague) -> Client:
    """Signed in as Ana with the administrator's view of the whole book: the page tests'
    data has no owners, and these tests are about what the pages show. Who sees what, role
    by role, is ``vinculo/access/tests/test_matrix.py``."""
    owner.role = Role.ADMIN
    owner.save(update_fields=["role"])
    client.force_login(owner)
    return client


@pytest.fixture
def make_book(colleague: Colleague) -> MakeBook:
    """``n`` people, each with a job at one of three accounts, an email, an interaction
    with our colleague, a health snapshot and a timeline event."""

    def make(n: int) -> list[Person]:
        accounts = [AccountFactory(name=f"Cuenta {letter}") for letter in "ABC"]
        now = timezone.now()
        people = []
        for i in range(n):
            person = PersonFactory(name=f"Persona {i:03d}", owner=colleague if i % 2 else None)
            PersonEmailFactory(person=person, email=f"p{i}@cuenta.example")
            account = accounts[i % 3]
            EmploymentFactory(person=person, account=account, title=f"Cargo {i}")
            interaction = InteractionFactory(
                started_at=now - dt.timedelta(days=i + 1), account=account, summary=f"Charla {i}"
            )
            InteractionPerson.objects.create(interaction=interaction, person=person)
            InteractionColleague.objects.create(interaction=interaction, colleague=colleague)
            HealthSnapshot.objects.create(
                person=person, as_of=dt.date.today(), overall=50 + i % 50, band="yellow"
            )
            TimelineEvent.objects.create(
                kind=EventKind.PERSON_CREATED,
                person=person,
                occurred_at=now - dt.timedelta(days=400),
                data={"text": person.name},
            )
            people.append(person)
        return people

    return make


@pytest.fixture
def account_with_people(colleague: Colleague) -> Account:
    return AccountFactory(name="Acme Ibérica", owner=colleague)
