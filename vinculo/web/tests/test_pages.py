"""The pages: login, rendering with and without data, search, sort, pagination, query
counts pinned at two data sizes, and the language switch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vinculo.factories import (
    AccountFactory,
    ColleagueFactory,
    EmploymentFactory,
    InteractionFactory,
    PersonFactory,
)
from vinculo.interactions.models import InteractionPerson
from vinculo.people.models import Colleague
from vinculo.users.models import User
from vinculo.vocab import Function

from .conftest import MakeBook

pytestmark = pytest.mark.django_db


def names_in_order(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=html.index)


# --- login ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/people/1/", "/accounts/", "/accounts/1/", "/interactions/new/"]
)
def test_every_page_needs_login(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_renders_and_signs_in(client: Client, owner: User) -> None:
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert b"Sign in to V" in response.content
    # Without a page to go back to, the form sends the user to the agenda.
    assert b'name="next" value="/agenda/"' in response.content

    response = client.post(
        reverse("login"),
        {"username": "ana", "password": "correct horse battery staple", "next": "/agenda/"},
    )

    # Then the day starts with the agenda
    assert response.status_code == 302
    assert response["Location"] == reverse("web:agenda")


def test_logout_is_a_post(signed_in: Client) -> None:
    response = signed_in.post(reverse("logout"))

    assert response.status_code == 302
    assert signed_in.get("/").status_code == 302


# --- people list ----------------------------------------------------------------------


def test_people_list_empty_state(signed_in: Client) -> None:
    response = signed_in.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert b"No people yet" in response.content


def test_people_list_shows_company_title_function_owner_and_last_contact(
    signed_in: Client, colleague: Colleague
) -> None:
    marta = PersonFactory(name="Marta Ruiz", owner=colleague)
    EmploymentFactory(
        person=marta, account=AccountFactory(name="Acme"), title="CFO", function=Function.FINANCE
    )
    when = timezone.make_aware(dt.datetime(2026, 3, 14, 10, 0))
    interaction = InteractionFactory(started_at=when)
    InteractionPerson.objects.create(interaction=interaction, person=marta)

    html = signed_in.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Marta Ruiz" in html
    assert "Acme" in html
    assert "CFO" in html
    assert "Finance" in html
    assert "Ana Owner" in html
    assert 'datetime="2026-03-14T10:00:00+01:00"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [("marta", {"Marta Ruiz"}), ("@globex", {"Luis Pérez"}), ("initech", {"Eva Gil"})],
)
def test_people_search_by_name_email_and_company(
    signed_in: Client, query: str, expected: set[str]
) -> None:
    PersonFactory(name="Marta Ruiz")
    luis = PersonFactory(name="Luis Pérez")
    luis.emails.create(email="luis@globex.example")
    EmploymentFactory(person=PersonFactory(name="Eva Gil"), account=AccountFactory(name="Initech"))

    html = signed_in.get("/", {"q": query}).content.decode()

    shown = {name for name in ("Marta Ruiz", "Luis Pérez", "Eva Gil") if name in html}
    assert shown == expected


def test_live_search_returns_only_the_results_fragment(signed_in: Client) -> None:
    PersonFactory(name="Marta Ruiz")

    response = signed_in.get(
        "/", {"q": "mar"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="people-results"
    )

    html = response.content.decode()
    assert "Marta Ruiz" in html
    assert "<html" not in html


def test_people_sort_by_name_company_and_last_contact(signed_in: Client) -> None:
    now = timezone.now()
    for name, company, days_ago in [("Ana", "Zeta", 5), ("Bea", "Alfa", 1), ("Ciro", "Mu", 9)]:
        person = PersonFactory(name=name)
        EmploymentFactory(person=person, account=AccountFactory(name=company))
        interaction = InteractionFactory(started_at=now - dt.timedelta(days=days_ago))
        InteractionPerson.objects.create(interaction=interaction, person=person)
    names = ["Ana", "Bea", "Ciro"]

    def order(sort: str) -> list[str]:
        html = signed_in.get("/", {"sort": sort}).content.decode()
        body = html[html.index("<tbody>") :]
        return names_in_order(body, [f">{n}</a>" for n in names])

    assert order("name") == [">Ana</a>", ">Bea</a>", ">Ciro</a>"]
    assert order("-name") == [">Ciro</a>", ">Bea</a>", ">Ana</a>"]
    assert order("company") == [">Bea</a>", ">Ciro</a>", ">Ana</a>"]
    assert order("-last_contact") == [">Bea</a>", ">Ana</a>", ">Ciro</a>"]


def test_sorted_column_says_so_with_aria_sort(signed_in: Client) -> None:
    PersonFactory(name="Ana")

    html = signed_in.get("/", {"sort": "-last_contact"}).content.decode()

    assert 'aria-sort="descending"><a href="?sort=last_contact"' in html
    assert 'aria-sort="none"><a href="?sort=name"' in html


def test_people_pagination_50_per_page(signed_in: Client, make_book: MakeBook) -> None:
    make_book(60)

    first = signed_in.get("/").content.decode()
    second = signed_in.get("/", {"page": 2}).content.decode()

    assert "Persona 049" in first and "Persona 050" not in first
    assert "Persona 050" in second and "Persona 059" in second and "Persona 000" not in second
    assert 'rel="next" href="?page=2"' in first


def test_mine_keeps_people_owned_or_at_owned_accounts(
    signed_in: Client, colleague: Colleague
) -> None:
    PersonFactory(name="Owned Directly", owner=colleague)
    EmploymentFactory(
        person=PersonFactory(name="At My Account"), account=AccountFactory(owner=colleague)
    )
    other = ColleagueFactory(name="Someone Else")
    PersonFactory(name="Not Mine", owner=other)

    mine = signed_in.get("/", {"scope": "mine"}).content.decode()
    everyone = signed_in.get("/", {"scope": "all"}).content.decode()

    assert "Owned Directly" in mine and "At My Account" in mine
    assert "Not Mine" not in mine
    assert "Not Mine" in everyone


def test_mine_is_empty_for_a_user_without_colleague(client: Client, teammate: User) -> None:
    PersonFactory(name="Anyone")
    client.force_login(teammate)

    html = client.get("/", {"scope": "mine"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Anyone" not in html
    assert "You own nobody yet" in html


@pytest.mark.parametrize("size", [3, 60])
def test_people_list_query_count_is_fixed(
    signed_in: Client, make_book: MakeBook, django_assert_num_queries, size: int
) -> None:
    make_book(size)

    # session, user, count, page, current jobs; the owners of the owner filter
    with django_assert_num_queries(6):
        response = signed_in.get("/", {"sort": "-last_contact", "q": "persona"})

    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 60])
def test_people_list_mine_query_count_is_fixed(
    signed_in: Client, make_book: MakeBook, django_assert_num_queries, size: int
) -> None:
    make_book(size)

    # session, user, colleague, count, page, current jobs; the owners of the owner filter
    with django_assert_num_queries(7):
        response = signed_in.get("/", {"scope": "mine"})

    assert response.status_code == 200
