"""User text is always escaped (issue 14, item 7): a script and HTML in every free-text
field, rendered on every page that shows it, the admin included."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vinculo.access.models import AccountShare
from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.factories import (
    AccountFactory,
    ColleagueFactory,
    EmploymentFactory,
    InteractionFactory,
    TeamFactory,
    UserFactory,
)
from vinculo.health.models import HealthSnapshot, Play, PlayKind
from vinculo.health.services import health_recompute
from vinculo.interactions.models import InteractionColleague, InteractionPerson
from vinculo.people.models import Account, ContactPlan, Person
from vinculo.users.models import Role, User
from vinculo.vocab import Function

pytestmark = pytest.mark.django_db


def evil(tag: str) -> str:
    """Text a user could type: a script and markup with a handler, named by ``tag``."""
    return f'<script>alert("{tag}")</script><b onmouseover="x()">{tag}</b>'


def escaped(tag: str) -> str:
    return (
        f"&lt;script&gt;alert(&quot;{tag}&quot;)&lt;/script&gt;"
        f"&lt;b onmouseover=&quot;x()&quot;&gt;{tag}&lt;/b&gt;"
    )


FIELDS = (
    "user_first",
    "colleague",
    "team",
    "account",
    "industry",
    "person",
    "notes",
    "family",
    "tastes",
    "friends",
    "interests",
    "professional_interests",
    "title",
    "summary",
    "place",
    "plan_place",
    "promise",
    "complaint",
    "complaint_category",
    "concern",
    "initiative",
)


@pytest.fixture
def book() -> dict[str, Any]:
    today = timezone.localdate()
    admin = UserFactory(
        username="root",
        first_name=evil("user_first"),
        role=Role.ADMIN,
        is_staff=True,
        is_superuser=True,
        team=TeamFactory(name=evil("team")),
    )
    us = ColleagueFactory(name=evil("colleague"), user=admin, function=Function.SALES)
    account = AccountFactory(name=evil("account"), industry=evil("industry"), owner=us, tier="a")
    person = Person.objects.create(
        name=evil("person"),
        owner=us,
        notes=evil("notes"),
        family=evil("family"),
        tastes=evil("tastes"),
        friends=evil("friends"),
        interests=evil("interests"),
        professional_interests=evil("professional_interests"),
    )
    EmploymentFactory(person=person, account=account, title=evil("title"))
    ContactPlan.objects.create(person=person, every_days=30, place=evil("plan_place"))
    for days_ago in (3, 45, 90):
        interaction = InteractionFactory(
            account=account,
            started_at=timezone.now() - dt.timedelta(days=days_ago),
            summary=evil("summary"),
            place=evil("place"),
        )
        InteractionPerson.objects.create(interaction=interaction, person=person)
        InteractionColleague.objects.create(interaction=interaction, colleague=us)
    Commitment.objects.create(
        colleague=us,
        person=person,
        account=account,
        interaction=interaction,
        text=evil("promise"),
        made_on=today - dt.timedelta(days=20),
        due=today - dt.timedelta(days=5),
    )
    Complaint.objects.create(
        account=account,
        person=person,
        opened=today - dt.timedelta(days=4),
        severity="high",
        category=evil("complaint_category"),
        summary=evil("complaint"),
    )
    Concern.objects.create(
        account=account, person=person, topic=evil("concern"), opened=today - dt.timedelta(days=9)
    )
    Initiative.objects.create(
        account=account, person=person, proposed_on=today, text=evil("initiative")
    )
    health_recompute(as_of=today)
    Play.objects.create(
        kind=PlayKind.MEETINGS_SHRINKING,
        person=person,
        facts={"now": 30, "before": 60},
        owner=admin,
        due=today,
        raised_on=today,
    )
    return {"admin": admin, "person": person, "account": account, "interaction": interaction}


def page_html(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_no_raw_markup(html: str, url: str) -> None:
    for tag in FIELDS:
        assert f'<script>alert("{tag}")' not in html, (url, tag)
    assert "<b onmouseover" not in html, url


def shown(html: str) -> set[str]:
    return {tag for tag in FIELDS if escaped(tag) in html}


def test_every_page_escapes_user_text(client: Client, book: dict[str, Any]) -> None:
    client.force_login(book["admin"])
    person: Person = book["person"]
    account: Account = book["account"]
    expected = {
        "/": {"person", "account", "title", "colleague", "user_first"},
        f"/?q={person.name[:8]}": {"person"},
        person.get_absolute_url(): {
            "person",
            "account",
            "title",
            "notes",
            "family",
            "tastes",
            "friends",
            "interests",
            "professional_interests",
            "summary",
            "place",
            "plan_place",
            "promise",
            "colleague",
        },
        "/accounts/": {"account", "colleague"},
        account.get_absolute_url(): {
            "account",
            "industry",
            "person",
            "title",
            "summary",
            "place",
            "promise",
        },
        # the agenda words its reasons itself; the promise is quoted
        "/agenda/": {"person", "account", "promise"},
        "/reports/fairness/": {"account"},
        "/reports/portfolio/": {"account"},
        f"/interactions/new/?person={person.pk}": {"person"},
    }
    seen: dict[str, set[str]] = {}
    for url, tags in expected.items():
        html = page_html(client, url)
        assert_no_raw_markup(html, url)
        seen[url] = shown(html) & tags
    assert seen == expected


@pytest.mark.parametrize(
    ("model", "tags"),
    [
        ("people.person", {"person"}),
        ("people.account", {"account"}),
        ("interactions.interaction", {"account"}),
        ("commitments.commitment", {"promise"}),
        ("commitments.complaint", {"complaint"}),
        ("commitments.concern", {"concern"}),
        ("commitments.initiative", {"initiative"}),
        ("health.play", {"person"}),
        ("users.team", {"team"}),
    ],
)
def test_the_admin_escapes_user_text(
    client: Client, book: dict[str, Any], model: str, tags: set[str]
) -> None:
    client.force_login(book["admin"])
    app, name = model.split(".")
    changelist = page_html(client, reverse(f"admin:{app}_{name}_changelist"))
    assert_no_raw_markup(changelist, model)
    assert shown(changelist) >= tags, model


@pytest.mark.parametrize(
    ("key", "admin_name", "tags"),
    [
        ("person", "people_person", {"person", "notes", "family", "tastes", "friends"}),
        ("account", "people_account", {"account", "industry"}),
        ("interaction", "interactions_interaction", {"summary", "place"}),
    ],
)
def test_the_admin_change_pages_escape_user_text(
    client: Client, book: dict[str, Any], key: str, admin_name: str, tags: set[str]
) -> None:
    client.force_login(book["admin"])
    url = reverse(f"admin:{admin_name}_change", args=[book[key].pk])
    html = page_html(client, url)
    assert_no_raw_markup(html, url)
    # in inputs, textareas and read-only fields alike
    assert shown(html) >= tags


def test_an_account_manager_sees_the_same_escaping(client: Client, book: dict[str, Any]) -> None:
    user: User = UserFactory(username="kam", role=Role.ACCOUNT_MANAGER, team=book["admin"].team)
    # The account is shared with them (access.rules: account managers read their accounts).
    AccountShare.objects.create(account=book["account"], user=user)
    client.force_login(user)
    html = page_html(client, book["person"].get_absolute_url())
    assert_no_raw_markup(html, "person page as kam")
    assert escaped("person") in html
    assert HealthSnapshot.objects.filter(person=book["person"]).exists()
