"""The review list: look-alike people found per account, unmatched addresses and what can
be done with them, through the page as sales operations use it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vinculo.capture.core import CaptureReport, Directory
from vinculo.capture.models import BlockedAddress, UnmatchedAddress
from vinculo.capture.review import (
    DuplicatePair,
    block_add,
    duplicate_pairs,
    normalised_email,
    unmatched_for_review,
)
from vinculo.factories import AccountFactory, ColleagueFactory, UserFactory
from vinculo.people.models import AccountDomain, Employment, Person
from vinculo.people.services import employment_start, person_create
from vinculo.timeline.models import TimelineEvent
from vinculo.users.models import Role, User

pytestmark = pytest.mark.django_db


def at(account: Any, *names: str) -> list[Person]:
    people = []
    for name in names:
        person = person_create(name=name)
        employment_start(person=person, account=account, start=date(2024, 1, 1))
        people.append(person)
    return people


def test_similar_names_at_the_same_account_only() -> None:
    acme, beta = AccountFactory(name="Acme"), AccountFactory(name="Beta")
    marta, marta2, pedro = at(acme, "Marta Ruiz", "Ruiz, Marta", "Pedro Gil")
    jose, jose2 = at(acme, "José Pérez", "Jose Perez")
    # The same name at another account is not a pair: blocked by account.
    (other_marta,) = at(beta, "Marta Ruiz")
    assert duplicate_pairs() == [
        DuplicatePair(marta.pk, marta2.pk, 100.0, "name", acme.pk),
        DuplicatePair(jose.pk, jose2.pk, 100.0, "name", acme.pk),
    ]
    assert other_marta.pk not in {p.first for p in duplicate_pairs()} | {
        p.second for p in duplicate_pairs()
    }
    assert pedro.pk not in {p.second for p in duplicate_pairs()}


def test_a_near_name_is_scored_and_a_far_one_is_not() -> None:
    acme = AccountFactory(name="Acme")
    a, b, _c = at(acme, "Cristina Fernández", "Christina Fernandez", "Cristóbal Fernán")
    assert duplicate_pairs() == [DuplicatePair(a.pk, b.pk, 97.3, "name", acme.pk)]
    assert duplicate_pairs(threshold=98) == []


def test_the_same_mailbox_spelt_twice() -> None:
    a = person_create(name="Ana García", emails=["ana.garcia@gmail.com"])
    b = person_create(name="A. G.", emails=["anagarcia+crm@googlemail.com"])
    person_create(name="Otra", emails=["ana.garcia@acme.example"])
    assert duplicate_pairs() == [DuplicatePair(a.pk, b.pk, 100.0, "email")]
    assert normalised_email("Ana.Garcia+X@Acme.example") == "ana.garcia@acme.example"


def test_a_pair_by_address_and_by_name_is_listed_once() -> None:
    acme = AccountFactory(name="Acme")
    a = person_create(name="Luis Mora", emails=["luis.mora@gmail.com"])
    b = person_create(name="Luis Mora", emails=["luismora@gmail.com"])
    for person in (a, b):
        employment_start(person=person, account=acme, start=None)
    assert duplicate_pairs() == [DuplicatePair(a.pk, b.pk, 100.0, "email")]


def test_ended_jobs_do_not_make_pairs() -> None:
    acme = AccountFactory(name="Acme")
    a, b = at(acme, "Marta Ruiz", "Marta Ruiz")
    Employment.objects.filter(person=b).update(end=date(2024, 6, 1))
    assert duplicate_pairs() == []
    assert a.pk


# -- the page ---------------------------------------------------------------------------


@pytest.fixture
def manager(db: None) -> User:
    return UserFactory(username="elena", role=Role.MANAGER)


@pytest.fixture
def ops(client: Client, manager: User) -> Client:
    client.force_login(manager)
    return client


def unmatched(email: str, name: str = "", seen: int = 1) -> UnmatchedAddress:
    return UnmatchedAddress.objects.create(
        email=email, domain=email.rpartition("@")[2], name=name, seen=seen,
        last_seen=timezone.now(),
    )  # fmt: skip


def test_review_lists_only_what_is_still_unknown() -> None:
    acme = AccountFactory(name="Acme")
    AccountDomain.objects.create(account=acme, domain="acme.example")
    unmatched("pedro@nueva.example", "Pedro Gil", 3)
    unmatched("x@acme.example")  # the domain is an account's now
    unmatched("known@otra.example")
    person_create(name="Known", emails=["known@otra.example"])
    unmatched("spam@ruido.example")
    block_add(actor=None, value="ruido.example")
    unmatched("one@ignorada.example")
    block_add(actor=None, value="one@ignorada.example")
    assert list(unmatched_for_review().values_list("email", flat=True)) == ["pedro@nueva.example"]


def test_create_person_from_an_address(ops: Client) -> None:
    address = unmatched("pedro.gil@nueva.example", "Pedro Gil")
    response = ops.post(
        reverse("web:review_address", args=[address.pk]), {"action": "person"}, follow=True
    )
    person = Person.objects.get()
    assert person.name == "Pedro Gil"
    assert list(person.emails.values_list("email", flat=True)) == ["pedro.gil@nueva.example"]
    assert not UnmatchedAddress.objects.exists()
    assert "Añadido: Pedro Gil." in response.content.decode()


def test_create_account_from_an_address_and_free_mail_refused(ops: Client) -> None:
    address = unmatched("pedro@nueva-empresa.example")
    ops.post(reverse("web:review_address", args=[address.pk]), {"action": "account"})
    assert list(AccountDomain.objects.values_list("account__name", "domain")) == [
        ("Nueva Empresa", "nueva-empresa.example")
    ]
    assert list(unmatched_for_review()) == []
    free = unmatched("someone@gmail.com")
    response = ops.post(
        reverse("web:review_address", args=[free.pk]), {"action": "account"}, follow=True
    )
    assert "gmail.com es un dominio de correo gratuito" in response.content.decode()
    assert AccountDomain.objects.count() == 1


def test_ignore_a_domain_and_the_importers_leave_it_out(ops: Client, manager: User) -> None:
    address = unmatched("news@boletin.example")
    ops.post(reverse("web:review_address", args=[address.pk]), {"action": "ignore_domain"})
    assert list(BlockedAddress.objects.values_list("value", "created_by")) == [
        ("boletin.example", manager.pk)
    ]
    directory = Directory(report=CaptureReport(), actor=None)
    assert directory.is_blocked("otro@mail.boletin.example")
    assert not directory.is_blocked("otro@boletin2.example")
    assert list(unmatched_for_review()) == []


def test_merge_from_the_review_page(ops: Client, manager: User) -> None:
    # A manager merges the people of their team's accounts (access.rules).
    acme = AccountFactory(name="Acme", owner=ColleagueFactory(team=manager.team))
    keep, remove = at(acme, "Marta Ruiz", "Marta Ruíz")
    response = ops.post(
        reverse("web:review_merge"), {"keep": keep.pk, "remove": remove.pk}, follow=True
    )
    assert list(Person.objects.values_list("pk", flat=True)) == [keep.pk]
    assert "Fusión hecha: Marta Ruíz pasa a Marta Ruiz." in response.content.decode()
    assert TimelineEvent.objects.filter(person=keep, actor=manager).count() == 1


def test_review_page_query_count_is_fixed(
    ops: Client, manager: User, django_assert_num_queries: Any
) -> None:
    first_names = ["Ana", "Bruno", "Carla", "Diego", "Elena", "Fausto"]
    ours = ColleagueFactory(team=manager.team)  # the pairs shown are of the manager's team

    def build(n: int) -> None:
        account = AccountFactory(name=f"Cuenta {n}", owner=ours)
        for i in range(n):
            unmatched(f"p{n}-{i}@nadie{n}.example", f"Persona {i}")
            at(account, f"{first_names[i]} Cuenta{n}", f"{first_names[i]} Cuenta{n}")

    build(2)
    # session, user; addresses: count + page; pairs: people + emails + jobs + accounts
    # of jobs, account names; duplicates: emails + jobs; account domains of the page
    with django_assert_num_queries(12):
        small = ops.get(reverse("web:review"))
    build(6)
    with django_assert_num_queries(12):
        large = ops.get(reverse("web:review"))
    assert small.status_code == large.status_code == 200
    text = large.content.decode()
    assert text.count('name="keep"') == 2 * 8
    assert "p6-5@nadie6.example" in text
