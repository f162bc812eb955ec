"""Person and account pages: what they show, their timelines and pinned query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vinculo.commitments.models import Commitment
from vinculo.factories import (
    AccountFactory,
    ColleagueFactory,
    EmploymentFactory,
    InteractionFactory,
    PersonFactory,
)
from vinculo.interactions.models import InteractionColleague, InteractionPerson
from vinculo.people.models import Account, AccountDomain, Colleague, Person
from vinculo.people.services import contact_plan_set
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import User
from vinculo.vocab import Function, Level

from .conftest import MakeBook

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def meet(person: Person, colleague: Colleague, *, days_ago: int, summary: str = "") -> None:
    interaction = InteractionFactory(
        started_at=timezone.now() - dt.timedelta(days=days_ago),
        summary=summary,
        level=Level.STRATEGIC,
        account=person.employments.first().account if person.employments.exists() else None,
    )
    InteractionPerson.objects.create(interaction=interaction, person=person)
    InteractionColleague.objects.create(interaction=interaction, colleague=colleague)


# --- person ---------------------------------------------------------------------------


def test_person_page_empty(signed_in: Client) -> None:
    person = PersonFactory(name="Solo Nombre")

    response = signed_in.get(person.get_absolute_url(), **EN)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Solo Nombre" in html
    assert "No employment recorded." in html
    assert "No cadence agreed yet." in html
    assert "No open promises." in html
    assert "Nothing has happened here yet." in html


def test_person_page_unknown_is_404(signed_in: Client) -> None:
    assert signed_in.get("/people/999999/").status_code == 404


def test_person_page_shows_profile_jobs_plan_promises_and_timeline(
    signed_in: Client, colleague: Colleague
) -> None:
    person = PersonFactory(name="Marta Ruiz", phones="+34 600 000 000", notes="Prefiere mañanas")
    person.emails.create(email="marta@acme.example")
    EmploymentFactory(
        person=person,
        account=AccountFactory(name="Old Corp"),
        title="Analyst",
        start=dt.date(2015, 1, 1),
        end=dt.date(2019, 12, 31),
    )
    EmploymentFactory(person=person, account=AccountFactory(name="Acme"), title="CFO")
    contact_plan_set(person=person, every_days=30, agreed=True)
    Commitment.objects.create(
        person=person, text="Send the price list", made_on=dt.date.today(), colleague=colleague
    )
    meet(person, colleague, days_ago=2, summary="Talked about next year's budget")

    html = signed_in.get(person.get_absolute_url(), **EN).content.decode()

    for text in [
        "marta@acme.example",
        "+34 600 000 000",
        "Prefiere mañanas",
        "Legitimate interest",
        "Old Corp",
        "Acme",
        "CFO",
        "every 30 days",
        "Send the price list",
        "Talked about next year&#x27;s budget",
        "Strategic",
        "Ana Owner",
        "Cadence agreed",
    ]:
        assert text in html, text
    # The current job is listed before the past one.
    assert html.index('Acme</a> <span class="tag">') < html.index("Old Corp</a>")


def test_person_timeline_is_newest_first_and_paginated(
    signed_in: Client, colleague: Colleague
) -> None:
    person = PersonFactory()
    for day in range(30):
        meet(person, colleague, days_ago=day + 1, summary=f"Meeting number {day:02d}")

    first = signed_in.get(person.get_absolute_url()).content.decode()
    second = signed_in.get(person.get_absolute_url(), {"page": 2}).content.decode()

    assert first.index("Meeting number 00") < first.index("Meeting number 01")
    assert "Meeting number 24" in first and "Meeting number 25" not in first
    assert "Meeting number 25" in second


def test_timeline_fragment_for_htmx(signed_in: Client, colleague: Colleague) -> None:
    person = PersonFactory()
    meet(person, colleague, days_ago=1, summary="Fragment")

    response = signed_in.get(
        person.get_absolute_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="timeline"
    )

    html = response.content.decode()
    assert "Fragment" in html
    assert html.lstrip().startswith('<section id="timeline"')


def test_timeline_does_not_repeat_the_interaction_logged_event(
    signed_in: Client, colleague: Colleague
) -> None:
    person = PersonFactory()
    meet(person, colleague, days_ago=1, summary="Once only")
    TimelineEvent.objects.create(
        kind=EventKind.INTERACTION_LOGGED,
        person=person,
        occurred_at=timezone.now(),
        data={"text": "Once only"},
    )

    html = signed_in.get(person.get_absolute_url()).content.decode()

    assert html.count("Once only") == 1


@pytest.mark.parametrize("size", [3, 60])
def test_person_page_query_count_is_fixed(
    signed_in: Client, make_book: MakeBook, colleague: Colleague, django_assert_num_queries, size
) -> None:
    people = make_book(size)
    person = people[0]
    for day in range(size):
        meet(person, colleague, days_ago=day + 1)
    Commitment.objects.create(person=person, text="x", made_on=dt.date.today())
    # Both kinds on the first page (a page with one kind only does one query fewer).
    contact_plan_set(person=person, every_days=30)

    # session, user, person+owner+plan (with the read check and the personal-facts flag of
    # access.rules), emails, jobs, the timeline page with its count (one query), its
    # interactions, their people, our colleagues, events, the engine's settings (once),
    # the year's health history (the panel's 180 days and the chart from one read), the
    # latest health, open plays, the five item sections (web.item_views.sections), the
    # contacts by month, the audit trail
    with django_assert_num_queries(21):
        response = signed_in.get(person.get_absolute_url())

    assert response.status_code == 200


# --- account --------------------------------------------------------------------------


def test_account_page_groups_people_by_function_and_lists_former(
    signed_in: Client, colleague: Colleague
) -> None:
    acme = AccountFactory(name="Acme", owner=colleague, tier="a")
    AccountDomain.objects.create(account=acme, domain="acme.example")
    EmploymentFactory(person=PersonFactory(name="Pilar Compras"), account=acme)
    EmploymentFactory(
        person=PersonFactory(name="Fernando Finanzas"), account=acme, function=Function.FINANCE
    )
    EmploymentFactory(person=PersonFactory(name="Ida Gone"), account=acme, end=dt.date(2024, 6, 30))

    html = signed_in.get(acme.get_absolute_url(), **EN).content.decode()

    assert "acme.example" in html
    assert "Tier A" in html
    assert "Ana Owner" in html
    purchasing, finance, former = (
        html.index(">Purchasing <"),
        html.index(">Finance <"),
        html.index(">Former <"),
    )
    assert purchasing < html.index("Pilar Compras") < finance
    assert finance < html.index("Fernando Finanzas") < former
    assert former < html.index("Ida Gone")


def test_account_who_talks_to_whom_counts_recent_pairs(
    signed_in: Client, colleague: Colleague
) -> None:
    acme = AccountFactory(name="Acme")
    pilar = PersonFactory(name="Pilar")
    EmploymentFactory(person=pilar, account=acme)
    luis = ColleagueFactory(name="Luis Nuestro")
    meet(pilar, colleague, days_ago=3)
    meet(pilar, colleague, days_ago=10)
    meet(pilar, luis, days_ago=400)  # outside the 180-day window

    response = signed_in.get(acme.get_absolute_url(), **EN)

    coverage = response.context["coverage"]
    assert coverage.rows() == [((pilar.pk, "Pilar"), [2])]
    assert [name for _, name in coverage.colleagues] == ["Ana Owner"]


def test_account_page_empty(signed_in: Client) -> None:
    acme = AccountFactory(name="Empty Co")

    html = signed_in.get(acme.get_absolute_url(), **EN).content.decode()

    assert "Nobody works here as far as we know." in html
    assert "Nobody on our side has talked to this account" in html


@pytest.mark.parametrize("size", [3, 60])
def test_account_page_query_count_is_fixed(
    signed_in: Client, make_book: MakeBook, django_assert_num_queries, size: int
) -> None:
    make_book(size)
    account = Account.objects.get(name="Cuenta A")

    # session, user, account+owner (with the read check of access.rules), domains, jobs,
    # the engine's settings, coverage pairs, their staff's functions, our colleagues' and
    # their people's names (the engine's coverage), the timeline page with its count (one
    # query), interactions, their people, our colleagues (no events on page 1), the year's
    # health history (panel and chart), latest health, open plays, the promises,
    # complaints, concerns and initiatives, the value items (their section and the
    # ledger: one read), the product lines, concessions, the audit trail
    with django_assert_num_queries(25):
        response = signed_in.get(account.get_absolute_url())

    assert response.status_code == 200


# --- accounts list --------------------------------------------------------------------


def test_accounts_list_empty(signed_in: Client) -> None:
    assert b"No accounts yet" in signed_in.get("/accounts/", **EN).content


def test_accounts_list_search_sort_and_people_count(signed_in: Client) -> None:
    acme = AccountFactory(name="Acme")
    AccountDomain.objects.create(account=acme, domain="acme.example")
    globex = AccountFactory(name="Globex")
    for _ in range(3):
        EmploymentFactory(account=globex)
    EmploymentFactory(account=acme)

    by_people = signed_in.get("/accounts/", {"sort": "-people"}).content.decode()
    by_domain = signed_in.get("/accounts/", {"q": "acme.ex"}).content.decode()

    assert by_people.index(">Globex<") < by_people.index(">Acme<")
    assert '<td class="num">3</td>' in by_people
    assert ">Acme<" in by_domain and ">Globex<" not in by_domain


def test_accounts_list_paginates(signed_in: Client) -> None:
    for i in range(55):
        AccountFactory(name=f"Empresa {i:02d}")

    second = signed_in.get("/accounts/", {"page": 2}).content.decode()

    assert "Empresa 50" in second and "Empresa 49" not in second


@pytest.mark.parametrize("size", [3, 60])
def test_accounts_list_query_count_is_fixed(
    signed_in: Client, make_book: MakeBook, django_assert_num_queries, size: int
) -> None:
    make_book(size)
    for i in range(size):
        AccountFactory(name=f"Extra {i}")

    # session, user, count, page
    with django_assert_num_queries(4):
        response = signed_in.get("/accounts/", {"sort": "-last_contact"})

    assert response.status_code == 200


def test_person_page_links_only_the_accounts_the_reader_may_open(
    client: Client, owner: User, colleague: Colleague
) -> None:
    """Issue 16's load test: a person the account manager owns moved to an account of
    someone else; the page linked the new account, which answers 404 to them. Now its name
    is shown without a link (access.rules decides), the old account still linked."""
    stranger = ColleagueFactory(name="Otro Dueño")
    person = PersonFactory(name="Marta Ruiz", owner=colleague)
    mine = AccountFactory(name="Old Corp", owner=colleague)
    theirs = AccountFactory(name="New Corp", owner=stranger)
    EmploymentFactory(
        person=person, account=mine, start=dt.date(2015, 1, 1), end=dt.date(2025, 6, 30)
    )
    EmploymentFactory(person=person, account=theirs, start=dt.date(2025, 7, 1), title="CFO")
    client.force_login(owner)

    html = client.get(person.get_absolute_url(), **EN).content.decode()

    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert theirs.get_absolute_url() not in html
    assert "CFO · New Corp" in html  # under the name, not linked
    assert 'New Corp <span class="tag">' in html  # the employment history, not linked
    assert f'<a href="{mine.get_absolute_url()}">Old Corp</a>' in html
    # The employment history section on its own (after a job change, htmx) says the same.
    section = client.get(
        reverse("web:person_job_change", args=[person.pk]) + "?show=1",
        HTTP_HX_REQUEST="true",
        **EN,
    ).content.decode()
    assert theirs.get_absolute_url() not in section
    assert "New Corp" in section
    assert f'<a href="{mine.get_absolute_url()}">Old Corp</a>' in section


def test_people_list_links_only_the_accounts_the_reader_may_open(
    client: Client, owner: User, colleague: Colleague
) -> None:
    """The same in the people list: a person of mine at someone else's account."""
    person = PersonFactory(name="Marta Ruiz", owner=colleague)
    mine = AccountFactory(name="Old Corp", owner=colleague)
    theirs = AccountFactory(name="New Corp", owner=ColleagueFactory(name="Otro Dueño"))
    EmploymentFactory(person=PersonFactory(name="Luis Mío"), account=mine)
    EmploymentFactory(person=person, account=theirs, title="CFO")
    client.force_login(owner)

    html = client.get("/", **EN).content.decode()

    assert "Marta Ruiz" in html and "Luis Mío" in html
    assert theirs.get_absolute_url() not in html
    assert "<td>New Corp</td>" in html
    assert f'<a href="{mine.get_absolute_url()}">Old Corp</a>' in html


