"""People and accounts over the API: lists, details, creation, fixed query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from vinculo.factories import (
    AccountFactory,
    ColleagueFactory,
    EmploymentFactory,
    PersonEmailFactory,
    PersonFactory,
)
from vinculo.people.models import Account, AccountDomain, Employment, Person
from vinculo.users.models import Role, User
from vinculo.users.services import api_token_create


@pytest.fixture
def client() -> Client:
    """Django's test client, asking for English as an API caller would."""
    return Client(headers={"accept-language": "en"})


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def owner(owner: User) -> User:
    """Ana with the administrator's view of the book: these tests are about how the API
    behaves; who sees what, role by role, is vinculo/access/tests (test_api_matrix.py)."""
    owner.role = Role.ADMIN
    owner.save(update_fields=["role"])
    return owner


@pytest.fixture
def signed_in(client: Client, owner: User) -> Client:
    client.force_login(owner)
    return client


def people_with_jobs(count: int) -> None:
    """`count` people, each with two addresses, a current job, a past job and an owner."""
    owner = ColleagueFactory()
    for _ in range(count):
        person = PersonFactory(owner=owner)
        PersonEmailFactory.create_batch(2, person=person)
        EmploymentFactory(person=person, end=dt.date(2019, 12, 31), start=dt.date(2015, 1, 1))
        EmploymentFactory(person=person)


def test_people_list_shows_current_jobs_only(signed_in: Client) -> None:
    # Given Ana, who left Acme for Globex
    ana = PersonFactory(name="Ana")
    PersonEmailFactory(person=ana, email="ana@globex.example")
    acme, globex = AccountFactory(name="Acme"), AccountFactory(name="Globex")
    EmploymentFactory(person=ana, account=acme, start=dt.date(2015, 1, 1), end=dt.date(2019, 1, 1))
    EmploymentFactory(person=ana, account=globex, title="CFO", function="finance")

    response = signed_in.get("/api/v1/people")

    assert response.status_code == 200
    body = response.json()
    assert len(body["items"]) == 1
    [item] = body["items"]
    assert item["name"] == "Ana"
    assert item["emails"] == ["ana@globex.example"]
    assert item["jobs"] == [
        {
            "id": ana.employments.get(account=globex).pk,
            "account": {"id": globex.pk, "name": "Globex"},
            "title": "CFO",
            "function": "finance",
            "decision_role": "",
            "start": "2020-01-01",
        }
    ]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ana", ["Ana Ruiz"]),
        ("GLOBEX.example", ["Bea Sanz"]),
        ("acme", ["Ana Ruiz", "Bea Sanz"]),  # Bea worked there until 2021
        ("", None),
    ],
)
def test_people_search_by_name_address_or_any_employer(
    signed_in: Client, q: str, expected: list[str] | None
) -> None:
    ana, bea = PersonFactory(name="Ana Ruiz"), PersonFactory(name="Bea Sanz")
    PersonEmailFactory(person=bea, email="bea@globex.example")
    PersonEmailFactory(person=bea, email="bea.sanz@globex.example")  # two matches, one row
    EmploymentFactory(person=ana, account=AccountFactory(name="Acme"))
    EmploymentFactory(person=bea, account=AccountFactory(name="Acme"), end=dt.date(2021, 1, 1))

    body = signed_in.get("/api/v1/people", {"q": q}).json()

    names = [item["name"] for item in body["items"]]
    assert names == (expected if expected is not None else ["Ana Ruiz", "Bea Sanz"])
    assert len(body["items"]) == len(names)
    # And the web list, through the same selector, finds the same people
    page = signed_in.get("/", {"q": q})
    assert [p.name for p in page.context["page"].object_list] == names


def test_people_list_is_paginated(signed_in: Client) -> None:
    for n in range(5):
        PersonFactory(name=f"Persona {n}")

    first = signed_in.get("/api/v1/people", {"limit": 2}).json()
    second = signed_in.get("/api/v1/people", {"limit": 2, "cursor": first["next_cursor"]}).json()

    assert [item["name"] for item in first["items"]] == ["Persona 0", "Persona 1"]
    assert [item["name"] for item in second["items"]] == ["Persona 2", "Persona 3"]


# Session and user (2), then the page, addresses and current jobs (3).
@pytest.mark.parametrize("size", [3, 30])
def test_people_list_query_count_does_not_grow(
    signed_in: Client, django_assert_num_queries: Callable[..., Any], size: int
) -> None:
    people_with_jobs(size)

    with django_assert_num_queries(5):
        body = signed_in.get("/api/v1/people").json()

    assert len(body["items"]) == size
    assert all(len(item["jobs"]) == 1 and len(item["emails"]) == 2 for item in body["items"])


