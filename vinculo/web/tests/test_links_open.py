"""A page links only what its reader may open (issue 16's load test: links that answered
404). A person an account manager owns may work at someone else's account now: the pages
that list that person's plays, promises, complaints and concerns name the account without
a link, and still link what the reader may open (access.rules.with_link_flags, openable)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vinculo.commitments.models import Commitment, Complaint, Concern
from vinculo.factories import AccountFactory, ColleagueFactory, EmploymentFactory, PersonFactory
from vinculo.health.models import Play, PlayKind, PlayStatus
from vinculo.people.models import Colleague
from vinculo.users.models import User

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def moved(owner: User, colleague: Colleague) -> dict[str, Any]:
    """Marta (Ana's) left Ana's Old Corp for New Corp (someone else's); what is open about
    her there: a play due today, a snoozed one, a promise, a complaint and a concern."""
    today = timezone.localdate()
    mine = AccountFactory(name="Old Corp", owner=colleague)
    theirs = AccountFactory(name="New Corp", owner=ColleagueFactory(name="Otro Dueño"))
    person = PersonFactory(name="Marta Ruiz", owner=colleague)
    EmploymentFactory(
        person=person, account=mine, start=dt.date(2015, 1, 1), end=dt.date(2025, 6, 30)
    )
    EmploymentFactory(person=person, account=theirs, start=dt.date(2025, 7, 1))
    facts = {"now": 30, "before": 60}
    due = Play.objects.create(
        kind=PlayKind.MEETINGS_SHRINKING, person=person, account=theirs, facts=facts,
        owner=owner, due=today, raised_on=today,
    )  # fmt: skip
    snoozed = Play.objects.create(
        kind=PlayKind.MEETINGS_SHRINKING, person=person, account=theirs, facts=facts,
        owner=owner, due=today, raised_on=today, status=PlayStatus.SNOOZED,
        snoozed_until=today + dt.timedelta(days=7),
    )  # fmt: skip
    Commitment.objects.create(
        colleague=colleague, person=person, account=theirs, text="Send the offer",
        made_on=today - dt.timedelta(days=9), due=today - dt.timedelta(days=2),
    )  # fmt: skip
    Complaint.objects.create(
        account=theirs, person=person, opened=today - dt.timedelta(days=3), severity="high",
        category="Billing", summary="Wrong invoice",
    )  # fmt: skip
    Concern.objects.create(
        account=theirs, person=person, topic="Budget cuts", opened=today - dt.timedelta(days=5)
    )
    return {"person": person, "theirs": theirs, "due": due, "snoozed": snoozed}


@pytest.mark.parametrize(
    "page",
    ["web:agenda", "web:agenda_aside", "web:promises", "web:complaints", "web:concerns", "play"],
)
def test_pages_name_but_do_not_link_an_account_the_reader_may_not_open(
    client: Client, owner: User, moved: dict[str, Any], page: str
) -> None:
    client.force_login(owner)
    url = reverse("web:play", args=[moved["due"].pk]) if page == "play" else reverse(page)

    response = client.get(url, **EN)

    html = response.content.decode()
    assert response.status_code == 200
    assert client.get(moved["theirs"].get_absolute_url()).status_code == 404
    assert moved["theirs"].get_absolute_url() not in html
    assert "New Corp" in html
    # Marta is Ana's: her name stays a link.
    assert f'href="{moved["person"].get_absolute_url()}"' in html


def test_an_administrator_gets_the_links(
    client: Client, owner: User, moved: dict[str, Any]
) -> None:
    """The flags follow the reader: for an administrator every account opens."""
    owner.role = "admin"
    owner.save(update_fields=["role"])
    client.force_login(owner)

    for url in (reverse("web:promises"), reverse("web:play", args=[moved["due"].pk])):
        html = client.get(url, **EN).content.decode()
        assert f'<a href="{moved["theirs"].get_absolute_url()}">New Corp</a>' in html, url