def test_timeline_links_only_the_people_and_accounts_the_reader_may_open(
    client: Client, owner: User, colleague: Colleague
) -> None:
    """The 404 the load test still met after the job links were fixed: a person's history
    holds the meetings at their new company, whose account and other people the reader may
    not open. The timeline names them without a link; what the reader may open stays
    linked, on the person's page and on the account's."""
    mine = AccountFactory(name="Old Corp", owner=colleague)
    theirs = AccountFactory(name="New Corp", owner=ColleagueFactory(name="Otro Dueño"))
    person = PersonFactory(name="Marta Ruiz", owner=colleague)
    EmploymentFactory(
        person=person, account=mine, start=dt.date(2015, 1, 1), end=dt.date(2025, 6, 30)
    )
    EmploymentFactory(person=person, account=theirs, start=dt.date(2025, 7, 1))
    stranger = PersonFactory(name="Pablo Ajeno")
    EmploymentFactory(person=stranger, account=theirs)
    friend = PersonFactory(name="Luis Mío")
    EmploymentFactory(person=friend, account=mine)
    for account, others, when in (
        (theirs, [stranger], dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)),
        (mine, [friend], dt.datetime(2025, 3, 2, 10, tzinfo=dt.UTC)),
    ):
        interaction = InteractionFactory(account=account, started_at=when, summary=account.name)
        for someone in (person, *others):
            InteractionPerson.objects.create(interaction=interaction, person=someone)
    client.force_login(owner)

    html = client.get(person.get_absolute_url(), **EN).content.decode()

    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(stranger.get_absolute_url()).status_code == 404
    assert theirs.get_absolute_url() not in html
    assert stranger.get_absolute_url() not in html
    assert "Pablo Ajeno" in html and " · New Corp" in html  # named, not linked
    assert f'<a href="{friend.get_absolute_url()}">Luis Mío</a>' in html
    assert f' · <a href="{mine.get_absolute_url()}">Old Corp</a>' in html
    # The account page's timeline: its people linked (Marta through her old job is mine).
    account_html = client.get(mine.get_absolute_url(), **EN).content.decode()
    assert f'<a href="{person.get_absolute_url()}">Marta Ruiz</a>' in account_html
    assert f'<a href="{friend.get_absolute_url()}">Luis Mío</a>' in account_html