# The token (1) and marking it used the first time (1), then the same 3 as above.
@pytest.mark.parametrize("size", [3, 30])
def test_people_list_query_count_with_a_token(
    client: Client, owner: User, django_assert_num_queries: Callable[..., Any], size: int
) -> None:
    people_with_jobs(size)
    _row, token = api_token_create(user=owner)

    with django_assert_num_queries(5):
        response = client.get("/api/v1/people", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert len(response.json()["items"]) == size


def test_person_detail_has_the_profile_and_current_jobs(signed_in: Client) -> None:
    ana = PersonFactory(name="Ana", family="Dos hijas", tastes="Café solo", language="es")
    EmploymentFactory(
        person=ana,
        account=AccountFactory(name="Acme"),
        start=dt.date(2015, 1, 1),
        end=dt.date(2019, 1, 1),
    )
    EmploymentFactory(person=ana, account=AccountFactory(name="Globex"))

    body = signed_in.get(f"/api/v1/people/{ana.pk}").json()

    assert (body["name"], body["family"], body["tastes"]) == ("Ana", "Dos hijas", "Café solo")
    assert [job["account"]["name"] for job in body["jobs"]] == ["Globex"]
    assert signed_in.get("/api/v1/people/999999").status_code == 404


def test_creating_a_person_with_a_job(signed_in: Client, owner: User) -> None:
    acme = AccountFactory(name="Acme")
    owner_colleague = ColleagueFactory(user=owner)

    response = signed_in.post(
        "/api/v1/people",
        data={
            "name": "Ana López",
            "emails": ["Ana@Acme.example"],
            "owner_id": owner_colleague.pk,
            "employment": {"account_id": acme.pk, "title": "Compras", "function": "purchasing"},
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["emails"] == ["ana@acme.example"]
    assert body["owner"] == {"id": owner_colleague.pk, "name": owner_colleague.name}
    assert [job["account"]["name"] for job in body["jobs"]] == ["Acme"]
    assert Employment.objects.get(person_id=body["id"]).title == "Compras"


@pytest.mark.parametrize(
    ("payload", "loc", "message"),
    [
        ({"name": ""}, ["body", "name"], "A person needs a name."),
        (
            {"name": "Ana", "emails": ["taken@acme.example"]},
            ["body", "emails"],
            "Address already belongs to someone else: taken@acme.example",
        ),
        (
            {"name": "Ana", "owner_id": 999999},
            ["body", "owner_id"],
            "There is nothing with id 999999.",
        ),
        (
            {"name": "Ana", "employment": {"account_id": 999999}},
            ["body", "employment"],
            "There is nothing with id 999999.",
        ),
    ],
)
def test_invalid_people_are_refused_with_field_messages_and_nothing_written(
    signed_in: Client, payload: dict[str, Any], loc: list[str], message: str
) -> None:
    taken = PersonEmailFactory(email="taken@acme.example").person
    response = signed_in.post("/api/v1/people", data=payload, content_type="application/json")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [{"loc": loc, "msg": message, "type": "invalid"}]
    assert list(Person.objects.all()) == [taken]
    assert not Employment.objects.exists()


def test_a_malformed_body_is_a_422_from_the_schema(signed_in: Client) -> None:
    response = signed_in.post(
        "/api/v1/people", data={"emails": "x"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert not Person.objects.exists()


def test_a_word_outside_the_vocabulary_is_refused_by_the_schema(signed_in: Client) -> None:
    account = AccountFactory()
    payload = {"name": "Ana", "employment": {"account_id": account.pk, "function": "astrology"}}

    response = signed_in.post("/api/v1/people", data=payload, content_type="application/json")

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["loc"], error["type"]) == (["body", "payload", "employment", "function"], "enum")
    assert not Person.objects.exists()


def test_spanish_messages_follow_the_accept_language(signed_in: Client) -> None:
    response = signed_in.post(
        "/api/v1/people",
        data={"name": " "},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 422
    message = response.json()["errors"][0]["msg"]
    assert isinstance(message, str)
    assert message
    # The Spanish catalogue has this one: it must not fall back to English.
    assert message != "A person needs a name."


def test_accounts_list_and_detail(signed_in: Client) -> None:
    acme = AccountFactory(name="Acme", tier="a")
    AccountDomain.objects.create(account=acme, domain="acme.example")
    ana, bea = PersonFactory(name="Ana"), PersonFactory(name="Bea")
    EmploymentFactory(person=ana, account=acme, title="CFO")
    EmploymentFactory(person=bea, account=acme, end=dt.date(2021, 1, 1))
    AccountFactory(name="Globex")

    listed = signed_in.get("/api/v1/accounts", {"q": "acme.EX"}).json()
    detail = signed_in.get(f"/api/v1/accounts/{acme.pk}").json()

    assert [(a["name"], a["domains"], a["people_count"]) for a in listed["items"]] == [
        ("Acme", ["acme.example"], 1)
    ]
    assert [(s["person"]["name"], s["title"]) for s in detail["people"]] == [("Ana", "CFO")]
    assert signed_in.get("/api/v1/accounts/999999").status_code == 404


# Session and user (2), then the page and domains (2).
@pytest.mark.parametrize("size", [3, 30])
def test_accounts_list_query_count_does_not_grow(
    signed_in: Client, django_assert_num_queries: Callable[..., Any], size: int
) -> None:
    owner = ColleagueFactory()
    for n in range(size):
        account = AccountFactory(owner=owner)
        AccountDomain.objects.create(account=account, domain=f"cliente{n}.example")
        EmploymentFactory.create_batch(2, account=account)

    with django_assert_num_queries(4):
        body = signed_in.get("/api/v1/accounts").json()

    assert len(body["items"]) == size
    assert all(item["people_count"] == 2 for item in body["items"])


def test_creating_an_account(signed_in: Client) -> None:
    response = signed_in.post(
        "/api/v1/accounts",
        data={"name": "Acme", "domains": ["ACME.example"], "tier": "a"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["domains"] == ["acme.example"]
    assert Account.objects.get().tier == "a"


def test_a_viewer_cannot_create_an_account(client: Client, viewer: User) -> None:
    client.force_login(viewer)
    response = client.post(
        "/api/v1/accounts", data={"name": "Acme"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Account.objects.exists()
