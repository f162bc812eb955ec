"""Named actors over a small two-team book, for every face's permission tests.

Use it from any test module with ``pytest_plugins = ["vinculo.access.tests.actors"]`` in a
conftest (or by importing the fixtures), then ask for ``book``.

Team Norte: Ana (account manager, the *owner* of Acme Norte and of Nuria, who works there),
Berta (*teammate*, account manager, owns Beta Norte and Bruno there), Diana (*viewer*), Marta
(*manager* of Norte). Team Sur: Carlos (*other team* account manager, owns Sur Industrial
and Sergio there), Sofía (*other manager*, of Sur). Admin: Root. Nuria and Sergio carry
personal facts (M18); every subject has a play owned by its account manager, and a
promise made by Ana to Sergio is overdue (a leak the agenda must not show).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from vinculo.commitments.models import Commitment, Complaint
from vinculo.factories import (
    AccountFactory,
    ColleagueFactory,
    EmploymentFactory,
    PersonEmailFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
)
from vinculo.health.models import Play, PlayKind
from vinculo.people.models import Account, Colleague, Person
from vinculo.users.models import Role, User

NORTE_FACTS = {"family": "Casada, una hija", "tastes": "Vegetariana"}
SUR_FACTS = {"family": "Two sons", "tastes": "Loves jazz"}


@dataclass
class Book:
    owner: User
    teammate: User
    other_team: User
    viewer: User
    manager: User
    other_manager: User
    admin: User
    ana: Colleague
    berta: Colleague
    carlos: Colleague
    norte_account: Account
    beta_account: Account
    sur_account: Account
    nuria: Person  # Ana's, at Acme Norte, with personal facts
    bruno: Person  # Berta's, at Beta Norte
    sergio: Person  # Carlos's, at Sur Industrial, with personal facts
    norte_play: Play
    sur_play: Play

    def actors(self) -> dict[str, User]:
        return {
            "owner": self.owner,
            "teammate": self.teammate,
            "other_team": self.other_team,
            "viewer": self.viewer,
            "manager": self.manager,
            "other_manager": self.other_manager,
            "admin": self.admin,
        }


@pytest.fixture
def book(db: None) -> Book:
    norte, sur = TeamFactory(name="Norte"), TeamFactory(name="Sur")
    owner = UserFactory(username="ana", role=Role.ACCOUNT_MANAGER, team=norte)
    teammate = UserFactory(username="berta", role=Role.ACCOUNT_MANAGER, team=norte)
    other_team = UserFactory(username="carlos", role=Role.ACCOUNT_MANAGER, team=sur)
    viewer = UserFactory(username="diana", role=Role.VIEWER, team=norte)
    manager = UserFactory(username="marta", role=Role.MANAGER, team=norte)
    other_manager = UserFactory(username="sofia", role=Role.MANAGER, team=sur)
    admin = UserFactory(username="root", role=Role.ADMIN, team=None)
    ana = ColleagueFactory(name="Ana Norte", user=owner, team=norte)
    berta = ColleagueFactory(name="Berta Norte", user=teammate, team=norte)
    carlos = ColleagueFactory(name="Carlos Sur", user=other_team, team=sur)
    norte_account = AccountFactory(name="Acme Norte", owner=ana)
    beta_account = AccountFactory(name="Beta Norte", owner=berta)
    sur_account = AccountFactory(name="Sur Industrial", owner=carlos)
    birthday = dt.date(1980, 5, 17)
    nuria = PersonFactory(name="Nuria Norte", owner=ana, birthday=birthday, **NORTE_FACTS)
    bruno = PersonFactory(name="Bruno Beta", owner=berta)
    sergio = PersonFactory(name="Sergio Sur", owner=carlos, birthday=birthday, **SUR_FACTS)
    for person, account, email in (
        (nuria, norte_account, "nuria@acme-norte.example"),
        (bruno, beta_account, "bruno@beta-norte.example"),
        (sergio, sur_account, "sergio@sur.example"),
    ):
        EmploymentFactory(person=person, account=account)
        PersonEmailFactory(person=person, email=email)
    today = timezone.localdate()
    norte_play = Play.objects.create(
        kind=PlayKind.GOING_SILENT, person=nuria, owner=owner, raised_on=today
    )
    Play.objects.create(kind=PlayKind.GOING_SILENT, person=bruno, owner=teammate, raised_on=today)
    sur_play = Play.objects.create(
        kind=PlayKind.GOING_SILENT, person=sergio, owner=other_team, raised_on=today
    )
    # Ana once promised something to Sergio (another team's client): still overdue.
    Commitment.objects.create(
        person=sergio,
        account=sur_account,
        colleague=ana,
        text="Enviar la oferta a Sergio",
        made_on=today - dt.timedelta(days=20),
        due=today - dt.timedelta(days=5),
    )
    Complaint.objects.create(
        person=sergio,
        account=sur_account,
        opened=today - dt.timedelta(days=3),
        severity="critical",
        summary="Queja crítica de Sur",
    )
    return Book(
        owner, teammate, other_team, viewer, manager, other_manager, admin,
        ana, berta, carlos, norte_account, beta_account, sur_account,
        nuria, bruno, sergio, norte_play, sur_play,
    )  # fmt: skip
